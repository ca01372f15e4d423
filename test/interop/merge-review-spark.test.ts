/**
 * floe merges into tables that Spark changed with its own merge-on-read MERGE INTO and DELETE
 * (position delete files written by Iceberg Java), in both of floe's write modes:
 *
 *   ns.sp  partitioned by region, write.merge.mode=merge-on-read (floe adds position deletes
 *          beside Spark's, anti-joining the rows Spark already deleted)
 *   ns.sc  unpartitioned, copy-on-write (floe rewrites files with Spark's deletes applied and
 *          drops Spark's file-scoped delete files with them)
 *
 * floe's merge updates a row Spark updated (now in Spark's data file), upserts a key Spark
 * deleted, deletes a key Spark deleted (nothing to do), deletes a row Spark updated, updates a
 * row Spark inserted, moves a row to the other partition, and updates an untouched row. The
 * expected rows are computed here from the inputs; floe, PyIceberg and Spark (two JVM launches
 * in all) must each read exactly them: no key twice, no deleted row back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLES = { 'ns.sp': 'merge-on-read', 'ns.sc': 'copy-on-write' } as const;
type Table = keyof typeof TABLES;
const SPARK_TIMEOUT = 900_000;

const region = (id: number) => (id % 2 === 0 ? 'eu' : 'us');

/** Spark's MERGE source: id, region, note, gone. */
const SPARK_MERGE: [number, string, string, boolean][] = [
  [1, 'us', 'spark1', false],
  [2, 'eu', 'spark2', false],
  [3, 'us', '', true],
  [200, 'eu', 'spark200', false],
];
const SPARK_DELETE = [5, 6];
/** floe's merge: id, region, note, gone. */
const FLOE_MERGE: [number, string, string, boolean][] = [
  [1, 'us', 'floe1', false], // Spark updated it: its row is in Spark's data file now
  [3, 'us', 'floe3', false], // Spark deleted it: comes back as a new row
  [5, 'us', '', true], // Spark deleted it: nothing to delete
  [2, 'eu', '', true], // Spark updated it: deleted now
  [200, 'eu', 'floe200', false], // Spark inserted it
  [8, 'us', 'moved8', false], // eu → us
  [11, 'us', 'floe11', false], // untouched until now
];

function expected(): CanonicalRow[] {
  const rows = new Map<number, { region: string; note: string }>();
  for (let i = 0; i < 40; i++) rows.set(i, { region: region(i), note: `n${i}` });
  for (const batch of [SPARK_MERGE, FLOE_MERGE]) {
    for (const [id, r, note, gone] of batch) {
      if (gone) rows.delete(id);
      else rows.set(id, { region: r, note });
    }
    if (batch === SPARK_MERGE) for (const id of SPARK_DELETE) rows.delete(id);
  }
  return [...rows].sort(([a], [b]) => a - b).map(([id, v]) => ({ id, region: v.region, note: v.note }));
}

let project: FloeProject;
const floe: Partial<Record<Table, { rows: CanonicalRow[]; snapshots: SnapshotInfo[] }>> = {};
const afterSpark: Partial<Record<Table, CanonicalRow[]>> = {};
const py: Partial<Record<Table, PyIcebergReadResult>> = {};
const spark: Partial<Record<Table, SparkTableRead>> = {};

/** Canonical rows sorted by id, ids as numbers (the oracles' canonical longs may be strings). */
const byId = (rows: CanonicalRow[]) =>
  rows.map((r) => ({ id: Number(r.id), region: r.region, note: r.note })).sort((a, b) => a.id - b.id);

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('merge-review-spark');
  const cat = project.catalogName;
  // Two data files per table, so a merge's candidates are some of them, not all.
  const parts = [join(project.inputs, 'a.parquet'), join(project.inputs, 'b.parquet')];
  await writeParquet(parts[0]!, `SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, 'n' || i AS note FROM range(0, 20) t(i)`);
  await writeParquet(parts[1]!, `SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, 'n' || i AS note FROM range(20, 40) t(i)`);
  for (const t of Object.keys(TABLES) as Table[]) {
    await project.load(t, [parts[0]!], t === 'ns.sp' ? { partitionBy: ['region'] } : {});
    await project.load(t, [parts[1]!]);
  }

  const source = `SELECT * FROM VALUES ${SPARK_MERGE.map(([id, r, note, gone]) => `(${id}L, '${r}', '${note}', ${gone})`).join(', ')} AS s(id, region, note, gone)`;
  const ops = (Object.keys(TABLES) as Table[]).flatMap((t) => [
    { op: 'sql' as const, sql: `ALTER TABLE ${cat}.${t} SET TBLPROPERTIES ('write.merge.mode'='merge-on-read', 'write.delete.mode'='merge-on-read', 'write.update.mode'='merge-on-read')` },
    {
      op: 'sql' as const,
      sql:
        `MERGE INTO ${cat}.${t} AS t USING (${source}) AS s ON t.id = s.id ` +
        `WHEN MATCHED AND s.gone THEN DELETE WHEN MATCHED THEN UPDATE SET t.region = s.region, t.note = s.note ` +
        `WHEN NOT MATCHED AND NOT s.gone THEN INSERT (id, region, note) VALUES (s.id, s.region, s.note)`,
    },
    { op: 'sql' as const, sql: `DELETE FROM ${cat}.${t} WHERE id IN (${SPARK_DELETE.join(', ')})` },
  ]);
  await sparkBatch({ ...project.catalog, timeoutMs: SPARK_TIMEOUT - 60_000, ops });

  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  const input = join(project.inputs, 'changes.parquet');
  await writeParquet(
    input,
    `SELECT * FROM (VALUES ${FLOE_MERGE.map(([id, r, note, gone]) => `(${id}::BIGINT, '${r}', '${note}', ${gone})`).join(', ')}) AS t(id, region, note, gone)`,
  );
  for (const [t, mode] of Object.entries(TABLES) as [Table, string][]) {
    const fields = currentFields(await project.describe(t));
    afterSpark[t] = await floeRows(project, t, fields);
    await project.ok(['table', 'evolve', t, '--set-property', `write.merge.mode=${mode}`]);
    writeFileSync(
      join(project.dir, 'pipelines', `${t.replace('.', '_')}.yaml`),
      ['source:', '  kind: parquet', `  path: ${JSON.stringify(input)}`, 'target:', `  table: ${t}`, '  mode: merge', '  key: [id]', '  delete_column: gone', ''].join('\n'),
    );
  }
  await project.ok(['run', '--all']);
  for (const t of Object.keys(TABLES) as Table[]) {
    floe[t] = { rows: await floeRows(project, t, currentFields(await project.describe(t))), snapshots: await project.snapshots(t) };
    py[t] = await pyicebergRead({ ...project.catalog, table: t });
  }
  const reads = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: (Object.keys(TABLES) as Table[]).map((t) => ({ op: 'read' as const, table: t, with_rows: true })),
  });
  (Object.keys(TABLES) as Table[]).forEach((t, i) => (spark[t] = reads.results[i] as SparkTableRead));
}, 2_400_000);

afterAll(() => project?.remove());

describe.each(Object.entries(TABLES) as [Table, string][])('a floe merge into %s (%s) after Spark merge-on-read changes', (t, mode) => {
  it("Spark's MERGE and DELETE are what floe read before its merge", () => {
    const want = new Map<number, { region: string; note: string }>();
    for (let i = 0; i < 40; i++) want.set(i, { region: region(i), note: `n${i}` });
    for (const [id, r, note, gone] of SPARK_MERGE) {
      if (gone) want.delete(id);
      else want.set(id, { region: r, note });
    }
    for (const id of SPARK_DELETE) want.delete(id);
    expect(byId(afterSpark[t]!)).toEqual([...want].sort(([a], [b]) => a - b).map(([id, v]) => ({ id, ...v })));
  });

  it('floe reads exactly the expected rows: each key once, no deleted row back', () => {
    const rows = byId(floe[t]!.rows);
    expect(rows).toEqual(expected());
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it(`PyIceberg and Spark read the rows floe reads (${mode})`, () => {
    expect(py[t]!.snapshot_id).toBe(floe[t]!.snapshots.at(-1)!['snapshot-id']);
    expect(byId(py[t]!.rows ?? [])).toEqual(expected());
    expect(spark[t]!.snapshot_id).toBe(floe[t]!.snapshots.at(-1)!['snapshot-id']);
    expect(byId(spark[t]!.rows ?? [])).toEqual(expected());
  });
});
