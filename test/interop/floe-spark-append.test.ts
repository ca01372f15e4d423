/**
 * Interop matrix, part 3: mixed lineage. floe creates a partitioned table with every type
 * Spark can hold (primitives but time, plus struct, list<struct>, map<string,long>, list<int>)
 * and appends to it; Spark (JdbcCatalog on floe's catalog) reads it and commits an append;
 * floe reads Spark's commit, appends on top of Spark's snapshot, and PyIceberg reads the
 * final state and Spark's snapshot by time travel.
 *
 *   floe load (create, bucket(4, id) + day(ts)) → floe load (append) → Spark append
 *     → floe load (append) → PyIceberg / floe query
 *
 * One Spark launch: read, append, read again, partition check, in one session.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CanonicalRow,
  type PyIcebergReadResult,
  type SparkAppendResult,
  type SparkSqlResult,
  type SparkTableRead,
  assertProvisioned,
  pyicebergRead,
  sortCanonicalRows,
  sparkBatch,
} from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';
import { wideSql, writeParquet } from './helpers/inputs.js';
import {
  type LoadedTable,
  expectPyIcebergMatches,
  expectSameRows,
  expectSparkMatches,
  floeRows,
  inputRows,
  loadAndRead,
  sparkPartitionCheckSql,
} from './helpers/matrix.js';

const TABLE = 'ns.rw';
const SPARK_TIMEOUT = 900_000;

const COLUMNS = ['id', 'b', 'i', 'l', 'f', 'd', 'dec9', 'dec38', 'dt', 'ts', 'tstz', 's', 'u', 'bin', 'st', 'ls', 'mp', 'li'];
const row = (values: CanonicalRow): CanonicalRow => Object.fromEntries(COLUMNS.map((c) => [c, values[c] ?? null]));

/** What Spark appends, in canonical JSON (docs/INTEROP.md). */
const SPARK_ROWS: CanonicalRow[] = [
  row({
    id: 1001, b: true, i: -7, l: '-9223372036854775807', f: 1.5, d: 'NaN', dec9: '-1234567.89',
    dec38: '-123456789012345678.0123456789', dt: '1969-07-20', ts: '1969-07-20T20:17:40.123456',
    tstz: '1969-07-20T20:17:40.000001Z', s: 'written by Spark — ünïcödé, longer than 16 😀',
    u: '123e4567-e89b-12d3-a456-426614174000', bin: 'deadbeef00',
    st: { a: 7, b: 'x', c: { d: -0.5, e: '1999-12-31' } }, ls: [{ x: '1', y: 'p' }, null],
    mp: [['a', null], ['k', '5']], li: [1, null],
  }),
  row({ id: 1002 }),
  row({
    id: 1003, b: false, i: 2147483647, l: '0', f: '-Infinity', d: 'Infinity', dec9: '0.00', dec38: '0.0000000000',
    dt: '2024-02-29', ts: '2024-02-29T12:00:00.000000', tstz: '2024-02-29T23:59:59.999999Z', s: '',
    u: '00000000-0000-0000-0000-000000000001', bin: '', st: { a: null, b: null, c: null }, ls: [], mp: [], li: [],
  }),
];

let project: FloeProject;
let created: LoadedTable;
let snapshotsBefore: SnapshotInfo[];
let spark: {
  before: SparkTableRead;
  appended: SparkAppendResult;
  after: SparkTableRead;
  partitionCheck: SparkSqlResult;
};
let afterSpark: { snapshots: SnapshotInfo[]; rows: CanonicalRow[] };
let final: { snapshots: SnapshotInfo[]; rows: CanonicalRow[]; expected: CanonicalRow[]; atSpark: CanonicalRow[] };
let py: { final: PyIcebergReadResult; atSpark: PyIcebergReadResult; filtered: PyIcebergReadResult };

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('spark-append');
  const f = (name: string) => join(project.inputs, name);
  await writeParquet(f('rw-1.parquet'), wideSql('p.id <= 10'));
  await writeParquet(f('rw-2.parquet'), wideSql('p.id > 10'));
  await writeParquet(f('rw-3.parquet'), wideSql('p.id <= 5', 2000));

  created = await loadAndRead(project, {
    table: TABLE,
    partitionBy: ['bucket(4, id)', 'day(ts)'],
    steps: [{ files: [f('rw-1.parquet')] }, { files: [f('rw-2.parquet')], mode: 'append' }],
  });
  snapshotsBefore = await project.snapshots(TABLE);

  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: TABLE, with_rows: true },
      { op: 'append', table: TABLE, rows: SPARK_ROWS },
      { op: 'read', table: TABLE, with_rows: true },
      { op: 'sql', sql: sparkPartitionCheckSql(project.catalogName, created)! },
    ],
  });
  const [before, appended, after, partitionCheck] = r.results as [SparkTableRead, SparkAppendResult, SparkTableRead, SparkSqlResult];
  spark = { before, appended, after, partitionCheck };

  afterSpark = { snapshots: await project.snapshots(TABLE), rows: await floeRows(project, TABLE, created.fields) };

  await project.load(TABLE, [f('rw-3.parquet')]);
  const third = await inputRows(project, [f('rw-3.parquet')], created.fields);
  final = {
    snapshots: await project.snapshots(TABLE),
    rows: await floeRows(project, TABLE, created.fields),
    expected: sortCanonicalRows([...afterSpark.rows, ...third], COLUMNS),
    atSpark: await floeRows(project, TABLE, created.fields, String(appended.snapshot_id)),
  };

  const catalog = project.catalog;
  py = {
    final: await pyicebergRead({ ...catalog, table: TABLE }),
    atSpark: await pyicebergRead({ ...catalog, table: TABLE, snapshotId: String(appended.snapshot_id) }),
    filtered: await pyicebergRead({ ...catalog, table: TABLE, filter: 'id = 1001' }),
  };
}, 1_200_000);

afterAll(() => project?.remove());

describe('Spark reads and appends to a floe table', () => {
  it('floe wrote two snapshots that read back as the input rows', () => {
    expect(snapshotsBefore.map((s) => s.summary.operation)).toEqual(['append', 'append']);
    expect(created.rows.length).toBe(12);
    expectSameRows(TABLE, created.inputRows, created.rows, 'floe query');
  });

  it("Spark reads floe's table: count, checksums and every row", () => {
    expect(spark.before.snapshot_id).toBe(snapshotsBefore.at(-1)!['snapshot-id']);
    expectSparkMatches(TABLE, created, created.rows, spark.before);
  });

  it('Spark commits an append on top of floe\'s snapshot, and reads it back', () => {
    expect(spark.appended.appended).toBe(SPARK_ROWS.length);
    expect(spark.appended.snapshot_id).not.toBe(snapshotsBefore.at(-1)!['snapshot-id']);
    expect(spark.after.snapshot_id).toBe(spark.appended.snapshot_id);
    const sparkRows = (spark.after.rows ?? []).filter((r) => Number(r.id) > 1000);
    expectSameRows(`${TABLE} (Spark's own rows)`, SPARK_ROWS, sparkRows, 'Spark');
    expect(spark.after.count).toBe(created.rows.length + SPARK_ROWS.length);
  });

  it("every partition value (floe's and Spark's files) equals Iceberg Java's transform", () => {
    expect(spark.partitionCheck.rows, `rows whose _partition differs (columns ${spark.partitionCheck.columns.join(', ')})`).toEqual([]);
  });
});

describe("floe reads Spark's commit and appends on top of it", () => {
  it("floe's current snapshot is Spark's, parented on floe's last", () => {
    const last = afterSpark.snapshots.at(-1)!;
    expect(afterSpark.snapshots.length).toBe(3);
    expect(last['snapshot-id']).toBe(spark.appended.snapshot_id);
    expect(last['parent-snapshot-id']).toBe(snapshotsBefore.at(-1)!['snapshot-id']);
    expect(last.summary.operation).toBe('append');
    expect(last.summary['total-records']).toBe('15');
    expect(last.refs).toEqual(['main']);
  });

  it("floe query reads exactly Spark's view: floe's 12 rows plus Spark's 3", () => {
    expect(afterSpark.rows.length).toBe(15);
    expectSameRows(`${TABLE} after Spark's append`, afterSpark.rows, spark.after.rows, 'Spark');
    expectSameRows(`${TABLE} Spark's rows as floe reads them`, SPARK_ROWS, afterSpark.rows.filter((r) => Number(r.id) > 1000), 'floe query');
  });

  it("floe appends on top of Spark's snapshot", () => {
    const last = final.snapshots.at(-1)!;
    expect(final.snapshots.length).toBe(4);
    expect(last['parent-snapshot-id']).toBe(spark.appended.snapshot_id);
    expect(last.summary.operation).toBe('append');
    expect(last.summary['total-records']).toBe('20');
    expectSameRows(`${TABLE} final`, final.expected, final.rows, 'floe query');
  });

  it("floe query --snapshot <Spark's snapshot> still reads Spark's view", () => {
    expectSameRows(`${TABLE}@spark`, afterSpark.rows, final.atSpark, 'floe query --snapshot');
  });
});

describe('PyIceberg reads the mixed floe/Spark lineage', () => {
  it("the final state equals floe's rows", () => {
    expect(py.final.snapshot_id).toBe(final.snapshots.at(-1)!['snapshot-id']);
    expectPyIcebergMatches(TABLE, { fields: created.fields, columns: created.columns, rows: final.rows }, py.final);
  });

  it("time travel to Spark's snapshot equals floe's read of it", () => {
    expectPyIcebergMatches(`${TABLE}@spark`, { fields: created.fields, columns: created.columns, rows: final.atSpark }, py.atSpark);
  });

  it("a filter on the bucketed id returns exactly Spark's row, scanning fewer files", () => {
    expectSameRows(`${TABLE} where id = 1001`, SPARK_ROWS.slice(0, 1), py.filtered.rows, 'PyIceberg (filtered)');
    expect(py.filtered.files_scanned).toBeLessThan(py.final.files_scanned);
  });
});
