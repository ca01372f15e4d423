import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireTableLock } from '../../src/run/lock.js';

// The lock file is put in place whole (written, then hard-linked to its name), so a run that
// finds it locked always reads who holds it; a create-then-write lock could be read empty.

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('acquireTableLock', () => {
  it('under 30 simultaneous attempts: one holds the lock, every other names its holder, no temporary file is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-lock-'));
    dirs.push(dir);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => acquireTableLock(dir, 'raw.t', 0)));
    const held = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(held).toHaveLength(1);
    expect(refused).toHaveLength(29);
    for (const r of refused) expect(String((r.reason as Error).message)).toContain(`table raw.t is locked by another floe run (pid ${process.pid} on `);
    expect(await readdir(dir)).toEqual(['raw.t.lock']);
    await (held[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    expect(await readdir(dir)).toEqual([]);
    // Free again: the next attempt takes it at once.
    const again = await acquireTableLock(dir, 'raw.t', 0);
    await again.release();
  });
});
