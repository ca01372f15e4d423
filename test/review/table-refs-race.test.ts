/**
 * `floe snapshot rollback|tag|branch` when another writer commits between the command's read
 * and its compare-and-swap. The commit loop retries on the new table state; a retry must do
 * what was decided on the first attempt, or fail clearly — never silently drop the other
 * writer's snapshot from a branch, nor tag a snapshot the user never saw.
 */
import { describe, expect, it } from 'vitest';
import { commitPlanned } from '../../src/cli/commands/snapshot-common.js';
import { refPlanner } from '../../src/cli/commands/snapshot-ref.js';
import { rollbackPlanner } from '../../src/cli/commands/snapshot-rollback.js';
import { FloeError } from '../../src/errors.js';
import { raceOnce } from '../helpers/race.js';
import { append, load, memTable, type MemTable } from '../table/reachable-helpers.js';

/** Fast retries: the race is deterministic, the wait is not what is tested. */
async function table(): Promise<{ t: MemTable; s: bigint[] }> {
  const t = await memTable({ properties: { 'commit.retry.min-wait-ms': '1', 'commit.retry.max-wait-ms': '2' } });
  const s: bigint[] = [];
  for (let i = 0; i < 3; i++) s.push((await append(t, [`f${i}`]))['snapshot-id']);
  return { t, s };
}

async function failure(p: Promise<unknown>): Promise<FloeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FloeError) return e;
    throw e;
  }
  throw new Error('expected a FloeError');
}

describe('snapshot rollback raced by an append', () => {
  it('fails naming the moved main and keeps the other writer\'s snapshot current', async () => {
    const { t, s } = await table();
    let theirs: bigint | undefined;
    const race = raceOnce(async () => (theirs = (await append(t, ['theirs']))['snapshot-id']));
    const e = await failure(commitPlanned(t.catalog, t.io, t.id, rollbackPlanner({ snapshotId: s[0]! }, 'ns.t'), race));
    expect(race.raced).toBe(1);
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe(`table ns.t: another writer moved main from snapshot ${s[2]} to snapshot ${theirs} while this command ran; not going to roll back over that commit`);
    const m = (await load(t)).metadata;
    expect(m['current-snapshot-id']).toBe(theirs);
    expect(m.refs.main!['snapshot-id']).toBe(theirs);
  });

  it('to a tag moved meanwhile, rolls main back to the snapshot the tag named when the command read it', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'rel', snapshotId: s[0] }, 'ns.t'));
    const race = raceOnce(() => commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'rel', snapshotId: s[1], replace: true }, 'ns.t')));
    const r = await commitPlanned(t.catalog, t.io, t.id, rollbackPlanner({ ref: 'rel' }, 'ns.t'), race);
    expect(race.raced).toBe(1);
    expect(r.plan.to['snapshot-id']).toBe(s[0]);
    const m = (await load(t)).metadata;
    expect(m.refs.main!['snapshot-id']).toBe(s[0]);
    expect(m.refs.rel!['snapshot-id']).toBe(s[1]);
  });

  it('without a race, rolls back as before', async () => {
    const { t, s } = await table();
    const r = await commitPlanned(t.catalog, t.io, t.id, rollbackPlanner({ snapshotId: s[0]! }, 'ns.t'));
    expect(r.plan.from).toBe(s[2]);
    expect((await load(t)).metadata['current-snapshot-id']).toBe(s[0]);
  });
});

describe('snapshot tag and branch raced by other writers', () => {
  it('a new tag of "the current snapshot" tags the snapshot that was current when the command read the table', async () => {
    const { t, s } = await table();
    const race = raceOnce(() => append(t, ['theirs']));
    const r = await commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'v1' }, 'ns.t'), race);
    expect(race.raced).toBe(1);
    expect(r.plan.after).toBe(s[2]);
    const m = (await load(t)).metadata;
    expect(m.refs.v1).toEqual({ 'snapshot-id': s[2], type: 'tag' });
    expect(m.snapshots).toHaveLength(4);
  });

  it('moving a branch another writer just committed to fails; its commit stays on the branch', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'dev', snapshotId: s[1] }, 'ns.t'));
    let theirs: bigint | undefined;
    const race = raceOnce(async () => (theirs = (await append(t, ['on-dev'], { branch: 'dev' }))['snapshot-id']));
    const e = await failure(commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'dev', snapshotId: s[0], replace: true }, 'ns.t'), race));
    expect(e.kind).toBe('conflict');
    expect(e.message).toContain(`another writer moved branch 'dev' from snapshot ${s[1]} to snapshot ${theirs}`);
    expect((await load(t)).metadata.refs.dev!['snapshot-id']).toBe(theirs);
  });

  it('dropping a branch another writer just committed to fails; the branch stays', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'dev', snapshotId: s[1] }, 'ns.t'));
    let theirs: bigint | undefined;
    const race = raceOnce(async () => (theirs = (await append(t, ['on-dev'], { branch: 'dev' }))['snapshot-id']));
    const e = await failure(commitPlanned(t.catalog, t.io, t.id, refPlanner('branch', { name: 'dev', drop: true }, 'ns.t'), race));
    expect(e.kind).toBe('conflict');
    expect(e.message).toContain('not going to drop it over that commit');
    expect((await load(t)).metadata.refs.dev!['snapshot-id']).toBe(theirs);
  });

  it('a tag dropped by an append to main (unrelated ref) still drops: only the ref itself is guarded', async () => {
    const { t, s } = await table();
    await commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'v1', snapshotId: s[0] }, 'ns.t'));
    const race = raceOnce(() => append(t, ['theirs']));
    const r = await commitPlanned(t.catalog, t.io, t.id, refPlanner('tag', { name: 'v1', drop: true }, 'ns.t'), race);
    expect(race.raced).toBe(1);
    expect(r.plan.action).toBe('dropped');
    const m = (await load(t)).metadata;
    expect(m.refs.v1).toBeUndefined();
    expect(m.snapshots).toHaveLength(4);
  });
});
