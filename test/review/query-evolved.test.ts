/**
 * `floe query` on a table whose schema and partitioning evolved between merge-on-read
 * merges (position delete files): a column renamed (old files carry the old name), a column
 * dropped and re-added under the same name (NULL for old files, never the old values), and a
 * new partition spec. Every read is compared with PyIceberg's, the current snapshot and the
 * older ones (read with the schema they were written with).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { assertProvisioned, pyicebergRead } from '../interop/oracle.js';

const tmp = useTmpDirs('floe-query-evolved-');
let project: string;
const snapshots: string[] = [];

async function ok(args: string[]): Promise<string> {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r.stdout;
}
type Row = Record<string, unknown>;
const query = async (sql: string, ...more: string[]) => JSON.parse(await ok(['query', sql, '--format', 'json', ...more])) as Row[];

/** One merge run of pipeline m over this CSV text; returns the new snapshot id. */
async function merge(csv: string): Promise<void> {
  await writeFile(path.join(project, 'data', 'x.csv'), csv);
  await ok(['run', 'm']);
  const out = await ok(['snapshots', 'e.m']);
  snapshots.push(/^(\d+) .* main\s*$/m.exec(out)![1]!);
}

/** PyIceberg's rows, with every value as text (longs are decimal strings there), sorted by id. */
async function pyRows(snapshotId?: string): Promise<Record<string, string | null>[]> {
  const r = await pyicebergRead({
    catalogDb: path.join(project, 'warehouse', 'catalog.db'),
    warehouse: path.join(project, 'warehouse'),
    table: 'e.m',
    ...(snapshotId ? { snapshotId } : {}),
  });
  return text(r.rows as Row[]);
}
const text = (rows: Row[]) =>
  rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])))
    .sort((a, b) => Number(a.id) - Number(b.id));

beforeAll(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  await mkdir(path.join(project, 'pipelines'));
  await mkdir(path.join(project, 'data'));
  await writeFile(
    path.join(project, 'pipelines', 'm.yaml'),
    [
      'name: m',
      'source: { kind: csv, path: data/*.csv }',
      'target:',
      '  table: e.m',
      '  mode: merge',
      '  key: [id]',
      '  properties: { write.merge.mode: merge-on-read }',
      '',
    ].join('\n'),
  );
  await merge('id,v,n\n1,a,10\n2,b,20\n3,c,30\n4,d,40\n');
  await merge('id,v,n\n2,b2,21\n5,e,50\n');
  await ok(['table', 'evolve', 'e.m', '--drop-column', 'n']);
  await ok(['table', 'evolve', 'e.m', '--add-column', 'n string', '--rename-column', 'v=label', '--partition-by', 'bucket(2, id)']);
  await merge('id,label,n\n3,c3,x\n6,f,y\n');
}, 240_000);

describe('floe query on an evolved merge-on-read table', () => {
  const current = [
    { id: 1, label: 'a', n: null },
    { id: 2, label: 'b2', n: null },
    { id: 3, label: 'c3', n: 'x' },
    { id: 4, label: 'd', n: null },
    { id: 5, label: 'e', n: null },
    { id: 6, label: 'f', n: 'y' },
  ];

  it('reads the renamed column by field id, the re-added column as NULL for old files, deletes applied', async () => {
    expect(await query('SELECT * FROM e.m ORDER BY id')).toEqual(current);
    const plan = await query('SELECT * FROM e.m', '--explain');
    expect(plan).toMatchObject([{ data_files_kept: 3, delete_files_applied: 2 }]);
  });

  it('filters on the renamed and the re-added column give the same rows as without pruning', async () => {
    expect(await query(`SELECT id FROM e.m WHERE label IN ('b', 'b2', 'c', 'c3') ORDER BY id`)).toEqual([{ id: 2 }, { id: 3 }]);
    expect(await query(`SELECT id FROM e.m WHERE n IS NOT NULL ORDER BY id`)).toEqual([{ id: 3 }, { id: 6 }]);
    expect(await query(`SELECT count(*) AS c FROM e.m WHERE n IS NULL`)).toEqual([{ c: 4 }]);
    // The old n held 10..50: no comparison may find them under the new n.
    expect(await query(`SELECT count(*) AS c FROM e.m WHERE n IN ('10', '21', '30')`)).toEqual([{ c: 0 }]);
    expect(await query(`SELECT id FROM e.m WHERE id = 3`)).toEqual([{ id: 3 }]);
  });

  it('older snapshots read with their own schema: old names and the old n values', async () => {
    expect(await query('SELECT * FROM e.m ORDER BY id', '--snapshot', snapshots[1]!)).toEqual([
      { id: 1, v: 'a', n: 10 },
      { id: 2, v: 'b2', n: 21 },
      { id: 3, v: 'c', n: 30 },
      { id: 4, v: 'd', n: 40 },
      { id: 5, v: 'e', n: 50 },
    ]);
    expect(await query('SELECT * FROM e.m ORDER BY id', '--snapshot', snapshots[0]!)).toEqual([
      { id: 1, v: 'a', n: 10 },
      { id: 2, v: 'b', n: 20 },
      { id: 3, v: 'c', n: 30 },
      { id: 4, v: 'd', n: 40 },
    ]);
  });

  it('PyIceberg reads the same rows, current and at each snapshot', async () => {
    expect(await pyRows()).toEqual(text(current));
    for (const id of snapshots) {
      expect(text(await query('SELECT * FROM e.m', '--snapshot', id)), `snapshot ${id}`).toEqual(await pyRows(id));
    }
  }, 240_000);
});
