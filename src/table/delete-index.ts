/**
 * Which delete files apply to which data file (spec: "Scan Planning", "Delete Files").
 * Pure: it sees only manifest entries, never file contents.
 *
 * A position delete file applies to a data file when
 *   - its data sequence number is >= the data file's (a delete may target rows added in the
 *     same commit), and
 *   - both were written with the same partition spec and partition tuple, and
 *   - `referenced_data_file`, when set, names that data file.
 * floe also applies position deletes of an unpartitioned spec to every data file: the rows a
 * position delete removes are named by file path, so this can never remove a wrong row and
 * it keeps tables readable whose writers logged deletes under the unpartitioned spec.
 *
 * An equality delete file applies to a data file when
 *   - its data sequence number is strictly greater than the data file's (an upsert's delete
 *     must not remove the row the same commit inserted), and
 *   - both have the same spec and partition tuple, or the delete's spec is unpartitioned
 *     (then it is global and applies to every partition).
 */
import { bytesToHex } from '../iceberg/conversions.js';
import { type DataFile, DataFileContent, type IcebergValue, type PartitionSpec } from '../iceberg/types.js';

/** A live (ADDED or EXISTING) manifest entry's file with the values scan planning needs. */
export interface LiveFile {
  file: DataFile;
  /** The data sequence number (spec: "Sequence Numbers"); 0 for v1 tables. */
  dataSequenceNumber: bigint;
  /** The partition spec the file was written with (its manifest's partition_spec_id). */
  specId: number;
}

export type DeleteKind = 'position' | 'equality';

export interface ScanDelete extends LiveFile {
  kind: DeleteKind;
}

export interface ScanTask extends LiveFile {
  /** Delete files that apply to this data file, in a stable order (kind, sequence, path). */
  deletes: ScanDelete[];
}

/** Field id of `file_path` in position delete files (spec: "Position Delete Files"). */
export const DELETE_FILE_PATH_ID = 2147483546;

/**
 * A spec is unpartitioned when it has no fields, or only `void` ones (their values are
 * always null, so every file falls into the one partition).
 */
export function isUnpartitioned(spec: PartitionSpec | undefined): boolean {
  return spec !== undefined && spec.fields.every((f) => f.transform === 'void');
}

/** A string that is equal for two files exactly when spec id and partition tuple are equal. */
export function partitionKey(specId: number, values: readonly IcebergValue[]): string {
  return `${specId}|${values.map(valueKey).join('|')}`;
}

function valueKey(v: IcebergValue): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `x${bytesToHex(v)}`;
  switch (typeof v) {
    case 'bigint':
      return `i${v}`;
    case 'number':
      // -0 and 0 are different partitions in Iceberg's float identity; NaN equals NaN.
      // A whole number keys as the same long: a manifest written before an int → long
      // promotion decodes the field as int (a number), one written after it as long (a bigint).
      return Object.is(v, -0) ? 'n-0' : Number.isSafeInteger(v) ? `i${v}` : `n${v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
    default:
      return `b${v}`;
  }
}

/**
 * The data file a position delete file is limited to: `referenced_data_file` (v3, and v2
 * writers that set it), or else a `file_path` whose lower and upper bounds are equal — Java
 * writes such bounds for file-scoped deletes.
 */
export function referencedDataFile(del: DataFile): string | undefined {
  if (del.referenced_data_file) return del.referenced_data_file;
  const lo = del.lower_bounds?.get(DELETE_FILE_PATH_ID);
  const hi = del.upper_bounds?.get(DELETE_FILE_PATH_ID);
  if (!lo || !hi || lo.length !== hi.length || !lo.every((b, i) => b === hi[i])) return undefined;
  return new TextDecoder().decode(lo);
}

interface Bucket {
  /** Sorted by ascending data sequence number. */
  position: ScanDelete[];
  equality: ScanDelete[];
}

/**
 * Attaches to each data file the delete files that apply to it. `specs` resolves spec ids;
 * an unknown spec id is treated as partitioned (deletes then only apply to the same tuple).
 */
export function assignDeletes(
  dataFiles: readonly LiveFile[],
  deleteFiles: readonly LiveFile[],
  specs: ReadonlyMap<number, PartitionSpec>,
): ScanTask[] {
  const byPartition = new Map<string, Bucket>();
  const global: Bucket = { position: [], equality: [] };
  for (const d of deleteFiles) {
    const kind: DeleteKind = d.file.content === DataFileContent.EQUALITY_DELETES ? 'equality' : 'position';
    const entry: ScanDelete = { ...d, kind };
    const bucket = isUnpartitioned(specs.get(d.specId))
      ? global
      : getOrCreate(byPartition, partitionKey(d.specId, d.file.partition));
    bucket[kind].push(entry);
  }
  const bySeq = (a: ScanDelete, b: ScanDelete) =>
    a.dataSequenceNumber < b.dataSequenceNumber ? -1 : a.dataSequenceNumber > b.dataSequenceNumber ? 1 : 0;
  for (const b of [global, ...byPartition.values()]) {
    b.position.sort(bySeq);
    b.equality.sort(bySeq);
  }

  return dataFiles.map((data) => {
    const seq = data.dataSequenceNumber;
    const local = byPartition.get(partitionKey(data.specId, data.file.partition));
    const deletes: ScanDelete[] = [];
    for (const b of local ? [local, global] : [global]) {
      for (const p of fromSeq(b.position, seq, false)) {
        const ref = referencedDataFile(p.file);
        if (ref === undefined || ref === data.file.file_path) deletes.push(p);
      }
      deletes.push(...fromSeq(b.equality, seq, true));
    }
    deletes.sort(compareDeletes);
    return { ...data, deletes };
  });
}

/** Deletes with a sequence number >= seq (strict: > seq), from a list sorted by sequence. */
function fromSeq(sorted: readonly ScanDelete[], seq: bigint, strict: boolean): readonly ScanDelete[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = sorted[mid]!.dataSequenceNumber;
    if (s < seq || (strict && s === seq)) lo = mid + 1;
    else hi = mid;
  }
  return sorted.slice(lo);
}

function compareDeletes(a: ScanDelete, b: ScanDelete): number {
  if (a.kind !== b.kind) return a.kind === 'position' ? -1 : 1;
  if (a.dataSequenceNumber !== b.dataSequenceNumber) return a.dataSequenceNumber < b.dataSequenceNumber ? -1 : 1;
  return a.file.file_path < b.file.file_path ? -1 : a.file.file_path > b.file.file_path ? 1 : 0;
}

function getOrCreate(m: Map<string, Bucket>, key: string): Bucket {
  let b = m.get(key);
  if (!b) m.set(key, (b = { position: [], equality: [] }));
  return b;
}
