/**
 * A pipeline whose column changes type in a way Iceberg cannot promote (text → timestamptz,
 * as when a pipeline starts declaring `type:` for a column it used to land as text) fails
 * naming the column and both types, and its hint says how to get the new type without
 * dropping the table: drop the column with `floe table evolve`, then `--full-refresh`. The
 * hint's commands, followed literally, work, and time travel keeps the old values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CSV = 'id,seen\n1,2026-01-05 10:00:00\n2,2026-01-06 11:30:00\n';
const pipeline = (columns: string) =>
  ['source: { kind: csv, path: data/people.csv, columns: { seen: string } }', 'target: { table: raw.people, mode: merge, key: [id] }', columns, ''].join('\n');

describe('a column whose type cannot be promoted', () => {
  it('fails with a hint whose commands give the column its new type', async () => {
    const p = await newProject();
    await p.write('data/people.csv', CSV);
    await p.pipeline('people', pipeline(''));
    await p.run(['people']);
    const before = await p.snapshots('raw.people');

    await p.pipeline('people', pipeline('columns:\n  seen: { type: timestamptz }'));
    const failed = await p.floe(['run', 'people']);
    expect(failed.code, show(failed)).toBe(1);
    expect(failed.stderr).toContain('column "seen": the input has type timestamptz, the table raw.people has string');
    expect(failed.stderr).toContain('hint: a column\'s type changes in place only by promotion');
    expect(failed.stderr).toContain('floe table evolve raw.people --drop-column seen');
    expect(failed.stderr).toContain('floe run --full-refresh');
    expect(await p.snapshots('raw.people')).toEqual(before);

    const evolved = await p.floe(['table', 'evolve', 'raw.people', '--drop-column', 'seen']);
    expect(evolved.code, show(evolved)).toBe(0);
    await p.run(['people', '--full-refresh']);
    const rows = await p.query('SELECT id, seen, typeof(seen) AS t FROM raw.people ORDER BY id');
    expect(rows.map((r) => [r.id, r.t])).toEqual([
      [1, 'TIMESTAMP WITH TIME ZONE'],
      [2, 'TIMESTAMP WITH TIME ZONE'],
    ]);
    // Time travel reads the dropped column's old text values at the first snapshot.
    const old = await p.floe(['query', 'SELECT id, seen FROM raw.people ORDER BY id', '--snapshot', before[0]!['snapshot-id'], '--format', 'json']);
    expect(old.code, show(old)).toBe(0);
    expect(old.stdout).toContain('2026-01-05 10:00:00');
    expect(old.stdout).toContain('2026-01-06 11:30:00');
  });
});
