/**
 * Planning the orphan sweep (pure): which listed files under a table's location no metadata
 * references, and which of those are old enough to delete. A file younger than the threshold
 * may belong to a write that has not committed yet (DESIGN §1 "Two-phase writes": data files
 * and manifests exist before the commit that references them), so it is never deleted.
 */
import { usageError } from '../errors.js';
import type { FileInfo } from '../io/fileio.js';
import type { LocationSet } from './reachable.js';

/** Iceberg Java's default for DeleteOrphanFiles.olderThan: three days. */
export const ORPHAN_DEFAULT_AGE_MS = 3 * 86_400_000;

/**
 * The shortest `--older-than` the sweep accepts without `--allow-recent`: one hour. A commit
 * writes its data files, manifests and manifest list before it swaps the metadata pointer,
 * and a slow write (a large load, commit retries) can keep them unreferenced for minutes, so
 * a short threshold can delete the files of a write in progress under a concurrent commit
 * (Spark's remove_orphan_files refuses anything under 24 hours for the same reason).
 */
export const ORPHAN_MIN_AGE_MS = 3_600_000;

/** A usage error unless `olderThanMs` is at least ORPHAN_MIN_AGE_MS or `allowRecent` is set. */
export function checkOrphanAge(olderThanMs: number, allowRecent: boolean, table: string, text = `${olderThanMs / 1000}s`): void {
  if (olderThanMs >= ORPHAN_MIN_AGE_MS || allowRecent) return;
  throw usageError(
    `--older-than ${text} is below the 1h minimum for table ${table}: files younger than that may belong to a write ` +
      'in progress (data files, manifests and the manifest list exist before the commit that references them)',
    { context: { table, older_than_ms: olderThanMs }, hint: 'pass --allow-recent only when no other writer can be running against the table' },
  );
}

export interface OrphanFile {
  location: string;
  size: number;
  lastModified: number;
}

export interface OrphanPlan {
  /** Unreferenced and older than the threshold: deleted (dry run: would be). */
  delete: OrphanFile[];
  /** Unreferenced but younger than the threshold: left alone. */
  tooYoung: OrphanFile[];
  /** Files listed in total, and how many are referenced. */
  listed: number;
  referenced: number;
  /** Files last modified before this time may go. */
  cutoffMs: number;
}

/**
 * `referenced` holds every location the table's metadata reaches; `isKept` names files kept
 * for other reasons (e.g. a version hint). Listed files are compared by location key.
 */
export function planOrphans(listing: readonly FileInfo[], referenced: LocationSet, cutoffMs: number, isKept: (location: string) => boolean = () => false): OrphanPlan {
  const del: OrphanFile[] = [];
  const young: OrphanFile[] = [];
  let refs = 0;
  for (const f of listing) {
    if (referenced.has(f.location) || isKept(f.location)) {
      refs++;
      continue;
    }
    const o = { location: f.location, size: f.size, lastModified: f.lastModified };
    // Strictly older: a file stamped exactly at the cutoff stays.
    if (f.lastModified < cutoffMs) del.push(o);
    else young.push(o);
  }
  const byLocation = (a: OrphanFile, b: OrphanFile) => a.location.localeCompare(b.location);
  return { delete: del.sort(byLocation), tooYoung: young.sort(byLocation), listed: listing.length, referenced: refs, cutoffMs };
}

/** Files that belong to a table without being named in its metadata (Java keeps the version hint too). */
export function isTableBookkeeping(location: string): boolean {
  return /\/metadata\/version-hint\.text$/.test(location);
}
