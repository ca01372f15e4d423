/**
 * Interop for table maintenance. floe rolls back, expires (with a tag keeping an old
 * snapshot), appends, and rewrites manifests; PyIceberg and Spark then read the same rows as
 * floe, at the current snapshot and at the tag. In the same Spark session Iceberg's own
 * `expire_snapshots` procedure runs on the floe table; floe reads what Spark left and appends
 * on top of it, and PyIceberg reads the result.
 *
 *   load ×4 → rollback to 3rd → expire (tag t1 on 1st keeps it) → load → maintain manifests
 *     → PyIceberg + Spark read → Spark CALL system.expire_snapshots → floe read + load → PyIceberg
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, type SparkSqlResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, parseJsonLossless } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.m';
const SPARK_TIMEOUT = 900_000;

let project: FloeProject;
const ids = (rows: readonly CanonicalRow[] | readonly Record<string, unknown>[] | undefined) =>
  (rows ?? []).map((r) => Number(r.id)).sort((a, b) => a - b);

let s: string[] = [];
let floeState: { expire: Record<string, unknown>; snapshots: SnapshotInfo[]; rows: number[]; atTag: number[]; rewriteSnapshot: string };
let py: { current: PyIcebergReadResult; atTag: PyIcebergReadResult; final: PyIcebergReadResult };
let spark: { current: SparkTableRead; atTag: SparkTableRead; expire: SparkSqlResult; after: SparkTableRead };
let afterSpark: { snapshots: SnapshotInfo[]; rows: number[]; atTag: number[]; appended: number[]; finalSnapshots: SnapshotInfo[] };

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('maintain');
  const csv = (n: number) => {
    const f = join(project.inputs, `b${n}.csv`);
    writeFileSync(f, `id,region\n${2 * n - 1},eu\n${2 * n},us\n`);
    return f;
  };
  await project.load(TABLE, [csv(1)], { partitionBy: ['region'] });
  for (const n of [2, 3, 4]) await project.load(TABLE, [csv(n)]);
  s = (await project.snapshots(TABLE)).map((x) => x['snapshot-id']);
  await project.ok(['snapshot', 'tag', TABLE, 't1', '--snapshot', s[0]!]);
  await project.ok(['snapshot', 'rollback', TABLE, '--to-snapshot', s[2]!]);
  const exp = await project.ok(['maintain', 'expire', TABLE, '--older-than', '0s', '--retain-last', '2', '--json']);
  const expire = exp.stdout.trim().split('\n').map((l) => parseJsonLossless(l) as Record<string, unknown>).find((e) => e.event === 'end')!;
  await project.load(TABLE, [csv(5)]);
  const rw = await project.ok(['maintain', 'manifests', TABLE, '--json']);
  const commit = rw.stdout.trim().split('\n').map((l) => parseJsonLossless(l) as Record<string, unknown>).find((e) => e.event === 'commit')!;
  floeState = {
    expire,
    snapshots: await project.snapshots(TABLE),
    rows: ids(await project.query(`SELECT id FROM ${TABLE}`)),
    atTag: ids(await project.query(`SELECT id FROM ${TABLE}`, { snapshot: 't1' })),
    rewriteSnapshot: String(commit.snapshot_id),
  };

  py = {
    current: await pyicebergRead({ ...project.catalog, table: TABLE }),
    atTag: await pyicebergRead({ ...project.catalog, table: TABLE, snapshotId: s[0]! }),
    final: undefined as never,
  };
  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: TABLE, with_rows: true },
      { op: 'read', table: TABLE, snapshot_id: s[0]!, with_rows: true },
      { op: 'sql', sql: `CALL ${project.catalogName}.system.expire_snapshots(table => '${TABLE}', older_than => TIMESTAMP '2100-01-01 00:00:00', retain_last => 1)` },
      { op: 'read', table: TABLE, with_rows: true },
    ],
  });
  const [current, atTag, expireResult, after] = r.results as [SparkTableRead, SparkTableRead, SparkSqlResult, SparkTableRead];
  spark = { current, atTag, expire: expireResult, after };

  const snapshots = await project.snapshots(TABLE);
  const rows = ids(await project.query(`SELECT id FROM ${TABLE}`));
  const tagRows = ids(await project.query(`SELECT id FROM ${TABLE}`, { snapshot: 't1' }));
  await project.load(TABLE, [csv(6)]);
  afterSpark = {
    snapshots,
    rows,
    atTag: tagRows,
    appended: ids(await project.query(`SELECT id FROM ${TABLE}`)),
    finalSnapshots: await project.snapshots(TABLE),
  };
  py.final = await pyicebergRead({ ...project.catalog, table: TABLE });
}, 1_200_000);

afterAll(() => project?.remove());

describe('floe maintenance, read by PyIceberg and Spark', () => {
  it('floe expired the rolled-back snapshot and kept the tagged one', () => {
    expect(floeState.expire.expired_snapshots).toEqual([s[3]]);
    const kept = floeState.snapshots.map((x) => x['snapshot-id']);
    expect(kept.slice(0, 3)).toEqual(s.slice(0, 3));
    expect(kept).not.toContain(s[3]);
    expect(floeState.snapshots.at(-1)!['snapshot-id']).toBe(floeState.rewriteSnapshot);
    expect(floeState.snapshots.at(-1)!.summary.operation).toBe('replace');
    expect(floeState.rows).toEqual([1, 2, 3, 4, 5, 6, 9, 10]);
    expect(floeState.atTag).toEqual([1, 2]);
  });

  it('PyIceberg reads the same rows as floe, now and at the tag', () => {
    expect(py.current.snapshot_id).toBe(floeState.rewriteSnapshot);
    expect(ids(py.current.rows)).toEqual(floeState.rows);
    expect(ids(py.atTag.rows)).toEqual(floeState.atTag);
  });

  it('Spark reads the same rows as floe, now and at the tag', () => {
    expect(spark.current.snapshot_id).toBe(floeState.rewriteSnapshot);
    expect(ids(spark.current.rows)).toEqual(floeState.rows);
    expect(ids(spark.atTag.rows)).toEqual(floeState.atTag);
  });
});

describe("Spark's expire_snapshots on a floe table", () => {
  it('removes everything but the current snapshot and the tagged one', () => {
    expect(spark.expire.rows).toHaveLength(1);
    expect(ids(spark.after.rows)).toEqual(floeState.rows);
    expect(afterSpark.snapshots.map((x) => x['snapshot-id']).sort()).toEqual([s[0]!, floeState.rewriteSnapshot].sort());
  });

  it('leaves a table floe reads correctly and appends to', () => {
    expect(afterSpark.rows).toEqual(floeState.rows);
    expect(afterSpark.atTag).toEqual([1, 2]);
    expect(afterSpark.appended).toEqual([...floeState.rows, 11, 12]);
    expect(afterSpark.finalSnapshots.at(-1)!['parent-snapshot-id']).toBe(floeState.rewriteSnapshot);
  });

  it("PyIceberg reads floe's append on top of Spark's expiry", () => {
    expect(ids(py.final.rows)).toEqual(afterSpark.appended);
  });
});
