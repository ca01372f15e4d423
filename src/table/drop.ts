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
import type { TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { loadTable } from './load.js';
import { emptiedFolders, removeEmptyFolders } from './drop-folders.js';
import { type DeleteFailure, deleteFiles } from './reachable-delete.js';
import { nestedTableRoots, underAny } from './table-roots.js';
import { LocationSet, locationKey, reachableFiles } from './reachable.js';
import { checkGcEnabled } from './expire.js';

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
  /** Files under the location that are not the table's (ownFiles), left alone by the purge; where they are (mappings applied). */
  keptNotTheTables: string[];
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
  // Files a table with gc.enabled off may share with other tables are not deleted (expire.ts):
  // refused before the entry goes, as expire and orphans refuse.
  if (opts.purge && loaded) checkGcEnabled(loaded.metadata, table, 'purge');
  const location = loaded ? loaded.metadata.location.replace(/\/+$/, '') : null;
  const metadataFile = mapper.map(entry.metadataLocation);
  // A mapping may cover the files but not the location's own spelling (`./t` stored beside
  // `t/metadata/…`): the folder of the mapped metadata file says where the table is then.
  const mapped = location === null ? null : mapper.map(location);
  const k = metadataFile.lastIndexOf('/metadata/');
  const reachedAt = { location: mappings.length > 0 && mapped === location && k > 0 ? metadataFile.slice(0, k) : mapped, metadataFile, mappings };
  const others = opts.purge && location ? await nestedTableRoots(catalog, io, id, location) : [];
  // Read before the entry goes: a failure to read the metadata's files leaves the table as it was.
  const own = opts.purge && loaded && location ? await ownFiles(loaded.io, loaded.metadata, entry.metadataLocation, location, table) : null;
  await catalog.dropTable(id);
  if (!opts.purge || !loaded || !location || !own) {
    return { table, location, reachedAt, unreadable, purged: false, deleted: [], failedDeletes: [], removedFolders: [], keptForOtherTables: [], keptNotTheTables: [] };
  }
  const files: string[] = [];
  const notTheTables: string[] = [];
  for await (const f of loaded.io.list(`${location}/`)) {
    if (underAny(f.location, others)) continue;
    (own(f.location) ? files : notTheTables).push(f.location);
  }
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
    keptNotTheTables: notTheTables.map((l) => mapper.map(l)).sort(),
  };
}

/**
 * What a purge may delete under the table's location: every file its metadata reaches (the
 * metadata files of its log, manifest lists, manifests, data and delete files, statistics; as
 * Iceberg Java's purge, CatalogUtil.dropTableData) and anything under `<location>/data/` and
 * `<location>/metadata/`, where its writers put files (what a failed write left there, the
 * version hint). Anything else under the location (a README beside a registered table,
 * another engine's table that this catalog does not have) is not the table's and stays.
 * A manifest that is missing or corrupt is skipped (what it reaches is under data/ in the usual
 * layout); an io error reading one fails the purge before the catalog entry goes.
 */
async function ownFiles(io: FileIO, metadata: TableMetadata, pointer: string, location: string, table: string): Promise<(location: string) => boolean> {
  const reached = await reachableFiles(io, metadata, metadata.snapshots, { entries: 'all', table, unreadable: [] });
  const known = new LocationSet();
  for (const set of [reached.manifestLists, reached.manifests, reached.contentFiles, reached.statisticsFiles]) for (const l of set.locations()) known.add(l);
  known.add(pointer);
  for (const e of metadata['metadata-log'] ?? []) known.add(e['metadata-file']);
  const layout = [`${location}/data/`, `${location}/metadata/`].map(locationKey);
  return (l) => known.has(l) || layout.some((root) => locationKey(l).startsWith(root));
}
