/**
 * Manifest lists: one Avro file per snapshot with a `manifest_file` record per manifest
 * (spec: "Manifest Lists"). floe writes v2; it reads v1, v2 and v3 lists.
 */
import { type FieldSummary, type ManifestFile, ManifestContent } from './types.js';
import { manifestFileSchemaV2 } from './avro-schemas.js';
import { type AvroRawFile, metaString, readAvroBlocks, readAvroFile, writeAvroFile } from './avro/container.js';
import { type AvroType, unwrapOptional } from './avro/schema.js';
import { type FieldReader, RecordView } from './manifest-read-util.js';
import { internalError } from '../errors.js';

/**
 * Marks a manifest added by the snapshot being committed whose sequence number is not known
 * yet: the list writer replaces it with the snapshot's (spec: "Manifest Lists": "the
 * (optimistic) sequence number of the snapshot is written for all new manifest files").
 */
export const UNASSIGNED_SEQUENCE_NUMBER = -1n;

export interface WriteManifestListOptions {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
  formatVersion: 2;
  manifests: readonly ManifestFile[];
  /** Defaults to deflate, as Iceberg Java writes. */
  codec?: 'null' | 'deflate';
  /**
   * The parent snapshot's manifest list, when `manifests` ends with all of its entries, in its
   * order and unchanged (an append carries the parent's manifests over as they are). Its Avro
   * blocks are then copied instead of decoding and re-encoding every entry — provided it was
   * written with this writer's v2 schema and codec; any other list (v1, another engine's
   * schema, another codec) takes the ordinary path.
   */
  parentList?: { bytes: Uint8Array; location: string };
  /**
   * The parent list's blocks as `copyableManifestList` gave them, when `manifests` holds only
   * the new entries: the parent's entries follow them without being decoded at all.
   */
  parentBlocks?: AvroRawFile;
}

/**
 * Copying adds one block per append, usually of a single entry. A list of many such blocks
 * compresses poorly and reads slowly (one inflate per block: 1,000 appends made a 171 KB list
 * that took 37 ms to read, against 44 KB and 5 ms for the same entries in one encoding). So
 * once a parent holds this many small blocks, the list is encoded afresh, into blocks of the
 * writer's usual size; the blocks of the copies in between stay few.
 */
export const MAX_SMALL_BLOCKS = 16;
/** A block with fewer entries than this counts as small (a fresh encoding fills 64 kB blocks: hundreds of entries). */
const SMALL_BLOCK_ENTRIES = 64;

/**
 * The parent list's blocks, if they can be copied into a list written with `codec`: a v2 list
 * with exactly the schema text this writer writes (so every entry would re-encode to the same
 * bytes: v2 entries carry explicit sequence numbers, nothing is inherited or rewritten), and
 * fewer than MAX_SMALL_BLOCKS small blocks.
 */
export function copyableManifestList(bytes: Uint8Array, location: string, codec: 'null' | 'deflate'): AvroRawFile | undefined {
  const raw = readAvroBlocks(bytes, location);
  if (metaString(raw, 'format-version') !== '2') return undefined;
  if (raw.codec !== codec || raw.schemaText !== manifestListSchemaText()) return undefined;
  let small = 0;
  for (const b of raw.blocks) if (b.count < SMALL_BLOCK_ENTRIES && ++small >= MAX_SMALL_BLOCKS) return undefined;
  return raw;
}

let schemaText: string | undefined;
function manifestListSchemaText(): string {
  return (schemaText ??= JSON.stringify(manifestFileSchemaV2()));
}

/** How many entries a list's blocks hold. */
export function carriedEntries(raw: AvroRawFile): number {
  return raw.blocks.reduce((n, b) => n + b.count, 0);
}

export function writeManifestList(opts: WriteManifestListOptions): Uint8Array {
  if (opts.formatVersion !== 2) throw internalError(`floe writes v2 manifest lists, not v${String(opts.formatVersion)}`);
  const seq = (v: bigint, m: ManifestFile) => {
    if (v !== UNASSIGNED_SEQUENCE_NUMBER) return v;
    if (m.added_snapshot_id !== opts.snapshotId) {
      throw internalError(`${m.manifest_path}: only manifests added by snapshot ${opts.snapshotId} may lack a sequence number`);
    }
    return opts.sequenceNumber;
  };
  const codec = opts.codec ?? 'deflate';
  let parent: AvroRawFile | undefined;
  let encoded = opts.manifests;
  if (opts.parentBlocks) {
    if (opts.parentBlocks.codec !== codec) throw internalError(`the parent list's blocks are ${opts.parentBlocks.codec}, not ${codec}`);
    parent = opts.parentBlocks;
  } else if (opts.parentList) {
    parent = copyableManifestList(opts.parentList.bytes, opts.parentList.location, codec);
    const carried = parent ? carriedEntries(parent) : 0;
    if (carried > opts.manifests.length) {
      throw internalError(`${opts.parentList.location}: the parent list has ${carried} manifests, more than the ${opts.manifests.length} of the new list`);
    }
    encoded = parent ? opts.manifests.slice(0, opts.manifests.length - carried) : opts.manifests;
  }
  const records = encoded.map((m) => ({
    ...m,
    sequence_number: seq(m.sequence_number, m),
    min_sequence_number: seq(m.min_sequence_number, m),
    partitions: m.partitions ?? null,
    key_metadata: m.key_metadata ?? null,
  }));
  return writeAvroFile(records, {
    schema: manifestFileSchemaV2(),
    codec,
    ...(parent ? { rawBlocks: parent } : {}),
    metadata: {
      'snapshot-id': opts.snapshotId.toString(),
      // Iceberg Java writes the text "null" for a snapshot without parent.
      'parent-snapshot-id': opts.parentSnapshotId === null ? 'null' : opts.parentSnapshotId.toString(),
      'sequence-number': opts.sequenceNumber.toString(),
      'format-version': '2',
    },
  });
}

type CountField =
  | 'added_files_count'
  | 'existing_files_count'
  | 'deleted_files_count'
  | 'added_rows_count'
  | 'existing_rows_count'
  | 'deleted_rows_count';

/**
 * A manifest list row as read. v1 lists may leave the six counts null, which the spec defines
 * as "assumed to be non-zero" (spec: "Manifest Lists", v1): unknown, not zero. Treating them as
 * 0 would let a planner skip a manifest that has live files, so they stay null here; use
 * `mayHaveLiveFiles` to decide, or `hasKnownCounts` to narrow to a ManifestFile.
 */
export type ManifestListEntry = Omit<ManifestFile, CountField> & { [K in CountField]: ManifestFile[K] | null };

export function hasKnownCounts(m: ManifestListEntry): m is ManifestFile {
  return (
    m.added_files_count !== null &&
    m.existing_files_count !== null &&
    m.deleted_files_count !== null &&
    m.added_rows_count !== null &&
    m.existing_rows_count !== null &&
    m.deleted_rows_count !== null
  );
}

/** False only when the counts say the manifest has no added and no existing files. */
export function mayHaveLiveFiles(m: ManifestListEntry): boolean {
  return m.added_files_count !== 0 || m.existing_files_count !== 0;
}

/** Reads a v1, v2 or v3 manifest list, by field id; v1 defaults per spec Appendix E / "Manifest Lists". */
export function readManifestList(bytes: Uint8Array, location: string): ManifestListEntry[] {
  const file = readAvroFile(bytes, location);
  if (metaString(file, 'avro.schema') === manifestListSchemaText()) {
    // Written with floe's own v2 schema: the decoded records already have the names, types
    // and non-null required fields of a ManifestListEntry, so field-id resolution is skipped.
    const entries = file.records as ManifestListEntry[];
    for (const e of entries) e.first_row_id = null;
    return entries;
  }
  const view = RecordView.of(file.schema, location, 'manifest_file');
  const partitionsField = view.field(507, 'partitions');
  const summaryType = partitionsField ? elementType(partitionsField.type) : undefined;
  const summaryView = summaryType ? RecordView.of(summaryType, location, 'field_summary') : undefined;
  return file.records.map((raw, i) => {
    const r = view.wrap(raw, `manifest ${i}`);
    const summaries = summaryView ? r.records(507, 'partitions', summaryView) : null;
    return {
      manifest_path: r.string(500, 'manifest_path', true),
      manifest_length: r.long(501, 'manifest_length', true),
      partition_spec_id: r.int(502, 'partition_spec_id') ?? 0,
      // v1: all manifests hold data; sequence numbers are 0 ("use 0 when reading v1 manifest lists").
      content: (r.int(517, 'content') ?? ManifestContent.DATA) as ManifestContent,
      sequence_number: r.long(515, 'sequence_number') ?? 0n,
      min_sequence_number: r.long(516, 'min_sequence_number') ?? 0n,
      added_snapshot_id: r.long(503, 'added_snapshot_id', true),
      added_files_count: r.int(504, 'added_files_count'),
      existing_files_count: r.int(505, 'existing_files_count'),
      deleted_files_count: r.int(506, 'deleted_files_count'),
      added_rows_count: r.long(512, 'added_rows_count'),
      existing_rows_count: r.long(513, 'existing_rows_count'),
      deleted_rows_count: r.long(514, 'deleted_rows_count'),
      partitions: summaries?.map(readSummary) ?? null,
      key_metadata: r.bytes(519, 'key_metadata'),
      first_row_id: r.long(520, 'first_row_id'),
    };
  });
}

function readSummary(s: FieldReader): FieldSummary {
  return {
    contains_null: s.bool(509, 'contains_null', true)!,
    contains_nan: s.bool(518, 'contains_nan'),
    lower_bound: s.bytes(510, 'lower_bound'),
    upper_bound: s.bytes(511, 'upper_bound'),
  };
}

function elementType(t: AvroType): AvroType | undefined {
  const u = unwrapOptional(t);
  return u.kind === 'array' ? u.items : undefined;
}
