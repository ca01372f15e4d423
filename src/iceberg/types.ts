/**
 * Iceberg spec types, named 1:1 after the spec (format/spec.md in apache/iceberg).
 *
 * - Table metadata keys stay kebab-case as written in metadata JSON.
 * - Manifest and manifest-list fields stay snake_case, as in their Avro schemas.
 * - Longs (snapshot ids, sequence numbers, row counts, sizes) are bigint: snapshot ids are
 *   random 63-bit values and do not fit in a JS number.
 *
 * v1 and v3 metadata are normalised to these shapes once, at the parse boundary
 * (src/iceberg/metadata-json.ts); nothing downstream looks at the format version to
 * decide how to read a field.
 */

// ---------------------------------------------------------------------------------------
// Types (spec: "Schemas and Data Types")
// ---------------------------------------------------------------------------------------

/**
 * A primitive type as written in schema JSON: 'boolean', 'int', 'long', 'float', 'double',
 * 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string',
 * 'uuid', 'binary', 'decimal(P, S)', 'fixed[L]', and in v3 'unknown', 'variant', 'geometry...'.
 * Use src/iceberg/schema.ts (parsePrimitive) to get a structured view.
 */
export type PrimitiveType = string;

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  /** v3 / schema evolution: value for rows written before the field existed (JSON single-value form). */
  'initial-default'?: unknown;
  'write-default'?: unknown;
}

export interface StructType {
  type: 'struct';
  fields: NestedField[];
}

export interface ListType {
  type: 'list';
  'element-id': number;
  element: IcebergType;
  'element-required': boolean;
}

export interface MapType {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  value: IcebergType;
  'value-required': boolean;
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface Schema extends StructType {
  'schema-id': number;
  'identifier-field-ids'?: number[];
}

// ---------------------------------------------------------------------------------------
// Partitioning and sorting (spec: "Partition Specs", "Sort Orders")
// ---------------------------------------------------------------------------------------

/** 'identity', 'bucket[N]', 'truncate[W]', 'year', 'month', 'day', 'hour', 'void'. */
export type Transform = string;

export interface PartitionField {
  'source-id': number;
  /** v3 multi-argument transforms; normalised away at parse when it has one entry. */
  'source-ids'?: number[];
  'field-id': number;
  name: string;
  transform: Transform;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export type SortDirection = 'asc' | 'desc';
export type NullOrder = 'nulls-first' | 'nulls-last';

export interface SortField {
  transform: Transform;
  'source-id': number;
  direction: SortDirection;
  'null-order': NullOrder;
}

export interface SortOrder {
  'order-id': number;
  fields: SortField[];
}

// ---------------------------------------------------------------------------------------
// Snapshots and refs (spec: "Snapshots", "Snapshot References")
// ---------------------------------------------------------------------------------------

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface SnapshotSummary {
  operation: SnapshotOperation;
  [key: string]: string;
}

export interface Snapshot {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint;
  'sequence-number': bigint;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: SnapshotSummary;
  'schema-id'?: number;
  /** v3 row lineage */
  'first-row-id'?: bigint;
  'added-rows'?: bigint;
}

export type SnapshotRefType = 'branch' | 'tag';

export interface SnapshotRef {
  'snapshot-id': bigint;
  type: SnapshotRefType;
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
  'max-ref-age-ms'?: number;
}

export interface SnapshotLogEntry {
  'timestamp-ms': number;
  'snapshot-id': bigint;
}

export interface MetadataLogEntry {
  'timestamp-ms': number;
  'metadata-file': string;
}

export interface StatisticsFile {
  'snapshot-id': bigint;
  'statistics-path': string;
  'file-size-in-bytes': bigint;
  'file-footer-size-in-bytes': bigint;
  'blob-metadata': unknown[];
}

// ---------------------------------------------------------------------------------------
// Table metadata (spec: "Table Metadata Fields"). Always held in v2 shape.
// ---------------------------------------------------------------------------------------

export interface TableMetadata {
  'format-version': 1 | 2 | 3;
  'table-uuid': string;
  location: string;
  'last-sequence-number': bigint;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  /** Always equal to refs.main['snapshot-id'], or null when the table has no main branch. */
  'current-snapshot-id': bigint | null;
  snapshots: Snapshot[];
  'snapshot-log': SnapshotLogEntry[];
  'metadata-log': MetadataLogEntry[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs: Record<string, SnapshotRef>;
  statistics?: StatisticsFile[];
  'partition-statistics'?: unknown[];
  /** v3 */
  'next-row-id'?: bigint;
}

// ---------------------------------------------------------------------------------------
// Values. The in-memory form of a single Iceberg value (partition values, bounds, defaults):
//   boolean → boolean; int, date → number (date = days from epoch); long → bigint;
//   float, double → number; time, timestamp, timestamptz → bigint micros;
//   timestamp_ns, timestamptz_ns → bigint nanos; string → string; uuid → string (canonical,
//   lower-case); fixed, binary → Uint8Array; decimal → bigint unscaled value (scale from type).
// ---------------------------------------------------------------------------------------
export type IcebergValue = boolean | number | bigint | string | Uint8Array | null;

// ---------------------------------------------------------------------------------------
// Manifests (spec: "Manifests"). snake_case as in the Avro schemas.
// ---------------------------------------------------------------------------------------

export enum ManifestEntryStatus {
  EXISTING = 0,
  ADDED = 1,
  DELETED = 2,
}

export enum DataFileContent {
  DATA = 0,
  POSITION_DELETES = 1,
  EQUALITY_DELETES = 2,
}

export enum ManifestContent {
  DATA = 0,
  DELETES = 1,
}

export interface DataFile {
  content: DataFileContent;
  file_path: string;
  file_format: 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';
  /** Partition tuple aligned with the fields of the spec the file was written with. */
  partition: IcebergValue[];
  record_count: bigint;
  file_size_in_bytes: bigint;
  column_sizes?: Map<number, bigint> | null;
  value_counts?: Map<number, bigint> | null;
  null_value_counts?: Map<number, bigint> | null;
  nan_value_counts?: Map<number, bigint> | null;
  lower_bounds?: Map<number, Uint8Array> | null;
  upper_bounds?: Map<number, Uint8Array> | null;
  key_metadata?: Uint8Array | null;
  split_offsets?: bigint[] | null;
  equality_ids?: number[] | null;
  sort_order_id?: number | null;
  /** v3 */
  first_row_id?: bigint | null;
  referenced_data_file?: string | null;
  content_offset?: bigint | null;
  content_size_in_bytes?: bigint | null;
}

export interface ManifestEntry {
  status: ManifestEntryStatus;
  /** null in written ADDED entries means "inherit from the manifest list" (spec: inheritance). */
  snapshot_id: bigint | null;
  sequence_number: bigint | null;
  file_sequence_number: bigint | null;
  data_file: DataFile;
}

export interface FieldSummary {
  contains_null: boolean;
  contains_nan?: boolean | null;
  lower_bound?: Uint8Array | null;
  upper_bound?: Uint8Array | null;
}

export interface ManifestFile {
  manifest_path: string;
  manifest_length: bigint;
  partition_spec_id: number;
  content: ManifestContent;
  sequence_number: bigint;
  min_sequence_number: bigint;
  added_snapshot_id: bigint;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: bigint;
  existing_rows_count: bigint;
  deleted_rows_count: bigint;
  partitions?: FieldSummary[] | null;
  key_metadata?: Uint8Array | null;
  /** v3 */
  first_row_id?: bigint | null;
}

/** A table identifier: namespace levels plus name. floe uses one-level namespaces: `ns.table`. */
export interface TableIdentifier {
  namespace: string[];
  name: string;
}
