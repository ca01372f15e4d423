/**
 * `floe query`: DuckDB SQL over catalog tables. Every catalog table named in the SQL
 * (`ns.table`, or quoted `"ns"."table"`) becomes a view of its snapshot's live rows, with
 * delete files applied and columns resolved by field id (engine/read.ts).
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import type { Engine } from '../engine/duckdb.js';
import { createTableView } from '../engine/read.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { loadTable } from '../table/load.js';
import type { SnapshotSelector } from '../table/snapshot-select.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The catalog tables a SQL text refers to. */
export function referencedTables(sql: string, tables: readonly TableIdentifier[]): TableIdentifier[] {
  return tables.filter((id) => {
    const parts = [...id.namespace, id.name];
    const bare = parts.map(escape).join('\\s*\\.\\s*');
    const quoted = parts.map((p) => `"${escape(p)}"`).join('\\s*\\.\\s*');
    const re = new RegExp(`(?<![\\w."])(?:${bare}|${quoted})(?![\\w"])`, 'i');
    return re.test(sql);
  });
}

export interface PreparedView {
  table: string;
  snapshotId: bigint | null;
  filesScanned: number;
  deleteFilesApplied: number;
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
    });
  }
  return out;
}
