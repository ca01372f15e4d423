import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planExpire, expireChange } from '../../src/table/expire.js';
import { expireSnapshots } from '../../src/table/expire-run.js';
import { planRef } from '../../src/table/refs.js';
import { reachableFiles } from '../../src/table/reachable.js';
import { append, commitChange, commitFiles, DAY, dataFile, dataPath, load, memTable, type MemTable } from './reachable-helpers.js';

const NOW = Date.UTC(2026, 0, 31);
const ids = (m: TableMetadata, xs: bigint[]) => xs.map((x) => m.snapshots.findIndex((s) => s['snapshot-id'] === x));

async function history(n: number, o: { properties?: Record<string, string> } = {}): Promise<MemTable> {
  const t = await memTable(o);
  for (let i = 0; i < n; i++) await append(t, [`f${i}`], { at: NOW - (10 - i) * DAY });
  return t;
}

/** Every file any remaining snapshot reads must still exist. */
async function expectRetainedIntact(t: MemTable): Promise<void> {
  const { metadata, io } = await load(t);
  const reach = await reachableFiles(io, metadata, metadata.snapshots, { entries: 'live' });
  for (const set of [reach.manifestLists, reach.manifests, reach.contentFiles]) {
    for (const l of set.locations()) expect(await t.io.exists(l), `${l} is reachable and must exist`).toBe(true);
  }
}

describe('planExpire', () => {
  it('expires old snapshots beyond --retain-last, oldest first', async () => {
    const { metadata: m } = await load(await history(5));
    const p = planExpire(m, { now: NOW, olderThanMs: DAY, retainLast: 2 }, 'ns.t');
    expect(ids(m, p.expire.map((s) => s['snapshot-id']))).toEqual([0, 1, 2]);
    expect(ids(m, p.retain)).toEqual([3, 4]);
    expect(p.removeRefs).toEqual([]);
  });

  it('keeps snapshots younger than --older-than even beyond --retain-last', async () => {
    const { metadata: m } = await load(await history(5));
    // Snapshots are 10..6 days old: with 8d only the two older than 8 days may go.
    const p = planExpire(m, { now: NOW, olderThanMs: 8 * DAY + 1, retainLast: 1 }, 'ns.t');
    expect(ids(m, p.expire.map((s) => s['snapshot-id']))).toEqual([0, 1]);
  });

  it('takes its defaults from the table properties', async () => {
    const t = await history(5, { properties: { 'history.expire.min-snapshots-to-keep': '4', 'history.expire.max-snapshot-age-ms': String(DAY) } });
    const { metadata: m } = await load(t);
    expect(ids(m, planExpire(m, { now: NOW }, 'ns.t').expire.map((s) => s['snapshot-id']))).toEqual([0]);
    // Options override the properties.
    expect(planExpire(m, { now: NOW, retainLast: 5 }, 'ns.t').expire).toEqual([]);
    // The spec default age is 5 days: everything here is older, so min-snapshots-to-keep (1) decides.
    const plain = await load(await history(3));
    expect(planExpire(plain.metadata, { now: NOW }, 'ns.t').expire).toHaveLength(2);
    expect(planExpire(plain.metadata, { now: NOW - 9 * DAY }, 'ns.t').expire).toHaveLength(0);
  });

  it('keeps tagged snapshots and the history of other branches by their own settings', async () => {
    const t = await history(5);
    let { metadata: m } = await load(t);
    const s = m.snapshots.map((x) => x['snapshot-id']);
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'v1', snapshotId: s[0] }, 'ns.t').change);
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'dev', snapshotId: s[2], minSnapshotsToKeep: 2 }, 'ns.t').change);
    ({ metadata: m } = await load(t));
    const p = planExpire(m, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t');
    // main keeps s4; the tag keeps s0; dev keeps its head s2 and its parent s1.
    expect(ids(m, p.retain).sort()).toEqual([0, 1, 2, 4]);
    expect(ids(m, p.expire.map((x) => x['snapshot-id']))).toEqual([3]);
    // A branch's max-snapshot-age-ms wins over the default.
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'dev', minSnapshotsToKeep: 1, maxSnapshotAgeMs: 20 * DAY }, 'ns.t').change);
    ({ metadata: m } = await load(t));
    expect(ids(m, planExpire(m, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t').retain).sort()).toEqual([0, 1, 2, 4]);
  });

  it('removes refs past their max-ref-age-ms, never main', async () => {
    const t = await history(3);
    const { metadata: m0 } = await load(t);
    const s = m0.snapshots.map((x) => x['snapshot-id']);
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'old', snapshotId: s[0], maxRefAgeMs: DAY }, 'ns.t').change);
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'kept', snapshotId: s[1], maxRefAgeMs: 100 * DAY }, 'ns.t').change);
    const { metadata: m } = await load(t);
    const p = planExpire(m, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t');
    expect(p.removeRefs).toEqual(['old']);
    expect(ids(m, p.retain).sort()).toEqual([1, 2]);
    const change = expireChange(m, p);
    expect(change.updates[0]).toEqual({ action: 'remove-snapshot-ref', 'ref-name': 'old' });
    expect(change.requirements).toContainEqual({ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': s[2] });
    // history.expire.max-ref-age-ms applies to refs without their own setting, but not to main.
    const m2 = { ...m, properties: { 'history.expire.max-ref-age-ms': '1' } };
    expect(planExpire(m2, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t').removeRefs).toEqual(['old']);
  });

  it('keeps a young snapshot that no ref reaches (a staged write)', async () => {
    const t = await history(2);
    const staged = await append(t, ['staged'], { stageOnly: true, at: NOW - 1000 });
    const { metadata: m } = await load(t);
    const p = planExpire(m, { now: NOW, olderThanMs: DAY, retainLast: 1 }, 'ns.t');
    expect(p.retain).toContain(staged['snapshot-id']);
    expect(p.expire.map((x) => x['snapshot-id'])).not.toContain(staged['snapshot-id']);
    expect(planExpire(m, { now: NOW + 2 * DAY, olderThanMs: DAY, retainLast: 1 }, 'ns.t').expire.map((x) => x['snapshot-id'])).toContain(staged['snapshot-id']);
  });

  it('refuses options that would keep nothing, naming the table', async () => {
    const { metadata: m } = await load(await history(2));
    const e = (() => {
      try {
        planExpire(m, { now: NOW, olderThanMs: 0, retainLast: 0 }, 'ns.t');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('usage');
    expect((e as FloeError).message).toContain('ns.t');
    expect(() => planExpire({ ...m, properties: { 'history.expire.min-snapshots-to-keep': 'x' } }, { now: NOW }, 'ns.t')).toThrow(/history.expire.min-snapshots-to-keep='x'/);
  });
});

describe('expireSnapshots never deletes a reachable file', () => {
  it('keeps files shared with retained snapshots, tags and branches; deletes the rest after the commit', async () => {
    const t = await memTable();
    const at = (d: number) => NOW - d * DAY;
    const s1 = await commitFiles(t, [await dataFile(t, 'a'), await dataFile(t, 'b')], { at: at(10) });
    const s2 = await append(t, ['c'], { at: at(9) });
    const s3 = await commitFiles(t, [], { remove: [dataPath('a')], at: at(8) });
    const s4 = await commitFiles(t, [await dataFile(t, 'd')], { replaceAll: true, at: at(7) });
    const s5 = await append(t, ['e'], { at: at(6) });
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'v2', snapshotId: s2['snapshot-id'] }, 'ns.t').change);
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'dev', snapshotId: s4['snapshot-id'] }, 'ns.t').change);
    const f = await append(t, ['f'], { at: at(6), branch: 'dev' });
    const allData = ['a', 'b', 'c', 'd', 'e', 'f'].map(dataPath);

    const dry = await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 1, dryRun: true, now: () => NOW });
    expect(dry.dryRun).toBe(true);
    expect(dry.plan.expire.map((s) => s['snapshot-id']).sort()).toEqual([s1, s3, s4].map((s) => s['snapshot-id']).sort());
    expect(dry.files.contentFiles).toEqual([]);
    expect(dry.files.manifestLists).toEqual([s1, s3, s4].map((s) => s['manifest-list']).sort());
    for (const l of dry.files.manifestLists) expect(await t.io.exists(l)).toBe(true);
    expect((await load(t)).metadata.snapshots).toHaveLength(6);

    const r = await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 1, now: () => NOW });
    const m = (await load(t)).metadata;
    expect(m.snapshots.map((s) => s['snapshot-id']).sort()).toEqual([s2, s5, f].map((s) => s['snapshot-id']).sort());
    expect(Object.keys(m.refs).sort()).toEqual(['dev', 'main', 'v2']);
    expect(r.files.manifestLists).toEqual(dry.files.manifestLists);
    // a (live in the tagged s2 only), b, c (tag), d (shared by the expired s4 with s5 and dev): all kept.
    for (const p of allData) expect(await t.io.exists(p), p).toBe(true);
    for (const l of r.files.manifestLists) expect(await t.io.exists(l)).toBe(false);
    await expectRetainedIntact(t);

    // Dropping the tag lets s2 go, and with it the files only it read: a, b and c.
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'v2', drop: true }, 'ns.t').change);
    const r2 = await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 1, now: () => NOW });
    expect(r2.plan.expire.map((s) => s['snapshot-id'])).toEqual([s2['snapshot-id']]);
    expect(r2.files.contentFiles).toEqual(['a', 'b', 'c'].map(dataPath));
    for (const p of ['a', 'b', 'c'].map(dataPath)) expect(await t.io.exists(p)).toBe(false);
    for (const p of ['d', 'e', 'f'].map(dataPath)) expect(await t.io.exists(p)).toBe(true);
    await expectRetainedIntact(t);
  });

  it('commits nothing and deletes nothing when nothing is old enough', async () => {
    const t = await history(3);
    const before = t.io.locations();
    const pointer = (await t.catalog.getTable(t.id)).metadataLocation;
    const r = await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: 30 * DAY, retainLast: 1, now: () => NOW });
    expect(r.plan.expire).toEqual([]);
    expect(r.metadataLocation).toBeNull();
    expect(t.io.locations()).toEqual(before);
    expect((await t.catalog.getTable(t.id)).metadataLocation).toBe(pointer);
  });
});

describe('expireAfterRun', () => {
  it('expires by the table properties only when floe.maintain.expire.after-run is true', async () => {
    const { expireAfterRun } = await import('../../src/table/expire-auto.js');
    const off = await history(3, { properties: { 'history.expire.max-snapshot-age-ms': '0' } });
    expect(await expireAfterRun(off.catalog, off.io, off.id, () => NOW)).toBeNull();
    expect((await load(off)).metadata.snapshots).toHaveLength(3);
    const on = await history(4, {
      properties: { 'floe.maintain.expire.after-run': 'true', 'history.expire.max-snapshot-age-ms': '0', 'history.expire.min-snapshots-to-keep': '2' },
    });
    const r = await expireAfterRun(on.catalog, on.io, on.id, () => NOW);
    expect(r?.plan.expire).toHaveLength(2);
    expect((await load(on)).metadata.snapshots).toHaveLength(2);
    await expectRetainedIntact(on);
  });
});

describe('gc.enabled=false', () => {
  it('refuses to expire or sweep a table whose files may be shared, changing nothing', async () => {
    const { removeOrphanFiles } = await import('../../src/table/orphans-run.js');
    const t = await history(3, { properties: { 'gc.enabled': 'false' } });
    const before = t.io.locations();
    await expect(expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: 0, retainLast: 1 })).rejects.toThrow(
      'cannot expire snapshots of table ns.t: its property gc.enabled is false',
    );
    await expect(removeOrphanFiles(t.catalog, t.io, t.id, { olderThanMs: 0 })).rejects.toThrow('cannot delete orphan files of table ns.t');
    expect(t.io.locations()).toEqual(before);
    expect((await load(t)).metadata.snapshots).toHaveLength(3);
  });
});

describe('expiry racing a writer', () => {
  it('re-plans on the new table state and keeps the concurrent commit and its files', async () => {
    const t = await history(4);
    const catalog = t.catalog as { swapMetadataLocation: typeof t.catalog.swapMetadataLocation };
    const real = catalog.swapMetadataLocation.bind(t.catalog);
    let late: bigint | undefined;
    catalog.swapMetadataLocation = async (id, expected, location) => {
      catalog.swapMetadataLocation = real;
      // Another writer appends between expiry's plan and its compare-and-swap.
      late = (await append(t, ['late'], { at: NOW - 1000 }))['snapshot-id'];
      return real(id, expected, location);
    };
    const r = await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 2, now: () => NOW });
    const m = (await load(t)).metadata;
    expect(m['current-snapshot-id']).toBe(late);
    // Planned again on the new state: main is late + f3 now, so f0..f2 expire.
    expect(r.plan.expire).toHaveLength(3);
    expect(m.snapshots).toHaveLength(2);
    for (const n of ['f0', 'f1', 'f2', 'f3', 'late']) expect(await t.io.exists(dataPath(n)), n).toBe(true);
    await expectRetainedIntact(t);
  });
});
