/**
 * Branch and rollback workflows a data engineer reaches for: undoing a rollback (making a
 * snapshot current that is no longer an ancestor of main), and publishing a branch by
 * fast-forwarding main to it (Iceberg Java ManageSnapshots.fastForwardBranch), which must
 * refuse when main has commits the branch lacks.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeText } from '../../src/cli/commands/describe.js';
import { commitPlanned } from '../../src/cli/commands/snapshot-common.js';
import { refPlanner } from '../../src/cli/commands/snapshot-ref.js';
import { rollbackPlanner } from '../../src/cli/commands/snapshot-rollback.js';
import { FloeError } from '../../src/errors.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { assertBuilt, expectFailure, floe, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { raceOnce } from '../helpers/race.js';
import { append, load, memTable, type MemTable } from '../table/reachable-helpers.js';

async function table(): Promise<{ t: MemTable; s: bigint[] }> {
  const t = await memTable({ properties: { 'commit.retry.min-wait-ms': '1', 'commit.retry.max-wait-ms': '2' } });
  const s: bigint[] = [];
  for (let i = 0; i < 2; i++) s.push((await append(t, [`f${i}`]))['snapshot-id']);
  return { t, s };
}

function error(f: () => unknown): FloeError {
  try {
    f();
  } catch (e) {
    if (e instanceof FloeError) return e;
    throw e;
  }
  throw new Error('expected a FloeError');
}

describe('undoing a rollback', () => {
  it('the refusal of a non-ancestor says how to make that snapshot current, and that way works', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, rollbackPlanner({ snapshotId: s[0]! }, 'ns.t'));
    const m = (await load(t)).metadata;
    const e = error(() => planRollback(m, { snapshotId: s[1]! }, 'ns.t'));
    expect(e.kind).toBe('usage');
    expect(e.hint).toContain(`floe snapshot branch ns.t main --snapshot ${s[1]} --replace`);
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'main', snapshotId: s[1], replace: true }, 'ns.t'));
    const after = (await load(t)).metadata;
    expect(after['current-snapshot-id']).toBe(s[1]);
    expect(after['snapshot-log'].map((l) => l['snapshot-id'])).toEqual([s[0], s[1], s[0], s[1]]);
  });
});

describe('snapshot branch --fast-forward', () => {
  it('moves main to the head of a branch that descends from it, keeping main\'s retention', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'main', minSnapshotsToKeep: 3, replace: true }, 'ns.t'));
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'audit' }, 'ns.t'));
    const staged = (await append(t, ['wap'], { branch: 'audit' }))['snapshot-id'];
    const r = await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'main', fastForwardTo: 'audit' }, 'ns.t'));
    expect(r.plan).toMatchObject({ action: 'replaced', before: s[1], after: staged });
    const m = (await load(t)).metadata;
    expect(m['current-snapshot-id']).toBe(staged);
    expect(m.refs.main).toEqual({ 'snapshot-id': staged, type: 'branch', 'min-snapshots-to-keep': 3 });
    expect(m.refs.audit!['snapshot-id']).toBe(staged);
    // Again: nothing to do.
    expect(planRef(m, 'branch', { name: 'main', fastForwardTo: 'audit' }, 'ns.t').action).toBe('unchanged');
  });

  it('refuses when main has commits the branch lacks, a missing source, a tag target and other options', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'old', snapshotId: s[0] }, 'ns.t'));
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'v1' }, 'ns.t'));
    const m = (await load(t)).metadata;
    const diverged = error(() => planRef(m, 'branch', { name: 'main', fastForwardTo: 'old' }, 'ns.t'));
    expect(diverged.kind).toBe('usage');
    expect(diverged.message).toBe(`table ns.t: cannot fast-forward branch 'main' to 'old' (snapshot ${s[0]}): main's snapshot ${s[1]} is not an ancestor of it`);
    expect(error(() => planRef(m, 'branch', { name: 'main', fastForwardTo: 'nope' }, 'ns.t')).message).toBe("table ns.t has no branch or tag named 'nope'");
    // A tag is a fine target (publishing a tagged snapshot); the branch to move must exist.
    expect(planRef(m, 'branch', { name: 'old', fastForwardTo: 'v1' }, 'ns.t').after).toBe(s[1]);
    expect(error(() => planRef(m, 'branch', { name: 'new', fastForwardTo: 'v1' }, 'ns.t')).message).toBe("table ns.t has no branch named 'new' to fast-forward");
    expect(error(() => planRef(m, 'branch', { name: 'old', fastForwardTo: 'main', snapshotId: s[0] }, 'ns.t')).kind).toBe('usage');
    expect(error(() => planRef(m, 'branch', { name: 'old', fastForwardTo: 'main', drop: true }, 'ns.t')).kind).toBe('usage');
  });

  it('a branch that moved meanwhile is re-checked on the retry, never published over', async () => {
    const { t } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'audit' }, 'ns.t'));
    await append(t, ['wap'], { branch: 'audit' });
    let theirs: bigint | undefined;
    const race = raceOnce(async () => (theirs = (await append(t, ['late']))['snapshot-id']));
    const e = await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'main', fastForwardTo: 'audit' }, 'ns.t'), race).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('conflict');
    expect((await load(t)).metadata['current-snapshot-id']).toBe(theirs);
  });
});

describe('floe snapshot branch --fast-forward (CLI)', () => {
  const tmp = useTmpDirs('floe-review-refs-');
  it('is in --help; publishes a branch ahead of main and refuses one behind it (exit 2, main unchanged)', async () => {
    assertBuilt();
    const h = await floe(['snapshot', 'branch', '--help']);
    expect(h.stdout, show(h)).toContain('--fast-forward <ref>');
    const project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id\n1\n');
    for (let i = 0; i < 2; i++) expect((await floeIn(project, ['load', 'raw.ff', path.join(project, 'a.csv')])).code).toBe(0);
    const ids = JSON.parse((await floeIn(project, ['snapshots', 'raw.ff', '--json'])).stdout.replace(/("snapshot-id"|"parent-snapshot-id"):\s*(\d+)/g, '$1:"$2"')).map((s: { 'snapshot-id': string }) => s['snapshot-id']);
    expect((await floeIn(project, ['snapshot', 'branch', 'raw.ff', 'ahead'])).code).toBe(0);
    expect((await floeIn(project, ['snapshot', 'rollback', 'raw.ff', '--to-snapshot', ids[0]])).code).toBe(0);
    expectFailure(await floeIn(project, ['snapshot', 'branch', 'raw.ff', 'ahead', '--fast-forward', 'main']), 2, [`cannot fast-forward branch 'ahead' to 'main' (snapshot ${ids[0]})`]);
    const r = await floeIn(project, ['snapshot', 'branch', 'raw.ff', 'main', '--fast-forward', 'ahead']);
    expect(r.stdout, show(r)).toBe(`raw.ff: moved branch 'main' from snapshot ${ids[0]} to ${ids[1]}\n`);
    const q = await floeIn(project, ['query', 'SELECT count(*) AS n FROM raw.ff', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('n\n2\n');
  });
});

describe('ref retention must be positive (Iceberg Java refuses to load a ref with 0)', () => {
  it('refuses --retain 0s and --max-snapshot-age 0s, changing nothing', async () => {
    const { t } = await table();
    const m = (await load(t)).metadata;
    const tag = error(() => planRef(m, 'tag', { name: 'gone', maxRefAgeMs: 0 }, 'ns.t'));
    expect(tag.kind).toBe('usage');
    expect(tag.message).toBe("--retain must be longer than 0 for table ns.t's gone: Iceberg readers refuse a ref that expires at once");
    expect(error(() => planRef(m, 'branch', { name: 'b', maxSnapshotAgeMs: 0 }, 'ns.t')).message).toContain('--max-snapshot-age must be longer than 0');
    expect(error(() => planRef(m, 'branch', { name: 'main', minSnapshotsToKeep: 0, replace: true }, 'ns.t')).message).toContain('--retain-last must be 1 or more');
    expect(planRef(m, 'tag', { name: 'kept', maxRefAgeMs: 1000 }, 'ns.t').change.updates).toHaveLength(1);
  });
});

describe('floe describe shows ref retention', () => {
  it('lists main first, then refs by name, each with its retention in option words', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'v1', snapshotId: s[0], maxRefAgeMs: 30 * 86_400_000 }, 'ns.t'));
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'audit', minSnapshotsToKeep: 2, maxSnapshotAgeMs: 7 * 86_400_000 }, 'ns.t'));
    const loaded = await load(t);
    const text = describeText('ns.t', loaded.metadataLocation, loaded.metadata);
    expect(text.slice(text.indexOf('refs:'))).toBe(
      ['refs:', `  main (branch) → ${s[1]}`, `  audit (branch) → ${s[1]}  [retain-last 2, max-snapshot-age 1w]`, `  v1 (tag) → ${s[0]}  [retain 4w2d]`].join('\n'),
    );
  });
});
