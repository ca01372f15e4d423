/**
 * A declared `type:` whose value DuckDB converts but Iceberg cannot hold — 'infinity' as a
 * date or timestamp, '24:00:00' as a time — is a row reject like any value that does not
 * convert. Before, the row reached the write-time guard, which failed the whole run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, type RunResult, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('values a declared type converts but Iceberg cannot hold', () => {
  let p: Project;
  let run: RunResult;
  beforeAll(async () => {
    p = await newProject();
    await p.write(
      'data/events.csv',
      ['id,day,at,clock', '1,2026-01-02,2026-01-02 03:04:05,10:00:00', '2,infinity,2026-01-02 03:04:05,11:00:00', '3,2026-01-03,-infinity,12:00:00', '4,2026-01-04,2026-01-04 00:00:00,24:00:00', '5,2026-01-05,2026-01-05 00:00:00,23:59:59', ''].join('\n'),
    );
    await p.pipeline(
      'events',
      ['source: { kind: csv, path: data/events.csv }', 'columns:', '  id: { type: long }', '  day: { type: date }', '  at: { type: timestamp }', '  clock: { type: time }', 'target: { table: web.events }', 'rejects: { max_ratio: 0.9 }', ''].join('\n'),
    );
    run = await p.floe(['run', 'events', '--json']);
  });

  it('the run commits the representable rows', async () => {
    expect(run.code, show(run)).toBe(0);
    expect(events(run.stdout).find((e) => e.event === 'commit')).toMatchObject({ rows_written: 2, rejects: 3 });
    expect(await p.query('SELECT id FROM web.events ORDER BY id')).toEqual([{ id: 1 }, { id: 5 }]);
  });

  it('each unrepresentable value is quarantined with its column and value', async () => {
    const rows = await p.query(`SELECT reason FROM web.events__rejects ORDER BY reason`);
    expect(rows.map((r) => r.reason)).toEqual([
      'column at: cannot convert -infinity to timestamp',
      'column clock: cannot convert 24:00:00 to time',
      'column day: cannot convert infinity to date',
    ]);
  });
});
