/**
 * A manifest rewrite that leaves out a delete manifest without live files, checked by the
 * oracles: PyIceberg reads the same rows at the snapshot before the rewrite and at the one it
 * commits; Spark (one JVM launch) reads the same rows at both, and its `all_manifests`
 * metadata table counts one manifest fewer in the rewrite's snapshot.
 *
 *   partitioned table, one data file per region → position delete in eu (stays live)
 *     → position + equality delete in sa → sa's data file removed → the two sa delete files,
 *     which now dangle, removed: their delete manifest is left with DELETED entries only
 *     → rewriteManifests: data manifest rewritten, eu's delete manifest kept, sa's dropped.
 */
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { ManifestContent, type TableIdentifier } from '../../src/iceberg/types.js';
import { commitTable } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import { rewriteManifests, type RewriteManifestsResult } from '../../src/table/rewrite-manifests-run.js';
import { buildSnapshotChange, newSnapshotId } from '../../src/table/snapshot-producer.js';
import { type CanonicalRow, type PyIcebergReadResult, type SparkSqlResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from '../interop/oracle.js';
import { columnDiffs } from '../interop/helpers/rows.js';
import { appendTinyFiles, checksum, commitFiles, createEmpty, equalityDeletes, positionDeletes, useCompactEnv } from './compact/helpers.js';

const env = useCompactEnv('floe-rewrite-deleted-');
const id: TableIdentifier = { namespace: ['db'], name: 'dead' };
const TABLE = 'db.dead';
const SPARK_TIMEOUT = 900_000;

let before: { snapshot: string; manifests: { content: number; live: number; deleted: number }[]; sum: { n: number; h: string } };
let result: RewriteManifestsResult;
let after: { snapshot: string; manifests: { content: number; live: number; deleted: number }[]; sum: { n: number; h: string } };
let py: { before: PyIcebergReadResult; after: PyIcebergReadResult };
let spark: { before: SparkTableRead; after: SparkTableRead; counts: SparkSqlResult };

/** A commit that removes files (data or delete) and adds none. */
async function remove(paths: string[]): Promise<void> {
  await commitTable(env.catalog, env.io, id, async (base) =>
    buildSnapshotChange(base, { operation: 'delete', snapshotId: newSnapshotId(base.metadata), added: [], addedFiles: [], removeFiles: new Set(paths) }),
  );
}

/** The same rows (matched by k) with the same values in every column. */
function expectSameRows(label: string, expected: CanonicalRow[] | undefined, actual: CanonicalRow[] | undefined): void {
  expect(expected, `${label}: no rows array`).toBeDefined();
  expect(actual, `${label}: no rows array`).toBeDefined();
  expect(columnDiffs(expected!, actual!, 'k'), label).toEqual({});
  expect(actual!.length, `${label}: row count`).toBe(expected!.length);
}

async function current() {
  const t = await loadTable(env.catalog, env.io, id);
  const s = t.metadata.snapshots.find((x) => x['snapshot-id'] === t.metadata['current-snapshot-id'])!;
  const list = readManifestList(await t.io.read(s['manifest-list']), s['manifest-list']);
  return {
    snapshot: String(s['snapshot-id']),
    manifests: list.map((m) => ({ content: m.content, live: m.added_files_count! + m.existing_files_count!, deleted: m.deleted_files_count! })),
    sum: await checksum(env, id),
  };
}

beforeAll(async () => {
  assertProvisioned(true);
  await createEmpty(env, id, { partitionBy: [{ sourceName: 'region', transform: 'identity' }] });
  const files = await appendTinyFiles(env, id, 0, 1, 8); // one file of 2 rows in each of 4 regions
  const eu = files.find((f) => f.partition[0] === 'eu')!;
  const sa = files.find((f) => f.partition[0] === 'sa')!;
  await commitFiles(env, id, [await positionDeletes(env, id, eu, [0])], 'deletes', 'delete');
  const saDeletes = [await positionDeletes(env, id, sa, [0]), await equalityDeletes(env, id, sa, [3])];
  await commitFiles(env, id, saDeletes, 'deletes', 'delete');
  await remove([sa.file_path]);
  // The two sa delete files now apply to no data file; removing them (as compaction does with
  // dangling deletes) leaves their manifest with DELETED entries only.
  await remove(saDeletes.map((f) => f.file_path));

  before = await current();
  result = await rewriteManifests(env.catalog, env.io, id);
  after = await current();

  const catalog = { catalogDb: join(dirname(env.warehouse), 'catalog.db'), warehouse: env.warehouse, catalogName: 'floe' };
  py = {
    before: await pyicebergRead({ ...catalog, table: TABLE, snapshotId: before.snapshot }),
    after: await pyicebergRead({ ...catalog, table: TABLE }),
  };
  const sparkRun = await sparkBatch({
    ...catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: TABLE, snapshot_id: before.snapshot, with_rows: true },
      { op: 'read', table: TABLE, with_rows: true },
      { op: 'sql', sql: `SELECT CAST(reference_snapshot_id AS STRING) AS snapshot, content, count(*) AS manifests FROM floe.${TABLE}.all_manifests GROUP BY 1, 2 ORDER BY 1, 2` },
    ],
  });
  const [b, a, counts] = sparkRun.results as [SparkTableRead, SparkTableRead, SparkSqlResult];
  spark = { before: b, after: a, counts };
}, SPARK_TIMEOUT + 300_000);

describe('a delete manifest with DELETED entries only', () => {
  it('is in the snapshot before the rewrite, beside a live delete manifest and the data manifest', () => {
    expect(before.manifests.filter((m) => m.content === ManifestContent.DELETES && m.live === 0)).toEqual([{ content: ManifestContent.DELETES, live: 0, deleted: 2 }]);
    expect(before.manifests.filter((m) => m.content === ManifestContent.DELETES && m.live > 0)).toHaveLength(1);
    expect(before.sum.n).toBe(5); // 8 rows, sa's 2 gone with its file, 1 deleted in eu
  });

  it('is left out by the rewrite; floe reads the same rows', () => {
    expect(result).toMatchObject({ rewritten: true, manifestsKept: 1, manifestsDropped: 1 });
    expect(after.snapshot).toBe(String(result.snapshotId));
    expect(after.manifests).toHaveLength(before.manifests.length - 1);
    expect(after.manifests.every((m) => m.live > 0 && m.deleted === 0)).toBe(true);
    expect(after.sum).toEqual(before.sum);
  });

  it('PyIceberg reads the same rows before and after', () => {
    expect(String(py.before.snapshot_id)).toBe(before.snapshot);
    expect(String(py.after.snapshot_id)).toBe(after.snapshot);
    expect(py.before.row_count).toBe(5);
    expectSameRows('PyIceberg, before and after the rewrite', py.before.rows, py.after.rows);
  });

  it('Spark reads the same rows before and after, and counts one manifest fewer', () => {
    expect(String(spark.before.snapshot_id)).toBe(before.snapshot);
    expect(String(spark.after.snapshot_id)).toBe(after.snapshot);
    expect(spark.after.count).toBe(5);
    expectSameRows('PyIceberg and Spark before the rewrite', py.before.rows, spark.before.rows);
    expectSameRows('PyIceberg before, Spark after the rewrite', py.before.rows, spark.after.rows);
    const count = (snapshot: string) => spark.counts.rows.filter((r) => String(r.snapshot) === snapshot).reduce((a, r) => a + Number(r.manifests), 0);
    expect(count(before.snapshot)).toBe(before.manifests.length);
    expect(count(after.snapshot)).toBe(before.manifests.length - 1);
    const deletes = (snapshot: string) => spark.counts.rows.filter((r) => String(r.snapshot) === snapshot && Number(r.content) === 1).reduce((a, r) => a + Number(r.manifests), 0);
    expect(deletes(before.snapshot)).toBe(2);
    expect(deletes(after.snapshot)).toBe(1);
  });
});
