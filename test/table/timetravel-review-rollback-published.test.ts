/**
 * `floe snapshot rollback --to-time T` against `floe query --as-of T`. A snapshot a run whose
 * checks failed staged (committed without moving main) and published later with
 * `snapshot branch main --fast-forward ID` was not the table's state before it was published;
 * neither were the commits of a branch fast-forwarded into main. The rollback by time took
 * the newest ancestor *written* before T, so a rollback to a time before the publish brought
 * back the rows that failed their checks, rows `floe query --as-of T` (the snapshot log) never
 * showed at T. It now takes the ancestor main held just before T, as the log records it;
 * without a log entry (expired history), Java's rule as before.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { assertBuilt, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { append, commitChange, DAY, load, memTable } from './reachable-helpers.js';

const NOW = Date.UTC(2026, 0, 31);

describe('rollback --to-time after a publish', () => {
  it('skips a staged snapshot published after the time, as --as-of does', async () => {
    const t = await memTable();
    const s0 = await append(t, ['a'], { at: NOW - 3 * DAY });
    const staged = await append(t, ['b'], { at: NOW - 2 * DAY, stageOnly: true });
    // Published now (the commit's own time), long after it was written.
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'main', fastForwardTo: String(staged['snapshot-id']) }, 'ns.t').change);
    const s2 = await append(t, ['c'], { at: Date.now() + 1000 });
    const m = (await load(t)).metadata;
    expect(m['current-snapshot-id']).toBe(s2['snapshot-id']);
    const at = NOW - DAY; // after the staged snapshot was written, before it was published
    expect(planRollback(m, { timestampMs: at }, 'ns.t').to['snapshot-id']).toBe(s0['snapshot-id']);
    // Once published it is the target, as before.
    expect(planRollback(m, { timestampMs: Date.now() + 500 }, 'ns.t').to['snapshot-id']).toBe(staged['snapshot-id']);
  });

  it("skips a branch's commits fast-forwarded into main after the time", async () => {
    const t = await memTable();
    const s0 = await append(t, ['a'], { at: NOW - 3 * DAY });
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'audit' }, 'ns.t').change);
    const b1 = await append(t, ['b'], { at: NOW - 2 * DAY, branch: 'audit' });
    const b2 = await append(t, ['c'], { at: NOW - 2 * DAY + 1000, branch: 'audit' });
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'main', fastForwardTo: 'audit' }, 'ns.t').change);
    const m = (await load(t)).metadata;
    expect(m['current-snapshot-id']).toBe(b2['snapshot-id']);
    expect(planRollback(m, { timestampMs: NOW - DAY }, 'ns.t').to['snapshot-id']).toBe(s0['snapshot-id']);
    expect(b1['parent-snapshot-id']).toBe(s0['snapshot-id']);
  });

  it('keeps the strict boundary and falls back to commit times where the log has no ancestor', async () => {
    const t = await memTable();
    const s: bigint[] = [];
    for (let i = 0; i < 3; i++) s.push((await append(t, [`f${i}`], { at: NOW - (3 - i) * DAY }))['snapshot-id']);
    const m = (await load(t)).metadata;
    expect(planRollback(m, { timestampMs: NOW - 2 * DAY }, 'ns.t').to['snapshot-id']).toBe(s[0]);
    expect(planRollback(m, { timestampMs: NOW - 2 * DAY + 1 }, 'ns.t').to['snapshot-id']).toBe(s[1]);
    const noLog: TableMetadata = { ...m, 'snapshot-log': [] };
    expect(planRollback(noLog, { timestampMs: NOW - 2 * DAY + 1 }, 'ns.t').to['snapshot-id']).toBe(s[1]);
  });
});

const tmp = useTmpDirs('floe-timetravel-review-rollback-');

describe('floe snapshot rollback --to-time after publishing a staged snapshot', () => {
  it('restores what floe query --as-of showed at that time, not the rows that failed their checks', async () => {
    assertBuilt();
    const project = await writeProject(await tmp());
    await mkdir(path.join(project, 'pipelines'), { recursive: true });
    await mkdir(path.join(project, 'in'));
    await writeFile(
      path.join(project, 'pipelines', 'ev.yaml'),
      'name: ev\nsource:\n  kind: csv\n  path: in/*.csv\n  incremental: { cursor: id }\ntarget:\n  table: ns.ev\n  mode: append\nchecks:\n  - not_null: [name]\n',
    );
    await writeFile(path.join(project, 'in', 'a.csv'), 'id,name\n1,a\n');
    await floeOk(project, ['run', 'ev']);
    await writeFile(path.join(project, 'in', 'b.csv'), 'id,name\n2,\n');
    const failed = await floeIn(project, ['run', 'ev']);
    expect(failed.code, show(failed)).toBe(3);
    const staged = /staged as snapshot (\d+)/.exec(failed.stderr + failed.stdout)?.[1];
    expect(staged, show(failed)).toBeDefined();
    await new Promise((r) => setTimeout(r, 50));
    const before = String(Date.now());
    await new Promise((r) => setTimeout(r, 50));
    await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'main', '--fast-forward', staged!]);
    await writeFile(path.join(project, 'in', 'c.csv'), 'id,name\n3,c\n');
    await floeOk(project, ['run', 'ev']);

    const count = async (extra: string[]) => (await floeOk(project, ['query', 'SELECT count(*) AS n FROM ns.ev', '--format', 'csv', ...extra])).stdout;
    expect(await count(['--as-of', before])).toBe('n\n1\n');
    const r = await floeOk(project, ['snapshot', 'rollback', 'ns.ev', '--to-time', before]);
    expect(r.stdout, show(r)).not.toContain(staged!);
    expect(await count([])).toBe('n\n1\n');
  }, 120_000);
});
