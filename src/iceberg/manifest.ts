/**
 * Manifests: Avro files of `manifest_entry` records, one per data or delete file
 * (spec: "Manifests", "Sequence Number Inheritance", "First Row ID Inheritance").
 *
 * floe writes v2 manifests. It reads v1, v2 and v3 manifests written by others, decoding
 * with the writer's schema and picking fields by field id, so record names, field order and
 * extra fields of other writers do not matter.
 */
import {
  type DataFile,
  DataFileContent,
  type ManifestEntry,
  ManifestEntryStatus,
  type ManifestFile,
  type PartitionField,
  type PartitionSpec,
  type Schema,
  type StructType,
} from './types.js';
import { parseJson, stringifyJson } from './json.js';
import { manifestEntrySchemaV2, avroCompatibleName } from './avro-schemas.js';
import { type EntryCounts, checkContent, countEntries, summarizePartitions } from './manifest-summary.js';
import { partitionReaders, partitionValueToAvro } from './manifest-partition.js';
import { readAvroFile, writeAvroFile, metaString, type AvroFile } from './avro/container.js';
import type { AvroType } from './avro/schema.js';
import { type FieldReader, RecordView, corruptAt } from './manifest-read-util.js';
import { internalError } from '../errors.js';

export interface WriteManifestOptions {
  /** The table schema the files were written with; goes to the `schema` header key. */
  schema: Schema;
  /** Defaults to schema['schema-id']. */
  schemaId?: number;
  spec: PartitionSpec;
  /** The partition tuple type: id = partition field id, type = transform result type. */
  partitionType: StructType;
  formatVersion: 2;
  content: 'data' | 'deletes';
  entries: readonly ManifestEntry[];
  /** Defaults to deflate, as Iceberg Java writes. */
  codec?: 'null' | 'deflate';
}

/** What the manifest list needs to know about a written manifest, except what only the commit knows. */
export type ManifestSummary = Omit<
  ManifestFile,
  'manifest_path' | 'sequence_number' | 'min_sequence_number' | 'added_snapshot_id' | 'key_metadata' | 'first_row_id'
> &
  Pick<EntryCounts, 'min_sequence_number'>;

export interface WrittenManifest {
  bytes: Uint8Array;
  manifestFile: ManifestSummary;
}

/** Writes a v2 manifest (spec: "Manifests": header keys and `manifest_entry` schema). */
export function writeManifest(opts: WriteManifestOptions): WrittenManifest {
  if (opts.formatVersion !== 2) throw internalError(`floe writes v2 manifests, not v${String(opts.formatVersion)}`);
  checkContent(opts.content, opts.entries);
  const ptype = opts.partitionType;
  const names = ptype.fields.map((f) => avroCompatibleName(f.name));
  const records = opts.entries.map((e) => entryToAvro(e, ptype, names));
  const bytes = writeAvroFile(records, {
    schema: manifestEntrySchemaV2(ptype),
    codec: opts.codec ?? 'deflate',
    metadata: {
      schema: stringifyJson(opts.schema),
      'schema-id': String(opts.schemaId ?? opts.schema['schema-id']),
      // Appendix C: only the fields array of the spec.
      'partition-spec': stringifyJson(opts.spec.fields),
      'partition-spec-id': String(opts.spec['spec-id']),
      'format-version': '2',
      content: opts.content,
    },
  });
  const { min_sequence_number, ...counts } = countEntries(opts.entries);
  return {
    bytes,
    manifestFile: {
      manifest_length: BigInt(bytes.length),
      partition_spec_id: opts.spec['spec-id'],
      content: opts.content === 'data' ? 0 : 1,
      ...counts,
      min_sequence_number,
      partitions: summarizePartitions(ptype, opts.entries),
    },
  };
}

/**
 * Completes a written manifest's summary for the manifest list once the commit knows the path,
 * snapshot and sequence number. Entries that inherit their sequence number get the snapshot's,
 * so it is the min_sequence_number when no live entry carries an explicit one.
 */
export function toManifestFile(
  m: ManifestSummary,
  commit: { manifest_path: string; added_snapshot_id: bigint; sequence_number: bigint },
): ManifestFile {
  const known = m.min_sequence_number;
  return {
    ...m,
    ...commit,
    min_sequence_number: known !== null && known < commit.sequence_number ? known : commit.sequence_number,
  };
}

function entryToAvro(e: ManifestEntry, ptype: StructType, names: string[]): Record<string, unknown> {
  const f = e.data_file;
  // Existing and deleted entries must carry both sequence numbers (spec: "Sequence Number Inheritance").
  if (e.status !== ManifestEntryStatus.ADDED && (e.sequence_number === null || e.file_sequence_number === null)) {
    throw internalError(`${f.file_path}: an ${ManifestEntryStatus[e.status]} manifest entry needs explicit sequence numbers`);
  }
  if (f.partition.length !== ptype.fields.length) {
    throw internalError(`${f.file_path}: partition tuple has ${f.partition.length} values, the spec ${ptype.fields.length} fields`);
  }
  const partition: Record<string, unknown> = {};
  ptype.fields.forEach((pf, i) => {
    partition[names[i]!] = partitionValueToAvro(pf.type as string, f.partition[i] ?? null);
  });
  return {
    status: e.status,
    snapshot_id: e.snapshot_id,
    sequence_number: e.sequence_number,
    file_sequence_number: e.file_sequence_number,
    data_file: {
      content: f.content,
      file_path: f.file_path,
      file_format: f.file_format,
      partition,
      record_count: f.record_count,
      file_size_in_bytes: f.file_size_in_bytes,
      column_sizes: f.column_sizes ?? null,
      value_counts: f.value_counts ?? null,
      null_value_counts: f.null_value_counts ?? null,
      nan_value_counts: f.nan_value_counts ?? null,
      lower_bounds: f.lower_bounds ?? null,
      upper_bounds: f.upper_bounds ?? null,
      key_metadata: f.key_metadata ?? null,
      split_offsets: f.split_offsets ?? null,
      equality_ids: f.equality_ids ?? null,
      sort_order_id: f.sort_order_id ?? null,
      referenced_data_file: f.referenced_data_file ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

export interface ManifestReadContext {
  /** The manifest list row this manifest came from: the values entries inherit. */
  manifest: Pick<ManifestFile, 'added_snapshot_id' | 'sequence_number' | 'partition_spec_id'> & {
    first_row_id?: bigint | null;
  };
  /** The table's partition specs; without it (or for an unknown id) the header's `partition-spec` is used. */
  specById?: (id: number) => PartitionSpec | undefined;
}

/** Reads a v1, v2 or v3 manifest; entries come back with inherited values filled in. */
export function readManifest(bytes: Uint8Array, location: string, ctx: ManifestReadContext): ManifestEntry[] {
  const file = readAvroFile(bytes, location);
  const entryView = RecordView.of(file.schema, location, 'manifest_entry');
  const dfField = entryView.field(2, 'data_file');
  if (!dfField) throw corruptAt(location, 'manifest_entry has no data_file (field id 2)');
  const dfView = RecordView.of(dfField.type, location, 'data_file');
  const readPartition = partitionReadersFor(file, dfView.field(102, 'partition')?.type, ctx, location);
  // v1 manifests have no sequence number columns: all files default to 0 (spec: "Sequence Number Inheritance").
  const hasSeq = entryView.field(3, 'sequence_number') !== undefined;
  const hasFileSeq = entryView.field(4, 'file_sequence_number') !== undefined;

  const m = ctx.manifest;
  let nextRowId = m.first_row_id ?? null;
  return file.records.map((raw, i) => {
    const at = `entry ${i}`;
    const e = entryView.wrap(raw, at);
    const status = e.int(0, 'status', true) as ManifestEntryStatus;
    if (!(status in ManifestEntryStatus)) throw corruptAt(location, `${at}: unknown status ${status}`);
    const df = dfView.wrap(e.raw(2, 'data_file'), at);
    if (df.isNull) throw corruptAt(location, `${at}: data_file is null`);
    const dataFile = readDataFile(df, readPartition);
    if (!(dataFile.content in DataFileContent)) throw corruptAt(location, `${at}: unknown data_file content ${dataFile.content}`);
    // Inheritance: a null snapshot id always inherits; a null sequence number inherits when the
    // entry is ADDED, or when the manifest's own sequence number is 0 (a v1 table, where it is never stored).
    const inherits = status === ManifestEntryStatus.ADDED || m.sequence_number === 0n;
    const seq = hasSeq ? e.long(3, 'sequence_number') : 0n;
    const fileSeq = hasFileSeq ? e.long(4, 'file_sequence_number') : 0n;
    if (dataFile.content === DataFileContent.DATA && nextRowId !== null && dataFile.first_row_id == null) {
      // First Row ID Inheritance: the manifest's first_row_id plus the rows of earlier such files.
      dataFile.first_row_id = nextRowId;
      nextRowId += dataFile.record_count;
    }
    return {
      status,
      snapshot_id: e.long(1, 'snapshot_id') ?? m.added_snapshot_id,
      sequence_number: seq ?? (inherits ? m.sequence_number : null),
      file_sequence_number: fileSeq ?? (inherits ? m.sequence_number : null),
      data_file: dataFile,
    };
  });
}

function partitionReadersFor(file: AvroFile, partitionAvro: AvroType | undefined, ctx: ManifestReadContext, location: string) {
  let fields: readonly PartitionField[] | undefined = ctx.specById?.(ctx.manifest.partition_spec_id)?.fields;
  const headerSpec = metaString(file, 'partition-spec');
  if (!fields && headerSpec !== undefined) {
    const parsed = parseJson(headerSpec, `${location} (partition-spec)`);
    if (!Array.isArray(parsed)) throw corruptAt(location, 'header partition-spec is not a JSON array of partition fields');
    fields = parsed as PartitionField[];
  }
  const headerSchema = metaString(file, 'schema');
  let schema: StructType | undefined;
  try {
    schema = headerSchema === undefined ? undefined : (parseJson(headerSchema) as StructType);
  } catch {
    schema = undefined; // The schema only refines partition value types; the values are readable without it.
  }
  return partitionReaders(partitionAvro, fields, schema);
}

function readDataFile(df: FieldReader, readPartition: ReturnType<typeof partitionReaders>): DataFile {
  const partitionRaw = df.raw(102, 'partition') as Record<string, unknown> | null;
  const format = df.string(101, 'file_format', true)!.toUpperCase() as DataFile['file_format'];
  return {
    content: (df.int(134, 'content') ?? DataFileContent.DATA) as DataFileContent,
    file_path: df.string(100, 'file_path', true)!,
    file_format: format,
    partition: readPartition.map((read) => read(partitionRaw)),
    record_count: df.long(103, 'record_count', true)!,
    file_size_in_bytes: df.long(104, 'file_size_in_bytes', true)!,
    column_sizes: df.longMap(108, 'column_sizes'),
    value_counts: df.longMap(109, 'value_counts'),
    null_value_counts: df.longMap(110, 'null_value_counts'),
    nan_value_counts: df.longMap(137, 'nan_value_counts'),
    lower_bounds: df.bytesMap(125, 'lower_bounds'),
    upper_bounds: df.bytesMap(128, 'upper_bounds'),
    key_metadata: df.bytes(131, 'key_metadata'),
    split_offsets: df.longList(132, 'split_offsets'),
    equality_ids: df.intList(135, 'equality_ids'),
    sort_order_id: df.int(140, 'sort_order_id'),
    first_row_id: df.long(142, 'first_row_id'),
    referenced_data_file: df.string(143, 'referenced_data_file'),
    content_offset: df.long(144, 'content_offset'),
    content_size_in_bytes: df.long(145, 'content_size_in_bytes'),
  };
}
