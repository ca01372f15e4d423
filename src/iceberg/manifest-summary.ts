/**
 * What a manifest list says about one manifest, computed from its entries while writing it
 * (spec: "Manifest Lists": entry counts, row counts, min_sequence_number, and
 * `field_summary` per partition field).
 */
import {
  DataFileContent,
  type FieldSummary,
  type IcebergValue,
  type ManifestEntry,
  ManifestEntryStatus,
  type StructType,
} from './types.js';
import { compareValues, toBinary } from './conversions.js';
import { parsePrimitive } from './primitive.js';
import { internalError } from '../errors.js';

export interface EntryCounts {
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: bigint;
  existing_rows_count: bigint;
  deleted_rows_count: bigint;
  /**
   * Minimum explicit data sequence number of live (added or existing) entries; null when
   * every live entry inherits its sequence number, which is then the snapshot's.
   */
  min_sequence_number: bigint | null;
}

export function countEntries(entries: readonly ManifestEntry[]): EntryCounts {
  const c: EntryCounts = {
    added_files_count: 0,
    existing_files_count: 0,
    deleted_files_count: 0,
    added_rows_count: 0n,
    existing_rows_count: 0n,
    deleted_rows_count: 0n,
    min_sequence_number: null,
  };
  for (const e of entries) {
    const rows = e.data_file.record_count;
    switch (e.status) {
      case ManifestEntryStatus.ADDED:
        c.added_files_count++;
        c.added_rows_count += rows;
        break;
      case ManifestEntryStatus.EXISTING:
        c.existing_files_count++;
        c.existing_rows_count += rows;
        break;
      case ManifestEntryStatus.DELETED:
        c.deleted_files_count++;
        c.deleted_rows_count += rows;
        break;
    }
    // "The minimum data sequence number of all live data or delete files in the manifest".
    const live = e.status !== ManifestEntryStatus.DELETED;
    if (live && e.sequence_number !== null && (c.min_sequence_number === null || e.sequence_number < c.min_sequence_number)) {
      c.min_sequence_number = e.sequence_number;
    }
  }
  return c;
}

const isNaNValue = (v: IcebergValue) => typeof v === 'number' && Number.isNaN(v);

/**
 * One `field_summary` per partition field. Bounds are the min/max non-null, non-NaN value in
 * single-value binary form (Appendix D). Per the spec's note 2, -0.0 sorts below +0.0, so a
 * manifest with both has lower bound -0.0 and upper bound +0.0; compareValues orders them so.
 * `contains_nan` is written for every field (false where the type has no NaN), as Java does.
 */
export function summarizePartitions(partitionType: StructType, entries: readonly ManifestEntry[]): FieldSummary[] {
  return partitionType.fields.map((field, i) => {
    if (typeof field.type !== 'string') throw internalError(`partition field ${field.name} must have a primitive type`);
    const type = field.type;
    const kind = parsePrimitive(type).kind;
    let containsNull = false;
    let containsNan = false;
    let lower: IcebergValue = null;
    let upper: IcebergValue = null;
    for (const e of entries) {
      const v = e.data_file.partition[i] ?? null;
      if (v === null) containsNull = true;
      else if (isNaNValue(v) && (kind === 'float' || kind === 'double')) containsNan = true;
      else {
        if (lower === null || compareValues(type, v, lower) < 0) lower = v;
        if (upper === null || compareValues(type, v, upper) > 0) upper = v;
      }
    }
    return {
      contains_null: containsNull,
      contains_nan: containsNan,
      lower_bound: lower === null ? null : toBinary(type, lower),
      upper_bound: upper === null ? null : toBinary(type, upper),
    };
  });
}

/** A manifest's content must match its files: data manifests hold data files only (spec: "Manifests"). */
export function checkContent(content: 'data' | 'deletes', entries: readonly ManifestEntry[]): void {
  for (const e of entries) {
    const isData = e.data_file.content === DataFileContent.DATA;
    if (isData !== (content === 'data')) {
      throw internalError(`a ${content} manifest cannot hold ${e.data_file.file_path} (content ${e.data_file.content})`);
    }
  }
}
