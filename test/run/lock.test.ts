/**
 * Two overlapping `floe run`s of one pipeline never both write: the per-table lock. A large
 * generated CSV keeps the first run busy; it is paused (SIGSTOP) while it holds the lock, so
 * the second run's attempt certainly overlaps it, whatever the machine's load.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, duck, type Project, show, sqlString, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const ROWS = 2_000_000;

describe('per-table lock', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('pipelines/big.yaml', 'source: { kind: csv, path: data/big.csv }\ntarget: { table: raw.big }\n');
    await p.write('data/.keep', '');
    await duck(
      `COPY (SELECT range AS id, 'customer-' || range AS name, (range % 1000) * 1.25 AS amount FROM range(${ROWS})) TO ${sqlString(p.path('data/big.csv'))} (FORMAT csv, HEADER)`,
    );
  });

  it('a second run with --lock-timeout 0s exits 1 with the locked message; exactly one commits', async () => {
    const lockFile = p.path('warehouse/.floe-locks/raw.big.lock');
    const first = p.start(['run', 'big']);
    const firstDone = collect(first);
    let exited = false;
    void firstDone.then(() => (exited = true));
    while (!existsSync(lockFile) && !exited) await new Promise((r) => setTimeout(r, 10));
    expect(exited, 'the first run ended before it was seen holding the lock').toBe(false);
    first.kill('SIGSTOP');
    let second;
    try {
      second = await p.floe(['run', 'big', '--lock-timeout', '0s']);
    } finally {
      first.kill('SIGCONT');
    }
    const one = await firstDone;
    expect(one.code, show(one)).toBe(0);
    expect(second.code, show(second)).toBe(1);
    expect(second.stderr).toContain('table raw.big is locked by another floe run');
    expect(second.stderr).toContain(`pid ${first.pid}`);
    expect(second.stdout).toMatch(/big\s+raw\.big\s+failed/);

    const snaps = await p.snapshots('raw.big');
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.summary['added-records']).toBe(String(ROWS));
    expect(existsSync(lockFile)).toBe(false);
  });

  it('with a generous lock timeout, two runs started at once both succeed, one after the other', async () => {
    const [a, b] = await Promise.all([collect(p.start(['run', 'big', '--lock-timeout', '10m'])), collect(p.start(['run', 'big', '--lock-timeout', '10m']))]);
    expect(a.code, show(a)).toBe(0);
    expect(b.code, show(b)).toBe(0);
    const snaps = await p.snapshots('raw.big');
    expect(snaps).toHaveLength(3);
    // Sequential: each commit builds on the one before.
    expect(snaps[2]!['parent-snapshot-id']).toBe(snaps[1]!['snapshot-id']);
    expect(snaps[1]!['parent-snapshot-id']).toBe(snaps[0]!['snapshot-id']);
    expect(snaps.map((s) => s.summary['total-records'])).toEqual([String(ROWS), String(2 * ROWS), String(3 * ROWS)]);
    expect(new Set(snaps.map((s) => s.summary['floe.run-id'])).size).toBe(3);
  });
});
