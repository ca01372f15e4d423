import { describe, expect, it } from 'vitest';
import { toManifestFile, readManifest, writeManifest, type WriteManifestOptions } from '../../src/iceberg/manifest.js';
import { metaString, readAvroFile, writeAvroFile } from '../../src/iceberg/avro/container.js';
import { avroCompatibleName, decimalFixedSize } from '../../src/iceberg/avro-schemas.js';
import { fromBinary } from '../../src/iceberg/conversions.js';
import {
  type DataFile,
  DataFileContent,
  type IcebergValue,
  type ManifestEntry,
  ManifestEntryStatus,
  type PartitionSpec,
  type Schema,
  type StructType,
} from '../../src/iceberg/types.js';
import { isFloeError } from '../../src/errors.js';

/** Every partition result type, one partition field each (ids 1000+). */
const TYPES = [
  'int', 'long', 'date', 'time', 'timestamp', 'timestamptz', 'decimal(9, 2)', 'decimal(38, 10)', 'uuid',
  'string', 'binary', 'fixed[3]', 'boolean', 'float', 'double', 'decimal(9, 2)',
] as const;

const schema: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: TYPES.map((t, i) => ({ id: i + 1, name: `c${i}`, required: false, type: t })),
};
const spec: PartitionSpec = {
  'spec-id': 4,
  fields: TYPES.map((_, i) => ({ 'source-id': i + 1, 'field-id': 1000 + i, name: i === 0 ? 'c0 bucket-ish' : `c${i}`, transform: 'identity' })),
};
const partitionType: StructType = {
  type: 'struct',
  fields: TYPES.map((t, i) => ({ id: 1000 + i, name: spec.fields[i]!.name, required: false, type: t })),
};

const rowA: IcebergValue[] = [
  -0x80000000, -(1n << 63n), 19000, 3_600_000_000n, 1_700_000_000_000_000n, -1n, 12345n, -(10n ** 37n),
  'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'grüße', Uint8Array.of(0, 1), Uint8Array.of(7, 8, 9), true, 1.5, Number.NaN, -99999n,
];
const rowB: IcebergValue[] = [
  0x7fffffff, (1n << 63n) - 1n, -1, 0n, 0n, 5n, -12345n, 10n ** 37n,
  '00000000-0000-0000-0000-000000000001', '', new Uint8Array(0), Uint8Array.of(0, 0, 0), false, -0, 2.25, 99999n,
];
const rowNull: IcebergValue[] = TYPES.map(() => null);

function dataFile(path: string, partition: IcebergValue[], rows: bigint, extra: Partial<DataFile> = {}): DataFile {
  return { content: DataFileContent.DATA, file_path: path, file_format: 'PARQUET', partition, record_count: rows, file_size_in_bytes: 1234n, ...extra };
}

const full: DataFile = dataFile('s3://b/t/data/a.parquet', rowA, 10n, {
  column_sizes: new Map([[1, 100n], [2, 200n]]),
  value_counts: new Map([[1, 10n]]),
  null_value_counts: new Map([[1, 0n]]),
  nan_value_counts: new Map([[15, 1n]]),
  lower_bounds: new Map([[1, Uint8Array.of(1, 0, 0, 0)]]),
  upper_bounds: new Map([[1, Uint8Array.of(9, 0, 0, 0)]]),
  key_metadata: Uint8Array.of(0xaa),
  split_offsets: [4n, 1n << 40n],
  sort_order_id: 0,
});

const entries: ManifestEntry[] = [
  { status: ManifestEntryStatus.ADDED, snapshot_id: null, sequence_number: null, file_sequence_number: null, data_file: full },
  { status: ManifestEntryStatus.ADDED, snapshot_id: null, sequence_number: null, file_sequence_number: null, data_file: dataFile('s3://b/t/data/b.parquet', rowB, 20n) },
  { status: ManifestEntryStatus.EXISTING, snapshot_id: 11n, sequence_number: 3n, file_sequence_number: 3n, data_file: dataFile('s3://b/t/data/c.parquet', rowNull, 30n) },
  { status: ManifestEntryStatus.DELETED, snapshot_id: 12n, sequence_number: 1n, file_sequence_number: 2n, data_file: dataFile('s3://b/t/data/d.parquet', rowA, 40n) },
];

const opts: WriteManifestOptions = { schema, spec, partitionType, formatVersion: 2, content: 'data', entries };
const SNAPSHOT = 8656952484400131532n;

describe('writeManifest / readManifest', () => {
  const { bytes, manifestFile } = writeManifest(opts);
  const listed = toManifestFile(manifestFile, { manifest_path: 's3://b/t/metadata/m0.avro', added_snapshot_id: SNAPSHOT, sequence_number: 9n });

  it('round-trips every entry and partition type; null sequence numbers of ADDED entries inherit', () => {
    const back = readManifest(bytes, 'm0.avro', { manifest: listed, specById: (id) => (id === 4 ? spec : undefined) });
    expect(back).toHaveLength(4);
    expect(back[0]).toEqual({ ...entries[0], snapshot_id: SNAPSHOT, sequence_number: 9n, file_sequence_number: 9n, data_file: expect.anything() });
    expect(back[2]!.sequence_number).toBe(3n);
    expect(back[3]).toMatchObject({ status: ManifestEntryStatus.DELETED, snapshot_id: 12n, sequence_number: 1n, file_sequence_number: 2n });
    const f = back[0]!.data_file;
    expect(f).toMatchObject({ ...full, partition: expect.anything() });
    // NaN is not equal to itself under toEqual semantics of arrays, so compare it apart.
    expect(f.partition.slice(0, 14)).toEqual(rowA.slice(0, 14));
    expect(f.partition[14]).toBeNaN();
    expect(f.partition[15]).toBe(-99999n);
    expect(back[1]!.data_file.partition).toEqual(rowB);
    expect(Object.is(back[1]!.data_file.partition[13], -0)).toBe(true);
    expect(back[2]!.data_file.partition).toEqual(rowNull);
    expect(back[1]!.data_file.column_sizes).toBeNull();
  });

  it('maps partition values by field id, also without the table spec (header partition-spec)', () => {
    const back = readManifest(bytes, 'm0.avro', { manifest: listed });
    expect(back[1]!.data_file.partition).toEqual(rowB);
  });

  it('writes the header keys of a v2 manifest', () => {
    const file = readAvroFile(bytes, 'm0.avro');
    expect(file.codec).toBe('deflate');
    expect(JSON.parse(metaString(file, 'schema')!)).toEqual(schema);
    expect(metaString(file, 'schema-id')).toBe('3');
    expect(JSON.parse(metaString(file, 'partition-spec')!)).toEqual(spec.fields);
    expect(metaString(file, 'partition-spec-id')).toBe('4');
    expect(metaString(file, 'format-version')).toBe('2');
    expect(metaString(file, 'content')).toBe('data');
  });

  it('keeps the spec field ids, element ids, key/value ids and Java record names in the header schema', () => {
    const s = JSON.parse(metaString(readAvroFile(bytes, 'm0.avro'), 'avro.schema')!);
    expect(s.name).toBe('manifest_entry');
    const ids = (rec: { fields: { name: string; 'field-id': number }[] }) => Object.fromEntries(rec.fields.map((f) => [f.name, f['field-id']]));
    expect(ids(s)).toEqual({ status: 0, snapshot_id: 1, sequence_number: 3, file_sequence_number: 4, data_file: 2 });
    const df = s.fields[4].type;
    expect(df.name).toBe('r2');
    expect(ids(df)).toEqual({
      content: 134, file_path: 100, file_format: 101, partition: 102, record_count: 103, file_size_in_bytes: 104,
      column_sizes: 108, value_counts: 109, null_value_counts: 110, nan_value_counts: 137, lower_bounds: 125,
      upper_bounds: 128, key_metadata: 131, split_offsets: 132, equality_ids: 135, sort_order_id: 140, referenced_data_file: 143,
    });
    const byName = Object.fromEntries(df.fields.map((f: { name: string }) => [f.name, f]));
    const kv = (name: string) => byName[name].type[1];
    for (const [name, k, v] of [['column_sizes', 117, 118], ['value_counts', 119, 120], ['null_value_counts', 121, 122],
      ['nan_value_counts', 138, 139], ['lower_bounds', 126, 127], ['upper_bounds', 129, 130]] as const) {
      expect(kv(name).logicalType).toBe('map');
      expect(kv(name).items.name).toBe(`k${k}_v${v}`);
      expect(ids(kv(name).items)).toEqual({ key: k, value: v });
    }
    expect(byName.split_offsets.type[1]['element-id']).toBe(133);
    expect(byName.equality_ids.type[1]['element-id']).toBe(136);
    const partition = byName.partition.type;
    expect(partition.name).toBe('r102');
    expect(partition.fields.map((f: { 'field-id': number }) => f['field-id'])).toEqual(spec.fields.map((f) => f['field-id']));
    // A name that is not a valid Avro name is made one, as Java does; readers go by id.
    expect(partition.fields[0].name).toBe('c0_x20bucket_x2Dish');
    const types = partition.fields.map((f: { type: unknown[] }) => f.type[1]);
    expect(types[2]).toEqual({ type: 'int', logicalType: 'date' });
    expect(types[5]).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true });
    expect(types[6]).toEqual({ type: 'fixed', name: 'decimal_9_2', size: 4, logicalType: 'decimal', precision: 9, scale: 2 });
    expect(types[15]).toBe('decimal_9_2'); // a named type is defined once, then referenced
    expect(types[7].size).toBe(16);
    expect(types[8]).toEqual({ type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' });
    expect(types[11]).toEqual({ type: 'fixed', name: 'fixed_3', size: 3 });
  });

  it('summarises the manifest for the manifest list', () => {
    expect(manifestFile).toMatchObject({
      manifest_length: BigInt(bytes.length),
      partition_spec_id: 4,
      content: 0,
      added_files_count: 2,
      existing_files_count: 1,
      deleted_files_count: 1,
      added_rows_count: 30n,
      existing_rows_count: 30n,
      deleted_rows_count: 40n,
      min_sequence_number: 3n,
    });
    expect(listed.min_sequence_number).toBe(3n);
    const p = manifestFile.partitions!;
    expect(p).toHaveLength(TYPES.length);
    const bound = (i: number, which: 'lower_bound' | 'upper_bound') => fromBinary(TYPES[i]!, p[i]![which]!);
    expect(p.every((s) => s.contains_null)).toBe(true);
    expect(bound(0, 'lower_bound')).toBe(-0x80000000);
    expect(bound(0, 'upper_bound')).toBe(0x7fffffff);
    expect(bound(1, 'lower_bound')).toBe(-(1n << 63n));
    expect(bound(7, 'lower_bound')).toBe(-(10n ** 37n));
    expect(bound(9, 'lower_bound')).toBe('');
    expect(bound(9, 'upper_bound')).toBe('grüße');
    expect(bound(8, 'lower_bound')).toBe('00000000-0000-0000-0000-000000000001');
    expect(bound(12, 'lower_bound')).toBe(false);
    // float: -0.0 and 1.5; -0.0 must be the lower bound (spec: Manifest Lists, note 2).
    expect(Object.is(bound(13, 'lower_bound'), -0)).toBe(true);
    expect(p[13]!.contains_nan).toBe(false);
    // double: NaN is counted, not a bound.
    expect(p[14]!.contains_nan).toBe(true);
    expect(bound(14, 'lower_bound')).toBe(2.25);
    expect(bound(14, 'upper_bound')).toBe(2.25);
    expect(p[0]!.contains_nan).toBe(false);
  });

  it('an unpartitioned manifest of delete files; min sequence number unknown when all inherit', () => {
    const del: ManifestEntry = {
      status: ManifestEntryStatus.ADDED, snapshot_id: null, sequence_number: null, file_sequence_number: null,
      data_file: { ...dataFile('s3://b/t/data/eq.parquet', [], 3n), content: DataFileContent.EQUALITY_DELETES, equality_ids: [1, 2] },
    };
    const w = writeManifest({ ...opts, spec: { 'spec-id': 0, fields: [] }, partitionType: { type: 'struct', fields: [] }, content: 'deletes', entries: [del] });
    expect(w.manifestFile.content).toBe(1);
    expect(w.manifestFile.min_sequence_number).toBeNull();
    expect(w.manifestFile.partitions).toEqual([]);
    const m = toManifestFile(w.manifestFile, { manifest_path: 'x', added_snapshot_id: 5n, sequence_number: 6n });
    expect(m.min_sequence_number).toBe(6n);
    const [back] = readManifest(w.bytes, 'd.avro', { manifest: m });
    expect(back!.data_file.equality_ids).toEqual([1, 2]);
    expect(back!.data_file.content).toBe(DataFileContent.EQUALITY_DELETES);
    expect(metaString(readAvroFile(w.bytes, 'd.avro'), 'content')).toBe('deletes');
  });

  it('v3 readers: first_row_id is inherited from the manifest for data files without one', () => {
    const back = readManifest(bytes, 'm0.avro', { manifest: { ...listed, first_row_id: 1000n } });
    expect(back.map((e) => e.data_file.first_row_id)).toEqual([1000n, 1010n, 1030n, 1060n]);
  });

  it('rejects caller mistakes as internal errors', () => {
    const bad = (o: Partial<WriteManifestOptions>) => {
      try {
        writeManifest({ ...opts, ...o });
      } catch (e) {
        return isFloeError(e, 'internal') ? (e as Error).message : `wrong error ${String(e)}`;
      }
      return 'no error';
    };
    expect(bad({ content: 'deletes' })).toMatch(/deletes manifest cannot hold/);
    expect(bad({ entries: [{ ...entries[2]!, sequence_number: null }] })).toMatch(/EXISTING manifest entry needs explicit sequence numbers/);
    expect(bad({ entries: [{ ...entries[0]!, data_file: dataFile('p', [1], 1n) }] })).toMatch(/partition tuple has 1 values/);
    expect(bad({ entries: [{ ...entries[0]!, data_file: dataFile('p', rowB.map((v, i) => (i === 1 ? 5 : v)), 1n) }] })).toBe('no error');
    expect(bad({ entries: [{ ...entries[0]!, data_file: dataFile('p', rowB.map((v, i) => (i === 0 ? 5n : v)), 1n) }] })).toMatch(/not a valid int/);
    expect(bad({ entries: [{ ...entries[0]!, data_file: dataFile('p', rowB.map((v, i) => (i === 6 ? 10n ** 10n : v)), 1n) }] })).toMatch(/does not fit decimal\(9, 2\)/);
  });

  it('a manifest missing a required field is a corrupt error naming the file and entry', () => {
    // A foreign writer that made file_path optional and left it null.
    const foreign = writeAvroFile(
      [{ status: 1, data_file: { file_path: null, file_format: 'PARQUET', record_count: 1n, file_size_in_bytes: 2n } }],
      {
        schema: {
          type: 'record', name: 'manifest_entry', fields: [
            { name: 'status', type: 'int', 'field-id': 0 },
            { name: 'data_file', 'field-id': 2, type: { type: 'record', name: 'r2', fields: [
              { name: 'file_path', type: ['null', 'string'], 'field-id': 100 },
              { name: 'file_format', type: 'string', 'field-id': 101 },
              { name: 'record_count', type: 'long', 'field-id': 103 },
              { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            ] } },
          ],
        },
      },
    );
    let err: unknown;
    try {
      readManifest(foreign, 's3://b/t/metadata/foreign.avro', { manifest: listed });
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'corrupt')).toBe(true);
    expect((err as Error).message).toBe('s3://b/t/metadata/foreign.avro: entry 0: field file_path (id 100) is required but missing or null');
  });
});

describe('Avro helpers for manifests', () => {
  it('sizes decimal fixed by precision (Appendix A minBytesRequired)', () => {
    expect([1, 2, 3, 9, 10, 18, 19, 38].map(decimalFixedSize)).toEqual([1, 1, 2, 4, 5, 8, 9, 16]);
  });

  it('makes partition names valid Avro names', () => {
    expect(avroCompatibleName('ok_name1')).toBe('ok_name1');
    expect(avroCompatibleName('1st')).toBe('_1st');
    expect(avroCompatibleName('a-b.c')).toBe('a_x2Db_x2Ec');
  });
});
