import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../../src/engine/sql.js';
import { FloeError } from '../../../src/errors.js';
import { compactTable } from '../../../src/table/compact/execute.js';
import { parseStrategy } from '../../../src/table/compact/strategy.js';
import { commitTable } from '../../../src/table/commit.js';
import { loadTable } from '../../../src/table/load.js';
import { appendTinyFiles, checksum, commitFiles, createEmpty, equalityDeletes, liveFiles, positionDeletes, useCompactEnv } from './helpers.js';

const env = useCompactEnv('floe-compact-');
const KiB = 1024n;


const tid = (name: string) => ({ namespace: ['db'], name });
const base = () => ({ catalog: env.catalog, io: env.io, engine: env.engine });

describe('binpack', () => {
  it('compacts 1,000 tiny files into at most ceil(size / target) files per partition, rows unchanged', async () => {
    const id = tid('many');
    await createEmpty(env, id, { partitionBy: [{ sourceName: 'region', transform: 'identity' }] });
    // 5 commits × 50 groups of 8 rows, split by region: 1,000 files of 2 rows.
    for (let c = 0; c < 5; c++) await appendTinyFiles(env, id, c * 400, 50, 8);
    const before = await liveFiles(env, id);
    expect(before.data).toHaveLength(1000);
    const sum = await checksum(env, id);
    expect(sum.n).toBe(2000);
    const target = 64n * KiB;
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({}), targetFileSizeBytes: target });
    expect(r.commits).toHaveLength(1);
    expect(r.plan.groups).toHaveLength(4);
    expect(r.commits[0]!.rewrittenDataFiles).toBe(1000);
    const after = await liveFiles(env, id);
    const byPartition = new Map<string, { files: number; input: bigint }>();
    for (const t of before.data) {
      const k = String(t.file.partition[0]);
      const e = byPartition.get(k) ?? { files: 0, input: 0n };
      e.input += t.file.file_size_in_bytes;
      byPartition.set(k, e);
    }
    for (const t of after.data) byPartition.get(String(t.file.partition[0]))!.files++;
    for (const [, e] of byPartition) {
      expect(e.files).toBeGreaterThanOrEqual(1);
      expect(e.files).toBeLessThanOrEqual(Number((e.input + target - 1n) / target));
    }
    expect(await checksum(env, id)).toEqual(sum);
    const snap = after.table.metadata.snapshots.at(-1)!;
    expect(snap.summary.operation).toBe('replace');
    expect(snap.summary['deleted-data-files']).toBe('1000');
    expect(snap.summary['added-data-files']).toBe(String(after.data.length));
    expect(snap.summary['total-records']).toBe('2000');
    // Nothing left to do: every file is alone in its partition now.
    const again = await compactTable({ ...base(), id, strategy: parseStrategy({}), targetFileSizeBytes: target });
    expect(again.commits).toHaveLength(0);
    expect(again.plan.groups).toHaveLength(0);
  });

  it('limits the rewrite to files matching --where, and commits in batches with partial progress', async () => {
    const id = tid('where');
    await createEmpty(env, id, { partitionBy: [{ sourceName: 'region', transform: 'identity' }] });
    await appendTinyFiles(env, id, 0, 10, 4); // 40 files, 10 per region
    const sum = await checksum(env, id);
    const dry = await compactTable({ ...base(), id, strategy: parseStrategy({}), where: "region IN ('eu', 'us')", dryRun: true });
    expect(dry.plan.totalFiles).toBe(20);
    expect(dry.plan.groups.map((g) => g.partition[0]).sort()).toEqual(['eu', 'us']);
    expect(dry.commits).toHaveLength(0);
    expect((await liveFiles(env, id)).data).toHaveLength(40);
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({}), where: "region IN ('eu', 'us')", commitEvery: 1 });
    expect(r.commits).toHaveLength(2);
    expect((await liveFiles(env, id)).data).toHaveLength(22);
    expect(await checksum(env, id)).toEqual(sum);
    await expect(compactTable({ ...base(), id, strategy: parseStrategy({}), where: 'nope = 1' })).rejects.toMatchObject({ kind: 'usage' });
  });
});

describe('sort and zorder', () => {
  it('sorts each output file by the table sort order and records sort_order_id', async () => {
    const id = tid('sorted');
    await createEmpty(env, id, { sortBy: [{ sourceName: 'score', direction: 'desc' }] });
    await appendTinyFiles(env, id, 0, 50, 100);
    const sum = await checksum(env, id);
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({ strategy: 'sort' }), targetFileSizeBytes: 8n * KiB, rowGroupSize: 2048 });
    expect(r.commits).toHaveLength(1);
    const after = await liveFiles(env, id);
    expect(after.data.length).toBeGreaterThan(1);
    for (const t of after.data) {
      expect(t.file.sort_order_id).toBe(1);
      const [row] = await env.engine.all(
        `SELECT bool_and(d) AS ok FROM (SELECT score <= lag(score, 1, score) OVER (ORDER BY file_row_number) AS d FROM read_parquet(${quoteLiteral(t.file.file_path)}, file_row_number = true))`,
        'check order',
      );
      expect(row!.ok).toBe(true);
    }
    expect(await checksum(env, id)).toEqual(sum);
    // An explicit order that is not a table order sorts without claiming an order id.
    await appendTinyFiles(env, id, 5000, 10, 10);
    await compactTable({ ...base(), id, strategy: parseStrategy({ sort: 'region, k desc' }), rewriteAll: true });
    const ids = new Set((await liveFiles(env, id)).data.map((t) => t.file.sort_order_id ?? null));
    expect(ids).toEqual(new Set([null]));
  });

  it('z-orders so that a filter on either column overlaps fewer files', async () => {
    const id = tid('zorder');
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 40, 500);
    /** Files whose Parquet min/max for `col` (the bounds Iceberg keeps per file) overlap [lo, hi]. */
    const overlapping = async (col: 'v' | 'score', lo: string, hi: string) => {
      const { data } = await liveFiles(env, id);
      const paths = data.map((t) => quoteLiteral(t.file.file_path)).join(', ');
      const type = col === 'v' ? 'VARCHAR' : 'INTEGER';
      const [r] = await env.engine.all(
        `SELECT count(*)::INTEGER AS n FROM (SELECT file_name, min(CAST(stats_min_value AS ${type})) AS lo, max(CAST(stats_max_value AS ${type})) AS hi ` +
          `FROM parquet_metadata([${paths}]) WHERE path_in_schema = '${col}' GROUP BY file_name) WHERE NOT (hi < ${lo} OR lo > ${hi})`,
        'count overlapping files',
      );
      return Number(r!.n);
    };
    const opts = { ...base(), id, rewriteAll: true, targetFileSizeBytes: 24n * KiB, rowGroupSize: 2048 };
    // First scatter the rows: files ordered by a hash of k, unrelated to v and score.
    await compactTable({ ...opts, strategy: parseStrategy({ sort: 'bucket(997, k)' }) });
    const sum = await checksum(env, id);
    const files = (await liveFiles(env, id)).data.length;
    expect(files).toBeGreaterThan(4);
    const vBefore = await overlapping('v', "'v0005000'", "'v0005999'");
    const sBefore = await overlapping('score', '1000', '1999');
    expect(vBefore).toBe(files);
    expect(sBefore).toBe(files);
    await compactTable({ ...opts, strategy: parseStrategy({ strategy: 'zorder(v, score)' }) });
    expect(await overlapping('v', "'v0005000'", "'v0005999'")).toBeLessThan(vBefore);
    expect(await overlapping('score', '1000', '1999')).toBeLessThan(sBefore);
    expect(await checksum(env, id)).toEqual(sum);
  });
});

describe('deletes, specs and concurrency', () => {
  it('applies position and equality deletes and drops delete files that no longer apply', async () => {
    const id = tid('deletes');
    await createEmpty(env, id, { partitionBy: [{ sourceName: 'region', transform: 'identity' }] });
    const files = await appendTinyFiles(env, id, 0, 6, 8); // 24 files of 2 rows
    const eu = files.filter((f) => f.partition[0] === 'eu');
    const pos = await positionDeletes(env, id, eu[0]!, [0]);
    const eq = await equalityDeletes(env, id, eu[1]!, [eu[1]!.lower_bounds ? 12 : 12]);
    await commitFiles(env, id, [pos, eq], 'deletes', 'delete');
    const before = await checksum(env, id);
    expect(before.n).toBe(46);
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({}) });
    expect(r.commits[0]!.removedDeleteFiles).toBe(2);
    const after = await liveFiles(env, id);
    expect(after.deletes).toHaveLength(0);
    expect(await checksum(env, id)).toEqual(before);
    const snap = after.table.metadata.snapshots.at(-1)!;
    expect(snap.summary['removed-delete-files']).toBe('2');
    expect(snap.summary['total-records']).toBe('46');
  });

  it('moves files of an older partition spec into the current spec with --rewrite-to-current-spec', async () => {
    const id = tid('specs');
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 3, 10); // spec 0: unpartitioned
    await commitTable(env.catalog, env.io, id, async (t) => ({
      requirements: [{ type: 'assert-default-spec-id', 'default-spec-id': t.metadata['default-spec-id'] }],
      updates: [
        { action: 'add-spec', spec: { 'spec-id': 1, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'region', transform: 'identity' }] } },
        { action: 'set-default-spec', 'spec-id': -1 },
      ],
    }));
    await appendTinyFiles(env, id, 100, 6, 8); // spec 1: 6 files per region
    const sum = await checksum(env, id);
    const plain = await compactTable({ ...base(), id, strategy: parseStrategy({}), dryRun: true });
    expect(plain.plan.groups.every((g) => g.specId === 1)).toBe(true);
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({}), rewriteToCurrentSpec: true });
    expect(r.plan.groups.some((g) => g.specId === 0)).toBe(true);
    const after = await liveFiles(env, id);
    expect(new Set(after.data.map((t) => t.specId))).toEqual(new Set([1]));
    expect(new Set(after.data.map((t) => t.file.partition[0]))).toEqual(new Set(['eu', 'us', 'ap', 'sa']));
    // Each file group is written on its own: the spec-0 group re-partitioned into 4 files, and
    // each spec-1 group (one per region) into one file.
    expect(after.data).toHaveLength(8);
    expect(await checksum(env, id)).toEqual(sum);
  });

  it('keeps an append that lands during the compaction, and fails cleanly on a conflicting delete', async () => {
    const id = tid('race');
    await createEmpty(env, id);
    const files = await appendTinyFiles(env, id, 0, 10, 10);
    await compactTable({
      ...base(), id, strategy: parseStrategy({}),
      beforeCommit: async () => { await appendTinyFiles(env, id, 1000, 2, 10); },
    });
    let live = await liveFiles(env, id);
    expect(live.data).toHaveLength(3); // the compacted file + the two appended meanwhile
    expect((await checksum(env, id)).n).toBe(120);
    void files;

    const more = await appendTinyFiles(env, id, 2000, 6, 10);
    live = await liveFiles(env, id);
    const before = live.table.metadataLocation;
    const err = await compactTable({
      ...base(), id, strategy: parseStrategy({}),
      beforeCommit: async () => {
        const d = await positionDeletes(env, id, more[0]!, [3]);
        await commitFiles(env, id, [d], 'deletes', 'delete');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('conflict');
    expect((err as FloeError).message).toMatch(/got new deletes/);
    const t = await loadTable(env.catalog, env.io, id);
    expect(t.metadataLocation).not.toBe(before); // the delete landed
    expect(t.metadata.snapshots.at(-1)!.summary.operation).toBe('delete'); // the compaction did not
    expect((await checksum(env, id)).n).toBe(179);
  });
});
