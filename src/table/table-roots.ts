/**
 * Where other catalog tables live, for the commands that delete files under a table's
 * location (the orphan sweep, `floe table drop --purge`): a table `ns.t` at `wh/ns/t` and a
 * table `ns.t.x` at `wh/ns/t/x` — or a second catalog entry registered at the same location —
 * share a folder, and the other table's files are never this table's to delete.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { isFloeError } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';
import { locationKey } from './reachable.js';

/**
 * Roots (ending in '/') of the other catalog tables that live at or under `location`. A table's
 * root is taken from its metadata location (`<root>/metadata/...`, else the folder holding the
 * metadata file), so it is found even when its metadata cannot be read.
 */
export async function nestedTableRoots(catalog: Catalog, self: TableIdentifier, location: string): Promise<string[]> {
  const prefix = `${locationKey(location).replace(/\/+$/, '')}/`;
  const roots: string[] = [];
  for (const other of await catalog.listTables()) {
    if (formatTableId(other) === formatTableId(self)) continue;
    // A table dropped since the listing has no files to protect; any other failure (a
    // catalog blip) must stop the caller, or the nested table's files would look like ours.
    const entry = await catalog.getTable(other).catch((e: unknown) => {
      if (isFloeError(e, 'not-found')) return null;
      throw e;
    });
    const key = entry ? locationKey(entry.metadataLocation) : '';
    const i = key.lastIndexOf('/metadata/');
    // A metadata file outside a metadata/ folder (a table registered from such a file): the
    // folder holding it is as much as the catalog says of its root. Before, such a table had no
    // root here and its files counted as the caller's to delete.
    const root = i > 0 ? key.slice(0, i + 1) : key.slice(0, key.lastIndexOf('/') + 1);
    if (root.startsWith(prefix)) roots.push(root);
  }
  return roots;
}

/** Whether `location` lies under one of `roots`. */
export function underAny(location: string, roots: readonly string[]): boolean {
  const k = locationKey(location);
  return roots.some((r) => k.startsWith(r));
}
