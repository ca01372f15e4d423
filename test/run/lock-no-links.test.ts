import { link, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireTableLock } from '../../src/run/lock.js';

// A file system without hard links (link fails with EPERM or ENOTSUP): the lock falls back to
// an exclusive create followed by the write, and still admits one holder.
vi.mock('node:fs/promises', async (original) => {
  const m = await original<typeof import('node:fs/promises')>();
  return { ...m, link: vi.fn(m.link) };
});

const dirs: string[] = [];
afterEach(async () => {
  vi.mocked(link).mockReset();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('acquireTableLock without hard links', () => {
  it.each(['EPERM', 'ENOTSUP'])('link failing with %s: one holder, the others refused naming it, no temporary file left', async (code) => {
    vi.mocked(link).mockRejectedValue(Object.assign(new Error(`${code}: operation not permitted, link`), { code }));
    const dir = await mkdtemp(join(tmpdir(), 'floe-lock-nolinks-'));
    dirs.push(dir);
    const first = await acquireTableLock(dir, 'raw.t', 0);
    expect(JSON.parse(await readFile(join(dir, 'raw.t.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    await expect(acquireTableLock(dir, 'raw.t', 0)).rejects.toThrow(`table raw.t is locked by another floe run (pid ${process.pid} on `);
    expect(vi.mocked(link)).toHaveBeenCalled();
    expect(await readdir(dir)).toEqual(['raw.t.lock']);
    await first.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('another link error is not taken for a missing feature', async () => {
    vi.mocked(link).mockRejectedValue(Object.assign(new Error('EIO: i/o error, link'), { code: 'EIO' }));
    const dir = await mkdtemp(join(tmpdir(), 'floe-lock-nolinks-'));
    dirs.push(dir);
    await expect(acquireTableLock(dir, 'raw.t', 0)).rejects.toThrow(/EIO/);
    expect(await readdir(dir)).toEqual([]);
  });
});
