/**
 * `floe query`: DuckDB SQL over catalog tables. Every catalog table named in the SQL
 * (`ns.table`, or quoted `"ns"."table"`) becomes a view of its snapshot's live rows, with
 * delete files applied and columns resolved by field id (engine/read.ts).
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { corruptError, type FloeError } from '../errors.js';
import { createTableView } from '../engine/read.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { loadTable } from '../table/load.js';
import type { SnapshotSelector } from '../table/snapshot-select.js';
import { sqlNamesOnly } from '../pipeline/order.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The catalog tables a SQL text refers to, by their dotted names (any namespace depth),
 * ignoring names inside comments and string literals (the same reading as the run order's).
 */
export function referencedTables(sql: string, tables: readonly TableIdentifier[]): TableIdentifier[] {
  const code = sqlNamesOnly(sql);
  return tables.filter((id) => {
    const dotted = [...id.namespace, id.name].map(escape).join('\\s*\\.\\s*');
    return new RegExp(`(?<![\\w.])${dotted}(?![\\w])`, 'i').test(code);
  });
}

export interface PreparedView {
  table: string;
  snapshotId: bigint | null;
  filesScanned: number;
  deleteFilesApplied: number;
  /** Local paths of the data files the view reads. */
  localFiles: () => Promise<string[]>;
}

export async function prepareViews(
  engine: Engine,
  catalog: Catalog,
  io: FileIO,
  sql: string,
  snapshot: SnapshotSelector | undefined,
): Promise<PreparedView[]> {
  const ids = referencedTables(sql, await catalog.listTables());
  const out: PreparedView[] = [];
  for (const id of ids) {
    const table = await loadTable(catalog, io, id);
    const name = formatTableId(id);
    const scan = await createTableView(engine, [...id.namespace, id.name], {
      io: table.io,
      metadata: table.metadata,
      table: name,
      snapshot,
    });
    out.push({
      table: name,
      snapshotId: scan.snapshot?.['snapshot-id'] ?? null,
      filesScanned: scan.filesScanned,
      deleteFilesApplied: scan.deleteFilesApplied,
      localFiles: () => Promise.all(scan.plan.dataFiles.map((t) => table.io.localPath(t.file.file_path))),
    });
  }
  return out;
}

/**
 * DuckDB's error for a damaged data page does not say which file it was reading. After such
 * a failure, each file of the tables involved is read whole on its own until one fails, and
 * the error names that file and its table.
 */
export async function findDamagedFile(engine: Engine, views: readonly PreparedView[], cause: FloeError): Promise<FloeError> {
  for (const v of views) {
    for (const file of await v.localFiles()) {
      try {
        await engine.run(`SELECT max(hash(COLUMNS(*))) FROM read_parquet(${quoteLiteral(file)})`, `read ${file}`);
      } catch (e) {
        const detail = e instanceof Error ? e.message.replace(/^DuckDB could not [^:]*: /, '') : String(e);
        return corruptError(`table ${v.table}: data file ${file} cannot be read: ${detail}`, { cause, context: { table: v.table, file } });
      }
    }
  }
  return cause;
}
