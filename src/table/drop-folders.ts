/**
 * The folders `floe table drop --purge` leaves behind on a local disk: once the table's files
 * are deleted, `data/ts_day=…/`, `data/`, `metadata/` and the table folder itself are empty.
 * Object stores have no folders, so this applies where the FileIO can remove a folder
 * (`FileIO.removeEmptyFolder`: the local disk, also behind a location mapping).
 *
 * Which folders: only those that held a file the purge deleted, and their parents up to and
 * including the table location — never a folder above the location, never one the purge did
 * not touch. Only an empty folder is removed, so a folder that still holds a file floe did
 * not write (or another table's files) is kept.
 */
import { FloeError } from '../errors.js';
import type { FileIO } from '../io/fileio.js';

/**
 * The folders under `location` (inclusive) that held one of `deleted`, deepest first. Pure;
 * locations keep the caller's spelling, and files outside `<location>/` are ignored.
 */
export function emptiedFolders(location: string, deleted: readonly string[]): string[] {
  const root = location.replace(/\/+$/, '');
  if (root === '' || /^[a-z][a-z0-9+.-]*:\/*$/i.test(root)) return [];
  const folders = new Set<string>();
  for (const file of deleted) {
    if (!file.startsWith(`${root}/`)) continue;
    let dir = file.slice(0, file.lastIndexOf('/'));
    while (dir.length >= root.length) {
      if (folders.has(dir)) break;
      folders.add(dir);
      if (dir === root) break;
      dir = dir.slice(0, dir.lastIndexOf('/'));
    }
  }
  const depth = (d: string) => d.split('/').length;
  return [...folders].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface FolderCleanup {
  removed: string[];
  /** Folders that could not be removed for another reason than holding files (permissions, ...). */
  failed: { location: string; message: string }[];
}

/** Removes each folder that is empty, in the order given (deepest first); others stay. */
export async function removeEmptyFolders(io: FileIO, folders: readonly string[]): Promise<FolderCleanup> {
  const out: FolderCleanup = { removed: [], failed: [] };
  if (!io.removeEmptyFolder) return out;
  for (const folder of folders) {
    try {
      if (await io.removeEmptyFolder(folder)) out.removed.push(folder);
    } catch (e) {
      const code = e instanceof FloeError ? e.context.code : undefined;
      out.failed.push({ location: folder, message: `cannot remove the empty folder: ${code ?? (e instanceof Error ? e.message : String(e))}` });
    }
  }
  return out;
}
