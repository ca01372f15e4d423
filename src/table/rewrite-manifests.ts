/**
 * Planning a manifest rewrite (pure): the live data files of the current snapshot, grouped
 * by partition spec and sorted by partition value, cut into manifests of about the target
 * size (`commit.manifest.target-size-bytes`, Iceberg's default 8 MiB) at partition
 * boundaries where possible. Readers that prune by the manifest list's partition summaries
 * then skip whole manifests. Delete manifests with live files are kept as they are; a
 * manifest, data or delete, with no live file (every entry DELETED, or none at all) is left out
 * of the new manifest list: it adds nothing to what the snapshot reads, and Iceberg Java's
 * snapshot producers likewise keep only manifests with live files or written by the commit.
 *
 * Entries keep their snapshot id and both sequence numbers (they become EXISTING), so the
 * rewritten snapshot reads exactly the same rows with the same delete semantics (spec:
 * "Sequence Number Inheritance"; Java's RewriteManifests).
 */
import { compareValues } from '../iceberg/conversions.js';
import { ManifestContent, type ManifestEntry, ManifestEntryStatus, type ManifestFile, type PrimitiveType, type StructType } from '../iceberg/types.js';
import { positiveLongProperty } from './table-properties.js';

export const MANIFEST_TARGET_SIZE = 'commit.manifest.target-size-bytes';
export const MANIFEST_TARGET_SIZE_DEFAULT = 8 * 1024 * 1024;

export interface ManifestGroup {
  specId: number;
  entries: ManifestEntry[];
}

/** What a rewrite does with each manifest of the current snapshot. */
export interface ManifestSelection {
  /** Data manifests with live files: read, their live entries clustered into new manifests. */
  rewrite: ManifestFile[];
  /** Delete manifests with live files: listed again as they are. */
  keep: ManifestFile[];
  /** Manifests with no ADDED or EXISTING entry: not listed in the new snapshot. */
  drop: ManifestFile[];
  /**
   * Whether a rewrite changes anything: a manifest to drop, more than one data manifest for a
   * partition spec, or a data manifest with DELETED entries. Otherwise it would only write
   * the same manifests again.
   */
  needed: boolean;
}

/**
 * Whether a manifest lists a file the snapshot reads, from the manifest list's counts (spec:
 * "Manifest Lists": added_files_count and existing_files_count are the ADDED and EXISTING
 * entries; DELETED entries only record what that manifest's snapshot removed).
 */
export const hasLiveFiles = (m: ManifestFile): boolean => m.added_files_count + m.existing_files_count > 0;

export function selectManifests(manifests: readonly ManifestFile[]): ManifestSelection {
  const drop = manifests.filter((m) => !hasLiveFiles(m));
  const live = manifests.filter(hasLiveFiles);
  const rewrite = live.filter((m) => m.content === ManifestContent.DATA);
  const keep = live.filter((m) => m.content !== ManifestContent.DATA);
  const specs = new Set(rewrite.map((m) => m.partition_spec_id));
  const needed = drop.length > 0 || specs.size !== rewrite.length || rewrite.some((m) => m.deleted_files_count > 0);
  return { rewrite, keep, drop, needed };
}

/** Live entries as EXISTING, with every inherited value explicit. */
export function asExisting(entries: readonly ManifestEntry[]): ManifestEntry[] {
  return entries
    .filter((e) => e.status !== ManifestEntryStatus.DELETED)
    .map((e) => ({ ...e, status: ManifestEntryStatus.EXISTING }));
}

/** Orders entries by partition tuple, field by field (nulls first), then by file path. */
function comparePartitions(type: StructType, a: ManifestEntry, b: ManifestEntry): number {
  return comparePartitionValues(type, a, b) || a.data_file.file_path.localeCompare(b.data_file.file_path);
}

function comparePartitionValues(type: StructType, a: ManifestEntry, b: ManifestEntry): number {
  const pa = a.data_file.partition;
  const pb = b.data_file.partition;
  for (let i = 0; i < type.fields.length; i++) {
    const x = pa[i] ?? null;
    const y = pb[i] ?? null;
    if (x === null || y === null) {
      if (x !== y) return x === null ? -1 : 1;
      continue;
    }
    const c = compareValues(type.fields[i]!.type as PrimitiveType, x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Cuts one spec's sorted entries into manifests of at most `perManifest` entries, moving a
 * cut back to the start of a partition when that keeps the manifest at least half full.
 */
export function clusterEntries(type: StructType, entries: readonly ManifestEntry[], perManifest: number): ManifestEntry[][] {
  const sorted = [...entries].sort((a, b) => comparePartitions(type, a, b));
  const size = Math.max(1, Math.floor(perManifest));
  const out: ManifestEntry[][] = [];
  let start = 0;
  const samePartition = (i: number, j: number) => comparePartitionValues(type, sorted[i]!, sorted[j]!) === 0;
  while (start < sorted.length) {
    let end = Math.min(sorted.length, start + size);
    if (end < sorted.length) {
      let cut = end;
      while (cut > start && samePartition(cut - 1, cut)) cut--;
      if (cut - start >= size / 2) end = cut;
    }
    out.push(sorted.slice(start, end));
    start = end;
  }
  return out;
}

/** Entries per manifest for a target size, from the bytes per entry of the manifests read. */
export function entriesPerManifest(targetBytes: number, manifestBytes: number, entryCount: number): number {
  if (entryCount === 0 || manifestBytes <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, Math.floor(targetBytes / (manifestBytes / entryCount)));
}

/** The table's commit.manifest.target-size-bytes, else 8 MiB; a value that is no positive long is refused (table-properties.ts). */
export function targetSizeBytes(properties: Record<string, string>, table: string): number {
  return Number(positiveLongProperty(properties, MANIFEST_TARGET_SIZE, table) ?? MANIFEST_TARGET_SIZE_DEFAULT);
}
