/**
 * Size thresholds that contradict each other are refused, as Iceberg's SizeBasedFileRewriter
 * refuses them (min < target < max). With a minimum above the target, every file a compaction
 * writes is "small" again, so each run rewrote the same data: 3 files → 2 → 3 → ...
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { thresholds } from '../../src/table/compact/plan.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { loadTable } from '../../src/table/load.js';
import { appendTinyFiles, createEmpty, useCompactEnv } from './compact/helpers.js';

const env = useCompactEnv('floe-compact-thresholds-');
const KiB = 1024n;
const id = { namespace: ['db'], name: 'sizes' };
const base = () => ({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}) });

async function refusal(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

describe('compaction size thresholds', () => {
  it('refuses a minimum at or above the target, and a maximum at or below it, before anything is written', async () => {
    await createEmpty(env, id, { properties: { 'write.target-file-size-bytes': String(64n * KiB) } });
    await appendTinyFiles(env, id, 0, 6, 10);
    const before = (await loadTable(env.catalog, env.io, id)).metadataLocation;

    const low = await refusal(compactTable({ ...base(), targetFileSizeBytes: 4n * KiB, minFileSizeBytes: 8n * KiB, minInputFiles: 2 }));
    expect(low.kind).toBe('usage');
    expect(low.message).toBe(
      '--min-file-size 8192 bytes (8 KiB) must be below the target file size 4096 bytes (4 KiB) (--target-file-size): ' +
        'the files a compaction writes would be rewritten again by the next one',
    );

    // The target from the table property is named as such; the dry run is refused too.
    const high = await refusal(compactTable({ ...base(), maxFileSizeBytes: 64n * KiB, dryRun: true }));
    expect(high.kind).toBe('usage');
    expect(high.message).toMatch(/^--max-file-size 65536 bytes \(64 KiB\) must be above the target file size 65536 bytes \(64 KiB\) \(table property write\.target-file-size-bytes\)/);

    expect((await loadTable(env.catalog, env.io, id)).metadataLocation).toBe(before);
  });

  it('accepts explicit sizes on the right side of the target, and the defaults', () => {
    const t = thresholds({ targetFileSizeBytes: 100n, minFileSizeBytes: 99n, maxFileSizeBytes: 101n, currentSpecId: 0 });
    expect([t.min, t.target, t.max]).toEqual([99n, 100n, 101n]);
    expect(thresholds({ targetFileSizeBytes: 1n, currentSpecId: 0 }).target).toBe(1n);
    expect(() => thresholds({ targetFileSizeBytes: 100n, minFileSizeBytes: 100n, currentSpecId: 0 })).toThrow(/--min-file-size 100 bytes must be below the target file size 100 bytes:/);
  });
});
