import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireTableLock, breakStaleLock, type TableLock } from '../../src/run/lock.js';

// A lock left by a killed run is stale and taken over. When several runs find the same stale
// lock at once, exactly one may take it: a run that removed the stale file by name could
// otherwise remove the lock another waiter had just placed, and both would hold the table.

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The pid of a process that has exited (and so cannot hold a lock). */
let dead: number | undefined;
function deadPid(): number {
  dead ??= Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  return dead;
}

const staleText = (): string => JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' });

async function staleLock(dir: string, table: string): Promise<void> {
  await writeFile(join(dir, `${table}.lock`), staleText());
}

describe('acquireTableLock over a stale lock', () => {
  it('a single waiter takes over a lock whose process is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-lock-stale-'));
    dirs.push(dir);
    await staleLock(dir, 'raw.t');
    const lock = await acquireTableLock(dir, 'raw.t', 0);
    expect(await readdir(dir)).toEqual(['raw.t.lock']);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaking a stale lock never removes a lock placed after the stale one was read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-lock-stale-'));
    dirs.push(dir);
    const file = join(dir, 'raw.t.lock');
    const seen = staleText();
    // Another waiter took the stale lock over and placed its own before this one acted.
    const live = JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-11-29T00:00:00.000Z' });
    await writeFile(file, live);
    expect(await breakStaleLock(file, seen)).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(live);
    expect(await readdir(dir)).toEqual(['raw.t.lock']);
    // Already gone: nothing to do.
    await rm(file);
    expect(await breakStaleLock(file, seen)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
    // Still the stale lock: removed, nothing left beside it.
    await writeFile(file, seen);
    expect(await breakStaleLock(file, seen)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('of 8 waiters finding the same stale lock, one holds it until it releases, then the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-lock-stale-'));
    dirs.push(dir);
    for (let trial = 0; trial < 5; trial++) {
      await staleLock(dir, 'raw.t');
      let holding = 0;
      let most = 0;
      const order: number[] = [];
      const waiters = Array.from({ length: 8 }, async (_, i) => {
        const lock: TableLock = await acquireTableLock(dir, 'raw.t', 60_000, 5);
        holding++;
        most = Math.max(most, holding);
        order.push(i);
        // Hold it across several polls of the others, then hand over.
        await new Promise((r) => setTimeout(r, 20));
        holding--;
        await lock.release();
      });
      await Promise.all(waiters);
      expect(most, `trial ${trial}: more than one waiter held the lock at once`).toBe(1);
      expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(await readdir(dir), `trial ${trial}`).toEqual([]);
    }
  });
});
