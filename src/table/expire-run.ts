/**
 * Expiring snapshots: plan (expire.ts), commit one `remove-snapshots` change through the
 * normal compare-and-swap loop, and only then delete the files that no retained snapshot
 * reaches. Reachability is computed from the metadata that was committed and from the
 * table as it is after the commit, so a file any snapshot, tag or branch still reads is
 * never deleted. A dry run plans against the current metadata and deletes nothing.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import type { Snapshot, TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { FloeError } from '../errors.js';
import { plural } from '../text-table.js';
import { commitTable, type CommitEvents } from './commit.js';
import { checkGcEnabled, type ExpiredFiles, type ExpireOptions, type ExpirePlan, expireChange, planExpire, planExpiredFiles } from './expire.js';
import { loadTable, type LoadedTable } from './load.js';
import { LocationSet, reachableFiles, type Unreadable } from './reachable.js';
import { type DeleteFailure, deleteFiles } from './reachable-delete.js';

export interface ExpireRunOptions extends Omit<ExpireOptions, 'now'> {
  dryRun?: boolean;
  /** Defaults to Date.now(). */
  now?: () => number;
  events?: CommitEvents;
  /** The table as the caller just loaded it; loaded here when absent. */
  base?: LoadedTable;
}

export interface ExpireResult {
  table: string;
  plan: ExpirePlan;
  /** Files that were deleted (dry run: would be deleted). */
  files: ExpiredFiles;
  /** The new metadata file; null for a dry run or when nothing expired. */
  metadataLocation: string | null;
  failedDeletes: DeleteFailure[];
  /** Manifest lists and manifests of expired snapshots that could not be read (their files are left for the orphan sweep). */
  unreadable: Unreadable[];
  dryRun: boolean;
}

/**
 * Files reached only by `expired`, measured against every snapshot in `retainedFrom`. A
 * manifest list or manifest of an expired snapshot that cannot be read goes to `unreadable`
 * (what it alone reached stays, for the orphan sweep once the snapshot is gone; a missing
 * one is not deleted again): refusing would keep such a snapshot, and the orphan sweep that
 * reads every snapshot, failing for good. Retained snapshots are read strictly, so nothing
 * they reach is ever deleted.
 */
async function expiredFiles(
  io: FileIO,
  table: string,
  metadata: TableMetadata,
  expired: readonly Snapshot[],
  retainedFrom: readonly TableMetadata[],
  unreadable: Unreadable[] = [],
): Promise<ExpiredFiles> {
  // Nothing expired reaches nothing: no need to read every retained manifest to subtract from it.
  if (expired.length === 0) return { contentFiles: [], manifests: [], manifestLists: [], statisticsFiles: [] };
  const gone = new Set(expired.map((s) => s['snapshot-id']));
  const retainedById = new Map<bigint, Snapshot>();
  for (const m of retainedFrom) for (const s of m.snapshots) if (!gone.has(s['snapshot-id'])) retainedById.set(s['snapshot-id'], s);
  // Statistics of expired snapshots are listed in the metadata they were expired from.
  const expiredReach = await reachableFiles(io, metadata, expired, { entries: 'all', table, unreadable });
  const retainedReach = await reachableFiles(io, retainedFrom[retainedFrom.length - 1] ?? metadata, [...retainedById.values()], { entries: 'live', table });
  for (const m of retainedFrom) {
    for (const s of m.statistics ?? []) if (retainedById.has(s['snapshot-id'])) retainedReach.statisticsFiles.add(s['statistics-path']);
  }
  const files = planExpiredFiles(expiredReach, retainedReach);
  const missing = new LocationSet();
  for (const u of unreadable) if (u.missing) missing.add(u.location);
  const present = (l: string[]) => l.filter((x) => !missing.has(x));
  return { ...files, manifests: present(files.manifests), manifestLists: present(files.manifestLists) };
}

function sameSnapshots(a: readonly Snapshot[], b: readonly Snapshot[]): boolean {
  return a.length === b.length && a.every((s, i) => s['snapshot-id'] === b[i]!['snapshot-id']);
}

/** The expiry is committed, its clean-up could not be planned: say both, keep the cause's kind. */
function rethrowAfterCommit(e: unknown, table: string, expired: number, metadataLocation: string): FloeError {
  const cause = e instanceof Error ? e.message : String(e);
  return new FloeError(e instanceof FloeError ? e.kind : 'internal', `table ${table}: expired ${plural(expired, 'snapshot')} (committed ${metadataLocation}), but deleted none of their files: ${cause}`, {
    cause: e,
    context: { ...(e instanceof FloeError ? e.context : {}), table, metadata: metadataLocation },
    hint: 'the expiry itself is committed; files it left behind are removed by `floe maintain orphans` once the table reads cleanly again',
  });
}

export async function expireSnapshots(catalog: Catalog, io: FileIO, id: TableIdentifier, opts: ExpireRunOptions = {}): Promise<ExpireResult> {
  const table = formatTableId(id);
  const now = opts.now ?? Date.now;
  const options = (): ExpireOptions => ({ now: now(), olderThanMs: opts.olderThanMs, retainLast: opts.retainLast });
  const base = opts.base ?? (await loadTable(catalog, io, id));
  checkGcEnabled(base.metadata, table, 'expire snapshots of');
  const first = planExpire(base.metadata, options(), table);
  const nothing = first.expire.length === 0 && first.removeRefs.length === 0;
  // Planned before the commit too: a manifest list or manifest of a retained snapshot that
  // cannot be read (so no one can tell which files are still referenced) fails the command
  // with the table unchanged.
  const unreadableBefore: Unreadable[] = [];
  const before = await expiredFiles(base.io, table, base.metadata, first.expire, [base.metadata], unreadableBefore);
  if (opts.dryRun || nothing) return { table, plan: first, files: before, metadataLocation: null, failedDeletes: [], unreadable: unreadableBefore, dryRun: !!opts.dryRun };
  let plan = first;
  let planned: TableMetadata = base.metadata;
  const result = await commitTable(
    catalog,
    io,
    id,
    async (b) => {
      checkGcEnabled(b.metadata, table, 'expire snapshots of');
      plan = planExpire(b.metadata, options(), table);
      planned = b.metadata;
      return expireChange(b.metadata, plan);
    },
    { ...opts.events, base },
  );
  // After the commit: everything the committed metadata and the latest metadata retain stays.
  // Unchanged plan, base and no later commit: the committed metadata retains exactly what the
  // pre-commit plan measured against, so its answer stands.
  let files: ExpiredFiles;
  let unreadable = unreadableBefore;
  try {
    const latest = await loadTable(catalog, io, id);
    const unchanged =
      planned === base.metadata && latest.metadataLocation === result.table.metadataLocation && sameSnapshots(plan.expire, first.expire);
    if (!unchanged) unreadable = [];
    files = unchanged ? before : await expiredFiles(result.table.io, table, planned, plan.expire, [result.table.metadata, latest.metadata], unreadable);
  } catch (e) {
    throw rethrowAfterCommit(e, table, plan.expire.length, result.table.metadataLocation);
  }
  const outcome = await deleteFiles(result.table.io, [...files.contentFiles, ...files.manifests, ...files.manifestLists, ...files.statisticsFiles]);
  const done = new Set(outcome.deleted);
  const keep = (l: string[]) => l.filter((x) => done.has(x));
  return {
    table,
    plan,
    files: { contentFiles: keep(files.contentFiles), manifests: keep(files.manifests), manifestLists: keep(files.manifestLists), statisticsFiles: keep(files.statisticsFiles) },
    metadataLocation: result.table.metadataLocation,
    failedDeletes: outcome.failed,
    unreadable,
    dryRun: false,
  };
}
