/**
 * The run-id record (src/run/run-ids.ts), pure: what a commit adds to it, and what a run id is
 * given main's history and the record — committed, new, or unknown.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot, TableMetadata } from '../../src/iceberg/types.js';
import { readRunIds, RUN_IDS_KEPT, RUN_IDS_MARKER, runIdStatus, runIdUpdates, withRunIds } from '../../src/run/run-ids.js';
import type { TableChange } from '../../src/table/updates.js';
import { commitOf, snap, table } from './run-id-fixtures.js';

/** The table after applying the property updates of `change` (only those matter here). */
function applied(base: TableMetadata, change: TableChange, newSnapshot: Snapshot): TableMetadata {
  const properties = { ...base.properties };
  for (const u of change.updates) if (u.action === 'set-properties') Object.assign(properties, u.updates);
  const moves = change.updates.some((u) => u.action === 'set-snapshot-ref');
  return table([...base.snapshots, newSnapshot], moves ? Number(newSnapshot['snapshot-id']) : Number(base['current-snapshot-id']), properties);
}

describe('runIdUpdates: what a run commit records', () => {
  it('a new table: the marker and the pipeline\'s record with this run', () => {
    const s1 = snap(1, null, 'p', 'r1');
    const [u] = runIdUpdates(table([], null), commitOf(s1), 'p', 'r1');
    expect(u).toEqual({ action: 'set-properties', updates: { 'floe.run-ids.p': JSON.stringify([['r1', 1000]]), [RUN_IDS_MARKER]: 'complete' } });
  });

  it('a staged (unpublished) snapshot is not a committed run: nothing recorded once the record exists', () => {
    const base = table([snap(1, null, 'p', 'r1')], 1, { 'floe.run-ids.p': JSON.stringify([['r1', 1000]]), [RUN_IDS_MARKER]: 'complete' });
    expect(runIdUpdates(base, commitOf(snap(2, 1, 'p', 'r2'), false), 'p', 'r2')).toEqual([]);
  });

  it('a run without a caller-chosen id records nothing new, but starts a missing record', () => {
    const base = table([snap(1, null, 'p', 'r1')], 1, { [RUN_IDS_MARKER]: 'complete' });
    expect(runIdUpdates(base, commitOf(snap(2, 1, 'p', 'random')), 'p', undefined)).toEqual([
      { action: 'set-properties', updates: { 'floe.run-ids.p': JSON.stringify([['r1', 1000]]) } },
    ]);
  });

  it('on the first commit that sees the whole history, every pipeline\'s run ids are folded in', () => {
    const base = table([snap(1, null, 'p', 'a'), snap(2, 1, 'q', 'b'), snap(3, 2, 'p', 'c')], 3);
    const [u] = runIdUpdates(base, commitOf(snap(4, 3, 'p', 'd')), 'p', 'd');
    expect(u).toEqual({
      action: 'set-properties',
      updates: {
        'floe.run-ids.p': JSON.stringify([['a', 1000], ['c', 3000], ['d', 4000]]),
        'floe.run-ids.q': JSON.stringify([['b', 2000]]),
        [RUN_IDS_MARKER]: 'complete',
      },
    });
  });

  it('only this pipeline\'s key is set (a concurrent commit of another pipeline keeps its own), computed from the base given', () => {
    const base = table([snap(1, null, 'p', 'a')], 1, { 'floe.run-ids.p': '[]', 'floe.run-ids.q': JSON.stringify([['x', 5]]), [RUN_IDS_MARKER]: 'complete' });
    const [u] = runIdUpdates(base, commitOf(snap(2, 1, 'p', 'b')), 'p', 'b');
    expect(u).toEqual({ action: 'set-properties', updates: { 'floe.run-ids.p': JSON.stringify([['b', 2000]]) } });
  });

  it(`keeps the last ${RUN_IDS_KEPT} run ids; a repeated id moves to the end`, () => {
    let m = table([], null);
    let parent: number | null = null;
    for (let i = 1; i <= RUN_IDS_KEPT + 5; i++) {
      const s = snap(i, parent, 'p', `r${i}`);
      m = applied(m, withRunIds(m, commitOf(s), 'p', `r${i}`), s);
      parent = i;
    }
    const ids = readRunIds(m.properties, 'p')!.map((e) => e[0]);
    expect(ids).toHaveLength(RUN_IDS_KEPT);
    expect(ids[0]).toBe('r6');
    expect(ids.at(-1)).toBe(`r${RUN_IDS_KEPT + 5}`);
  });
});

describe('runIdStatus', () => {
  const recorded = { 'floe.run-ids.p': JSON.stringify([['r1', 1000], ['r2', 2000], ['r5', 5000]]), [RUN_IDS_MARKER]: 'complete' };

  it('committed when a main ancestor carries it', () => {
    expect(runIdStatus(table([snap(1, null, 'p', 'r1')], 1), 'p', 'r1')).toBe('committed');
    expect(runIdStatus(table([snap(1, null, 'q', 'r1')], 1), 'p', 'r1')).toBe('new');
  });

  it('committed when recorded and its snapshot is older than what remains of main (expired)', () => {
    // r1 and r2 expired: main's oldest remaining ancestor is 3, whose parent 2 is gone.
    const m = table([snap(3, 2, 'p', 'r3'), snap(4, 3, 'x')], 4, recorded);
    expect(runIdStatus(m, 'p', 'r1')).toBe('committed');
    expect(runIdStatus(m, 'p', 'r2')).toBe('committed');
    expect(runIdStatus(m, 'p', 'r9')).toBe('new');
  });

  it('new when recorded but newer than main\'s oldest ancestor and not on main (rolled back)', () => {
    // Main was rolled back to 4; r5's snapshot is off main.
    const m = table([snap(3, 2, 'p', 'r3'), snap(4, 3, 'x'), snap(5, 4, 'p', 'r5')], 4, recorded);
    expect(runIdStatus(m, 'p', 'r5')).toBe('new');
  });

  it('unknown when the history was expired and nothing recorded this pipeline; new with a record or the marker', () => {
    const expired = [snap(3, 2, 'p', 'r3')];
    expect(runIdStatus(table(expired, 3), 'p', 'old')).toBe('unknown');
    expect(runIdStatus(table(expired, 3, { [RUN_IDS_MARKER]: 'complete' }), 'p', 'old')).toBe('new');
    expect(runIdStatus(table(expired, 3, { 'floe.run-ids.p': '[]' }), 'p', 'old')).toBe('new');
    expect(runIdStatus(table([snap(1, null, 'q', 'z')], 1), 'p', 'old')).toBe('new');
    expect(runIdStatus(undefined, 'p', 'old')).toBe('new');
  });

  it('a record that does not parse is no record', () => {
    expect(readRunIds({ 'floe.run-ids.p': 'not json' }, 'p')).toBeUndefined();
    expect(runIdStatus(table([snap(3, 2, 'p', 'r3')], 3, { 'floe.run-ids.p': '{' }), 'p', 'old')).toBe('unknown');
  });
});

describe('checkRunId (what a run does with a caller-chosen run id)', () => {
  it('skips a committed one, runs a new one, refuses an unknown one with kind conflict, and refuses an over-long one', async () => {
    const { checkRunId } = await import('../../src/run/run-pipeline.js');
    const { readState } = await import('../../src/run/state.js');
    const { FloeError } = await import('../../src/errors.js');
    const expired = table([snap(3, 2, 'p', 'r3')], 3);
    expect(checkRunId(readState(expired, 'p', undefined), 'p', 'ns.t', 'r3')).toBe('run r3 already committed');
    expect(checkRunId(readState(table([snap(1, null, 'p', 'r1')], 1), 'p', undefined), 'p', 'ns.t', 'r2')).toBeUndefined();
    const unknown = (() => {
      try {
        checkRunId(readState(expired, 'p', undefined), 'p', 'ns.t', 'old');
      } catch (e) {
        return e;
      }
    })();
    expect(unknown).toBeInstanceOf(FloeError);
    expect((unknown as InstanceType<typeof FloeError>).kind).toBe('conflict');
    expect((unknown as Error).message).toBe('pipeline p: cannot tell whether run old was already committed to ns.t: its history was expired before floe recorded the run ids of p; nothing was written');
    expect(() => checkRunId(readState(undefined, 'p', undefined), 'p', 'ns.t', 'x'.repeat(257))).toThrow(/--run-id is 257 characters long; at most 256/);
  });
});
