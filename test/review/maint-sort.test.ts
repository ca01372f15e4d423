/**
 * Sorted compaction through the re-partitioning write path: more file groups than are
 * written one COPY each (src/table/compact/execute.ts MAX_GROUP_WRITES), or files of an older
 * partition spec moved into the current one. Every output file must be sorted by the order it
 * claims in sort_order_id, and hold the same rows.
 *
 * The data set is one where DuckDB's COPY ... PARTITION_BY wrote a partition as two sorted
 * runs (rows 8017..23, then 9982..): 10,000 rows in 41 partitions of truncate(250, score).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/engine/sql.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { commitTable } from '../../src/table/commit.js';
import { appendTinyFiles, checksum, createEmpty, liveFiles, useCompactEnv } from '../table/compact/helpers.js';

const env = useCompactEnv('floe-maint-sort-');


const tid = (name: string): TableIdentifier => ({ namespace: ['db'], name });
const base = () => ({ catalog: env.catalog, io: env.io, engine: env.engine });

/** The live data files whose rows (in file order) are not in descending k, with their sort_order_id. */
async function filesOutOfOrder(id: TableIdentifier): Promise<{ path: string; rows: number }[]> {
  const bad: { path: string; rows: number }[] = [];
  for (const t of (await liveFiles(env, id)).data) {
    const [r] = await env.engine.all(
      `SELECT bool_and(d) AS ok, count(*)::INTEGER AS n FROM (SELECT k <= lag(k, 1, k) OVER (ORDER BY file_row_number) AS d ` +
        `FROM read_parquet(${quoteLiteral(t.file.file_path)}, file_row_number = true))`,
      'check the order of a data file',
    );
    if (r!.ok !== true) bad.push({ path: t.file.file_path, rows: Number(r!.n) });
  }
  return bad;
}

describe('sorted compaction through the partitioned write', () => {
  it('41 partitions: every file sorted by the table order it records', async () => {
    const id = tid('many');
    await createEmpty(env, id, { partitionBy: [{ sourceName: 'score', transform: 'truncate[250]' }], sortBy: [{ sourceName: 'k', direction: 'desc' }] });
    await appendTinyFiles(env, id, 0, 2, 5000); // two files per partition
    const sum = await checksum(env, id);
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({ strategy: 'sort' }), minInputFiles: 2 });
    expect(r.plan.groups.length).toBe(41); // above MAX_GROUP_WRITES: one partitioned write
    const after = await liveFiles(env, id);
    expect(after.data).toHaveLength(41);
    expect(new Set(after.data.map((t) => t.file.sort_order_id))).toEqual(new Set([1]));
    expect(await filesOutOfOrder(id)).toEqual([]);
    expect(await checksum(env, id)).toEqual(sum);
  });

  it('files of an older spec moved into the current one come out sorted', async () => {
    const id = tid('evolved');
    await createEmpty(env, id, { sortBy: [{ sourceName: 'k', direction: 'desc' }] });
    await appendTinyFiles(env, id, 0, 2, 5000); // spec 0: unpartitioned
    await commitTable(env.catalog, env.io, id, async (t) => ({
      requirements: [{ type: 'assert-default-spec-id', 'default-spec-id': t.metadata['default-spec-id'] }],
      updates: [
        { action: 'add-spec', spec: { 'spec-id': 1, fields: [{ 'source-id': 5, 'field-id': 1000, name: 'score_trunc', transform: 'truncate[250]' }] } },
        { action: 'set-default-spec', 'spec-id': -1 },
      ],
    }));
    const sum = await checksum(env, id);
    const r = await compactTable({ ...base(), id, strategy: parseStrategy({ strategy: 'sort' }), rewriteToCurrentSpec: true, minInputFiles: 2 });
    expect(r.plan.groups.map((g) => g.specId)).toEqual([0]);
    const after = await liveFiles(env, id);
    expect(new Set(after.data.map((t) => t.specId))).toEqual(new Set([1]));
    expect(after.data).toHaveLength(41);
    expect(await filesOutOfOrder(id)).toEqual([]);
    expect(await checksum(env, id)).toEqual(sum);
  });
});
