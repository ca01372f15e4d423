/**
 * freshness as a cron monitor relies on it: a value in the future (a bad row dated 2099, a
 * clock far ahead) must not keep the check passing for ever; naive timestamps, dates and
 * timestamps with a zone all measure the same instant; an empty or all-NULL column fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NOW, one, useEngine } from '../checks/helpers.js';

const engine = useEngine();

beforeAll(async () => {
  // NOW is 2024-05-01 12:00 UTC. The honest newest value is 10:00 UTC, two hours old.
  await engine().run(
    `CREATE TABLE stamped AS SELECT * FROM (VALUES
      (1, TIMESTAMP '2024-05-01 10:00:00', TIMESTAMPTZ '2024-05-01 12:00:00+02', TIMESTAMP_NS '2024-05-01 10:00:00'),
      (2, TIMESTAMP '2024-04-30 10:00:00', TIMESTAMPTZ '2024-04-30 10:00:00+00', TIMESTAMP_NS '2024-04-30 10:00:00'),
      (3, NULL, NULL, NULL)
    ) AS v(id, naive, zoned, nanos)`,
    'create test table',
  );
  await engine().run(`CREATE TABLE bogus AS SELECT * FROM stamped UNION ALL SELECT 4, TIMESTAMP '2099-01-01 00:00:00', TIMESTAMPTZ '2099-01-01 00:00:00+00', TIMESTAMP_NS '2099-01-01 00:00:00'`, 'create test table');
  await engine().run(`CREATE TABLE skewed AS SELECT * FROM stamped UNION ALL SELECT 5, TIMESTAMP '2024-05-01 12:03:00', TIMESTAMPTZ '2024-05-01 12:03:00+00', TIMESTAMP_NS '2024-05-01 12:03:00'`, 'create test table');
  await engine().run(`CREATE TABLE only_future AS SELECT * FROM bogus WHERE id = 4`, 'create test table');
  await engine().run(`CREATE TABLE all_null AS SELECT * FROM stamped WHERE id = 3`, 'create test table');
});

describe('freshness', () => {
  it('measures the same instant in a naive timestamp (read as UTC), a timestamp with a zone and a nanosecond timestamp', async () => {
    for (const column of ['naive', 'zoned', 'nanos']) {
      expect(await one(engine(), 'stamped', { freshness: { column, max_age: '3h' } }), column).toMatchObject({ status: 'pass', observed: '2h' });
      expect(await one(engine(), 'stamped', { freshness: { column, max_age: '1h' } }), column).toMatchObject({ status: 'fail', observed: '2h' });
    }
  });

  it('leaves out a value far in the future instead of passing on it for ever, and says so', async () => {
    for (const column of ['naive', 'zoned', 'nanos']) {
      const r = await one(engine(), 'bogus', { freshness: { column, max_age: '1h' } });
      expect(r, column).toMatchObject({ status: 'fail', observed: '2h' });
      expect(r.message, column).toContain(`1 value of ${column} in the future (up to 2099-01-01`);
    }
    expect(await one(engine(), 'bogus', { freshness: { column: 'naive', max_age: '3h' } })).toMatchObject({ status: 'pass', observed: '2h' });
  });

  it('counts a value a few minutes ahead (a clock slightly fast) as now', async () => {
    const r = await one(engine(), 'skewed', { freshness: { column: 'naive', max_age: '1h' } });
    expect(r).toMatchObject({ status: 'pass', observed: '3m in the future' });
    expect(r.message).not.toContain('left out');
  });

  it('fails when every value is in the future, or there is none, with no observed age', async () => {
    const r = await one(engine(), 'only_future', { freshness: { column: 'zoned', max_age: '100000d' } });
    expect(r).toMatchObject({ status: 'fail', observed: null });
    expect(r.message).toContain('every value of zoned is in the future');
    expect(await one(engine(), 'all_null', { freshness: { column: 'naive', max_age: '100000d' } })).toMatchObject({
      status: 'fail',
      observed: null,
      message: 'naive has no values to measure freshness by',
    });
  });

  it('is an error, naming the columns, on a table without that column', async () => {
    const r = await one(engine(), 'stamped', { freshness: { column: 'updated_at', max_age: '1h' } });
    expect(r.status).toBe('error');
    expect(r.message).toContain("column 'updated_at' does not exist in table test.t");
    expect(r.message).toContain('its columns are: id, naive, zoned, nanos');
  });

  it('uses the injected now', () => {
    expect(NOW).toBe(Date.parse('2024-05-01T12:00:00Z'));
  });
});
