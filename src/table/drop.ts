/**
 * Dropping a table: the catalog entry goes first (one statement, atomic), then with purge the
 * files under the table's location. Dropping without purge never needs the metadata, so a
 * table whose metadata file is damaged or gone can still be dropped (and registered again at
 * an earlier metadata file). Purge needs the metadata's location and refuses without it:
 * guessing a folder to delete is not a risk worth taking.
 *
 * Purge deletes only what is the table's own: files under `<location>/` (never a sibling such
 * as `<location>2/`), leaving the folders of other catalog tables that live there (a nested
 * namespace's table `ns.t.x` at `<location>/x`, or a second entry registered at the location).
 * On a local disk it then removes the folders it emptied, up to the table folder itself
 * (drop-folders.ts); a folder that still holds a file is kept.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId, type LocationMapping } from '../catalog/catalog.js';
import { MappedFileIO } from '../io/mapped.js';
import { FloeError } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { loadTable } from './load.js';
import { emptiedFolders, removeEmptyFolders } from './drop-folders.js';
import { type DeleteFailure, deleteFiles } from './reachable-delete.js';
import { nestedTableRoots, underAny } from './table-roots.js';

export interface DropResult {
  table: string;
  /** The table's location; null when its metadata could not be read (drop without purge only). */
  location: string | null;
  /**
   * Where the table's files really are: the location and the metadata file the catalog
   * pointed at, read through the table's --map-location mappings (as given when it has none),
   * with those mappings, so the drop can say where the files stay and how to register it again.
   */
  reachedAt: { location: string | null; metadataFile: string; mappings: LocationMapping[] };
  /** Why the metadata could not be read, when it could not. */
  unreadable: FloeError | null;
  purged: boolean;
  deleted: string[];
  failedDeletes: DeleteFailure[];
  /** Folders removed because the purge left them empty (local disk only), deepest first. */
  removedFolders: string[];
  /** Roots of other tables under the location whose files were left alone. */
  keptForOtherTables: string[];
}

export async function dropTable(catalog: Catalog, io: FileIO, id: TableIdentifier, opts: { purge?: boolean } = {}): Promise<DropResult> {
  const table = formatTableId(id);
  // Not-found (no such table) and catalog failures stop here, before anything changes.
  const entry = await catalog.getTable(id);
  const mappings = await catalog.getLocationMappings(id);
  const mapper = new MappedFileIO(io, mappings);
  let loaded: Awaited<ReturnType<typeof loadTable>> | null = null;
  let unreadable: FloeError | null = null;
  try {
    loaded = await loadTable(catalog, io, id);
  } catch (e) {
    if (!(e instanceof FloeError) || !(e.kind === 'corrupt' || e.kind === 'unsupported' || e.kind === 'not-found')) throw e;
    if (opts.purge) {
      throw new FloeError(e.kind, `${e.message}; not purging table ${table}: without its metadata floe cannot tell which files are the table's`, {
        cause: e,
        context: { ...e.context, table },
        hint: `drop it without --purge (the catalog entry goes, every file stays), then delete its folder yourself if nothing else lives there`,
      });
    }
    unreadable = e;
  }
  const location = loaded ? loaded.metadata.location.replace(/\/+$/, '') : null;
  const metadataFile = mapper.map(entry.metadataLocation);
  // A mapping may cover the files but not the location's own spelling (`./t` stored beside
  // `t/metadata/…`): the folder of the mapped metadata file says where the table is then.
  const mapped = location === null ? null : mapper.map(location);
  const k = metadataFile.lastIndexOf('/metadata/');
  const reachedAt = { location: mappings.length > 0 && mapped === location && k > 0 ? metadataFile.slice(0, k) : mapped, metadataFile, mappings };
  const others = opts.purge && location ? await nestedTableRoots(catalog, id, location) : [];
  await catalog.dropTable(id);
  if (!opts.purge || !loaded || !location) {
    return { table, location, reachedAt, unreadable, purged: false, deleted: [], failedDeletes: [], removedFolders: [], keptForOtherTables: [] };
  }
  const files: string[] = [];
  for await (const f of loaded.io.list(`${location}/`)) if (!underAny(f.location, others)) files.push(f.location);
  const outcome = await deleteFiles(loaded.io, files);
  const folders = await removeEmptyFolders(loaded.io, emptiedFolders(location, outcome.deleted));
  return {
    table,
    location,
    reachedAt,
    unreadable,
    purged: true,
    deleted: outcome.deleted,
    failedDeletes: [...outcome.failed, ...folders.failed],
    removedFolders: folders.removed,
    keptForOtherTables: others,
  };
}
