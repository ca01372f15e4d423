/**
 * `floe query`: DuckDB SQL over catalog tables. Every catalog table named in the SQL
 * (`ns.table`, or quoted `"ns"."table"`) becomes a view of its snapshot's live rows, with
 * delete files applied and columns resolved by field id (engine/read.ts).
 *
 * Each view reads only the files that may hold rows the query keeps: the query's simple
 * filters on a table (query/predicates.ts) prune its scan plan by partition summaries,
 * partition values and column metrics (table/scan.ts). DuckDB still applies the filters.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { corruptError, FloeError, usageError } from '../errors.js';
import { createTableView } from '../engine/read.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { TRUE, type UnboundExpr } from '../table/expr/index.js';
import { loadTable } from '../table/load.js';
import { planScan, type ScanPruning } from '../table/scan.js';
import type { SnapshotSelector } from '../table/snapshot-select.js';
import { sqlNamesOnly } from '../pipeline/order.js';
import { queryFilters } from './predicates.js';
import { createMaskedTableView, type ViewMasker } from '../governance/views.js';
import { escapeRegExp } from '../regexp.js';

/**
 * One part of a dotted name as SQL may spell it: bare, or double-quoted with `""` for a quote
 * (sqlNamesOnly has already unquoted simple identifiers such as `"raw"`).
 */
const namePattern = (part: string) => {
  const quoted = `"${escapeRegExp(part.replace(/"/g, '""'))}"`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? escapeRegExp(part) : `(?:${quoted}|${escapeRegExp(part)})`;
};

/**
 * The catalog tables a SQL text refers to, by their dotted names (any namespace depth),
 * ignoring names inside comments and string literals (the same reading as the run order's).
 */
export function referencedTables(sql: string, tables: readonly TableIdentifier[]): TableIdentifier[] {
  const code = sqlNamesOnly(sql);
  return tables.filter((id) => {
    const dotted = [...id.namespace, id.name].map(namePattern).join('\\s*\\.\\s*');
    // Not inside a longer dotted name on either side: `a.b` is no reference to the table a.b
    // when the SQL names a.b.t (a table in namespace a.b), nor `b.t` in a.b.t.
    return new RegExp(`(?<![\\w.])${dotted}(?![\\w]|\\s*\\.)`, 'i').test(code);
  });
}

export interface PreparedView {
  table: string;
  snapshotId: bigint | null;
  filesScanned: number;
  deleteFilesApplied: number;
  /** Local paths of the data files the view reads. */
  localFiles: () => Promise<string[]>;
  /** What the query's filters pruned (absent with `prune: false`). */
  pruning?: ScanPruning;
  manifestsRead: number;
}

export interface PrepareOptions {
  /** Prune each table's files by the query's filters (default true). */
  prune?: boolean;
  /** Plan only: no view is created and no data file is opened (`floe query --explain`). */
  planOnly?: boolean;
  /** Read PII-tagged columns through their policies (`floe query --mask`, sql pipelines; governance/views.ts). */
  mask?: ViewMasker;
}

export async function prepareViews(
  engine: Engine,
  catalog: Catalog,
  io: FileIO,
  sql: string,
  snapshot: SnapshotSelector | undefined,
  options: PrepareOptions = {},
): Promise<PreparedView[]> {
  const ids = referencedTables(sql, await catalog.listTables());
  const filters = options.prune === false ? undefined : await queryFilters(engine, sql, ids);
  const out: PreparedView[] = [];
  // Nested namespaces first: their databases are attached before flat tables that share the
  // first level are placed (engine/read-view-name.ts), so no view has to move.
  const ordered = [...ids].sort((a, b) => b.namespace.length - a.namespace.length);
  for (const id of ordered) {
    const table = await loadTable(catalog, io, id);
    const name = formatTableId(id);
    const mask = options.mask?.(table.metadata, name) ?? null;
    // A masked table is not pruned: the query's filters compare masked values, its metrics raw ones.
    const filter: UnboundExpr | undefined = filters && !mask ? (filters.get([...id.namespace, id.name].join('.')) ?? TRUE) : undefined;
    const plan = await planScan({ io: table.io, metadata: table.metadata, table: name, snapshot, ...(filter ? { filter } : {}) });
    const scan = options.planOnly
      ? { snapshot: plan.snapshot, filesScanned: plan.dataFiles.length, deleteFilesApplied: new Set(plan.dataFiles.flatMap((t) => t.deletes.map((d) => d.file.file_path))).size }
      : mask
        ? await createMaskedTableView(engine, [...id.namespace, id.name], { io: table.io, metadata: table.metadata, table: name, snapshot, plan }, mask)
        : await createTableView(engine, [...id.namespace, id.name], { io: table.io, metadata: table.metadata, table: name, snapshot, plan });
    out.push({
      table: name,
      snapshotId: scan.snapshot?.['snapshot-id'] ?? null,
      filesScanned: scan.filesScanned,
      deleteFilesApplied: scan.deleteFilesApplied,
      localFiles: () => Promise.all(plan.dataFiles.map((t) => table.io.localPath(t.file.file_path))),
      ...(plan.pruning ? { pruning: plan.pruning } : {}),
      manifestsRead: plan.manifestsRead,
    });
  }
  return out;
}

/** The scan plan of each view as JSON-ready objects (`floe query --explain --format json`). */
export function explainJson(views: readonly PreparedView[]): Record<string, unknown>[] {
  return views.map((v) => ({
    table: v.table,
    snapshot_id: v.snapshotId === null ? null : String(v.snapshotId),
    filter: v.pruning?.filter ?? null,
    manifests_kept: v.pruning?.manifests.kept ?? v.manifestsRead,
    manifests_total: v.pruning?.manifests.total ?? null,
    data_files_kept: v.filesScanned,
    data_files_total: v.pruning?.dataFiles.total ?? null,
    delete_files_applied: v.deleteFilesApplied,
  }));
}

/** The scan plan of each view as text (`floe query --explain`). */
export function explainText(views: readonly PreparedView[]): string {
  if (views.length === 0) return 'the query reads no catalog table';
  return views
    .map((v) => {
      const p = v.pruning;
      const lines = [`table ${v.table}` + (v.snapshotId === null ? ' (no snapshot)' : ` at snapshot ${v.snapshotId}`)];
      lines.push(`  filter:        ${!p ? '(pruning off)' : p.filter === 'true' ? 'none usable for pruning' : p.filter}`);
      if (p) {
        lines.push(`  manifests:     ${p.manifests.kept} of ${p.manifests.total} data manifests read`);
        lines.push(`  data files:    ${p.dataFiles.kept} of ${p.dataFiles.total} kept`);
      } else lines.push(`  data files:    ${v.filesScanned}`);
      lines.push(`  delete files:  ${v.deleteFilesApplied} applied`);
      return lines.join('\n');
    })
    .join('\n');
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

/** DuckDB's own schemas: a name in them is never a catalog table. */
const DUCKDB_SCHEMAS = new Set(['main', 'information_schema', 'pg_catalog', 'temp', 'system']);

/**
 * The qualified table names (`ns.t`, `"ns"."t"`, `a.ns.t`) a query reads, from DuckDB's parse
 * tree; names in DuckDB's own schemas are left out. Empty when the SQL does not parse.
 */
export async function qualifiedTableNames(engine: Engine, sql: string): Promise<TableIdentifier[]> {
  let text: string;
  try {
    const rows = await engine.all(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`, 'parse the query');
    text = String(rows[0]?.j ?? '');
  } catch {
    return [];
  }
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch {
    return [];
  }
  const out: TableIdentifier[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    if (node.type === 'BASE_TABLE' && typeof node.table_name === 'string') {
      const namespace = [node.catalog_name, node.schema_name].map((x) => (typeof x === 'string' ? x : '')).filter((x) => x !== '');
      if (namespace.length > 0 && !DUCKDB_SCHEMAS.has(namespace[namespace.length - 1]!.toLowerCase())) out.push({ namespace, name: node.table_name });
      return;
    }
    Object.values(node).forEach(walk);
  };
  walk(tree);
  return out;
}

/**
 * A failed `floe query` told in floe's terms where DuckDB's words mislead: a table missing
 * from the catalog is not-found naming the table and catalog (DuckDB says `schema "ns" does
 * not exist`, `Catalog "a" does not exist` for a.b.t, or names only the bare table); an empty
 * text and several statements are usage
 * errors. Anything else is returned as it was.
 */
export async function explainQueryError(engine: Engine, catalog: Catalog, sql: string, e: FloeError): Promise<FloeError> {
  if (/Cannot prepare multiple statements|multiple statements/i.test(e.message)) {
    return usageError('floe query runs one SQL statement; run each statement with its own floe query', { cause: e });
  }
  if (/No statement to prepare/i.test(e.message)) return usageError('the SQL text holds no statement (only comments?)', { cause: e });
  // A missing ns.t: `Table with name`; a missing a.b.t: DuckDB has no database `a` (or no schema b in it).
  if (!/Catalog Error: Table with name|Catalog "[^"]*" does not exist|Catalog Error: Schema with name/.test(e.message)) return e;
  // Only a better message: if the catalog cannot be listed now, DuckDB's words stand.
  const listed = await catalog.listTables().catch(() => null);
  if (listed === null) return e;
  const known = new Set(listed.map((id) => formatTableId(id).toLowerCase()));
  for (const id of await qualifiedTableNames(engine, sql)) {
    if (known.has(formatTableId(id).toLowerCase())) continue;
    try {
      await catalog.getTable(id);
    } catch (missing) {
      if (missing instanceof FloeError && missing.kind === 'not-found') return missing;
    }
  }
  // A bare name is never a catalog table (those are ns.table); DuckDB's "did you mean" then
  // points at its own system tables.
  const bare = /Table with name "?([^".!\s]+)"? does not exist/.exec(e.message)?.[1];
  if (bare !== undefined) {
    return new FloeError('not-found', `table ${bare} does not exist: catalog tables are named namespace.table`, {
      cause: e,
      context: { table: bare, catalog: catalog.name },
      hint: 'Run `floe tables` to list the tables in the catalog, and name one as ns.table in the SQL.',
    });
  }
  return e;
}
