/**
 * Staging folders a killed writer left. A write stages its Parquet files in
 * `<table>/data/.staging-<uuid>/` on a local disk (table/snapshot-producer.ts stagingDir) and
 * removes the folder when it ends; a process killed with SIGKILL cannot, so the folder stays,
 * empty or holding files of the unfinished write. The orphan sweep deletes such files like any
 * other unreferenced file, and then removes the staging folders this finds (drop-folders.ts
 * removeEmptyFolders, which leaves a folder that is not empty). A younger folder may belong to
 * a write in progress. Object stores have no folders (their staging is under the system's
 * temporary folder): nothing to do there.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isLocalLocation, toLocalPath } from '../io/local.js';

const STAGING = /^\.staging-[0-9a-f-]{36}$/;

/**
 * The staging folders under `<location>/data` last modified before `cutoffMs` that are empty,
 * or hold only files in `leaving` (the orphans the sweep deletes): looked at before the sweep
 * deletes them, since a deletion makes the folder look new. Locations in `location`'s spelling;
 * `local` gives where such a location is on this disk (a table registered with --map-location).
 */
export async function staleStagingFolders(location: string, cutoffMs: number, leaving: readonly string[], local: (l: string) => string = (l) => l): Promise<string[]> {
  const root = local(location);
  if (!isLocalLocation(root)) return [];
  const data = join(toLocalPath(root), 'data');
  let names: string[];
  try {
    names = (await readdir(data, { withFileTypes: true })).filter((d) => d.isDirectory() && STAGING.test(d.name)).map((d) => d.name);
  } catch {
    return []; // no data folder (a table without files): nothing staged
  }
  const gone = new Set(leaving);
  const stale: string[] = [];
  for (const name of names.sort()) {
    const at = `${location.replace(/\/+$/, '')}/data/${name}`;
    try {
      const dir = join(data, name);
      if ((await stat(dir)).mtimeMs >= cutoffMs) continue;
      if ((await readdir(dir)).every((f) => gone.has(`${at}/${f}`))) stale.push(at);
    } catch {
      // Gone meanwhile: nothing to remove.
    }
  }
  return stale;
}
