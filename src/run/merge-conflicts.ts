/**
 * Conflict checks of `mode: merge` against commits made since the merge read the table
 * (spec "Optimistic concurrency"; Iceberg's validateDataFilesExist and
 * validateNoNewDeletesForDataFiles). The checks walk the snapshots added on main since
 * `startId` together and read only the manifests those snapshots wrote.
 */
import { FloeError } from '../errors.js';
import { readManifest } from '../iceberg/manifest.js';
import { readManifestList } from '../iceberg/manifest-list.js';
import { DataFileContent, type ManifestEntry, ManifestEntryStatus, type Snapshot } from '../iceberg/types.js';
import { referencedDataFile } from '../table/delete-index.js';
import { snapshotsSince } from '../table/conflicts.js';
import type { LoadedTable } from '../table/load.js';

async function eachNewEntry(
  base: LoadedTable,
  startId: bigint | null,
  visit: (e: ManifestEntry, s: Snapshot) => void,
): Promise<void> {
  for (const s of snapshotsSince(base.metadata, startId)) {
    const list = readManifestList(await base.io.read(s['manifest-list']), s['manifest-list']);
    for (const mf of list.filter((x) => x.added_snapshot_id === s['snapshot-id'])) {
      for (const e of readManifest(await base.io.read(mf.manifest_path), mf.manifest_path, { manifest: mf })) visit(e, s);
    }
  }
}

function conflict(name: string, s: Snapshot, file: string, what: string): FloeError {
  return new FloeError('conflict', `${name}: a concurrent commit (snapshot ${s['snapshot-id']}) ${what} ${file}; nothing was committed`, {
    retryable: false,
    context: { table: name, snapshot: String(s['snapshot-id']), file },
    hint: 'Run the merge again on the new table state.',
  });
}

/** One check of an entry a concurrent snapshot added: the conflict it shows, if any. */
export type EntryCheck = (e: ManifestEntry, s: Snapshot) => FloeError | undefined;

/**
 * Runs the checks (undefined ones are skipped) over the entries of the manifests the
 * snapshots since `startId` added, reading each manifest once for all of them, and throws
 * the first conflict of the first check, in the order given, that found one.
 */
export async function validateNewEntries(base: LoadedTable, startId: bigint | null, checks: readonly (EntryCheck | undefined)[]): Promise<void> {
  const active = checks.filter((c): c is EntryCheck => c !== undefined);
  if (active.length === 0) return;
  const hits: (FloeError | undefined)[] = active.map(() => undefined);
  await eachNewEntry(base, startId, (e, s) => active.forEach((check, i) => (hits[i] ??= check(e, s))));
  const hit = hits.find((h) => h !== undefined);
  if (hit) throw hit;
}

/**
 * Iceberg's validateDataFilesExist. Position deletes name data files: if a concurrent
 * commit removed one (compaction, an overwrite, a copy-on-write merge), the deletes would
 * miss its rows, which live on in the rewritten file.
 */
export function dataFilesExist(targets: ReadonlySet<string>, name: string): EntryCheck | undefined {
  if (targets.size === 0) return undefined;
  return (e, s) =>
    e.status === ManifestEntryStatus.DELETED && targets.has(e.data_file.file_path) ? conflict(name, s, e.data_file.file_path, 'removed data file') : undefined;
}

/**
 * Iceberg's validateNoNewDeletesForDataFiles. A copy-on-write merge rewrites its candidates'
 * rows; a delete file committed concurrently for one of them would be dropped with it,
 * resurrecting the rows it deleted.
 */
export function noNewDeletesForDataFiles(targets: ReadonlySet<string>, name: string): EntryCheck | undefined {
  if (targets.size === 0) return undefined;
  return (e, s) => {
    if (e.status !== ManifestEntryStatus.ADDED || e.data_file.content === DataFileContent.DATA) return undefined;
    const ref = referencedDataFile(e.data_file);
    return ref === undefined || targets.has(ref) ? conflict(name, s, e.data_file.file_path, 'added delete file') : undefined;
  };
}
