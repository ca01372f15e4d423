/**
 * The orphan sweep: list every file under the table location, collect every location the
 * table's metadata references (every metadata file in the metadata log and the current one,
 * every snapshot's manifest list, every manifest, every data and delete file some snapshot
 * reads, and statistics files), and delete the unreferenced files older than the threshold.
 *
 * A data or delete file that only DELETED manifest entries name is read by no snapshot: it is
 * exactly what expiry deletes once the last snapshot reading it goes (expire-run.ts), and an
 * orphan when that expiry was killed after its commit or a delete failed. Counting such
 * entries as references would keep those files forever (Java's DeleteOrphanFiles reads live
 * entries only, too). Any metadata that cannot be read, and any catalog lookup of another table that
 * fails for a reason other than not-found, stops the sweep before anything is deleted.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileInfo, FileIO, IncompleteUpload } from '../io/fileio.js';
import { MappedFileIO } from '../io/mapped.js';
import { isCancelledError } from '../cancel.js';
import { checkGcEnabled } from './expire.js';
import { loadTable } from './load.js';
import { isTableBookkeeping, ORPHAN_DEFAULT_AGE_MS, type OrphanPlan, planOrphans } from './orphans.js';
import { LocationSet, reachableFiles } from './reachable.js';
import { nestedTableRoots, underAny } from './table-roots.js';
import { type DeleteFailure, deleteFiles } from './reachable-delete.js';
import { removeEmptyFolders } from './drop-folders.js';
import { staleStagingFolders } from './staging-folders.js';

export interface OrphanRunOptions {
  olderThanMs?: number;
  dryRun?: boolean;
  now?: () => number;
}

export interface OrphanResult {
  table: string;
  location: string;
  plan: OrphanPlan;
  deleted: string[];
  failedDeletes: DeleteFailure[];
  /**
   * Multipart uploads under the table location never completed nor aborted (a writer killed
   * mid-upload; object stores only): those begun before the cutoff are aborted (dry run: would
   * be), younger ones may be a write in progress and are kept.
   */
  uploads: { abort: IncompleteUpload[]; tooYoung: IncompleteUpload[]; unlisted?: string };
  aborted: string[];
  /**
   * Empty staging folders (`data/.staging-*`, local disk) a killed writer left, last modified
   * before the cutoff: removed (dry run: would be), after the orphan files in them went.
   */
  stagingFolders: string[];
  dryRun: boolean;
}

export async function removeOrphanFiles(catalog: Catalog, io: FileIO, id: TableIdentifier, opts: OrphanRunOptions = {}): Promise<OrphanResult> {
  const table = formatTableId(id);
  const now = (opts.now ?? Date.now)();
  const cutoffMs = now - (opts.olderThanMs ?? ORPHAN_DEFAULT_AGE_MS);
  // List first, then read the metadata: a file committed between the two is referenced by
  // the metadata read second, and a file written after the listing is not in it at all.
  const before = await loadTable(catalog, io, id);
  checkGcEnabled(before.metadata, table, 'delete orphan files of');
  const location = before.metadata.location.replace(/\/+$/, '');
  const listing: FileInfo[] = [];
  for await (const f of before.io.list(`${location}/`)) listing.push(f);
  const t = await loadTable(catalog, io, id);
  // A table registered with --map-location: the listing reports files in the stored (mapped-
  // from) spelling, while the catalog's pointer — and, after a commit, the metadata log's entry
  // for it — names the registered metadata file as it really is (the mapped-to spelling). Every
  // reference counts in both, or the current metadata file looks unreferenced.
  const mapped = t.io instanceof MappedFileIO ? t.io : undefined;
  const referenced = new LocationSet();
  const reference = (l: string) => {
    referenced.add(l);
    if (mapped) referenced.add(mapped.unmap(l));
  };
  for (const m of [before, t]) {
    reference(m.metadataLocation);
    for (const e of m.metadata['metadata-log']) reference(e['metadata-file']);
  }
  const metadatas = before.metadataLocation === t.metadataLocation ? [t.metadata] : [before.metadata, t.metadata];
  for (const m of metadatas) {
    const reach = await reachableFiles(t.io, m, m.snapshots, { entries: 'live', table });
    for (const set of [reach.manifestLists, reach.manifests, reach.contentFiles, reach.statisticsFiles]) for (const l of set.locations()) reference(l);
  }
  const nested = await nestedTableRoots(catalog, io, id, location);
  const plan = planOrphans(listing, referenced, cutoffMs, (l) => isTableBookkeeping(l) || underAny(l, nested));
  // The parts of a multipart upload a killed writer never finished are in no object listing,
  // yet stored (and billed) until the upload is aborted; the same age rule keeps a running one.
  const uploads: OrphanResult['uploads'] = { abort: [], tooYoung: [] };
  if (before.io.listIncompleteUploads) {
    try {
      for await (const u of before.io.listIncompleteUploads(`${location}/`)) {
        if (underAny(u.location, nested)) continue;
        (u.initiated < cutoffMs ? uploads.abort : uploads.tooYoung).push(u);
      }
    } catch (e) {
      // A login without s3:ListBucketMultipartUploads, or a store without the request: the
      // file sweep goes on as before, and the command warns (it was a bonus, not the job).
      if (isCancelledError(e)) throw e;
      uploads.abort = [];
      uploads.tooYoung = [];
      uploads.unlisted = e instanceof Error ? e.message : String(e);
    }
  }
  // Staging folders a killed write left: those empty once the orphans in them are gone.
  const stale = await staleStagingFolders(location, cutoffMs, plan.delete.map((f) => f.location), mapped && ((l) => mapped.map(l)));
  if (opts.dryRun) return { table, location, plan, deleted: [], failedDeletes: [], uploads, aborted: [], stagingFolders: stale, dryRun: true };
  const outcome = await deleteFiles(t.io, plan.delete.map((f) => f.location));
  const aborted: string[] = [];
  for (const u of uploads.abort) {
    try {
      await t.io.abortIncompleteUpload!(u);
      aborted.push(u.location);
    } catch (e) {
      outcome.failed.push({ location: u.location, message: `cannot abort its incomplete multipart upload: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  // A folder still holding a file (an orphan that could not be deleted) is left as it is.
  const stagingFolders = (await removeEmptyFolders(t.io, stale)).removed;
  return { table, location, plan, deleted: outcome.deleted, failedDeletes: outcome.failed, uploads, aborted, stagingFolders, dryRun: false };
}
