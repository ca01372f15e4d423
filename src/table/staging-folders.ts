/**
 * Staging folders a killed writer left. A write stages its Parquet files in
 * `<table>/data/.staging-<uuid>/` on a local disk (table/snapshot-producer.ts stagingDir) and
 * removes the folder when it ends; a process killed with SIGKILL cannot, so the folder stays,
 * empty or holding files of the unfinished write. The orphan sweep deletes such files like any
 * other unreferenced file, and then this removes the staging folders that are empty and older
 * than the sweep's cutoff (a younger one may belong to a write in progress). Object stores
 * have no folders (their staging is under the system's temporary folder): nothing to do there.
 */
import { readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isLocalLocation, toLocalPath } from '../io/local.js';

const STAGING = /^\.staging-[0-9a-f-]{36}$/;

/**
 * The staging folders under `<location>/data` last modified before `cutoffMs` that are empty,
 * or hold only files in `leaving` (the orphans the sweep deletes): looked at before the sweep
 * deletes them, since a deletion makes the folder look new. Locations in `location`'s spelling.
 */
export async function staleStagingFolders(location: string, cutoffMs: number, leaving: readonly string[]): Promise<string[]> {
  if (!isLocalLocation(location)) return [];
  const data = join(toLocalPath(location), 'data');
  let names: string[];
  try {
    names = (await readdir(data, { withFileTypes: true })).filter((d) => d.isDirectory() && STAGING.test(d.name)).map((d) => d.name);
  } catch {
    return []; // no data folder (a table without files): nothing staged
  }
  const gone = new Set(leaving);
  const stale: string[] = [];
  for (const name of names.sort()) {
    const dir = join(data, name);
    const at = `${location.replace(/\/+$/, '')}/data/${name}`;
    try {
      if ((await stat(dir)).mtimeMs >= cutoffMs) continue;
      if ((await readdir(dir)).every((f) => gone.has(`${at}/${f}`))) stale.push(at);
    } catch {
      // Gone meanwhile: nothing to remove.
    }
  }
  return stale;
}

/** Removes those of `folders` (staleStagingFolders) that are empty now; the removed ones. */
export async function removeEmptyFolders(folders: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const at of folders) {
    try {
      await rmdir(toLocalPath(at));
      removed.push(at);
    } catch {
      // Not empty (an orphan that could not be deleted, a file written meanwhile), or not ours to remove: left as it is.
    }
  }
  return removed;
}
