/**
 * A tag or branch whose name is all digits (floe does not create one, other engines may):
 * `floe query --snapshot 2024` read it when no snapshot has id 2024, but `snapshot rollback
 * --to-snapshot 2024` and `snapshot tag|branch --snapshot 2024` said "no snapshot 2024". All of
 * them now resolve a selector the same way (resolveSnapshot): a snapshot id first, then a ref
 * of that name; neither is not found, naming the table. `snapshot branch --fast-forward ID`
 * took a ref first; it now takes the snapshot with that id first too.
 */
import { describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { parseSnapshotSelector, selectSnapshot } from '../../src/table/snapshot-select.js';
import { snapshotOptions } from '../../src/cli/commands/snapshot-ref.js';
import { append, commitChange, load, memTable } from './reachable-helpers.js';

/** ns.t with snapshots s0 ← s1 (main) and a ref named '2024' (as another engine may write it) at s0. */
async function tableWithDigitRef(type: 'tag' | 'branch'): Promise<{ m: TableMetadata; s0: bigint; s1: bigint }> {
  const t = await memTable();
  const s0 = (await append(t, ['a']))['snapshot-id'];
  const s1 = (await append(t, ['b']))['snapshot-id'];
  await commitChange(t, () => ({ requirements: [], updates: [{ action: 'set-snapshot-ref', 'ref-name': '2024', type, 'snapshot-id': s0 }] }));
  const m = (await load(t)).metadata;
  expect(m.refs['2024']?.['snapshot-id']).toBe(s0);
  expect(m.snapshots.some((s) => s['snapshot-id'] === 2024n)).toBe(false);
  return { m, s0, s1 };
}

describe('a ref named with digits only', () => {
  it('is read by floe query --snapshot (as before)', async () => {
    const { m, s0 } = await tableWithDigitRef('tag');
    expect(selectSnapshot(m, parseSnapshotSelector('2024'), 'ns.t').snapshot?.['snapshot-id']).toBe(s0);
  });

  it('is the target of snapshot rollback --to-snapshot 2024', async () => {
    const { m, s0, s1 } = await tableWithDigitRef('tag');
    const plan = planRollback(m, { snapshotId: 2024n }, 'ns.t');
    expect(plan.from).toBe(s1);
    expect(plan.to['snapshot-id']).toBe(s0);
  });

  it('is what snapshot tag|branch --snapshot 2024 points the new ref at', async () => {
    const { m, s0 } = await tableWithDigitRef('branch');
    expect(planRef(m, 'tag', { name: 'v0', snapshotId: 2024n }, 'ns.t').after).toBe(s0);
    expect(planRef(m, 'branch', { name: 'audit', snapshotId: 2024n }, 'ns.t').after).toBe(s0);
  });

  it('loses to a snapshot with that id, and neither is not found naming the table', async () => {
    const { m, s0, s1 } = await tableWithDigitRef('tag');
    // A ref named as a snapshot's id: the snapshot wins, in every command.
    const shadow: TableMetadata = { ...m, refs: { ...m.refs, [String(s1)]: { type: 'tag', 'snapshot-id': s0 } } };
    expect(selectSnapshot(shadow, parseSnapshotSelector(String(s1)), 'ns.t').snapshot?.['snapshot-id']).toBe(s1);
    expect(planRef(shadow, 'tag', { name: 'v1', snapshotId: s1 }, 'ns.t').after).toBe(s1);
    expect(planRollback(shadow, { snapshotId: s1 }, 'ns.t').to['snapshot-id']).toBe(s1);
    expect(() => planRollback(m, { snapshotId: 2025n }, 'ns.t')).toThrow(/table ns\.t has no snapshot 2025/);
    expect(() => planRef(m, 'tag', { name: 'v2', snapshotId: 2025n }, 'ns.t')).toThrow(/table ns\.t has no snapshot 2025/);
  });

  it('--fast-forward ID resolves the same way: the snapshot with that id before a ref so named', async () => {
    const t = await memTable();
    await append(t, ['a']);
    const s1 = (await append(t, ['b']))['snapshot-id'];
    const staged = (await append(t, ['c'], { stageOnly: true }))['snapshot-id'];
    // A tag named as the staged snapshot's id, at main's head.
    await commitChange(t, () => ({ requirements: [], updates: [{ action: 'set-snapshot-ref', 'ref-name': String(staged), type: 'tag', 'snapshot-id': s1 }] }));
    const m = (await load(t)).metadata;
    expect(m.refs.main?.['snapshot-id']).toBe(s1);
    const plan = planRef(m, 'branch', { name: 'main', fastForwardTo: String(staged) }, 'ns.t');
    expect(plan.after).toBe(staged);
    // A digit-only ref with no snapshot of that id is still a fast-forward source.
    const { m: m2, s0 } = await tableWithDigitRef('branch');
    expect(() => planRef(m2, 'branch', { name: 'main', fastForwardTo: '2024' }, 'ns.t')).toThrow(`main's snapshot`);
    expect(planRef(m2, 'branch', { name: '2024', fastForwardTo: 'main' }, 'ns.t').before).toBe(s0);
  });
});

describe('digits written otherwise than an id (leading zeros)', () => {
  it('name a tag or branch, not the snapshot whose id they read as', async () => {
    const t = await memTable();
    const s0 = (await append(t, ['a']))['snapshot-id'];
    const s1 = (await append(t, ['b']))['snapshot-id'];
    const zeroed = `0${s1}`;
    await commitChange(t, () => ({ requirements: [], updates: [{ action: 'set-snapshot-ref', 'ref-name': zeroed, type: 'tag', 'snapshot-id': s0 }] }));
    const m = (await load(t)).metadata;
    expect(parseSnapshotSelector(zeroed)).toEqual({ kind: 'ref', name: zeroed });
    expect(snapshotOptions(zeroed, undefined)).toEqual({ snapshotRef: zeroed });
    expect(selectSnapshot(m, parseSnapshotSelector(zeroed), 'ns.t').snapshot?.['snapshot-id']).toBe(s0);
    // The id as written still reads the snapshot; `-0` is no id either.
    expect(parseSnapshotSelector(` ${s1} `)).toEqual({ kind: 'id', snapshotId: s1 });
    expect(parseSnapshotSelector('0')).toEqual({ kind: 'id', snapshotId: 0n });
    expect(parseSnapshotSelector('-0')).toEqual({ kind: 'ref', name: '-0' });
    // Without such a ref: not found, saying how the id is written.
    expect(() => selectSnapshot({ ...m, refs: { main: m.refs.main! } }, parseSnapshotSelector(zeroed), 'ns.t')).toThrow(`table ns.t has no branch or tag named '${zeroed}'`);
    try {
      selectSnapshot({ ...m, refs: { main: m.refs.main! } }, parseSnapshotSelector('007'), 'ns.t');
      expect.unreachable();
    } catch (e) {
      expect((e as { hint?: string }).hint).toContain('a snapshot id is written without a plus sign or leading zeros (7)');
    }
  });
});
