/**
 * Interop of compaction, both ways, with two JVM launches:
 *
 *   floe load ×5 (10 small files, partitioned by region)
 *     → Spark: merge-on-read DELETE (position delete files written by Iceberg Java)
 *     → floe compact (deletes applied, delete files removed)  → PyIceberg reads
 *     → Spark: read, append, CALL system.rewrite_data_files (sort), read
 *     → floe reads Spark's rewrite.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PyIcebergReadResult, type SparkAppendResult, type SparkSqlResult, type SparkTableRead, assertProvisioned, type CanonicalRow, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.cmp';
const SPARK_TIMEOUT = 900_000;
const SPARK_ROWS: CanonicalRow[] = [
  { id: 9001, region: 'eu', amount: 1.5, note: 'from spark' },
  { id: 9002, region: 'us', amount: null, note: null },
];

let project: FloeProject;
let before: CanonicalRow[];
let afterDelete: CanonicalRow[];
let compactOut: string;
let afterFloe: { rows: CanonicalRow[]; snapshots: SnapshotInfo[] };
let py: PyIcebergReadResult;
let spark: { read: SparkTableRead; appended: SparkAppendResult; rewrite: SparkSqlResult; after: SparkTableRead };
let afterSpark: { rows: CanonicalRow[]; snapshots: SnapshotInfo[] };

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('compact');
  for (let b = 0; b < 5; b++) {
    const file = join(project.inputs, `part-${b}.parquet`);
    await writeParquet(file, `SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, (i * 1.25)::DOUBLE AS amount, 'n' || i AS note FROM range(${b * 10}, ${b * 10 + 10}) t(i)`);
    await project.load(TABLE, [file], b === 0 ? { partitionBy: ['region'] } : {});
  }
  const fields = currentFields(await project.describe(TABLE));
  before = await floeRows(project, TABLE, fields);

  const cat = project.catalogName;
  await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'sql', sql: `ALTER TABLE ${cat}.${TABLE} SET TBLPROPERTIES ('write.delete.mode' = 'merge-on-read')` },
      { op: 'sql', sql: `DELETE FROM ${cat}.${TABLE} WHERE id IN (3, 14, 27)` },
    ],
  });
  afterDelete = await floeRows(project, TABLE, fields);
  compactOut = (await project.ok(['compact', TABLE, '--min-input-files', '2', '--json'])).stdout;
  afterFloe = { rows: await floeRows(project, TABLE, fields), snapshots: await project.snapshots(TABLE) };
  py = await pyicebergRead({ ...project.catalog, table: TABLE });

  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: TABLE, with_rows: true },
      { op: 'append', table: TABLE, rows: SPARK_ROWS },
      {
        op: 'sql',
        sql: `CALL ${cat}.system.rewrite_data_files(table => '${TABLE}', strategy => 'sort', sort_order => 'id DESC NULLS LAST', ` +
          `options => map('rewrite-all', 'true'))`,
      },
      { op: 'read', table: TABLE, with_rows: true },
    ],
  });
  const [read, appended, rewrite, after] = r.results as [SparkTableRead, SparkAppendResult, SparkSqlResult, SparkTableRead];
  spark = { read, appended, rewrite, after };
  afterSpark = { rows: await floeRows(project, TABLE, fields), snapshots: await project.snapshots(TABLE) };
}, 1_500_000);

afterAll(() => project?.remove());

describe('floe compacts a table holding Spark position deletes', () => {
  it("Spark's merge-on-read delete removed three rows, as floe reads it", () => {
    expect(before.length).toBe(50);
    expect(afterDelete.length).toBe(47);
    expect(afterDelete.map((x) => Number(x.id))).not.toContain(14);
  });

  it('floe rewrote the 10 data files into one per partition and dropped the delete files', () => {
    const commit = compactOut.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'commit')!;
    expect(commit).toMatchObject({ rewritten_data_files: 10, added_data_files: 2, added_records: 47 });
    expect(Number(commit.removed_delete_files)).toBeGreaterThan(0);
    const last = afterFloe.snapshots.at(-1)!;
    expect(last.summary.operation).toBe('replace');
    expect(last.summary['total-delete-files']).toBe('0');
    expect(last.summary['total-records']).toBe('47');
    expectSameRows(TABLE, afterDelete, afterFloe.rows, 'floe after compaction');
  });

  it("PyIceberg and Spark read floe's compacted table as floe does", () => {
    expect(py.snapshot_id).toBe(afterFloe.snapshots.at(-1)!['snapshot-id']);
    expect(py.files_scanned).toBe(2);
    expectSameRows(TABLE, afterFloe.rows, py.rows, 'PyIceberg');
    expect(spark.read.snapshot_id).toBe(afterFloe.snapshots.at(-1)!['snapshot-id']);
    expectSameRows(TABLE, afterFloe.rows, spark.read.rows, 'Spark');
  });
});

describe("Spark's rewrite_data_files on a floe table", () => {
  it('Spark rewrote every file, and floe reads exactly what Spark reads', () => {
    expect(spark.appended.appended).toBe(2);
    expect(spark.rewrite.rows.length).toBe(1);
    expect(Number(spark.rewrite.rows[0]!.rewritten_data_files_count)).toBeGreaterThan(0);
    const last = afterSpark.snapshots.at(-1)!;
    expect(last.summary.operation).toBe('replace');
    expect(last['snapshot-id']).toBe(spark.after.snapshot_id);
    expect(afterSpark.rows.length).toBe(49);
    expectSameRows(`${TABLE} after Spark's rewrite`, afterSpark.rows, spark.after.rows, 'Spark');
  });
});
