/** Every check kind passes on good rows and fails on bad ones, on small DuckDB tables. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ageText } from '../../src/checks/freshness.js';
import { NOW, one, useEngine } from './helpers.js';

const engine = useEngine();

beforeAll(async () => {
  const e = engine();
  await e.run(
    `CREATE TABLE good AS SELECT * FROM (VALUES
      (1, 'a@example.com', '+14155550100', 'US', 10.5, TIMESTAMPTZ '2024-05-01 10:00:00+00', DATE '2024-05-01', '0f8fad5b-d9cb-469f-a165-70867728950e', 1),
      (2, 'b.c@mail.example.org', '+442071838750', 'GB', 20.0, TIMESTAMPTZ '2024-04-30 10:00:00+00', DATE '2024-04-30', '7c9e6679-7425-40de-944b-e07fc1f90ae7', 1),
      (3, 'd@example.com', NULL, 'CA', 99.0, TIMESTAMPTZ '2024-04-29 10:00:00+00', DATE '2024-04-29', 'e02fd0e4-00fd-090A-ca30-0d00a0038ba0', 2)
    ) AS v(id, email, phone, country, amount, updated_at, day, uid, account_id)`,
    'create test table',
  );
  await e.run(
    `CREATE TABLE bad AS SELECT * FROM (VALUES
      (1, 'a@example.com', '4155550100', 'US', -1.0, TIMESTAMPTZ '2024-04-01 10:00:00+00', 'not-a-uuid', 1),
      (1, 'not an email', '+1415', 'XX', 150.0, TIMESTAMPTZ '2024-04-02 10:00:00+00', NULL, 7),
      (2, NULL, NULL, 'XX', 50.0, NULL, NULL, 8),
      (3, NULL, NULL, 'ZZ', 50.0, NULL, NULL, NULL)
    ) AS v(id, email, phone, country, amount, updated_at, uid, account_id)`,
    'create test table',
  );
  await e.run(`CREATE TABLE accounts AS SELECT * FROM (VALUES (1, 'x'), (2, 'y')) AS v(account_id, name)`, 'create test table');
});

describe('row_count', () => {
  it('passes within the bounds and fails outside', async () => {
    expect(await one(engine(), 'good', { row_count: { min: 1, max: 3 } })).toMatchObject({ status: 'pass', observed: 3, expected: 'between 1 and 3' });
    const r = await one(engine(), 'good', { row_count: { min: 5 } });
    expect(r).toMatchObject({ status: 'fail', observed: 3, expected: '>= 5', message: '3 rows, fewer than the minimum of 5' });
    expect(await one(engine(), 'good', { row_count: { max: 2 } })).toMatchObject({ status: 'fail', message: '3 rows, more than the maximum of 2' });
    await engine().run(`CREATE TABLE one_row AS SELECT 1 AS id`, 'create test table');
    expect(await one(engine(), 'one_row', { row_count: { min: 5 } })).toMatchObject({ status: 'fail', message: '1 row, fewer than the minimum of 5' });
    expect(await one(engine(), 'one_row', { row_count: { min: 1 } })).toMatchObject({ status: 'pass', message: '1 row' });
  });
});

describe('freshness', () => {
  it('measures the newest value of a timestamp or date column against now', async () => {
    const ok = await one(engine(), 'good', { freshness: { column: 'updated_at', max_age: '6h' } });
    expect(ok).toMatchObject({ status: 'pass', observed: '2h', expected: '<= 6h' });
    const stale = await one(engine(), 'good', { freshness: { column: 'updated_at', max_age: '1h' } });
    expect(stale).toMatchObject({ status: 'fail', observed: '2h' });
    expect(stale.message).toContain('older than 1h');
    // A date is midnight UTC: 12h before NOW.
    expect(await one(engine(), 'good', { freshness: { column: 'day', max_age: '1d' } })).toMatchObject({ status: 'pass', observed: '12h' });
    expect(await one(engine(), 'bad', { freshness: { column: 'updated_at', max_age: '1d' } })).toMatchObject({ status: 'fail', observed: '29d2h' });
  });

  it('without a column, measures the age of the snapshot', async () => {
    const snapshot = { id: 42n, timestampMs: NOW - 90 * 60_000 };
    expect(await one(engine(), 'good', { freshness: { max_age: '2h' } }, { snapshot })).toMatchObject({ status: 'pass', observed: '1h30m' });
    const r = await one(engine(), 'good', { freshness: { max_age: '1h' } }, { snapshot });
    expect(r).toMatchObject({ status: 'fail', observed: '1h30m' });
    expect(r.message).toContain('snapshot 42');
    expect(await one(engine(), 'good', { freshness: { max_age: '1h' } })).toMatchObject({ status: 'fail', message: 'the table has no snapshot yet' });
  });

  it('shows ages in their two largest units', () => {
    expect([0, 999, 45_000, 5_400_000, 90_061_000, 217_818_489_000, -7_200_000].map(ageText)).toEqual([
      '0s',
      '0s',
      '45s',
      '1h30m',
      '1d1h',
      '2521d1h',
      '2h in the future',
    ]);
  });

  it('fails on a table without values and is an error on a column that is not a time', async () => {
    await engine().run(`CREATE TABLE empty_t AS SELECT * FROM bad WHERE false`, 'create test table');
    expect(await one(engine(), 'empty_t', { freshness: { column: 'updated_at', max_age: '1h' } })).toMatchObject({ status: 'fail', observed: null });
    const r = await one(engine(), 'good', { freshness: { column: 'email', max_age: '1h' } });
    expect(r.status).toBe('error');
    // Named by its Iceberg type, as floe describe shows it, with how a pipeline stores text times as timestamps.
    expect(r.message).toContain('freshness needs a date or timestamp column, but email in table test.t is string');
    expect(r.message).toContain('`type: timestamp` (or timestamptz) on the column in its columns:');
    const n = await one(engine(), 'good', { freshness: { column: 'amount', max_age: '1h' } });
    expect(n.message).toContain('but amount in table test.t is decimal(3, 1) (name a date or timestamp column, or leave out column');
    expect(n.message).not.toContain('type: timestamp');
  });
});

describe('not_null', () => {
  it('counts nulls per column', async () => {
    expect(await one(engine(), 'good', { not_null: ['id', 'email'] })).toMatchObject({ status: 'pass', observed: 0, expected: '0 nulls' });
    const r = await one(engine(), 'bad', { not_null: ['email', 'updated_at', 'id'] });
    expect(r).toMatchObject({ status: 'fail', observed: 4, message: 'email has 2 nulls, updated_at has 2 nulls' });
  });
});

describe('missing_percent', () => {
  it('compares the share of nulls with the threshold', async () => {
    expect(await one(engine(), 'good', { missing_percent: { column: 'phone', max: '34%' } })).toMatchObject({ status: 'pass', observed: '33.33%', expected: '<= 34%' });
    const r = await one(engine(), 'good', { missing_percent: { column: 'phone', max: '5%' } });
    expect(r).toMatchObject({ status: 'fail', observed: '33.33%', message: '1 of 3 rows (33.33%) have no phone' });
  });

  it('reads both the batch and the table in an incremental run and reports the worse', async () => {
    await engine().run(`CREATE TABLE batch_bad AS SELECT * FROM good WHERE id = 3`, 'create test table');
    const r = await one(engine(), 'good', { missing_percent: { column: 'phone', max: 50 } }, { batchRelation: 'batch_bad' });
    expect(r).toMatchObject({ status: 'fail', scope: 'batch', observed: '100%' });
    expect(r.message).toBe('batch: 1 of 1 rows (100%) have no phone; table: 1 of 3 rows (33.33%) have no phone');
  });
});

describe('unique', () => {
  it('finds duplicate single and composite keys, never counting NULL keys', async () => {
    expect(await one(engine(), 'good', { unique: 'id' })).toMatchObject({ status: 'pass', observed: 0, expected: '0 duplicates' });
    expect(await one(engine(), 'bad', { unique: 'id' })).toMatchObject({ status: 'fail', observed: 1, message: '1 value of id occurs more than once, in 2 rows' });
    expect(await one(engine(), 'bad', { unique: ['id', 'country'] })).toMatchObject({ status: 'pass' });
    expect(await one(engine(), 'bad', { unique: ['amount', 'country'] })).toMatchObject({ status: 'pass' });
    // Two rows share (NULL, NULL) uid/email: NULL equals nothing, so no duplicate.
    expect(await one(engine(), 'bad', { unique: ['uid'] })).toMatchObject({ status: 'pass' });
    expect(await one(engine(), 'bad', { unique: ['country'] })).toMatchObject({ status: 'fail', message: '1 value of country occurs more than once, in 2 rows' });
  });
});

describe('accepted_values', () => {
  it('lists the unexpected values with their counts', async () => {
    expect(await one(engine(), 'good', { accepted_values: { column: 'country', values: ['US', 'GB', 'CA'] } })).toMatchObject({ status: 'pass', observed: 0 });
    const r = await one(engine(), 'bad', { accepted_values: { column: 'country', values: ['US', 'GB', 'CA'] } });
    expect(r).toMatchObject({ status: 'fail', observed: 3, expected: '0 rows outside [US, GB, CA]' });
    expect(r.message).toBe("3 rows with country outside the accepted values: 'XX' (2), 'ZZ' (1)");
  });

  it('compares numbers and booleans by type, and numbers on a text column as text', async () => {
    expect(await one(engine(), 'good', { accepted_values: { column: 'account_id', values: [1, 2] } })).toMatchObject({ status: 'pass' });
    expect(await one(engine(), 'good', { accepted_values: { column: 'account_id', values: [1] } })).toMatchObject({ status: 'fail', observed: 1 });
    await engine().run(`CREATE TABLE flags AS SELECT * FROM (VALUES (true, '1'), (false, '2')) AS v(active, code)`, 'create test table');
    expect(await one(engine(), 'flags', { accepted_values: { column: 'active', values: [true, false] } })).toMatchObject({ status: 'pass' });
    expect(await one(engine(), 'flags', { accepted_values: { column: 'code', values: [1, 2] } })).toMatchObject({ status: 'pass' });
  });
});

describe('range', () => {
  it('counts values outside inclusive bounds', async () => {
    expect(await one(engine(), 'good', { range: { column: 'amount', min: 10.5, max: 99 } })).toMatchObject({ status: 'pass', observed: 0, expected: '0 rows outside [10.5, 99]' });
    const r = await one(engine(), 'bad', { range: { column: 'amount', min: 0, max: 100 } });
    expect(r).toMatchObject({ status: 'fail', observed: 2 });
    expect(r.message).toBe('2 rows with amount outside [0, 100] (min -1.0, max 150.0)');
  });

  it('takes text bounds for dates and timestamps', async () => {
    expect(await one(engine(), 'good', { range: { column: 'day', min: '2024-04-29' } })).toMatchObject({ status: 'pass', expected: '0 rows below 2024-04-29' });
    expect(await one(engine(), 'good', { range: { column: 'updated_at', max: '2024-04-30' } })).toMatchObject({ status: 'fail', observed: 2 });
  });
});

describe('format', () => {
  it('matches built-in formats: email, e164, uuid', async () => {
    for (const [column, builtin] of [['email', 'email'], ['phone', 'e164'], ['uid', 'uuid']] as const) {
      expect(await one(engine(), 'good', { format: { column, builtin } }), builtin).toMatchObject({ status: 'pass', observed: 0 });
    }
    expect(await one(engine(), 'bad', { format: { column: 'email', builtin: 'email' } })).toMatchObject({
      status: 'fail',
      observed: 1,
      expected: '0 rows not matching the email format',
      message: '1 of 2 values of email do not match the email format',
    });
    // '+1415' is a well-formed E.164 number; '4155550100' lacks the plus.
    expect(await one(engine(), 'bad', { format: { column: 'phone', builtin: 'e164' } })).toMatchObject({ status: 'fail', observed: 1 });
    expect(await one(engine(), 'bad', { format: { column: 'uid', builtin: 'uuid' } })).toMatchObject({ status: 'fail', observed: 1 });
  });

  it('takes an E.164 number with an extension as normalize: phone writes it, and nothing else after the number', async () => {
    const e = engine();
    await e.run("CREATE TABLE phones AS SELECT * FROM (VALUES ('+14155552671;ext=12'), ('+14155552671'), ('+14155552671 ext. 12'), ('+14155552671;ext='), ('+14155552671;ext=12;ext=3')) t(phone)", 'create test table');
    expect(await one(e, 'phones', { format: { column: 'phone', builtin: 'e164' } })).toMatchObject({ status: 'fail', observed: 3 });
  });

  it('matches a pattern against the whole value', async () => {
    expect(await one(engine(), 'good', { format: { column: 'country', pattern: '[A-Z]{2}' } })).toMatchObject({ status: 'pass' });
    expect(await one(engine(), 'good', { format: { column: 'country', pattern: '[A-Z]' } })).toMatchObject({ status: 'fail', observed: 3 });
    // Non-text columns are matched as text.
    expect(await one(engine(), 'good', { format: { column: 'id', pattern: '\\d+' } })).toMatchObject({ status: 'pass' });
  });

  it('reports a pattern DuckDB cannot run as an error', async () => {
    // JavaScript reads \Z as a plain Z; RE2 has no such escape. (Look-around, which RE2 also
    // lacks, is refused by floe validate: test/review/checks-config.test.ts.)
    const r = await one(engine(), 'good', { format: { column: 'country', pattern: 'US\\Z' } });
    expect(r.status).toBe('error');
    expect(r.message).toContain('invalid escape sequence');
  });
});

describe('relationships', () => {
  it('finds values without a match in the other table', async () => {
    await engine().run(`CREATE SCHEMA IF NOT EXISTS billing`, 'create schema');
    await engine().run(`CREATE OR REPLACE VIEW billing.accounts AS SELECT * FROM main.accounts`, 'create view');
    expect(await one(engine(), 'good', { relationships: { column: 'account_id', to: 'billing.accounts.account_id' } })).toMatchObject({ status: 'pass', observed: 0 });
    const r = await one(engine(), 'bad', { relationships: { column: 'account_id', to: { table: 'billing.accounts', column: 'account_id' } } });
    expect(r).toMatchObject({ status: 'fail', observed: 2, expected: '0 rows without a match in billing.accounts.account_id' });
    expect(r.message).toBe("2 rows with account_id not in billing.accounts.account_id: '7' (1), '8' (1)");
  });

  it('is an error when the other table or its column is not there', async () => {
    const missing = await one(engine(), 'good', { relationships: { column: 'account_id', to: 'crm.nothing.id' } });
    expect(missing.status).toBe('error');
    expect(missing.message).toContain('the referenced table crm.nothing is not available');
    const col = await one(engine(), 'good', { relationships: { column: 'account_id', to: 'billing.accounts.acount_id' } });
    expect(col.status).toBe('error');
    expect(col.message).toContain("column 'acount_id' does not exist in table billing.accounts (did you mean 'account_id'?)");
  });
});

describe('schema', () => {
  it('compares column types, from DuckDB types or the Iceberg schema', async () => {
    expect(await one(engine(), 'good', { schema: { columns: { id: 'int', email: 'string', amount: 'decimal(3, 1)' } } })).toMatchObject({
      status: 'pass',
      observed: 'id: int, email: string, amount: decimal(3, 1)',
    });
    const r = await one(engine(), 'good', { schema: { columns: { id: 'long', region: 'string', amount: 'decimal(3,1)' } } });
    expect(r).toMatchObject({ status: 'fail', observed: 'id: int, region: missing, amount: decimal(3, 1)', message: 'id is int, not long, region is missing' });
    const schema = { type: 'struct' as const, 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'fixed[16]' }] };
    expect(await one(engine(), 'good', { schema: { columns: { id: 'fixed[16]' } } }, { schema })).toMatchObject({ status: 'pass' });
  });
});

describe('volume', () => {
  const history = (counts: number[]) => async () => counts;

  it('compares the row count with the median of earlier runs', async () => {
    const ok = await one(engine(), 'good', { volume: { max_change: '50%', window: 3 } }, { history: history([2, 3, 100]) });
    expect(ok).toMatchObject({ status: 'pass', observed: 3, expected: 'within ±50% of 3', message: '3 rows, +0% against 3 (median of the last 3 runs)' });
    const r = await one(engine(), 'good', { volume: { max_change: 10 } }, { history: history([2]) });
    expect(r).toMatchObject({ status: 'fail', observed: 3, message: '3 rows, +50% against 2 (median of the last run), beyond ±10%' });
  });

  it('passes without history, counts the batch in an incremental run, and asks for the right series', async () => {
    expect(await one(engine(), 'good', { volume: { max_change: 10 } }, { history: history([]) })).toMatchObject({ status: 'pass' });
    const asked: unknown[] = [];
    const r = await one(engine(), 'good', { volume: { max_change: 10, window: 4 } }, {
      batchRelation: 'accounts',
      snapshot: { id: 7n, timestampMs: NOW },
      history: async (q) => {
        asked.push(q);
        return [4, 4];
      },
    });
    expect(r).toMatchObject({ status: 'fail', scope: 'batch', observed: 2, message: '2 new rows, -50% against 4 (median of the last 2 runs), beyond ±10%' });
    expect(asked).toEqual([{ table: 'test.t', check: 'volume', scope: 'batch', limit: 4, excludeSnapshotId: 7n }]);
  });

  it('is an error without a history to compare with', async () => {
    expect(await one(engine(), 'good', { volume: { max_change: 10 } })).toMatchObject({ status: 'error' });
  });
});

describe('sql', () => {
  it('passes when a count is 0, or when the value equals expect', async () => {
    expect(await one(engine(), 'good', { sql: 'SELECT count(*) FROM {{ this }} WHERE amount < 0' })).toMatchObject({ status: 'pass', observed: 0, expected: '= 0' });
    const r = await one(engine(), 'bad', { sql: 'SELECT count(*) FROM {{ this }} WHERE amount < 0;' });
    expect(r).toMatchObject({ status: 'fail', observed: 1, message: 'the query returned 1, expected 0' });
    expect(await one(engine(), 'good', { sql: { query: 'SELECT max(country) FROM {{this}}', expect: 'US' } })).toMatchObject({ status: 'pass', observed: 'US' });
    expect(await one(engine(), 'good', { sql: { query: 'SELECT sum(amount) FROM {{ this }}', expect: 129.5 } })).toMatchObject({ status: 'pass' });
    expect(await one(engine(), 'good', { sql: { query: 'SELECT bool_and(id > 0) FROM {{ this }}', expect: true } })).toMatchObject({ status: 'pass' });
  });

  it('counts the rows of a query that lists offenders', async () => {
    expect(await one(engine(), 'good', { sql: 'SELECT id, email FROM {{ this }} WHERE email IS NULL' })).toMatchObject({ status: 'pass', observed: 0 });
    expect(await one(engine(), 'bad', { sql: 'SELECT id, email FROM {{ this }} WHERE email IS NULL' })).toMatchObject({
      status: 'fail',
      observed: 2,
      message: 'the query returned 2 rows, expected 0',
    });
  });

  it('reports SQL that DuckDB rejects as an error, never a pass', async () => {
    const r = await one(engine(), 'good', { sql: 'SELEC count(*) FROM {{ this }}' });
    expect(r).toMatchObject({ status: 'error', observed: null });
    expect(r.message).toMatch(/could not be evaluated: DuckDB could not prepare the query of check sql on test\.t: Parser Error: syntax error/);
    const r2 = await one(engine(), 'good', { sql: 'SELECT count(*) FROM {{ this }} WHERE nope > 1' });
    expect(r2.status).toBe('error');
    expect(r2.message).toContain('nope');
  });
});
