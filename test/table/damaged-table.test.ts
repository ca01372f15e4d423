/**
 * A table whose files are damaged or gone: every command that meets the damage names the
 * table, the snapshot and the file, and a maintenance write leaves the table unchanged.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { expireSnapshots } from '../../src/table/expire-run.js';
import { removeOrphanFiles } from '../../src/table/orphans-run.js';
import type { MemoryFileIO } from '../../src/io/memory.js';
import { append, commitFiles, DAY, load, memTable } from './reachable-helpers.js';

const NOW = Date.UTC(2026, 0, 31);

async function caught(p: Promise<unknown>): Promise<FloeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  }
  throw new Error('expected a FloeError');
}

async function listAll(io: MemoryFileIO): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io.list('')) out.push(f.location);
  return out.sort();
}

async function threeSnapshots() {
  const t = await memTable();
  for (let i = 0; i < 3; i++) await append(t, [`f${i}`], { at: NOW - (10 - i) * DAY });
  return t;
}

describe('expiry on a table whose current manifest list is missing', () => {
  it('fails before committing, naming the table, the snapshot and the file', async () => {
    const t = await threeSnapshots();
    const before = await load(t);
    const current = before.metadata.snapshots.at(-1)!;
    await t.io.delete(current['manifest-list']);
    const e = await caught(expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 1, now: () => NOW }));
    expect(e.message).toContain(`table ns.t, snapshot ${current['snapshot-id']}: cannot read manifest list ${current['manifest-list']}`);
    expect(e.context).toMatchObject({ table: 'ns.t', snapshot: String(current['snapshot-id']) });
    // The path once, not again in the cause's words.
    expect(e.message.split(current['manifest-list']).length).toBe(2);
    // Nothing was committed: the same metadata file and all three snapshots.
    const after = await load(t);
    expect(after.metadataLocation).toBe(before.metadataLocation);
    expect(after.metadata.snapshots).toHaveLength(3);
    // And nothing was deleted: the expired snapshots' manifest lists are still there.
    for (const s of before.metadata.snapshots.slice(0, 2)) expect(await t.io.exists(s['manifest-list'])).toBe(true);
  });

  it('names the manifest that is gone and the snapshot that added it', async () => {
    const t = await threeSnapshots();
    const { metadata } = await load(t);
    const manifests = (await listAll(t.io)).filter((l) => /-m\d+\.avro$/.test(l));
    const victim = manifests[0]!;
    await t.io.delete(victim);
    const e = await caught(expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 1, now: () => NOW }));
    expect(e.message).toMatch(new RegExp(`^table ns\\.t, snapshot \\d+: cannot read manifest ${victim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect((await load(t)).metadata.snapshots).toHaveLength(metadata.snapshots.length);
  });
});

describe('the orphan sweep on a damaged table', () => {
  it('deletes nothing and names the table and snapshot when a manifest list is missing', async () => {
    const t = await threeSnapshots();
    const { metadata } = await load(t);
    const current = metadata.snapshots.at(-1)!;
    await t.io.delete(current['manifest-list']);
    const files = await listAll(t.io);
    const e = await caught(removeOrphanFiles(t.catalog, t.io, t.id, { olderThanMs: 0, now: () => NOW + DAY }));
    expect(e.message).toContain(`table ns.t, snapshot ${current['snapshot-id']}: cannot read manifest list`);
    expect(await listAll(t.io)).toEqual(files);
  });
});

describe('a metadata file that does not decode', () => {
  it('names the table the catalog points there, with the file', async () => {
    const t = await threeSnapshots();
    const { metadataLocation } = await load(t);
    await t.io.write(metadataLocation, new TextEncoder().encode('{"format-version": 2, "table-uuid"'));
    const e = await caught(load(t));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/^table ns\.t: .*\.metadata\.json: invalid JSON at line 1/);
    expect(e.context).toMatchObject({ table: 'ns.t', file: metadataLocation });
    expect(e.hint).toContain('floe table register ns.t');
  });

  it('keeps the kind of a format-version floe cannot read', async () => {
    const t = await threeSnapshots();
    const { metadataLocation } = await load(t);
    const text = new TextDecoder().decode(await t.io.read(metadataLocation)).replace('"format-version" : 2', '"format-version" : 7').replace('"format-version":2', '"format-version":7');
    expect(text).toMatch(/"format-version"\s*:\s*7/);
    await t.io.write(metadataLocation, new TextEncoder().encode(text));
    const e = await caught(load(t));
    expect(e.message).toMatch(/^table ns\.t: .*format-version 7/);
  });
});

describe('a write on a table whose current manifest list is missing', () => {
  it('fails before committing, naming the table, the snapshot and the file', async () => {
    const t = await threeSnapshots();
    const before = await load(t);
    const current = before.metadata.snapshots.at(-1)!;
    await t.io.delete(current['manifest-list']);
    const e = await caught(append(t, ['f9'], { at: NOW }));
    expect(e.message).toContain(`table ns.t, snapshot ${current['snapshot-id']}: cannot read manifest list ${current['manifest-list']}`);
    const after = await load(t);
    expect(after.metadataLocation).toBe(before.metadataLocation);
  });

  it('an overwrite names the manifest it cannot read', async () => {
    const t = await threeSnapshots();
    const manifests = (await listAll(t.io)).filter((l) => /-m\d+\.avro$/.test(l));
    await t.io.delete(manifests[0]!);
    const e = await caught(commitFiles(t, [], { replaceAll: true, at: NOW }));
    expect(e.message).toMatch(/^table ns\.t, snapshot \d+: cannot read manifest /);
  });
});
