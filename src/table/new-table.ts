/**
 * Where a new table goes, checked before it is created (`floe table create`, the first run or
 * load of a table, floe's own tables).
 *
 * - **Names that differ only in case** from an existing table are refused: SQL (`floe query`,
 *   checks, `sql` pipelines) folds case, so neither table could be read by name again.
 * - **The location.** A table's files go under `<warehouse>/<namespace…>/<name>`, unless that
 *   folder still holds the metadata of another table: one dropped without `--purge`, kept so
 *   that it can be registered again. Then the new table takes a fresh folder beside it,
 *   `<name>-<8 hex digits>`, so that its orphan scans (`floe maintain orphans`) never count the
 *   old table's files as its own unreferenced files and delete them.
 */
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { FloeError } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { joinLocation } from '../io/fileio.js';

/** The table named like `id` but for case, if the catalog has one. */
export async function caseTwin(catalog: Catalog, id: TableIdentifier): Promise<TableIdentifier | undefined> {
  const key = formatTableId(id);
  const folded = key.toLowerCase();
  return (await catalog.listTables()).find((t) => formatTableId(t) !== key && formatTableId(t).toLowerCase() === folded);
}

export async function refuseCaseTwin(catalog: Catalog, id: TableIdentifier, kind: 'usage' | 'config' = 'config'): Promise<void> {
  const twin = await caseTwin(catalog, id);
  if (!twin) return;
  throw new FloeError(kind, `table ${formatTableId(id)} differs only in case from ${formatTableId(twin)}, which exists: SQL folds case, so neither could be read by name`, {
    context: { table: formatTableId(id) },
    hint: `write to ${formatTableId(twin)}, or give the new table another name`,
  });
}

/**
 * The new table's location: the warehouse's default folder, or a fresh one beside it when
 * another table's metadata is still there. A folder that belongs to a live table is not a
 * dropped table's: the table of this very name, which another writer created since this one
 * looked (two first runs at once: both write to the default folder, and the later joins the
 * earlier, write-table.ts; one that sees the other's metadata file before its catalog entry
 * takes a fresh folder, and writes again to the created table when it loses the create), or
 * a table of another catalog name in the same database (the catalog refuses the create,
 * naming it, sql.ts refuseSharedFolder).
 */
export async function newTableLocation(catalog: Catalog, io: FileIO, warehouse: string, id: TableIdentifier): Promise<string> {
  const folder = joinLocation(warehouse, ...id.namespace, id.name);
  if (!(await holdsMetadata(io, folder))) return folder;
  const live = await catalog.getTable(id).catch(() => undefined);
  if (live && live.metadataLocation.startsWith(`${folder}/`)) return folder;
  if (await catalog.isTableFolder?.(folder)) return folder;
  return joinLocation(warehouse, ...id.namespace, `${id.name}-${randomUUID().slice(0, 8)}`);
}

/**
 * What to tell the user when a table just created took a fresh folder (`location`) because its
 * default one holds another table's metadata: a table dropped without `--purge`, or one the
 * catalog lost (a catalog file replaced or emptied), whose rows the new table does not have.
 * Undefined when the table is in its default folder.
 */
export function displacedTableNote(warehouse: string, id: TableIdentifier, location: string): string | undefined {
  const folder = joinLocation(warehouse, ...id.namespace, id.name);
  if (location === folder) return undefined;
  const name = formatTableId(id);
  return (
    `${folder} holds the files of a table the catalog does not have (dropped without --purge, or lost from the catalog), so ${name} was created in ${location}; ` +
    `to have that table back as ${name} instead: floe table drop ${name} --purge, then floe table register ${name} ${folder}`
  );
}

async function holdsMetadata(io: FileIO, folder: string): Promise<boolean> {
  for await (const f of io.list(joinLocation(folder, 'metadata') + '/')) {
    if (f.location.endsWith('.metadata.json')) return true;
  }
  return false;
}
