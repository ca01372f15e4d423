/**
 * Where other catalog tables live, for the commands that delete files under a table's
 * location (the orphan sweep, `floe table drop --purge`): a table `ns.t` at `wh/ns/t` and a
 * table `ns.t.x` at `wh/ns/t/x` — or a second catalog entry registered at the same location —
 * share a folder, and the other table's files are never this table's to delete.
 */
import pLimit from 'p-limit';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { FloeError, isFloeError } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { MappedFileIO } from '../io/mapped.js';
import { readMetadataFile } from './load.js';
import { locationKey } from './reachable.js';

/**
 * Roots (ending in '/') of the other catalog tables that live at or under `location`. A table's
 * root is taken from its metadata location (`<root>/metadata/...`, else the folder holding the
 * metadata file), so it is found even when its metadata cannot be read. A table whose metadata
 * file is elsewhere (registered from a copy kept outside its folder, or written to its
 * `write.metadata.path`) can still keep its data under `location`: its metadata is read, and
 * the `location` it names (through its --map-location mappings) is a root too. When the
 * metadata of a table registered from a file outside any metadata/ folder cannot be read,
 * nobody can tell where its files are, and this throws (the caller has deleted nothing yet).
 */
export async function nestedTableRoots(catalog: Catalog, io: FileIO, self: TableIdentifier, location: string): Promise<string[]> {
  const prefix = `${locationKey(location).replace(/\/+$/, '')}/`;
  const selfName = formatTableId(self);
  const roots: string[] = [];
  const limit = pLimit(8);
  const others = (await catalog.listTables()).filter((other) => formatTableId(other) !== selfName);
  await Promise.all(
    others.map((other) =>
      limit(async () => {
        // A table dropped since the listing has no files to protect; any other failure (a
        // catalog blip) must stop the caller, or the nested table's files would look like ours.
        const entry = await catalog.getTable(other).catch((e: unknown) => {
          if (isFloeError(e, 'not-found')) return null;
          throw e;
        });
        if (!entry) return;
        const key = locationKey(entry.metadataLocation);
        const i = key.lastIndexOf('/metadata/');
        // A metadata file outside a metadata/ folder (a table registered from such a file): the
        // folder holding it is as much as the catalog says of its root. Before, such a table had no
        // root here and its files counted as the caller's to delete.
        const root = i > 0 ? key.slice(0, i + 1) : key.slice(0, key.lastIndexOf('/') + 1);
        if (root.startsWith(prefix)) {
          roots.push(root);
          return;
        }
        const at = await declaredLocation(catalog, io, other, entry.metadataLocation, i > 0, selfName, location);
        if (at !== null && at.startsWith(prefix)) roots.push(at);
      }),
    ),
  );
  return roots.sort();
}

/** `<location>/` (a location key) of another table as its metadata names it, mappings applied. */
async function declaredLocation(
  catalog: Catalog,
  io: FileIO,
  other: TableIdentifier,
  metadataLocation: string,
  inMetadataFolder: boolean,
  selfName: string,
  location: string,
): Promise<string | null> {
  const name = formatTableId(other);
  const mappings = await catalog.getLocationMappings(other);
  const tableIO = mappings.length > 0 ? new MappedFileIO(io, mappings) : io;
  try {
    const metadata = await readMetadataFile(tableIO, metadataLocation, name);
    const where = tableIO instanceof MappedFileIO ? tableIO.map(metadata.location) : metadata.location;
    return where === '' ? null : `${locationKey(where).replace(/\/+$/, '')}/`;
  } catch (e) {
    if (!(e instanceof FloeError)) throw e;
    // A damaged table whose metadata file is in a metadata/ folder is taken to live at that
    // folder's root, as before: a broken table elsewhere in the catalog stops no other sweep.
    if (inMetadataFolder) return null;
    throw new FloeError(e.kind, `cannot tell whether table ${name} keeps files under ${location} (table ${selfName}'s location): ${e.message}; nothing was deleted`, {
      cause: e,
      retryable: e.retryable,
      context: { ...e.context, table: selfName, other: name },
      hint: `its metadata file ${metadataLocation} is outside ${location}, and only its metadata says where its files are; repair ${name} (or drop it without --purge) and run again`,
    });
  }
}

/** Whether `location` lies under one of `roots`. */
export function underAny(location: string, roots: readonly string[]): boolean {
  const k = locationKey(location);
  return roots.some((r) => k.startsWith(r));
}
