/**
 * The Avro schemas floe writes for manifests and manifest lists (format v2), with the field
 * ids of the spec ("Manifests", "Manifest Lists") and the record names Iceberg Java uses
 * (`manifest_entry`, `r2`, `r102`, `k117_v118`, `manifest_file`, `r508`), so files look the same
 * to every reader. Also the Iceberg → Avro type mapping for the partition tuple
 * (spec: Appendix A, Avro "Data Type Mappings").
 */
import type { NestedField, PrimitiveType, StructType } from './types.js';
import { parsePrimitive } from './primitive.js';
import { internalError } from '../errors.js';

type Json = Record<string, unknown>;

const optional = (name: string, id: number, type: unknown, doc?: string): Json => ({
  name,
  type: ['null', type],
  default: null,
  'field-id': id,
  ...(doc ? { doc } : {}),
});

const required = (name: string, id: number, type: unknown, doc?: string): Json => ({
  name,
  type,
  'field-id': id,
  ...(doc ? { doc } : {}),
});

/** An Iceberg map<int, V> as Avro: an array of k/v records with `logicalType: map` (Appendix A). */
const intMap = (keyId: number, valueId: number, value: 'long' | 'bytes'): Json => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name: `k${keyId}_v${valueId}`,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: value, 'field-id': valueId },
    ],
  },
});

const list = (elementId: number, items: unknown): Json => ({ type: 'array', items, 'element-id': elementId });

/** Minimum bytes of a two's complement fixed that holds every decimal of this precision (Appendix A). */
export function decimalFixedSize(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let n = 1;
  while (max >= 1n << BigInt(8 * n - 1)) n++;
  return n;
}

/**
 * The Avro schema of one primitive Iceberg type. Named types (fixed) are written in full the
 * first time and by name afterwards, since Avro forbids defining a name twice.
 */
export function primitiveToAvro(type: PrimitiveType, defined: Set<string>): unknown {
  const named = (name: string, schema: Json): unknown => {
    if (defined.has(name)) return name;
    defined.add(name);
    return { type: 'fixed', name, ...schema };
  };
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return p.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': p.kind === 'timestamptz' };
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': p.kind === 'timestamptz_ns' };
    case 'uuid':
      return named('uuid_fixed', { size: 16, logicalType: 'uuid' });
    case 'fixed':
      return named(`fixed_${p.length}`, { size: p.length });
    case 'decimal':
      return named(`decimal_${p.precision}_${p.scale}`, {
        size: decimalFixedSize(p.precision),
        logicalType: 'decimal',
        precision: p.precision,
        scale: p.scale,
      });
    default:
      throw internalError(`type ${type} cannot be a partition field in an Avro manifest`);
  }
}

/**
 * Avro record names must match [A-Za-z_][A-Za-z0-9_]*; partition field names need not.
 * Invalid characters become `_x` + hex code, a leading digit gets a `_` prefix, as Iceberg Java
 * does, so that field names agree across writers. Readers resolve by field id regardless.
 */
export function avroCompatibleName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (/[A-Za-z_]/.test(c) || (i > 0 && /[0-9]/.test(c))) out += c;
    else if (i === 0 && /[0-9]/.test(c)) out += `_${c}`;
    else out += `_x${c.charCodeAt(0).toString(16).toUpperCase()}`;
  }
  return out || '_';
}

/** The partition tuple record `r102`: one field per partition field, id = partition field id. */
export function partitionRecordSchema(partitionType: StructType): Json {
  const defined = new Set<string>();
  const fields = partitionType.fields.map((f: NestedField) => {
    if (typeof f.type !== 'string') throw internalError(`partition field ${f.name} must have a primitive type`);
    const avro = primitiveToAvro(f.type, defined);
    return f.required ? required(avroCompatibleName(f.name), f.id, avro) : optional(avroCompatibleName(f.name), f.id, avro);
  });
  return { type: 'record', name: 'r102', fields };
}

/** The v2 `manifest_entry` schema (spec: "Manifests", v2 tables). */
export function manifestEntrySchemaV2(partitionType: StructType): Json {
  const dataFile = {
    type: 'record',
    name: 'r2',
    fields: [
      required('content', 134, 'int', 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes'),
      required('file_path', 100, 'string', 'Location URI with FS scheme'),
      required('file_format', 101, 'string', 'File format name: avro, orc, or parquet'),
      required('partition', 102, partitionRecordSchema(partitionType), 'Partition data tuple, schema based on the partition spec'),
      required('record_count', 103, 'long', 'Number of records in the file'),
      required('file_size_in_bytes', 104, 'long', 'Total file size in bytes'),
      optional('column_sizes', 108, intMap(117, 118, 'long'), 'Map of column id to total size on disk'),
      optional('value_counts', 109, intMap(119, 120, 'long'), 'Map of column id to total count, including null and NaN'),
      optional('null_value_counts', 110, intMap(121, 122, 'long'), 'Map of column id to null value count'),
      optional('nan_value_counts', 137, intMap(138, 139, 'long'), 'Map of column id to number of NaN values in the column'),
      optional('lower_bounds', 125, intMap(126, 127, 'bytes'), 'Map of column id to lower bound'),
      optional('upper_bounds', 128, intMap(129, 130, 'bytes'), 'Map of column id to upper bound'),
      optional('key_metadata', 131, 'bytes', 'Encryption key metadata blob'),
      optional('split_offsets', 132, list(133, 'long'), 'Splittable offsets'),
      optional('equality_ids', 135, list(136, 'int'), 'Equality comparison field IDs'),
      optional('sort_order_id', 140, 'int', 'Sort order ID'),
      optional('referenced_data_file', 143, 'string', 'Fully qualified location of a data file that all deletes reference'),
    ],
  };
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      required('status', 0, 'int'),
      optional('snapshot_id', 1, 'long'),
      optional('sequence_number', 3, 'long'),
      optional('file_sequence_number', 4, 'long'),
      required('data_file', 2, dataFile),
    ],
  };
}

/** The v2 `manifest_file` schema of manifest lists (spec: "Manifest Lists", v2). */
export function manifestFileSchemaV2(): Json {
  const fieldSummary = {
    type: 'record',
    name: 'r508',
    fields: [
      required('contains_null', 509, 'boolean', 'True if any file has a null partition value'),
      optional('contains_nan', 518, 'boolean', 'True if any file has a nan partition value'),
      optional('lower_bound', 510, 'bytes', 'Partition lower bound for all files'),
      optional('upper_bound', 511, 'bytes', 'Partition upper bound for all files'),
    ],
  };
  return {
    type: 'record',
    name: 'manifest_file',
    fields: [
      required('manifest_path', 500, 'string', 'Location URI with FS scheme'),
      required('manifest_length', 501, 'long', 'Total file size in bytes'),
      required('partition_spec_id', 502, 'int', 'Spec ID used to write'),
      required('content', 517, 'int', 'Contents of the manifest: 0=data, 1=deletes'),
      required('sequence_number', 515, 'long', 'Sequence number when the manifest was added'),
      required('min_sequence_number', 516, 'long', 'Lowest sequence number in the manifest'),
      required('added_snapshot_id', 503, 'long', 'Snapshot ID that added the manifest'),
      required('added_files_count', 504, 'int', 'Added entry count'),
      required('existing_files_count', 505, 'int', 'Existing entry count'),
      required('deleted_files_count', 506, 'int', 'Deleted entry count'),
      required('added_rows_count', 512, 'long', 'Added rows count'),
      required('existing_rows_count', 513, 'long', 'Existing rows count'),
      required('deleted_rows_count', 514, 'long', 'Deleted rows count'),
      optional('partitions', 507, list(508, fieldSummary), 'Summary for each partition'),
      optional('key_metadata', 519, 'bytes', 'Encryption key metadata blob'),
    ],
  };
}
