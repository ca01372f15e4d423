import { describe, expect, it } from 'vitest';
import {
  UNASSIGNED_SEQUENCE_NUMBER,
  hasKnownCounts,
  mayHaveLiveFiles,
  readManifestList,
  writeManifestList,
  type ManifestListEntry,
} from '../../src/iceberg/manifest-list.js';
import { metaString, readAvroFile } from '../../src/iceberg/avro/container.js';
import { ManifestContent, type ManifestFile } from '../../src/iceberg/types.js';
import { isFloeError } from '../../src/errors.js';

const SNAP = 8656952484400131532n;
const PARENT = -1234567890123456789n;

const existing: ManifestFile = {
  manifest_path: 's3://b/t/metadata/old-m0.avro',
  manifest_length: 7211n,
  partition_spec_id: 0,
  content: ManifestContent.DATA,
  sequence_number: 3n,
  min_sequence_number: 1n,
  added_snapshot_id: PARENT,
  added_files_count: 0,
  existing_files_count: 2,
  deleted_files_count: 0,
  added_rows_count: 0n,
  existing_rows_count: 9_000_000_000n,
  deleted_rows_count: 0n,
  partitions: [
    { contains_null: true, contains_nan: false, lower_bound: Uint8Array.of(1, 0, 0, 0), upper_bound: Uint8Array.of(9, 0, 0, 0) },
    { contains_null: false, contains_nan: null, lower_bound: null, upper_bound: null },
  ],
  key_metadata: null,
};
const added: ManifestFile = {
  ...existing,
  manifest_path: 's3://b/t/metadata/new-m0.avro',
  content: ManifestContent.DELETES,
  sequence_number: UNASSIGNED_SEQUENCE_NUMBER,
  min_sequence_number: UNASSIGNED_SEQUENCE_NUMBER,
  added_snapshot_id: SNAP,
  added_files_count: 1,
  existing_files_count: 0,
  added_rows_count: 5n,
  existing_rows_count: 0n,
  partitions: null,
  key_metadata: Uint8Array.of(1, 2),
};

describe('writeManifestList / readManifestList', () => {
  const bytes = writeManifestList({ snapshotId: SNAP, parentSnapshotId: PARENT, sequenceNumber: 4n, formatVersion: 2, manifests: [existing, added] });

  it('round-trips; unassigned sequence numbers of manifests added by this snapshot become its own', () => {
    const back = readManifestList(bytes, 'snap.avro');
    expect(back).toEqual([
      { ...existing, first_row_id: null },
      { ...added, sequence_number: 4n, min_sequence_number: 4n, first_row_id: null },
    ]);
    expect(back.every(hasKnownCounts)).toBe(true);
  });

  it('writes the header keys and the v2 manifest_file schema with field ids', () => {
    const file = readAvroFile(bytes, 'snap.avro');
    expect(metaString(file, 'snapshot-id')).toBe(SNAP.toString());
    expect(metaString(file, 'parent-snapshot-id')).toBe(PARENT.toString());
    expect(metaString(file, 'sequence-number')).toBe('4');
    expect(metaString(file, 'format-version')).toBe('2');
    expect(file.codec).toBe('deflate');
    const s = JSON.parse(metaString(file, 'avro.schema')!);
    expect(s.name).toBe('manifest_file');
    const ids = (rec: { fields: { name: string; 'field-id': number }[] }) => Object.fromEntries(rec.fields.map((f) => [f.name, f['field-id']]));
    expect(ids(s)).toEqual({
      manifest_path: 500, manifest_length: 501, partition_spec_id: 502, content: 517, sequence_number: 515,
      min_sequence_number: 516, added_snapshot_id: 503, added_files_count: 504, existing_files_count: 505,
      deleted_files_count: 506, added_rows_count: 512, existing_rows_count: 513, deleted_rows_count: 514,
      partitions: 507, key_metadata: 519,
    });
    const partitions = s.fields.find((f: { name: string }) => f.name === 'partitions').type[1];
    expect(partitions['element-id']).toBe(508);
    expect(partitions.items.name).toBe('r508');
    expect(ids(partitions.items)).toEqual({ contains_null: 509, contains_nan: 518, lower_bound: 510, upper_bound: 511 });
  });

  it('writes "null" for a snapshot without parent, as Java does', () => {
    const b = writeManifestList({ snapshotId: 1n, parentSnapshotId: null, sequenceNumber: 1n, formatVersion: 2, manifests: [] });
    expect(metaString(readAvroFile(b, 'x'), 'parent-snapshot-id')).toBe('null');
    expect(readManifestList(b, 'x')).toEqual([]);
  });

  it('refuses an unassigned sequence number on a manifest from another snapshot', () => {
    const stale = { ...existing, sequence_number: UNASSIGNED_SEQUENCE_NUMBER };
    expect(() => writeManifestList({ snapshotId: SNAP, parentSnapshotId: null, sequenceNumber: 4n, formatVersion: 2, manifests: [stale] })).toThrow(
      /old-m0\.avro: only manifests added by snapshot/,
    );
  });

  it('treats null counts as unknown, not zero', () => {
    const unknown = { ...existing, added_files_count: null, existing_files_count: null } as ManifestListEntry;
    expect(mayHaveLiveFiles(unknown)).toBe(true);
    expect(hasKnownCounts(unknown)).toBe(false);
    expect(mayHaveLiveFiles({ ...existing, existing_files_count: 0 })).toBe(false);
  });

  it('a corrupt list is a corrupt error naming the file', () => {
    let err: unknown;
    try {
      readManifestList(bytes.subarray(0, bytes.length - 17), 's3://b/t/metadata/snap-1.avro');
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'corrupt')).toBe(true);
    expect((err as Error).message).toContain('s3://b/t/metadata/snap-1.avro');
  });
});
