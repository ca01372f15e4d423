import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { formatTableId } from '../../src/catalog/catalog.js';
import { ioError, notFound } from '../../src/errors.js';
import type { FileInfo } from '../../src/io/fileio.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { createTable } from '../../src/table/commit.js';
import { expireChange, planExpire } from '../../src/table/expire.js';
import { expireSnapshots } from '../../src/table/expire-run.js';
import { checkOrphanAge, isTableBookkeeping, ORPHAN_DEFAULT_AGE_MS, ORPHAN_MIN_AGE_MS, planOrphans } from '../../src/table/orphans.js';
import { removeOrphanFiles } from '../../src/table/orphans-run.js';
import { LocationSet, locationKey } from '../../src/table/reachable.js';
import { append, commitChange, commitFiles, DAY, dataFile, dataPath, LOCATION, load, memTable } from './reachable-helpers.js';

/** A MemoryFileIO whose listing reports chosen modification times (default: 10 days ago). */
class AgedIO extends MemoryFileIO {
  readonly ages = new Map<string, number>();
  constructor(private readonly now: number) {
    super();
  }
  override async *list(prefix: string): AsyncIterable<FileInfo> {
    for await (const f of super.list(prefix)) yield { ...f, lastModified: this.ages.get(f.location) ?? this.now - 10 * DAY };
  }
}

describe('planOrphans', () => {
  it('deletes only unreferenced files strictly older than the cutoff', () => {
    const referenced = new LocationSet();
    referenced.add('file:///t/data/a.parquet');
    const listing: FileInfo[] = [
      { location: '/t/data/a.parquet', size: 1, lastModified: 0 },
      { location: '/t/data/old.parquet', size: 2, lastModified: 99 },
      { location: '/t/data/edge.parquet', size: 3, lastModified: 100 },
      { location: '/t/data/young.parquet', size: 4, lastModified: 500 },
      { location: '/t/metadata/version-hint.text', size: 1, lastModified: 0 },
    ];
    const p = planOrphans(listing, referenced, 100, isTableBookkeeping);
    expect(p.delete.map((f) => f.location)).toEqual(['/t/data/old.parquet']);
    expect(p.tooYoung.map((f) => f.location)).toEqual(['/t/data/edge.parquet', '/t/data/young.parquet']);
    expect(p.referenced).toBe(2);
    expect(p.listed).toBe(5);
  });

  it('compares local spellings of one location as equal', () => {
    expect(locationKey('file:/wh/t/x')).toBe('/wh/t/x');
    expect(locationKey('file:///wh/t/x')).toBe('/wh/t/x');
    expect(locationKey('file://localhost/wh//t/x')).toBe('/wh/t/x');
    expect(locationKey('s3://b/wh/t/x')).toBe('s3://b/wh/t/x');
  });
});

describe('checkOrphanAge', () => {
  it('refuses a threshold under one hour unless recent files are explicitly allowed', () => {
    expect(ORPHAN_MIN_AGE_MS).toBe(3_600_000);
    expect(ORPHAN_DEFAULT_AGE_MS).toBe(3 * DAY);
    expect(() => checkOrphanAge(0, false, 'ns.t', '0s')).toThrow('--older-than 0s is below the 1h minimum for table ns.t');
    expect(() => checkOrphanAge(ORPHAN_MIN_AGE_MS - 1, false, 'ns.t')).toThrow(expect.objectContaining({ kind: 'usage' }));
    expect(() => checkOrphanAge(ORPHAN_MIN_AGE_MS, false, 'ns.t')).not.toThrow();
    expect(() => checkOrphanAge(ORPHAN_DEFAULT_AGE_MS, false, 'ns.t')).not.toThrow();
    expect(() => checkOrphanAge(0, true, 'ns.t')).not.toThrow();
  });
});

/** The catalog, except that getTable of `failing` throws `error`. */
function failingLookup(catalog: Catalog, failing: string, error: Error): Catalog {
  return new Proxy(catalog, {
    get(target, prop) {
      if (prop === 'getTable') {
        return (id: Parameters<Catalog['getTable']>[0]) => (formatTableId(id) === failing ? Promise.reject(error) : target.getTable(id));
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('removeOrphanFiles', () => {
  it('deletes old unreferenced files and never a referenced or young one', async () => {
    const now = Date.now();
    const t = await memTable();
    const io = new AgedIO(now);
    // Move the table into the aged FileIO (same catalog, same locations).
    for (const l of t.io.locations()) await io.write(l, await t.io.read(l));
    const at = { ...t, io };
    await append(at, ['a', 'b']);
    await commitFiles(at, [], { remove: [dataPath('a')] });
    await append(at, ['c']);
    // Orphans: a failed write's data file and manifest (old), and a write in progress (young).
    const oldOrphans = [`${LOCATION}/data/lost.parquet`, `${LOCATION}/metadata/lost-m0.avro`];
    for (const l of oldOrphans) await io.write(l, new Uint8Array([1]));
    const young = `${LOCATION}/data/in-flight.parquet`;
    await io.write(young, new Uint8Array([1]));
    io.ages.set(young, now - 60_000);
    // A sibling table's file shares the name prefix but is not under this table.
    await io.write('file:///wh/ns/t2/data/x.parquet', new Uint8Array([1]));
    const referenced = io.locations().filter((l) => l.startsWith(`${LOCATION}/`) && !oldOrphans.includes(l) && l !== young);

    const dry = await removeOrphanFiles(t.catalog, io, t.id, { olderThanMs: 3 * DAY, dryRun: true, now: () => now });
    expect(dry.plan.delete.map((f) => f.location)).toEqual([...oldOrphans].sort());
    expect(dry.plan.tooYoung.map((f) => f.location)).toEqual([young]);
    for (const l of oldOrphans) expect(await io.exists(l)).toBe(true);

    const r = await removeOrphanFiles(t.catalog, io, t.id, { olderThanMs: 3 * DAY, now: () => now });
    expect(r.deleted).toEqual([...oldOrphans].sort());
    for (const l of oldOrphans) expect(await io.exists(l)).toBe(false);
    expect(await io.exists(young)).toBe(true);
    expect(await io.exists('file:///wh/ns/t2/data/x.parquet')).toBe(true);
    // Every metadata file in the log, every manifest (list) and data file survives, including
    // `a`: a later snapshot's DELETED entry names it, and the first snapshot still reads it.
    for (const l of referenced) expect(await io.exists(l), l).toBe(true);
    expect(referenced).toContain(dataPath('a'));
    const m = (await load(at)).metadata;
    expect(m['metadata-log'].length).toBeGreaterThan(2);
    for (const e of m['metadata-log']) expect(await io.exists(e['metadata-file'])).toBe(true);

    // With a threshold of 0 the young file goes too; the table still reads all its files.
    const all = await removeOrphanFiles(t.catalog, io, t.id, { olderThanMs: 0, now: () => now + 1 });
    expect(all.deleted).toEqual([young]);
  });

  it('sees the files an expiry leaves behind only when they are unreferenced', async () => {
    const t = await memTable();
    await append(t, ['a'], { at: Date.now() - 10 * DAY });
    await commitFiles(t, [await dataFile(t, 'b')], { replaceAll: true });
    await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: 0, retainLast: 1 });
    const r = await removeOrphanFiles(t.catalog, t.io, t.id, { olderThanMs: 0, dryRun: true, now: () => Date.now() + 1000 });
    // Expiry deleted what it unlinked; only the metadata files of the log remain, all referenced.
    expect(r.plan.delete).toEqual([]);
    expect(await t.io.exists(dataPath('a'))).toBe(false);
    expect(await t.io.exists(dataPath('b'))).toBe(true);
  });

  it('removes what an expiry killed after its commit left behind: files only DELETED entries name', async () => {
    const t = await memTable();
    await append(t, ['a', 'b'], { at: Date.now() - 10 * DAY });
    await commitFiles(t, [await dataFile(t, 'c')], { remove: [dataPath('a')] });
    // The expiry's commit without its deletes (a process killed in between, or deletes that failed).
    const before = await load(t);
    const plan = planExpire(before.metadata, { now: Date.now(), olderThanMs: 0, retainLast: 1 }, 'ns.t');
    expect(plan.expire).toHaveLength(1);
    await commitChange(t, (b) => expireChange(b.metadata, plan));
    const expiredList = before.metadata.snapshots[0]!['manifest-list'];
    expect(await t.io.exists(dataPath('a'))).toBe(true);
    const r = await removeOrphanFiles(t.catalog, t.io, t.id, { olderThanMs: 0, now: () => Date.now() + 1000 });
    // `a`, named now only by a DELETED entry of the current snapshot, and the expired manifest list go.
    expect(r.deleted).toContain(dataPath('a'));
    expect(r.deleted).toContain(expiredList);
    for (const name of ['b', 'c']) expect(await t.io.exists(dataPath(name)), name).toBe(true);
    // What the table reads is all there.
    const m = (await load(t)).metadata;
    expect(await t.io.exists(m.snapshots[0]!['manifest-list'])).toBe(true);
  });

  it("never touches the files of another table nested under the table's location", async () => {
    const t = await memTable();
    await append(t, ['a']);
    const nested = { namespace: ['ns', 't'], name: 'x' };
    const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'id', required: false, type: 'long' }] };
    await createTable(t.catalog, t.io, nested, createTableChange({ location: `${LOCATION}/x`, schema }));
    await t.io.write(`${LOCATION}/x/data/x1.parquet`, new Uint8Array([1]));
    const stray = `${LOCATION}/data/stray.parquet`;
    await t.io.write(stray, new Uint8Array([1]));
    const nestedFiles = t.io.locations().filter((l) => l.startsWith(`${LOCATION}/x/`));
    expect(nestedFiles.length).toBe(2);
    const r = await removeOrphanFiles(t.catalog, t.io, t.id, { olderThanMs: 0, now: () => Date.now() + 1000 });
    expect(r.deleted).toEqual([stray]);
    for (const l of nestedFiles) expect(await t.io.exists(l)).toBe(true);
  });

  it('stops before any delete when the catalog cannot load a nested table, and skips one dropped meanwhile', async () => {
    const t = await memTable();
    await append(t, ['a']);
    const nested = { namespace: ['ns', 't'], name: 'x' };
    const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'id', required: false, type: 'long' }] };
    await createTable(t.catalog, t.io, nested, createTableChange({ location: `${LOCATION}/x`, schema }));
    await t.io.write(`${LOCATION}/x/data/x1.parquet`, new Uint8Array([1]));
    const stray = `${LOCATION}/data/stray.parquet`;
    await t.io.write(stray, new Uint8Array([1]));
    const filesBefore = t.io.locations().sort();

    // A transient catalog failure: the sweep fails with that error and deletes nothing.
    const blip = failingLookup(t.catalog, 'ns.t.x', ioError('catalog connection reset'));
    await expect(removeOrphanFiles(blip, t.io, t.id, { olderThanMs: 0, now: () => Date.now() + 1000 })).rejects.toThrow('catalog connection reset');
    await expect(removeOrphanFiles(blip, t.io, t.id, { olderThanMs: 0, dryRun: true, now: () => Date.now() + 1000 })).rejects.toThrow('catalog connection reset');
    expect(t.io.locations().sort()).toEqual(filesBefore);

    // A table dropped between the listing and the lookup (not-found) protects no files.
    const dropped = failingLookup(t.catalog, 'ns.t.x', notFound('table ns.t.x does not exist'));
    const r = await removeOrphanFiles(dropped, t.io, t.id, { olderThanMs: 0, dryRun: true, now: () => Date.now() + 1000 });
    expect(r.plan.delete.map((f) => f.location)).toContain(`${LOCATION}/x/data/x1.parquet`);
    expect(r.plan.delete.map((f) => f.location)).toContain(stray);
  });
});
