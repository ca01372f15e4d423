/**
 * Compaction planning: which data files to rewrite, in which file groups, committed in which
 * batches. Pure: it sees only file metadata, so every decision is testable without IO.
 *
 * The rules and defaults follow Iceberg's `rewrite_data_files` (the Spark procedure and the
 * Java SizeBasedFileRewriter behind it):
 * - a file is a *candidate* when it is smaller than min-file-size-bytes (75% of the target),
 *   larger than max-file-size-bytes (180% of the target), has at least delete-file-threshold
 *   delete files applied to it, or (with rewrite-to-current-spec) was written in an older
 *   partition spec;
 * - candidates are grouped by partition (spec id + partition tuple) and bin-packed into file
 *   groups of at most max-file-group-size-bytes (100 GiB), largest first;
 * - a group is rewritten when it has enough input files (≥ min-input-files, default 5, and
 *   more than one), enough content (more than one file and more than the target), too much
 *   content (above the group limit), a file with deletes, a file above the max size, or a
 *   file in an older spec being moved to the current one. Other groups are left alone: a
 *   pair of small files is not worth a commit.
 */
import { usageError } from '../../errors.js';
import type { IcebergValue } from '../../iceberg/types.js';

export const DEFAULT_MIN_INPUT_FILES = 5;
export const DEFAULT_MAX_FILE_GROUP_SIZE = 100n * 1024n ** 3n; // Iceberg: 107374182400
export const DEFAULT_MAX_COMMITS = 10; // Iceberg: partial-progress.max-commits
export const MIN_FILE_SIZE_RATIO = 0.75;
export const MAX_FILE_SIZE_RATIO = 1.8;

/** A live data file as the planner sees it. */
export interface CompactFile {
  path: string;
  specId: number;
  partition: readonly IcebergValue[];
  sizeBytes: bigint;
  records: bigint;
  /** Delete files that apply to this data file. */
  deleteFiles: number;
}

export interface PlanOptions {
  targetFileSizeBytes: bigint;
  /** Where the target came from, for errors (default '--target-file-size'). */
  targetFrom?: string;
  /** Default 75% of the target. */
  minFileSizeBytes?: bigint;
  /** Default 180% of the target. */
  maxFileSizeBytes?: bigint;
  minInputFiles?: number;
  maxFileGroupSizeBytes?: bigint;
  /** A file with at least this many delete files applied is a candidate; default 1. */
  deleteFileThreshold?: number;
  /** Rewrite every file, whatever its size. */
  rewriteAll?: boolean;
  /** Move files of older specs into this spec. */
  rewriteToCurrentSpec?: boolean;
  currentSpecId: number;
}

export interface Thresholds {
  target: bigint;
  min: bigint;
  max: bigint;
  minInputFiles: number;
  maxGroup: bigint;
  deleteFileThreshold: number;
}

export interface FileGroup {
  /** 0-based, in plan order. */
  index: number;
  specId: number;
  partition: readonly IcebergValue[];
  partitionKey: string;
  files: CompactFile[];
  sizeBytes: bigint;
  records: bigint;
  /** Why the group is rewritten, e.g. "12 files ≥ min-input-files 5". */
  reason: string;
}

export interface CompactPlan {
  thresholds: Thresholds;
  /** Every data file considered (after --where). */
  totalFiles: number;
  /** Files outside the thresholds. */
  candidateFiles: number;
  groups: FileGroup[];
  /** Candidate groups left alone, e.g. too few files. */
  skippedGroups: number;
}

/**
 * The size thresholds must satisfy min < target < max, as Iceberg's SizeBasedFileRewriter
 * requires (validateOptions): otherwise the files a rewrite writes are candidates again (a
 * minimum above the target makes every target-sized file "small"), and each compaction
 * rewrites the same data without end. Only explicit sizes can break it: the defaults are
 * 75% and 180% of the target.
 */
export function thresholds(o: PlanOptions): Thresholds {
  const target = o.targetFileSizeBytes;
  const ratio = (r: number) => (target * BigInt(Math.round(r * 1000))) / 1000n;
  const min = o.minFileSizeBytes ?? ratio(MIN_FILE_SIZE_RATIO);
  const max = o.maxFileSizeBytes ?? ratio(MAX_FILE_SIZE_RATIO);
  const targetText = `the target file size ${sizeText(target)}${o.targetFrom === undefined ? '' : ` (${o.targetFrom})`}`;
  const why = 'the files a compaction writes would be rewritten again by the next one';
  if (o.minFileSizeBytes !== undefined && min >= target) {
    throw usageError(`--min-file-size ${sizeText(min)} must be below ${targetText}: ${why}`, { hint: 'give a smaller --min-file-size, or a larger --target-file-size' });
  }
  if (o.maxFileSizeBytes !== undefined && max <= target) {
    throw usageError(`--max-file-size ${sizeText(max)} must be above ${targetText}: ${why}`, { hint: 'give a larger --max-file-size, or a smaller --target-file-size' });
  }
  return {
    target,
    min,
    max,
    minInputFiles: o.minInputFiles ?? DEFAULT_MIN_INPUT_FILES,
    maxGroup: o.maxFileGroupSizeBytes ?? DEFAULT_MAX_FILE_GROUP_SIZE,
    deleteFileThreshold: o.deleteFileThreshold ?? 1,
  };
}

/** `8388608 bytes (8 MiB)`; whole units of 1024 only, so the figure is exact. */
function sizeText(n: bigint): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let unit = '';
  let v = n;
  for (const u of units) {
    if (v === 0n || v % 1024n !== 0n) break;
    v /= 1024n;
    unit = u;
  }
  return unit === '' ? `${n} bytes` : `${n} bytes (${v} ${unit})`;
}

/**
 * A stable key for (spec id, partition tuple); bigint and binary values are spelled out.
 * Not delete-index.ts's partitionKey: this one is part of the plan (FileGroup.partitionKey)
 * and orders its groups, so its spelling is fixed.
 */
function partitionKey(specId: number, partition: readonly IcebergValue[]): string {
  const v = partition.map((x) =>
    x instanceof Uint8Array ? `0x${Buffer.from(x).toString('hex')}` : typeof x === 'bigint' ? `${x}n` : JSON.stringify(x ?? null),
  );
  return `${specId}:${v.join('|')}`;
}

export function planCompaction(files: readonly CompactFile[], o: PlanOptions): CompactPlan {
  const t = thresholds(o);
  const oldSpec = (f: CompactFile) => o.rewriteToCurrentSpec === true && f.specId !== o.currentSpecId;
  const isCandidate = (f: CompactFile) =>
    o.rewriteAll === true || f.sizeBytes < t.min || f.sizeBytes > t.max || f.deleteFiles >= t.deleteFileThreshold || oldSpec(f);

  const byPartition = new Map<string, CompactFile[]>();
  let candidateFiles = 0;
  for (const f of files) {
    if (!isCandidate(f)) continue;
    candidateFiles++;
    const key = partitionKey(f.specId, f.partition);
    const list = byPartition.get(key);
    if (list) list.push(f);
    else byPartition.set(key, [f]);
  }

  const groups: FileGroup[] = [];
  let skippedGroups = 0;
  const keys = [...byPartition.keys()].sort();
  for (const key of keys) {
    const partitionFiles = byPartition.get(key)!;
    for (const bin of binPack(partitionFiles, t.maxGroup)) {
      const reason = rewriteReason(bin, t, o, oldSpec);
      if (reason === null) {
        skippedGroups++;
        continue;
      }
      const first = bin[0]!;
      groups.push({
        index: groups.length,
        specId: first.specId,
        partition: first.partition,
        partitionKey: key,
        files: bin,
        sizeBytes: bin.reduce((a, f) => a + f.sizeBytes, 0n),
        records: bin.reduce((a, f) => a + f.records, 0n),
        reason,
      });
    }
  }
  return { thresholds: t, totalFiles: files.length, candidateFiles, groups, skippedGroups };
}

/** First-fit decreasing into bins of at most `limit` bytes; a file larger than the limit gets its own bin. */
export function binPack(files: readonly CompactFile[], limit: bigint): CompactFile[][] {
  const sorted = [...files].sort((a, b) => (a.sizeBytes === b.sizeBytes ? a.path.localeCompare(b.path) : a.sizeBytes > b.sizeBytes ? -1 : 1));
  const bins: { files: CompactFile[]; size: bigint }[] = [];
  for (const f of sorted) {
    const bin = bins.find((b) => b.size + f.sizeBytes <= limit);
    if (bin) {
      bin.files.push(f);
      bin.size += f.sizeBytes;
    } else bins.push({ files: [f], size: f.sizeBytes });
  }
  return bins.map((b) => b.files);
}

function rewriteReason(bin: CompactFile[], t: Thresholds, o: PlanOptions, oldSpec: (f: CompactFile) => boolean): string | null {
  const n = bin.length;
  const size = bin.reduce((a, f) => a + f.sizeBytes, 0n);
  if (o.rewriteAll) return 'rewrite-all';
  if (bin.some(oldSpec)) return `files in partition spec ${bin[0]!.specId}, rewritten into spec ${o.currentSpecId}`;
  if (bin.some((f) => f.deleteFiles >= t.deleteFileThreshold)) return 'files with deletes';
  if (n > 1 && n >= t.minInputFiles) return `${n} files ≥ min-input-files ${t.minInputFiles}`;
  if (n > 1 && size > t.target) return `${n} files holding more than the target size`;
  if (size > t.maxGroup) return 'more than max-file-group-size-bytes';
  if (bin.some((f) => f.sizeBytes > t.max)) return 'a file larger than max-file-size-bytes';
  return null;
}

export interface BatchOptions {
  /** Commit groups in several snapshots. */
  partialProgress?: boolean;
  /** With partial progress: at most this many commits (default 10, as Iceberg). */
  maxCommits?: number;
  /** Commit every N groups (implies partial progress). */
  commitEvery?: number;
}

/** Splits the groups into commit batches: one batch without partial progress. */
export function commitBatches(groups: readonly FileGroup[], o: BatchOptions): FileGroup[][] {
  if (groups.length === 0) return [];
  let size = groups.length;
  if (o.commitEvery !== undefined) size = Math.max(1, o.commitEvery);
  else if (o.partialProgress) size = Math.ceil(groups.length / Math.max(1, o.maxCommits ?? DEFAULT_MAX_COMMITS));
  const out: FileGroup[][] = [];
  for (let i = 0; i < groups.length; i += size) out.push(groups.slice(i, i + size));
  return out;
}
