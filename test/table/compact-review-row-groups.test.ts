/**
 * A target below one default row group (122,880 rows) of data: files roll only at row-group
 * boundaries, so the compaction used to write files above max-file-size, which the next
 * compaction picked again and rewrote, on every run. The row group now follows the target,
 * and such writes run on one thread so that files roll evenly (the test engine has two).
 */
import { describe, expect, it } from 'vitest';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { appendTinyFiles, checksum, createEmpty, liveFiles, useCompactEnv } from './compact/helpers.js';

const env = useCompactEnv('floe-compact-row-groups-');
const KiB = 1024n;

describe('compaction to a small target', () => {
  it('writes files within the thresholds, so a second compaction has nothing to do', async () => {
    const id = { namespace: ['db'], name: 'small_target' };
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 6, 20_000); // 120,000 rows, under one default row group of 122,880
    const sum = await checksum(env, id);
    const o = { catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}), targetFileSizeBytes: 128n * KiB };

    const first = await compactTable(o);
    expect(first.commits).toHaveLength(1);
    const max = first.plan.thresholds.max;
    const min = first.plan.thresholds.min;
    const after = await liveFiles(env, id);
    expect(after.data.length).toBeGreaterThan(1);
    // None is above the maximum (one file of all rows was, before), and only the last one
    // written, the remainder, may be below the minimum.
    expect(after.data.filter((t) => t.file.file_size_in_bytes > max).map((t) => t.file.file_size_in_bytes)).toEqual([]);
    expect(after.data.filter((t) => t.file.file_size_in_bytes < min).length).toBeLessThanOrEqual(1);
    expect(await checksum(env, id)).toEqual(sum);

    const second = await compactTable(o);
    expect(second.plan.groups).toEqual([]);
    expect(second.commits).toEqual([]);
  });
});
