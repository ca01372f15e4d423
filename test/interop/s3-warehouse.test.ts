/**
 * The interop suite on an s3:// warehouse: floe writes every table into a bucket of the moto
 * S3 server (scripts/provision-services.sh), with its SQLite catalog on local disk. After each
 * floe operation PyIceberg loads the table through the same catalog and reads it with its own
 * S3 FileIO (pyarrow's S3FileSystem: s3.endpoint, keys, region, path-style), and must return
 * exactly floe's rows. At the end Spark reads the tables with Iceberg's S3FileIO (one JVM),
 * appends to one and deletes (merge-on-read) from another, and floe and PyIceberg read
 * Spark's commits back.
 *
 *   ns.orders  load (partitioned by region) → evolve (add + rename column, spec region +
 *              bucket(4, id)) → load → merge (copy-on-write) → compact → tag the first
 *              snapshot, roll back before the compaction, expire
 *   ns.mor     load → merge-on-read merge (position delete files) → Spark DELETE (its own
 *              position delete files) → floe compact (all deletes applied and dropped)
 *   ns.ovw     load → load --mode overwrite → Spark append
 *
 * Time travel: by snapshot id (ns.orders, ns.ovw) and by tag (ns.orders).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NestedField } from '../../src/iceberg/types.js';
import { type CanonicalRow, type SparkAppendResult, type SparkSqlResult, type SparkTableRead, assertProvisioned } from './oracle.js';
import { type Described, type SnapshotInfo, assertBuilt, currentFields, parseJsonLossless } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';
import { S3InteropProject, type S3PyIcebergRead, type S3Read, assertAwsBundle, pyicebergS3Reads, sparkBatchS3 } from './s3-oracle.js';

const ORD = 'ns.orders';
const MOR = 'ns.mor';
const OVW = 'ns.ovw';
const SPARK_TIMEOUT = 900_000;

/** One floe operation's outcome: floe's view and PyIceberg's reads right after it. */
interface Step {
  table: string;
  described: Described;
  fields: NestedField[];
  /** floe query SELECT *, canonical and sorted. */
  rows: CanonicalRow[];
  snapshots: SnapshotInfo[];
  snapshotId: string;
  /** PyIceberg's read of the current snapshot. */
  py: S3PyIcebergRead;
  /** PyIceberg's extra reads (time travel), in the order asked. */
  travel: S3PyIcebergRead[];
}

let s3: S3InteropProject;
const steps: Record<string, Step> = {};
let expired: { expired_snapshots: string[] };
let objectsAfterExpire: string[];
let compactOnlyFiles: string[];
let spark: { ord: SparkTableRead; ordTag: SparkSqlResult; mor: SparkTableRead; ovw: SparkTableRead; ovwFirst: SparkTableRead; appended: SparkAppendResult; ovwAfter: SparkTableRead; morAfterDelete: SparkTableRead } | undefined;
let sparkError: unknown;

const SPARK_ROWS: CanonicalRow[] = [
  { id: '900', region: 'spark', amount: 9.5, ts: '2025-06-01T00:00:00.000000' },
  { id: '901', region: null, amount: null, ts: null },
];

async function capture(name: string, table: string, travel: S3Read[] = []): Promise<Step> {
  const p = s3.project;
  const described = await p.describe(table);
  const fields = currentFields(described);
  const [py, ...rest] = await pyicebergS3Reads(s3, [{ table }, ...travel]);
  const step: Step = {
    table,
    described,
    fields,
    rows: await floeRows(p, table, fields),
    snapshots: await p.snapshots(table),
    snapshotId: String(described.metadata['current-snapshot-id']),
    py: py!,
    travel: rest,
  };
  steps[name] = step;
  return step;
}

const ids = (rows: readonly CanonicalRow[] | undefined) => (rows ?? []).map((r) => Number(r.id)).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function mergePipeline(name: string, table: string, input: string): void {
  writeFileSync(
    join(s3.project.dir, 'pipelines', `${name}.yaml`),
    ['source:', '  kind: parquet', `  path: ${JSON.stringify(input)}`, 'target:', `  table: ${table}`, '  mode: merge', '  key: [id]', '  delete_column: gone', ''].join('\n'),
  );
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  s3 = await S3InteropProject.create('wh');
  const p = s3.project;
  const f = (n: string) => join(p.inputs, n);
  mkdirSync(join(p.dir, 'pipelines'), { recursive: true });

  // ---- ns.orders: create, evolve schema and spec, append, merge, compact ----------------
  await writeParquet(
    f('orders-1.parquet'),
    `SELECT i::BIGINT AS id, ['eu', 'us', 'apac'][i % 3 + 1] AS region, (i * 1.5)::DOUBLE AS amount,
            TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i * 36) HOUR AS ts FROM range(1, 13) t(i)`,
  );
  await p.load(ORD, [f('orders-1.parquet')], { partitionBy: ['region'] });
  await capture('create', ORD);

  await p.ok(['table', 'evolve', ORD, '--add-column', 'note string', '--rename-column', 'amount=total', '--partition-by', 'region', 'bucket(4, id)']);
  await writeParquet(
    f('orders-2.parquet'),
    `SELECT i::BIGINT AS id, ['eu', 'us', 'apac'][i % 3 + 1] AS region, (i * 2.25)::DOUBLE AS total,
            TIMESTAMP '2024-03-01 06:00:00' + INTERVAL (i) DAY AS ts, 'note-' || i AS note FROM range(13, 21) t(i)`,
  );
  await p.load(ORD, [f('orders-2.parquet')]);
  await capture('evolved', ORD);

  await writeParquet(
    f('orders-merge.parquet'),
    `SELECT * FROM (VALUES
       (1::BIGINT, 'eu', 100.0::DOUBLE, TIMESTAMP '2024-06-01 00:00:00', 'updated', false),
       (13::BIGINT, 'us', 130.5::DOUBLE, TIMESTAMP '2024-06-02 00:00:00', 'updated', false),
       (21::BIGINT, 'apac', 21.0::DOUBLE, TIMESTAMP '2024-06-03 00:00:00', 'inserted', false),
       (2::BIGINT, NULL, NULL, NULL, NULL, true)
     ) t(id, region, total, ts, note, gone)`,
  );
  mergePipeline('orders_merge', ORD, f('orders-merge.parquet'));
  await p.ok(['run', 'orders_merge']);
  await capture('merge', ORD, [{ table: ORD, snapshotId: steps.evolved!.snapshotId }]);

  await p.ok(['compact', ORD, '--rewrite-all']);
  const compacted = await capture('compact', ORD);

  // ---- tag the first snapshot, roll back before the compaction, expire --------------------
  await p.ok(['snapshot', 'tag', ORD, 'v1', '--snapshot', steps.create!.snapshotId]);
  await p.ok(['snapshot', 'rollback', ORD, '--to-snapshot', steps.merge!.snapshotId]);
  const exp = await p.ok(['maintain', 'expire', ORD, '--older-than', '0s', '--retain-last', '1', '--json']);
  expired = exp.stdout
    .trim()
    .split('\n')
    .map((l) => parseJsonLossless(l) as { event?: string; expired_snapshots: string[] })
    .find((e) => e.event === 'end')!;
  compactOnlyFiles = compacted.py.data_files.filter((x) => !steps.merge!.py.data_files.includes(x));
  objectsAfterExpire = await s3.objects(`${s3.warehouse}/ns/orders`);
  await capture('expired', ORD, [{ table: ORD, ref: 'v1' }, { table: ORD, snapshotId: steps.create!.snapshotId }]);

  // ---- ns.mor: merge-on-read --------------------------------------------------------------
  await writeParquet(f('mor-base.parquet'), `SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, 'n' || i AS note FROM range(0, 20) t(i)`);
  await p.load(MOR, [f('mor-base.parquet')]);
  await p.ok(['table', 'evolve', MOR, '--set-property', 'write.merge.mode=merge-on-read']);
  await writeParquet(
    f('mor-changes.parquet'),
    `SELECT * FROM (VALUES (1::BIGINT, 'us', 'upd1', false), (4::BIGINT, 'eu', 'upd4', false), (50::BIGINT, 'eu', 'ins50', false),
       (7::BIGINT, NULL, NULL, true), (8::BIGINT, NULL, NULL, true)) t(id, region, note, gone)`,
  );
  mergePipeline('mor_merge', MOR, f('mor-changes.parquet'));
  await p.ok(['run', 'mor_merge']);
  await capture('mor', MOR);

  // ---- ns.ovw: overwrite ------------------------------------------------------------------
  await writeParquet(f('ovw-1.parquet'), `SELECT i::BIGINT AS id, 'first' AS region, i::DOUBLE AS amount, TIMESTAMP '2024-01-01 00:00:00' AS ts FROM range(1, 6) t(i)`);
  await writeParquet(f('ovw-2.parquet'), `SELECT i::BIGINT AS id, 'second' AS region, i::DOUBLE AS amount, TIMESTAMP '2024-02-01 00:00:00' AS ts FROM range(100, 104) t(i)`);
  await p.load(OVW, [f('ovw-1.parquet')]);
  const firstOvw = String((await p.describe(OVW)).metadata['current-snapshot-id']);
  await p.load(OVW, [f('ovw-2.parquet')], { mode: 'overwrite' });
  await capture('overwrite', OVW, [{ table: OVW, snapshotId: firstOvw }]);

  // ---- Spark with S3FileIO: reads, then an append floe and PyIceberg read back ------------
  try {
    assertAwsBundle();
    const r = await sparkBatchS3(
      s3,
      [
        { op: 'read', table: ORD, with_rows: true },
        // SQL time travel to a tag reads the tagged snapshot's schema (amount, no note); the
        // DataFrame snapshot-id option would project the current schema instead.
        { op: 'sql', sql: `SELECT * FROM ${s3.catalogName}.${ORD} VERSION AS OF 'v1'` },
        { op: 'read', table: MOR, with_rows: true },
        { op: 'read', table: OVW, with_rows: true },
        { op: 'read', table: OVW, snapshot_id: firstOvw, with_rows: true },
        { op: 'append', table: OVW, rows: SPARK_ROWS },
        { op: 'read', table: OVW, with_rows: true },
        // Iceberg Java's own position delete files in the bucket, on top of floe's.
        { op: 'sql', sql: `ALTER TABLE ${s3.catalogName}.${MOR} SET TBLPROPERTIES ('write.delete.mode' = 'merge-on-read')` },
        { op: 'sql', sql: `DELETE FROM ${s3.catalogName}.${MOR} WHERE id IN (3, 12)` },
        { op: 'read', table: MOR, with_rows: true },
      ],
      SPARK_TIMEOUT - 60_000,
    );
    const [ord, ordTag, mor, ovw, ovwFirst, appended, ovwAfter, , , morAfterDelete] = r.results as [
      SparkTableRead, SparkSqlResult, SparkTableRead, SparkTableRead, SparkTableRead, SparkAppendResult, SparkTableRead, SparkSqlResult, SparkSqlResult, SparkTableRead,
    ];
    spark = { ord, ordTag, mor, ovw, ovwFirst, appended, ovwAfter, morAfterDelete };
    await capture('after-spark', OVW);
    await capture('spark-delete', MOR);
    await p.ok(['compact', MOR, '--rewrite-all']);
    await capture('mor-compact', MOR);
  } catch (e) {
    sparkError = e;
  }
}, 1_800_000);

afterAll(async () => {
  await s3?.remove();
});

/** PyIceberg read the table floe's catalog points at, with its files in the bucket. */
function expectReadFromBucket(step: Step, py: S3PyIcebergRead = step.py): void {
  expect(py.metadata_location).toBe(step.described['metadata-location']);
  expect(py.metadata_location.startsWith(`${s3.warehouse}/`)).toBe(true);
  expect(py.data_files.length).toBeGreaterThan(0);
  for (const file of [...py.data_files, ...py.delete_files]) expect(file.startsWith(`${s3.warehouse}/`), file).toBe(true);
}

function expectPyIcebergCurrent(name: string): Step {
  const step = steps[name];
  expect(step, `step ${name} did not run`).toBeDefined();
  expectReadFromBucket(step!);
  expect(step!.py.snapshot_id).toBe(step!.snapshotId);
  expectSameRows(`${step!.table} after ${name}`, step!.rows, step!.py.rows, 'PyIceberg (S3)');
  return step!;
}

describe('ns.orders on s3://, read by PyIceberg through its S3 FileIO after each floe operation', () => {
  it('load: a partitioned table, the same rows', () => {
    const s = expectPyIcebergCurrent('create');
    expect(ids(s.rows)).toEqual(range(1, 12));
    expect(s.py.schema.map((c) => [c.field_id, c.name])).toEqual(s.fields.map((x) => [x.id, x.name]));
    expect(s.rows.find((r) => Number(r.id) === 3)).toEqual({ id: '3', region: 'eu', amount: 4.5, ts: '2024-01-05T12:00:00.000000' });
  });

  it('table evolve (add + rename column, a second partition spec) then load: files in two specs', () => {
    const s = expectPyIcebergCurrent('evolved');
    expect(s.fields.map((x) => [x.id, x.name])).toEqual([[1, 'id'], [2, 'region'], [3, 'total'], [4, 'ts'], [5, 'note']]);
    expect(s.py.schema.map((c) => [c.field_id, c.name])).toEqual([[1, 'id'], [2, 'region'], [3, 'total'], [4, 'ts'], [5, 'note']]);
    expect(s.described.metadata['partition-specs']).toHaveLength(2);
    expect(s.described.metadata['default-spec-id']).toBe(1);
    expect(ids(s.rows)).toEqual(range(1, 20));
    // Old rows read the renamed column by field id and the added one as null.
    expect(s.rows.find((r) => Number(r.id) === 2)).toMatchObject({ total: 3, note: null });
    expect(s.rows.find((r) => Number(r.id) === 14)).toMatchObject({ total: 31.5, note: 'note-14' });
  });

  it('merge (copy-on-write): updates, an insert and a delete; no delete files; time travel to before it', () => {
    const s = expectPyIcebergCurrent('merge');
    expect(ids(s.rows)).toEqual([1, ...range(3, 21)]);
    expect(s.rows.find((r) => Number(r.id) === 1)).toMatchObject({ total: 100, note: 'updated' });
    expect(s.rows.find((r) => Number(r.id) === 13)).toMatchObject({ total: 130.5, note: 'updated' });
    expect(s.py.delete_files).toEqual([]);
    const [before] = s.travel;
    expect(before!.snapshot_id).toBe(steps.evolved!.snapshotId);
    expectReadFromBucket(s, before);
    expectSameRows(`${ORD} at the snapshot before the merge`, steps.evolved!.rows, before!.rows, 'PyIceberg (S3, time travel)');
  });

  it('compact: a replace snapshot with the same rows', () => {
    const s = expectPyIcebergCurrent('compact');
    expect(s.snapshots.at(-1)!.summary.operation).toBe('replace');
    expect(s.rows).toEqual(steps.merge!.rows);
    expect(compactOnlyFiles.length).toBeGreaterThan(0);
  });

  it('tag + rollback + expire: current, tag and snapshot-id reads; expired files are gone from the bucket', () => {
    const s = expectPyIcebergCurrent('expired');
    expect(s.snapshotId).toBe(steps.merge!.snapshotId);
    expect(s.rows).toEqual(steps.merge!.rows);
    expect([...expired.expired_snapshots].sort()).toEqual([steps.evolved!.snapshotId, steps.compact!.snapshotId].sort());
    expect(s.snapshots.map((x) => x['snapshot-id']).sort()).toEqual([steps.create!.snapshotId, steps.merge!.snapshotId].sort());
    for (const file of compactOnlyFiles) expect(objectsAfterExpire, `${file} was expired`).not.toContain(file);
    for (const file of s.py.data_files) expect(objectsAfterExpire, `${file} is live`).toContain(file);
    const [atTag, atId] = s.travel;
    for (const [what, read] of [['tag v1', atTag], ['snapshot id', atId]] as const) {
      expect(read!.snapshot_id, what).toBe(steps.create!.snapshotId);
      expectReadFromBucket(s, read);
      // The first schema's columns: floe's rows of the first load.
      expectSameRows(`${ORD} at ${what}`, steps.create!.rows, read!.rows, `PyIceberg (S3, ${what})`);
    }
  });
});

describe('ns.mor and ns.ovw on s3://, read by PyIceberg', () => {
  it('merge-on-read: position delete files in the bucket, applied by PyIceberg', () => {
    const s = expectPyIcebergCurrent('mor');
    expect(ids(s.rows)).toEqual([...range(0, 6), ...range(9, 19), 50]);
    expect(s.rows.find((r) => Number(r.id) === 4)).toMatchObject({ note: 'upd4' });
    expect(s.py.delete_files.length).toBeGreaterThan(0);
    expect(Number(s.snapshots.at(-1)!.summary['total-position-deletes'])).toBeGreaterThan(0);
  });

  it('overwrite: the new rows now, the replaced ones by time travel', () => {
    const s = expectPyIcebergCurrent('overwrite');
    expect(ids(s.rows)).toEqual(range(100, 103));
    const [first] = s.travel;
    expectReadFromBucket(s, first);
    expect(ids(first!.rows)).toEqual(range(1, 5));
    expect(first!.rows.every((r) => r.region === 'first')).toBe(true);
  });
});

describe('Spark with Iceberg S3FileIO on the same tables', () => {
  const sparkOrThrow = () => {
    if (sparkError) throw sparkError instanceof Error ? sparkError : new Error(String(sparkError));
    expect(spark, 'Spark did not run').toBeDefined();
    return spark!;
  };

  it("reads floe's rows: current, at the tag, merge-on-read deletes applied, overwritten", () => {
    const sp = sparkOrThrow();
    expect(sp.ord.snapshot_id).toBe(steps.expired!.snapshotId);
    expectSameRows(ORD, steps.expired!.rows, sp.ord.rows, 'Spark (S3FileIO)');
    expect(sp.ordTag.columns).toEqual(['id', 'region', 'amount', 'ts']);
    expectSameRows(`${ORD} VERSION AS OF 'v1'`, steps.create!.rows, sp.ordTag.rows, 'Spark (S3FileIO)');
    expectSameRows(MOR, steps.mor!.rows, sp.mor.rows, 'Spark (S3FileIO)');
    expectSameRows(OVW, steps.overwrite!.rows, sp.ovw.rows, 'Spark (S3FileIO)');
    expect(ids(sp.ovwFirst.rows)).toEqual(range(1, 5));
  });

  it("appends through floe's catalog into the bucket; floe and PyIceberg read Spark's rows", () => {
    const sp = sparkOrThrow();
    expect(sp.appended.appended).toBe(SPARK_ROWS.length);
    const s = steps['after-spark']!;
    expect(s.snapshotId).toBe(sp.appended.snapshot_id);
    expect(ids(s.rows)).toEqual([...range(100, 103), 900, 901]);
    expectSameRows(`${OVW} after Spark's append`, s.rows, sp.ovwAfter.rows, 'Spark (S3FileIO)');
    expectPyIcebergCurrent('after-spark');
  });

  it("deletes with merge-on-read; floe and PyIceberg apply Spark's and floe's delete files, then floe compacts them away", () => {
    const sp = sparkOrThrow();
    const s = steps['spark-delete']!;
    const expected = steps.mor!.rows.filter((r) => ![3, 12].includes(Number(r.id)));
    expect(ids(s.rows)).toEqual(ids(expected));
    expectSameRows(`${MOR} after Spark's delete`, expected, s.rows, 'floe query');
    expectSameRows(`${MOR} after Spark's delete`, s.rows, sp.morAfterDelete.rows, 'Spark (S3FileIO)');
    expectPyIcebergCurrent('spark-delete');
    // Spark wrote a delete file of its own (with file granularity it may fold floe's deletes
    // for the same data file into it and drop floe's file): the set changed, two more deletes.
    expect(s.py.delete_files).not.toEqual(steps.mor!.py.delete_files);
    const totalDeletes = (x: Step) => Number(x.snapshots.at(-1)!.summary['total-position-deletes']);
    expect(totalDeletes(s)).toBe(totalDeletes(steps.mor!) + 2);
    const c = expectPyIcebergCurrent('mor-compact');
    expect(c.snapshots.at(-1)!.summary.operation).toBe('replace');
    expect(c.py.delete_files).toEqual([]);
    expect(c.rows).toEqual(s.rows);
  });
});
