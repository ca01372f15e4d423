/**
 * A compaction whose starting snapshot is expired while it runs (an append lands, then
 * `maintain expire` removes the snapshot the compaction read). main still descends from it:
 * the append's parent is that snapshot. The compaction used to fail as a conflict saying
 * "main was moved off it (a rollback or a branch replace)", which nobody did; Iceberg Java
 * accepts this history (the last known ancestor's parent is the starting snapshot).
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { expireSnapshots } from '../../src/table/expire-run.js';
import { loadTable } from '../../src/table/load.js';
import { appendTinyFiles, checksum, createEmpty, liveFiles, useCompactEnv } from './compact/helpers.js';

const env = useCompactEnv('floe-compact-expired-start-');

describe('compaction whose starting snapshot expires meanwhile', () => {
  it('commits on top of the append, keeping its rows', async () => {
    const id = { namespace: ['db'], name: 'expired_start' };
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 6, 10);
    const start = (await loadTable(env.catalog, env.io, id)).metadata['current-snapshot-id']!;
    const r = await compactTable({
      catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}), minInputFiles: 2,
      beforeCommit: async () => {
        await appendTinyFiles(env, id, 1000, 2, 10);
        const e = await expireSnapshots(env.catalog, env.io, id, { olderThanMs: 0, retainLast: 1, now: () => Date.now() + 60_000 });
        expect(e.plan.expire.map((s) => s['snapshot-id'])).toContain(start);
      },
    }).catch((e: unknown) => e);
    if (r instanceof FloeError) throw new Error(`compaction failed: ${r.message}`);
    const live = await liveFiles(env, id);
    expect(live.data).toHaveLength(3); // the compacted file and the two appended meanwhile
    expect((await checksum(env, id)).n).toBe(80);
    const snaps = live.table.metadata.snapshots;
    expect(snaps.at(-1)!.summary.operation).toBe('replace');
    expect(snaps.some((s) => s['snapshot-id'] === start)).toBe(false);
  });
});
