/**
 * A target below one default row group (122,880 rows) of data: files roll only at row-group
 * boundaries, so the compaction used to write files above max-file-size, which the next
 * compaction picked again and rewrote, on every run. The row group now follows the target.
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
    await appendTinyFiles(env, id, 0, 6, 15_000); // 90,000 rows, under one default row group
    const sum = await checksum(env, id);
    const o = { catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}), targetFileSizeBytes: 128n * KiB, minInputFiles: 2 };

    const first = await compactTable(o);
    expect(first.commits).toHaveLength(1);
    const max = first.plan.thresholds.max;
    const min = first.plan.thresholds.min;
    const after = await liveFiles(env, id);
    expect(after.data.length).toBeGreaterThan(1);
    // Every file but the last of the write is at least the minimum, and none is above the maximum.
    const sizes = after.data.map((t) => t.file.file_size_in_bytes).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(sizes.filter((s) => s > max)).toEqual([]);
    expect(sizes.slice(1).filter((s) => s < min)).toEqual([]);
    expect(await checksum(env, id)).toEqual(sum);

    const second = await compactTable(o);
    expect(second.plan.groups).toEqual([]);
    expect(second.commits).toEqual([]);
  });
});
