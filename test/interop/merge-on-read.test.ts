/**
 * Interop of merge-on-read merges (`write.merge.mode = merge-on-read`): floe writes
 * position delete files in delete manifests; PyIceberg and Spark (one JVM launch) must read
 * exactly the rows floe reads.
 *
 *   floe load (ns.mor unpartitioned; ns.morp by region, write.delete.granularity=partition)
 *     → floe table evolve --set-property write.merge.mode=merge-on-read
 *     → floe run --all ×3 (updates, inserts, deletes by delete_column, a key updated again)
 *     → PyIceberg reads each table; Spark reads both.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PyIcebergReadResult, type SparkTableRead, assertProvisioned, type CanonicalRow, pyicebergRead, sparkRead } from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';
import { openCatalog } from '../../src/catalog/open.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';

const TABLES = ['ns.mor', 'ns.morp'] as const;
const SPARK_TIMEOUT = 900_000;

let project: FloeProject;
const floe: Record<string, { rows: CanonicalRow[]; snapshots: SnapshotInfo[]; dataFiles: Set<string> }> = {};
const initialFiles: Record<string, Set<string>> = {};
const py: Record<string, PyIcebergReadResult> = {};
let spark: Record<string, SparkTableRead>;

const batch = (rows: [number, string, boolean][]) =>
  `SELECT * FROM (VALUES ${rows.map(([id, note, gone]) => `(${id}::BIGINT, CASE WHEN ${id} % 2 = 0 THEN 'eu' ELSE 'us' END, '${note}', ${gone})`).join(', ')}) t(id, region, note, gone)`;

/** The live data files of the current snapshot, by scan planning. */
async function dataFiles(table: string): Promise<Set<string>> {
  const catalog = await openCatalog({ uri: `sqlite:${project.catalogDb}`, name: project.catalogName }, project.dir);
  try {
    const t = await loadTable(catalog, new LocalFileIO(), parseTableIdentifier(table));
    const plan = await planScan({ io: t.io, metadata: t.metadata, table });
    return new Set(plan.dataFiles.map((d) => d.file.file_path));
  } finally {
    await catalog.close();
  }
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('mor');
  const first = join(project.inputs, 'base.parquet');
  await writeParquet(first, `SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, 'n' || i AS note FROM range(0, 40) t(i)`);
  await project.load('ns.mor', [first]);
  await project.load('ns.morp', [first], { partitionBy: ['region'] });
  await project.ok(['table', 'evolve', 'ns.mor', '--set-property', 'write.merge.mode=merge-on-read']);
  await project.ok(['table', 'evolve', 'ns.morp', '--set-property', 'write.merge.mode=merge-on-read', '--set-property', 'write.delete.granularity=partition']);
  for (const t of TABLES) initialFiles[t] = await dataFiles(t);

  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  const input = join(project.inputs, 'changes.parquet');
  for (const t of TABLES) {
    writeFileSync(
      join(project.dir, 'pipelines', `${t.replace('.', '_')}.yaml`),
      ['source:', '  kind: parquet', `  path: ${JSON.stringify(input)}`, 'target:', `  table: ${t}`, '  mode: merge', '  key: [id]', '  delete_column: gone', ''].join('\n'),
    );
  }
  const runs: [number, string, boolean][][] = [
    [[1, 'upd1', false], [2, 'upd2', false], [100, 'ins100', false], [5, '', true], [6, '', true]],
    [[1, 'again1', false], [100, 'again100', false], [101, 'ins101', false], [7, '', true]],
    [[1, 'third1', false], [6, 'back6', false], [10, 'upd10', false], [11, 'upd11', false]],
  ];
  for (const r of runs) {
    await writeParquet(input, batch(r));
    await project.ok(['run', '--all']);
  }
  for (const t of TABLES) {
    const fields = currentFields(await project.describe(t));
    floe[t] = { rows: await floeRows(project, t, fields), snapshots: await project.snapshots(t), dataFiles: await dataFiles(t) };
    py[t] = await pyicebergRead({ ...project.catalog, table: t });
  }
  spark = (await sparkRead({ ...project.catalog, tables: [...TABLES], withRows: true, timeoutMs: SPARK_TIMEOUT - 60_000 })).tables;
}, 1_500_000);

afterAll(() => project?.remove());

describe.each(TABLES)('merge-on-read merges into %s', (table) => {
  it('floe reads the upserted rows, with position deletes and no data file rewritten', () => {
    const f = floe[table]!;
    const byId = new Map(f.rows.map((r) => [Number(r.id), r.note]));
    expect(f.rows.length).toBe(40 - 2 + 2); // 5 and 7 deleted (6 deleted, then back), 100 and 101 new
    expect(new Set(f.rows.map((r) => Number(r.id))).size).toBe(f.rows.length);
    expect([1, 2, 5, 6, 7, 10, 11, 100, 101].map((id) => byId.get(id) ?? null)).toEqual(['third1', 'upd2', null, 'back6', null, 'upd10', 'upd11', 'again100', 'ins101']);
    const ops = f.snapshots.map((s) => s.summary.operation);
    expect(ops.slice(-3)).toEqual(['overwrite', 'overwrite', 'overwrite']);
    expect(Number(f.snapshots.at(-1)!.summary['total-position-deletes'])).toBe(4 + 3 + 3);
    expect(Number(f.snapshots.at(-1)!.summary['total-delete-files'])).toBeGreaterThan(0);
    for (const p of initialFiles[table]!) expect(f.dataFiles.has(p)).toBe(true);
  });

  it('PyIceberg and Spark read the same rows as floe', () => {
    const f = floe[table]!;
    const last = String(f.snapshots.at(-1)!['snapshot-id']);
    expect(String(py[table]!.snapshot_id)).toBe(last);
    expectSameRows(table, f.rows, py[table]!.rows, 'PyIceberg');
    expect(String(spark[table]!.snapshot_id)).toBe(last);
    expect(spark[table]!.count).toBe(f.rows.length);
    expectSameRows(table, f.rows, spark[table]!.rows, 'Spark');
  });
});
