/**
 * Conflict checks of `mode: merge` against commits made since the merge read the table
 * (spec "Optimistic concurrency"; Iceberg's validateDataFilesExist and
 * validateNoNewDeletesForDataFiles). Both walk the snapshots added on main since `startId`
 * and read only the manifests those snapshots wrote.
 */
import { FloeError } from '../errors.js';
import { readManifest } from '../iceberg/manifest.js';
import { readManifestList } from '../iceberg/manifest-list.js';
import { DataFileContent, type ManifestEntry, ManifestEntryStatus, type Snapshot } from '../iceberg/types.js';
import { referencedDataFile } from '../table/delete-index.js';
import type { LoadedTable } from '../table/load.js';
import { ancestry } from './state.js';

async function eachNewEntry(
  base: LoadedTable,
  startId: bigint | null,
  visit: (e: ManifestEntry, s: Snapshot) => void,
): Promise<void> {
  if (base.metadata['current-snapshot-id'] === startId) return;
  for (const s of ancestry(base.metadata)) {
    if (s['snapshot-id'] === startId) break;
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

/**
 * Position deletes name data files: if a concurrent commit removed one (compaction, an
 * overwrite, a copy-on-write merge), the deletes would miss its rows, which live on in the
 * rewritten file.
 */
export async function validateDataFilesExist(base: LoadedTable, startId: bigint | null, targets: ReadonlySet<string>, name: string): Promise<void> {
  if (targets.size === 0) return;
  let hit: FloeError | undefined;
  await eachNewEntry(base, startId, (e, s) => {
    if (!hit && e.status === ManifestEntryStatus.DELETED && targets.has(e.data_file.file_path)) {
      hit = conflict(name, s, e.data_file.file_path, 'removed data file');
    }
  });
  if (hit) throw hit;
}

/**
 * A copy-on-write merge rewrites its candidates' rows; a delete file committed concurrently
 * for one of them would be dropped with it, resurrecting the rows it deleted.
 */
export async function validateNoNewDeletesForDataFiles(base: LoadedTable, startId: bigint | null, targets: ReadonlySet<string>, name: string): Promise<void> {
  if (targets.size === 0) return;
  let hit: FloeError | undefined;
  await eachNewEntry(base, startId, (e, s) => {
    if (hit || e.status !== ManifestEntryStatus.ADDED || e.data_file.content === DataFileContent.DATA) return;
    const ref = referencedDataFile(e.data_file);
    if (ref === undefined || targets.has(ref)) hit = conflict(name, s, e.data_file.file_path, 'added delete file');
  });
  if (hit) throw hit;
}
