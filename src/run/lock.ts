/**
 * A per-table lock so that two overlapping cron runs never both write the same table.
 * The catalog's compare-and-swap already keeps the table consistent; the lock keeps the
 * *work* from being done twice (two runs reading the same cursor and appending the same
 * rows). It is a file beside the catalog holding the owner's pid and host, put in place
 * whole: written under a temporary name, then hard-linked to the lock's name, which fails if
 * the lock exists. So a lock is never seen empty (an O_EXCL create followed by a write could
 * be read, or left by a killed process, before the write). A lock whose process is gone on
 * this host is stale and taken over. Where the file system has no hard links, the lock is an
 * exclusive create followed by the write.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FloeError } from '../errors.js';

export interface TableLock {
  release(): Promise<void>;
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
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw e;
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

export async function acquireTableLock(dir: string, table: string, timeoutMs: number, pollMs = 250): Promise<TableLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${table}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    if (await placeLock(dir, table, file, mine)) return { release: () => unlink(file).catch(() => undefined) };
    const owner = await readFile(file, 'utf8').then((t) => JSON.parse(t) as { pid: number; host: string; since: string }).catch(() => null);
    if (owner && owner.host === hostname() && !alive(owner.pid)) {
      await unlink(file).catch(() => undefined); // stale: its process died
      continue;
    }
    if (Date.now() >= deadline) {
      throw new FloeError('conflict', `table ${table} is locked by another floe run${owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : ''}; gave up after ${Math.round(timeoutMs / 1000)} s`, {
        retryable: false,
        context: { table, lock: file },
        hint: 'Wait for the other run to finish, or raise --lock-timeout. If no floe process is running, delete the lock file.',
      });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
