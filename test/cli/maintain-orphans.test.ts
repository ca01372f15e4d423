/**
 * `floe maintain orphans` exit codes when deletes fail, in text and JSON mode alike. The
 * sweep itself is replaced by a result with one failed delete (a file system that refuses a
 * delete cannot be set up portably), so the command's own exit-code logic is what runs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OrphanResult } from '../../src/table/orphans-run.js';

const result = (failed: boolean): OrphanResult => ({
  table: 'raw.t',
  location: 'file:///wh/raw/t',
  plan: {
    delete: [
      { location: 'file:///wh/raw/t/data/a.parquet', size: 1, lastModified: 0 },
      { location: 'file:///wh/raw/t/data/b.parquet', size: 1, lastModified: 0 },
    ],
    tooYoung: [],
    listed: 5,
    referenced: 3,
    cutoffMs: 1000,
  },
  deleted: failed ? ['file:///wh/raw/t/data/a.parquet'] : ['file:///wh/raw/t/data/a.parquet', 'file:///wh/raw/t/data/b.parquet'],
  failedDeletes: failed ? [{ location: 'file:///wh/raw/t/data/b.parquet', message: 'permission denied' }] : [],
  uploads: { abort: [], tooYoung: [] },
  aborted: [],
  stagingFolders: [],
  dryRun: false,
});

const sweep = vi.hoisted(() => ({ failed: false, calls: 0 }));

vi.mock('../../src/table/orphans-run.js', () => ({
  removeOrphanFiles: async () => {
    sweep.calls++;
    return result(sweep.failed);
  },
}));
vi.mock('../../src/cli/context.js', () => ({
  globalsOf: () => ({}),
  withProject: async (_g: unknown, fn: (ctx: unknown) => Promise<unknown>) => fn({ catalog: {}, io: {} }),
}));

const { default: maintainOrphans } = await import('../../src/cli/commands/maintain-orphans.js');
const cmd = {} as Parameters<typeof maintainOrphans>[2];

let stdout: string[] = [];
let stderr: string[] = [];
beforeEach(() => {
  stdout = [];
  stderr = [];
  sweep.calls = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => (stdout.push(String(t)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => (stderr.push(String(t)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('maintain orphans exit code', () => {
  it('is 1 when a delete failed, in JSON mode as in text mode', async () => {
    sweep.failed = true;
    expect(await maintainOrphans('raw.t', { olderThan: '3d', json: true }, cmd)).toBe(1);
    const end = stdout.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'end')!;
    expect(end).toMatchObject({ status: 'ok', failed_deletes: [{ location: 'file:///wh/raw/t/data/b.parquet', message: 'permission denied' }] });
    expect(await maintainOrphans('raw.t', { olderThan: '3d' }, cmd)).toBe(1);
    expect(stderr.join('')).toContain('warning: could not delete file:///wh/raw/t/data/b.parquet: permission denied');
  });

  it('is 0 when every delete succeeded', async () => {
    sweep.failed = false;
    expect(await maintainOrphans('raw.t', { olderThan: '3d', json: true }, cmd)).toBe(0);
    expect(await maintainOrphans('raw.t', { olderThan: '3d' }, cmd)).toBe(0);
  });

  it('refuses a threshold under 1h before sweeping, unless --allow-recent', async () => {
    await expect(maintainOrphans('raw.t', { olderThan: '30m' }, cmd)).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('--older-than 30m is below the 1h minimum for table raw.t') });
    expect(sweep.calls).toBe(0);
    sweep.failed = false;
    expect(await maintainOrphans('raw.t', { olderThan: '30m', allowRecent: true }, cmd)).toBe(0);
    expect(sweep.calls).toBe(1);
  });
});
