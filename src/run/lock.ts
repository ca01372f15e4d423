/**
 * A per-table lock so that two overlapping cron runs never both write the same table.
 * The catalog's compare-and-swap already keeps the table consistent; the lock keeps the
 * *work* from being done twice (two runs reading the same cursor and appending the same
 * rows). It is a file beside the catalog holding the owner's pid and host, put in place
 * whole: written under a temporary name, then hard-linked to the lock's name, which fails if
 * the lock exists. So a lock is never seen empty (an O_EXCL create followed by a write could
 * be read, or left by a killed process, before the write). Where the file system has no hard
 * links, the lock is an exclusive create followed by the write.
 *
 * A lock whose process is gone on this host is stale and taken over. It is moved aside under
 * a unique name first and removed only if it is still the stale lock that was read: several
 * runs can find the same stale lock, and one that deleted the lock's name could delete the
 * lock another of them had just placed.
 *
 * A run that a signal stops (src/cancel.ts) releases its lock on the way out like any failed
 * run; a process ended at once (a second signal, no safe point within the grace period) removes
 * its lock file synchronously before it exits. Waiting for a lock is a safe point: a signal ends
 * the wait.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { atForcedExit, cancellableSleep, pausePoint, throwIfCancelled } from '../cancel.js';
import { FloeError } from '../errors.js';

export interface TableLock {
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Codes of a file system that has no hard links (some network and FAT mounts). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

function noLinks(e: unknown): boolean {
  return NO_LINKS.has((e as NodeJS.ErrnoException).code ?? '');
}

function missing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host, since: String(o.since ?? '') } : null;
  } catch {
    return null;
  }
}

/**
 * Puts the lock file in place with its content, or gives false when it exists. Where hard
 * links are not supported, falls back to an exclusive create followed by the write.
 */
async function placeLock(dir: string, table: string, file: string, owner: string): Promise<boolean> {
  const staged = join(dir, `.${table}.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(staged, owner);
  try {
    await link(staged, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (!noLinks(e)) throw e;
  } finally {
    await unlink(staged).catch(() => undefined);
  }
  try {
    await writeFile(file, owner, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Removes the lock file if it still holds `staleText`; gives whether it did. The file is
 * renamed to a unique name (one atomic step that only one run can take) and checked there;
 * a lock that another run placed since `staleText` was read is put back.
 */
export async function breakStaleLock(file: string, staleText: string): Promise<boolean> {
  const aside = `${file}.${process.pid}.${randomUUID()}.stale`;
  try {
    await rename(file, aside);
  } catch (e) {
    if (missing(e)) return false; // another run took it over first
    throw e;
  }
  const text = await readFile(aside, 'utf8');
  if (text !== staleText) {
    // A live lock placed after the stale one was read: back under its name.
    try {
      await link(aside, file);
    } catch (e) {
      if (noLinks(e)) await rename(aside, file);
      else if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  await unlink(aside).catch(() => undefined);
  return text === staleText;
}

export async function acquireTableLock(dir: string, table: string, timeoutMs: number, pollMs = 250): Promise<TableLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${table}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfCancelled();
    // Read first: a run waiting on a held lock stages no file per poll.
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      if (missing(e)) return null;
      throw e;
    });
    if (text === null) {
      const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
      if (await placeLock(dir, table, file, mine)) return held(file, table, mine);
      continue; // placed by another run since the read: read its owner
    }
    const owner = parseOwner(text);
    if (owner && owner.host === hostname() && !alive(owner.pid)) {
      await breakStaleLock(file, text);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new FloeError('conflict', `table ${table} is locked by another floe run${owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : ''}; gave up after ${Math.round(timeoutMs / 1000)} s`, {
        retryable: false,
        context: { table, lock: file },
        hint: `Wait for the other run to finish, or raise --lock-timeout. If no floe process is running, delete the lock file ${file}.`,
      });
    }
    await cancellableSleep(pollMs);
  }
}

/**
 * The lock just placed: released by release(), or, when the process is ended at once, by the
 * forced exit's cleanup (only while the file still holds this run's owner line). A signal that
 * arrived while it was placed releases it at once.
 */
async function held(file: string, table: string, mine: string): Promise<TableLock> {
  const forget = atForcedExit(() => {
    if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
  });
  const release = async () => {
    forget();
    await unlink(file).catch(() => undefined);
  };
  try {
    await pausePoint('locked', table);
    throwIfCancelled();
  } catch (e) {
    await release();
    throw e;
  }
  return { release };
}
