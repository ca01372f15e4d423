import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { parseSnapshotSelector, selectSnapshot } from '../../src/table/snapshot-select.js';
import { append, commitChange, DAY, load, memTable, type MemTable } from './reachable-helpers.js';

const NOW = Date.UTC(2026, 0, 31);

async function three(): Promise<{ t: MemTable; s: bigint[] }> {
  const t = await memTable();
  for (let i = 0; i < 3; i++) await append(t, [`f${i}`], { at: NOW - (3 - i) * DAY });
  return { t, s: (await load(t)).metadata.snapshots.map((x) => x['snapshot-id']) };
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

describe('rollback', () => {
  it('moves main back to an ancestor by id or by time, keeping the snapshots', async () => {
    const { t, s } = await three();
    const m = (await load(t)).metadata;
    const p = planRollback(m, { snapshotId: s[0]! }, 'ns.t');
    expect(p.from).toBe(s[2]);
    expect(p.change.requirements).toContainEqual({ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': s[2] });
    const after = await commitChange(t, (b) => planRollback(b.metadata, { snapshotId: s[0]! }, 'ns.t').change);
    expect(after.metadata['current-snapshot-id']).toBe(s[0]);
    expect(after.metadata.snapshots).toHaveLength(3);
    expect(after.metadata['snapshot-log'].at(-1)!['snapshot-id']).toBe(s[0]);
    // By time: the newest ancestor committed strictly before it.
    const t2 = await three();
    const m2 = (await load(t2.t)).metadata;
    expect(planRollback(m2, { timestampMs: NOW - 2 * DAY }, 'ns.t').to['snapshot-id']).toBe(t2.s[0]);
    expect(planRollback(m2, { timestampMs: NOW - 2 * DAY + 1 }, 'ns.t').to['snapshot-id']).toBe(t2.s[1]);
    expect(planRollback(m2, { snapshotId: t2.s[2]! }, 'ns.t').change.updates).toEqual([]);
  });

  it('refuses a snapshot that is not an ancestor, an unknown one and a time before the history', async () => {
    const { t, s } = await three();
    await commitChange(t, (b) => planRollback(b.metadata, { snapshotId: s[0]! }, 'ns.t').change);
    const m = (await load(t)).metadata;
    const notAncestor = error(() => planRollback(m, { snapshotId: s[2]! }, 'ns.t'));
    expect(notAncestor.kind).toBe('usage');
    expect(notAncestor.message).toContain(`snapshot ${s[2]} is not an ancestor`);
    const unknown = error(() => planRollback(m, { snapshotId: 42n }, 'ns.t'));
    expect(unknown.kind).toBe('not-found');
    expect(unknown.message).toBe('table ns.t has no snapshot 42');
    expect(error(() => planRollback(m, { timestampMs: NOW - 30 * DAY }, 'ns.t')).message).toMatch(/^table ns.t has no snapshot in main's history committed before/);
  });
});

describe('tags and branches', () => {
  it('creates, refuses to duplicate, replaces and drops a tag', async () => {
    const { t, s } = await three();
    let m = (await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'v1', snapshotId: s[0], maxRefAgeMs: DAY }, 'ns.t').change)).metadata;
    expect(m.refs.v1).toEqual({ 'snapshot-id': s[0], type: 'tag', 'max-ref-age-ms': DAY });
    const dup = error(() => planRef(m, 'tag', { name: 'v1', snapshotId: s[1] }, 'ns.t'));
    expect(dup.kind).toBe('already-exists');
    expect(dup.message).toContain(`table ns.t already has a tag 'v1' at snapshot ${s[0]}`);
    const replace = planRef(m, 'tag', { name: 'v1', snapshotId: s[1], replace: true }, 'ns.t');
    expect(replace.action).toBe('replaced');
    expect(replace.change.requirements).toContainEqual({ type: 'assert-ref-snapshot-id', ref: 'v1', 'snapshot-id': s[0] });
    m = (await commitChange(t, () => replace.change)).metadata;
    expect(m.refs.v1!['snapshot-id']).toBe(s[1]);
    expect(m.refs.v1!['max-ref-age-ms']).toBe(DAY);
    expect(error(() => planRef(m, 'branch', { name: 'v1', drop: true }, 'ns.t')).message).toContain("'v1' is a tag, not a branch");
    m = (await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'v1', drop: true }, 'ns.t').change)).metadata;
    expect(m.refs.v1).toBeUndefined();
    const gone = error(() => planRef(m, 'tag', { name: 'v1', drop: true }, 'ns.t'));
    expect(gone.kind).toBe('not-found');
    expect(gone.hint).toBe('its refs are: main');
    expect(error(() => planRef(m, 'tag', { name: 'x', snapshotId: 7n }, 'ns.t')).message).toBe('table ns.t has no snapshot 7');
  });

  it('creates a branch at the current snapshot, updates its retention, refuses to drop main', async () => {
    const { t, s } = await three();
    let m = (await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'dev' }, 'ns.t').change)).metadata;
    expect(m.refs.dev).toEqual({ 'snapshot-id': s[2], type: 'branch' });
    const p = planRef(m, 'branch', { name: 'dev', minSnapshotsToKeep: 3, maxSnapshotAgeMs: 2 * DAY }, 'ns.t');
    expect(p.action).toBe('updated');
    m = (await commitChange(t, () => p.change)).metadata;
    expect(m.refs.dev).toEqual({ 'snapshot-id': s[2], type: 'branch', 'min-snapshots-to-keep': 3, 'max-snapshot-age-ms': 2 * DAY });
    expect(error(() => planRef(m, 'branch', { name: 'dev', snapshotId: s[0] }, 'ns.t')).hint).toContain('--replace');
    const main = error(() => planRef(m, 'branch', { name: 'main', drop: true }, 'ns.t'));
    expect(main.kind).toBe('usage');
    expect(main.message).toBe('table ns.t: the main branch cannot be dropped');
    expect(error(() => planRef(m, 'tag', { name: 'main' }, 'ns.t')).kind).toBe('usage');
    expect(error(() => planRef(m, 'branch', { name: ' ' }, 'ns.t')).kind).toBe('usage');
  });

  it('lets a read select a tag or a branch by name', async () => {
    const { t, s } = await three();
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'first', snapshotId: s[0] }, 'ns.t').change);
    const m = (await load(t)).metadata;
    expect(parseSnapshotSelector('123')).toEqual({ kind: 'id', snapshotId: 123n });
    expect(parseSnapshotSelector('first')).toEqual({ kind: 'ref', name: 'first' });
    expect(selectSnapshot(m, parseSnapshotSelector('first'), 'ns.t').snapshot!['snapshot-id']).toBe(s[0]);
    expect(selectSnapshot(m, parseSnapshotSelector('main'), 'ns.t').snapshot!['snapshot-id']).toBe(s[2]);
    const e = error(() => selectSnapshot(m, parseSnapshotSelector('nope'), 'ns.t'));
    expect(e.message).toBe("table ns.t has no branch or tag named 'nope'");
    expect(e.hint).toBe('its refs are: first, main');
  });

  it('refuses to create a ref named with digits only, and still reads one another engine made', async () => {
    const { t, s } = await three();
    const m0 = (await load(t)).metadata;
    expect(error(() => planRef(m0, 'tag', { name: '12345', snapshotId: s[0] }, 'ns.t')).message).toMatch(/'12345' is not a valid name for a new branch or tag of table ns\.t: a name of digits only reads as a snapshot id/);
    expect(error(() => planRef(m0, 'branch', { name: '7' }, 'ns.t')).hint).toBe('give it a letter, e.g. v7');
    // A numeric tag written by another engine: `--snapshot 12345` reaches it when no snapshot has that id.
    const m = { ...m0, refs: { ...m0.refs, '12345': { 'snapshot-id': s[0]!, type: 'tag' as const } } };
    expect(selectSnapshot(m, parseSnapshotSelector('12345'), 'ns.t').snapshot!['snapshot-id']).toBe(s[0]);
    // A snapshot id still wins over a ref of the same digits.
    const clash = { ...m0, refs: { ...m0.refs, [String(s[1])]: { 'snapshot-id': s[0]!, type: 'tag' as const } } };
    expect(selectSnapshot(clash, parseSnapshotSelector(String(s[1])), 'ns.t').snapshot!['snapshot-id']).toBe(s[1]);
    // And it can be dropped.
    const dropped = planRef(m, 'tag', { name: '12345', drop: true }, 'ns.t');
    expect(dropped.after).toBeNull();
  });
});
