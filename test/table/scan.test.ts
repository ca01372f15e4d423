import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { toManifestFile, writeManifest } from '../../src/iceberg/manifest.js';
import { writeManifestList } from '../../src/iceberg/manifest-list.js';
import { partitionType } from '../../src/iceberg/partition.js';
import {
  type DataFile,
  DataFileContent,
  type ManifestEntry,
  ManifestEntryStatus,
  type PartitionSpec,
  type Schema,
  type TableMetadata,
} from '../../src/iceberg/types.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { planScan } from '../../src/table/scan.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
  ],
};
const byRegion: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }] };
const flat: PartitionSpec = { 'spec-id': 0, fields: [] };

function df(path: string, content: DataFileContent, partition: DataFile['partition'], extra: Partial<DataFile> = {}): DataFile {
  return {
    content,
    file_path: path,
    file_format: 'PARQUET',
    partition,
    record_count: 10n,
    file_size_in_bytes: 100n,
    ...(content === DataFileContent.EQUALITY_DELETES ? { equality_ids: [1] } : {}),
    ...extra,
  };
}
const entry = (status: ManifestEntryStatus, file: DataFile, seq: bigint | null): ManifestEntry => ({
  status,
  snapshot_id: seq === null ? null : 1n,
  sequence_number: seq,
  file_sequence_number: seq,
  data_file: file,
});

/** Writes manifests and a manifest list for snapshot 3 (sequence number 3) into memory. */
async function table(manifests: { spec: PartitionSpec; content: 'data' | 'deletes'; entries: ManifestEntry[] }[]) {
  const io = new MemoryFileIO();
  const files = [];
  for (const [i, m] of manifests.entries()) {
    const written = writeManifest({ schema, spec: m.spec, partitionType: partitionType(m.spec, schema), formatVersion: 2, content: m.content, entries: m.entries });
    const path = `s3://b/t/metadata/m${i}.avro`;
    await io.write(path, written.bytes);
    files.push(toManifestFile(written.manifestFile, { manifest_path: path, added_snapshot_id: 3n, sequence_number: 3n }));
  }
  await io.write('s3://b/t/metadata/snap-3.avro', writeManifestList({ snapshotId: 3n, parentSnapshotId: 2n, sequenceNumber: 3n, formatVersion: 2, manifests: files }));
  const metadata = {
    'format-version': 2,
    'current-schema-id': 0,
    schemas: [schema],
    'partition-specs': [flat, byRegion],
    'current-snapshot-id': 3n,
    snapshots: [{ 'snapshot-id': 3n, 'sequence-number': 3n, 'timestamp-ms': 0, 'manifest-list': 's3://b/t/metadata/snap-3.avro', summary: { operation: 'append' } }],
    'snapshot-log': [],
    refs: { main: { 'snapshot-id': 3n, type: 'branch' } },
    properties: {},
  } as unknown as TableMetadata;
  return { io, metadata };
}

describe('planScan', () => {
  it('collects live files with inherited sequence numbers and matches deletes to them', async () => {
    const { io, metadata } = await table([
      {
        spec: byRegion,
        content: 'data',
        entries: [
          entry(ManifestEntryStatus.EXISTING, df('d-old', DataFileContent.DATA, ['eu']), 1n),
          entry(ManifestEntryStatus.ADDED, df('d-new', DataFileContent.DATA, ['eu']), null),
          entry(ManifestEntryStatus.DELETED, df('d-gone', DataFileContent.DATA, ['eu']), 1n),
          entry(ManifestEntryStatus.EXISTING, df('d-us', DataFileContent.DATA, ['us']), 2n),
        ],
      },
      {
        spec: byRegion,
        content: 'deletes',
        entries: [
          entry(ManifestEntryStatus.ADDED, df('pos-eu', DataFileContent.POSITION_DELETES, ['eu']), null),
          entry(ManifestEntryStatus.EXISTING, df('eq-eu', DataFileContent.EQUALITY_DELETES, ['eu']), 2n),
        ],
      },
      { spec: flat, content: 'deletes', entries: [entry(ManifestEntryStatus.ADDED, df('eq-all', DataFileContent.EQUALITY_DELETES, []), null)] },
    ]);
    const plan = await planScan({ io, metadata, table: 'db.t' });
    const files = Object.fromEntries(
      plan.dataFiles.map((t) => [t.file.file_path, { seq: t.dataSequenceNumber, spec: t.specId, deletes: t.deletes.map((d) => d.file.file_path) }]),
    );
    expect(files).toEqual({
      'd-old': { seq: 1n, spec: 1, deletes: ['pos-eu', 'eq-eu', 'eq-all'] },
      'd-new': { seq: 3n, spec: 1, deletes: ['pos-eu'] },
      'd-us': { seq: 2n, spec: 1, deletes: ['eq-all'] },
    });
    expect(plan.deleteFiles.map((d) => [d.file.file_path, d.kind, d.dataSequenceNumber])).toEqual([
      ['pos-eu', 'position', 3n],
      ['eq-eu', 'equality', 2n],
      ['eq-all', 'equality', 3n],
    ]);
    expect(plan.manifestsRead).toBe(3);
    expect(plan.schema).toBe(schema);
  });

  it('refuses deletion vectors with an unsupported error naming the table and the feature', async () => {
    const dv = df('s3://b/t/data/dv.puffin', DataFileContent.POSITION_DELETES, [], {
      file_format: 'PUFFIN',
      referenced_data_file: 'd1',
      content_offset: 4n,
      content_size_in_bytes: 40n,
    });
    const { io, metadata } = await table([
      { spec: flat, content: 'data', entries: [entry(ManifestEntryStatus.ADDED, df('d1', DataFileContent.DATA, []), null)] },
      { spec: flat, content: 'deletes', entries: [entry(ManifestEntryStatus.ADDED, dv, null)] },
    ]);
    const e = await planScan({ io, metadata, table: 'db.t' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('unsupported');
    expect((e as FloeError).message).toMatch(/^table db\.t, snapshot 3: it uses deletion vectors .*dv\.puffin/);
    expect((e as FloeError).context).toMatchObject({ table: 'db.t', feature: 'deletion vectors' });
  });

  it('refuses data files it cannot read rather than skipping them', async () => {
    const { io, metadata } = await table([
      { spec: flat, content: 'data', entries: [entry(ManifestEntryStatus.ADDED, df('d.orc', DataFileContent.DATA, [], { file_format: 'ORC' }), null)] },
    ]);
    await expect(planScan({ io, metadata, table: 'db.t' })).rejects.toThrow(/data file d\.orc is ORC; floe reads Parquet data files only/);
  });

  it('names the table, snapshot and file when the manifest list is missing', async () => {
    const { metadata } = await table([]);
    const e = await planScan({ io: new MemoryFileIO(), metadata, table: 'db.t' }).catch((x: unknown) => x);
    expect((e as FloeError).kind).toBe('not-found');
    expect((e as FloeError).message).toContain('table db.t, snapshot 3: cannot read manifest list s3://b/t/metadata/snap-3.avro');
  });

  it('plans nothing for a table without snapshots', async () => {
    const { io, metadata } = await table([]);
    const plan = await planScan({ io, metadata: { ...metadata, 'current-snapshot-id': null }, table: 'db.t' });
    expect(plan.snapshot).toBeNull();
    expect(plan.dataFiles).toEqual([]);
  });
});
