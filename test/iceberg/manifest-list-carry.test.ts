import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  UNASSIGNED_SEQUENCE_NUMBER,
  MAX_SMALL_BLOCKS,
  copyableManifestList,
  readManifestList,
  writeManifestList,
  type WriteManifestListOptions,
} from '../../src/iceberg/manifest-list.js';
import { manifestFileSchemaV2 } from '../../src/iceberg/avro-schemas.js';
import { metaString, readAvroBlocks, readAvroFile, writeAvroFile } from '../../src/iceberg/avro/container.js';
import { ManifestContent, type ManifestFile } from '../../src/iceberg/types.js';
import { isFloeError } from '../../src/errors.js';

// An append carries the parent's manifest list over: its Avro blocks are copied, not decoded
// and re-encoded. These tests pin that the result is the same list, byte for byte per record.

const manifest = (n: number, snapshot: bigint, seq: bigint): ManifestFile => ({
  manifest_path: `s3://b/t/metadata/m${n}-é.avro`,
  manifest_length: 4000n + BigInt(n),
  partition_spec_id: n % 2,
  content: n % 3 === 0 ? ManifestContent.DELETES : ManifestContent.DATA,
  sequence_number: seq,
  min_sequence_number: seq,
  added_snapshot_id: snapshot,
  added_files_count: n,
  existing_files_count: 2 * n,
  deleted_files_count: 0,
  added_rows_count: 9_000_000_000n * BigInt(n),
  existing_rows_count: BigInt(n),
  deleted_rows_count: 0n,
  partitions: n % 2 ? [{ contains_null: true, contains_nan: false, lower_bound: Uint8Array.of(n, 0, 0, 0), upper_bound: null }] : null,
  key_metadata: n === 4 ? Uint8Array.of(7, 7) : null,
});

const SNAPS = [8656952484400131532n, 1234567890123456789n, 42n, 7000000000000000001n];

/** A chain of appends: snapshot i adds `perCommit` manifests on top of its parent's list. */
function chain(perCommit: number, opts: { copy: boolean; codec?: 'null' | 'deflate' }) {
  const lists: Uint8Array[] = [];
  let carried: ManifestFile[] = [];
  let n = 0;
  SNAPS.forEach((snapshotId, i) => {
    const added = Array.from({ length: perCommit }, () => ({
      ...manifest(++n, snapshotId, UNASSIGNED_SEQUENCE_NUMBER),
    }));
    const parent = lists.at(-1);
    const o: WriteManifestListOptions = {
      snapshotId,
      parentSnapshotId: i === 0 ? null : SNAPS[i - 1]!,
      sequenceNumber: BigInt(i + 1),
      formatVersion: 2,
      manifests: [...added, ...carried],
      ...(opts.codec ? { codec: opts.codec } : {}),
      ...(opts.copy && parent ? { parentList: { bytes: parent, location: `snap-${i - 1}.avro` } } : {}),
    };
    const bytes = writeManifestList(o);
    lists.push(bytes);
    carried = readManifestList(bytes, `snap-${i}.avro`) as ManifestFile[];
  });
  return lists;
}

/** The uncompressed record bytes of a file, all blocks concatenated. */
function recordBytes(file: Uint8Array): Buffer {
  const raw = readAvroBlocks(file, 'x');
  return Buffer.concat(raw.blocks.map((b) => (raw.codec === 'deflate' ? inflateRawSync(b.data) : Buffer.from(b.data))));
}

describe('readManifestList of a list with floe’s own schema', () => {
  it('reads the same entries as through field-id resolution (another writer’s schema)', () => {
    const records = [1, 2, 3, 4].map((n) => ({ ...manifest(n, 5n, 3n), partitions: manifest(n, 5n, 3n).partitions ?? null, key_metadata: manifest(n, 5n, 3n).key_metadata ?? null }));
    const own = writeAvroFile(records, { schema: manifestFileSchemaV2(), metadata: { 'format-version': '2' } });
    const schema = { ...(manifestFileSchemaV2() as Record<string, unknown>), doc: 'another writer' };
    const foreign = writeAvroFile(records, { schema, metadata: { 'format-version': '2' } });
    const a = readManifestList(own, 'own');
    expect(a).toEqual(readManifestList(foreign, 'foreign'));
    expect(a[0]).toEqual({ ...records[0], first_row_id: null });
    expect(a[0]!.partitions).toEqual([{ contains_null: true, contains_nan: false, lower_bound: Uint8Array.of(1, 0, 0, 0), upper_bound: null }]);
  });
});

describe('writeManifestList with parentList (an append copies the parent list blocks)', () => {
  const copied = chain(3, { copy: true });
  const encoded = chain(3, { copy: false });

  it('reads back the same entries as a list encoded entry by entry', () => {
    for (let i = 0; i < SNAPS.length; i++) {
      const a = readManifestList(copied[i]!, 'copied');
      expect(a).toEqual(readManifestList(encoded[i]!, 'encoded'));
      expect(a).toHaveLength(3 * (i + 1));
    }
    // New manifests first, then the parent's, in its order; new ones got this snapshot's sequence number.
    const last = readManifestList(copied[3]!, 'x');
    expect(last.map((m) => m.manifest_path)).toEqual([10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3].map((n) => `s3://b/t/metadata/m${n}-é.avro`));
    expect(last.map((m) => m.sequence_number)).toEqual([4n, 4n, 4n, 3n, 3n, 3n, 2n, 2n, 2n, 1n, 1n, 1n]);
  });

  it('holds the very record bytes an entry-by-entry encoding gives', () => {
    for (let i = 0; i < SNAPS.length; i++) expect(recordBytes(copied[i]!).equals(recordBytes(encoded[i]!))).toBe(true);
  });

  it("copies the parent's blocks verbatim after one block of new entries, each followed by the new file's sync marker", () => {
    for (let i = 1; i < SNAPS.length; i++) {
      const child = readAvroBlocks(copied[i]!, 'child');
      const parent = readAvroBlocks(copied[i - 1]!, 'parent');
      expect(child.blocks.map((b) => b.count)).toEqual([3, ...parent.blocks.map((b) => b.count)]);
      child.blocks.slice(1).forEach((b, k) => expect(Buffer.from(b.data).equals(Buffer.from(parent.blocks[k]!.data))).toBe(true));
      // A fresh random marker; readAvroBlocks has checked it follows every block.
      expect(Buffer.from(child.sync).equals(Buffer.from(parent.sync))).toBe(false);
      const bytes = copied[i]!;
      let at = 0;
      for (const b of child.blocks) {
        at = Buffer.from(bytes).indexOf(Buffer.from(b.data), at) + b.data.length;
        expect(Buffer.from(bytes.subarray(at, at + 16)).equals(Buffer.from(child.sync))).toBe(true);
      }
      expect(at + 16).toBe(bytes.length);
    }
  });

  it("writes the new snapshot's header metadata, not the parent's", () => {
    const file = readAvroFile(copied[2]!, 'x');
    expect(metaString(file, 'snapshot-id')).toBe(SNAPS[2]!.toString());
    expect(metaString(file, 'parent-snapshot-id')).toBe(SNAPS[1]!.toString());
    expect(metaString(file, 'sequence-number')).toBe('3');
    expect(metaString(file, 'format-version')).toBe('2');
    expect(metaString(file, 'avro.schema')).toBe(JSON.stringify(manifestFileSchemaV2()));
    expect(file.codec).toBe('deflate');
  });

  it('copies with the null codec too', () => {
    const plain = chain(2, { copy: true, codec: 'null' });
    expect(readAvroBlocks(plain[3]!, 'x').blocks.map((b) => b.count)).toEqual([2, 2, 2, 2]);
    expect(recordBytes(plain[3]!).equals(recordBytes(chain(2, { copy: false, codec: 'null' })[3]!))).toBe(true);
  });

  const base = (parent: Uint8Array, manifests: ManifestFile[], codec?: 'null' | 'deflate') =>
    writeManifestList({
      snapshotId: 99n,
      parentSnapshotId: 98n,
      sequenceNumber: 9n,
      formatVersion: 2,
      manifests: [manifest(50, 99n, UNASSIGNED_SEQUENCE_NUMBER), ...manifests],
      parentList: { bytes: parent, location: 'parent.avro' },
      ...(codec ? { codec } : {}),
    });

  it('decodes and re-encodes a parent list with another codec', () => {
    const parent = writeManifestList({ snapshotId: 98n, parentSnapshotId: null, sequenceNumber: 8n, formatVersion: 2, manifests: [manifest(1, 98n, 8n)], codec: 'null' });
    expect(copyableManifestList(parent, 'parent.avro', 'deflate')).toBeUndefined();
    const entries = readManifestList(parent, 'parent.avro') as ManifestFile[];
    const child = base(parent, entries);
    expect(readAvroBlocks(child, 'x').blocks.map((b) => b.count)).toEqual([2]);
    expect(readManifestList(child, 'x').map((m) => m.manifest_path)).toEqual([manifest(50, 0n, 0n).manifest_path, manifest(1, 0n, 0n).manifest_path]);
  });

  it('decodes and re-encodes a v1 list or a list with another writer schema', () => {
    const records = [{ ...manifest(1, 98n, 8n), partitions: null, key_metadata: null }];
    const v1 = writeAvroFile(records, { schema: manifestFileSchemaV2(), metadata: { 'format-version': '1' } });
    const schema = { ...(manifestFileSchemaV2() as Record<string, unknown>), doc: 'another writer' };
    const foreign = writeAvroFile(records, { schema, metadata: { 'format-version': '2' } });
    for (const parent of [v1, foreign]) {
      expect(copyableManifestList(parent, 'parent.avro', 'deflate')).toBeUndefined();
      const child = base(parent, readManifestList(parent, 'parent.avro') as ManifestFile[]);
      expect(readAvroBlocks(child, 'x').blocks.map((b) => b.count)).toEqual([2]);
      expect(readManifestList(child, 'x')[1]).toEqual({ ...manifest(1, 98n, 8n), partitions: null, first_row_id: null });
    }
    // A list from this writer is copyable.
    expect(copyableManifestList(writeAvroFile(records, { schema: manifestFileSchemaV2(), metadata: { 'format-version': '2' } }), 'p', 'deflate')).toBeDefined();
  });

  it('refuses a parent list with more entries than the new list holds', () => {
    const parent = chain(3, { copy: false })[1]!;
    expect(() => base(parent, [])).toThrow(/parent\.avro: the parent list has 6 manifests, more than the 1 of the new list/);
  });

  it('a corrupt parent list is a corrupt error naming it', () => {
    const parent = chain(3, { copy: false })[1]!;
    const bad = Uint8Array.from(parent);
    bad[bad.length - 1]! ^= 0xff; // the last sync marker
    let err: unknown;
    try {
      base(bad, []);
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'corrupt')).toBe(true);
    expect((err as Error).message).toMatch(/parent\.avro: not a readable Avro file: block 0 is not followed by the sync marker/);
  });
});

describe('a long run of appends', () => {
  it(`keeps fewer than ${MAX_SMALL_BLOCKS} small blocks: the list is encoded afresh when the parent has that many`, () => {
    let parent: Uint8Array | undefined;
    let carried: ManifestFile[] = [];
    const blockCounts: number[] = [];
    const smallCounts: number[] = [];
    for (let i = 0; i < 100; i++) {
      const snapshotId = 1000n + BigInt(i);
      const bytes = writeManifestList({
        snapshotId,
        parentSnapshotId: i === 0 ? null : snapshotId - 1n,
        sequenceNumber: BigInt(i + 1),
        formatVersion: 2,
        manifests: [manifest(i + 1, snapshotId, UNASSIGNED_SEQUENCE_NUMBER), ...carried],
        ...(parent ? { parentList: { bytes: parent, location: `snap-${i - 1}.avro` } } : {}),
      });
      const blocks = readAvroBlocks(bytes, `snap-${i}.avro`).blocks;
      blockCounts.push(blocks.length);
      smallCounts.push(blocks.filter((b) => b.count < 64).length);
      carried = readManifestList(bytes, `snap-${i}.avro`) as ManifestFile[];
      expect(carried.map((m) => m.added_snapshot_id)).toEqual(Array.from({ length: i + 1 }, (_, k) => snapshotId - BigInt(k)));
      parent = bytes;
    }
    // Copies add a block per append; every MAX_SMALL_BLOCKS-th append encodes the list afresh (one block here).
    expect(Math.max(...smallCounts)).toBe(MAX_SMALL_BLOCKS);
    // Past 64 entries a fresh encoding's block is not small; the small ones after it still cycle.
    expect(blockCounts.slice(64, 66)).toEqual([1, 2]);
    expect(Math.max(...blockCounts)).toBe(MAX_SMALL_BLOCKS + 1);
    expect(blockCounts.slice(0, MAX_SMALL_BLOCKS + 2)).toEqual([...Array.from({ length: MAX_SMALL_BLOCKS }, (_, k) => k + 1), 1, 2]);
    expect(carried).toHaveLength(100);
    expect(carried.map((m) => m.sequence_number)).toEqual(Array.from({ length: 100 }, (_, k) => BigInt(100 - k)));
  });
});
