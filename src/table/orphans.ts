/**
 * Planning the orphan sweep (pure): which listed files under a table's location no metadata
 * references, and which of those are old enough to delete. A file younger than the threshold
 * may belong to a write that has not committed yet (DESIGN §1 "Two-phase writes": data files
 * and manifests exist before the commit that references them), so it is never deleted.
 */
import type { FileInfo } from '../io/fileio.js';
import type { LocationSet } from './reachable.js';

/** Iceberg Java's default for DeleteOrphanFiles.olderThan: three days. */
export const ORPHAN_DEFAULT_AGE_MS = 3 * 86_400_000;

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
