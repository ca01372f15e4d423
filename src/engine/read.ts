/**
 * Reading a table snapshot through DuckDB: the scan plan (src/table/scan.ts) becomes one
 * SQL query that yields the snapshot's rows in the read schema. Nothing is materialised;
 * `floe query` wraps the query in a view per table and DuckDB streams from the files.
 *
 * Data files are grouped by (how their columns project, which deletes apply) so a table
 * with thousands of files and few schema versions still becomes a handful of
 * read_parquet() calls:
 *
 *   SELECT "c0" AS "id", … FROM (
 *     SELECT __d."c0", … FROM (SELECT <projection> FROM read_parquet([...], schema=MAP{…})) __d
 *       ANTI JOIN (<position deletes>) __p ON …
 *       ANTI JOIN (<equality deletes>) __e0 ON … IS NOT DISTINCT FROM …
 *     UNION ALL …)
 *
 * Every location is turned into a local path by FileIO.localPath — after the table's
 * LocationMappings when `io` is a MappedFileIO — and position deletes are matched through
 * the same stored → local pairs (read-deletes.ts).
 */
import pLimit from 'p-limit';
import { FloeError, notFound } from '../errors.js';
import { NAME_MAPPING_PROPERTY, type NameMapping, tableNameMapping } from '../iceberg/name-mapping.js';
import type { NestedField, Schema, Snapshot, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import type { ScanDelete, ScanPlan, ScanTask } from '../table/scan.js';
import { planScan } from '../table/scan.js';
import type { SnapshotSelector } from '../table/snapshot-select.js';
import type { Engine } from './duckdb.js';
import {
  equalityField,
  type EqualityField,
  equalityKeySql,
  keyAlias,
  nullSafeMatch,
  positionDeletesSql,
} from './read-deletes.js';
import { literalSql, nullOf } from './read-literal.js';
import {
  applyNameMapping,
  groupSchemaRows,
  hasFieldIds,
  type PhysicalColumn,
  physicalColumns,
} from './read-parquet-schema.js';
import { type FileProjection, projectFile, schemaMapSql } from './read-projection.js';
import { quoteIdent, quoteLiteral } from './sql.js';
import { viewTarget } from './read-view-name.js';

export interface TableScanOptions {
  engine: Engine;
  io: FileIO;
  metadata: TableMetadata;
  /** The table's name for messages (`ns.table`). */
  table: string;
  snapshot?: SnapshotSelector;
  /** A plan made earlier with planScan; planned here when absent. */
  plan?: ScanPlan;
  /** Files staged / manifests read at once. */
  concurrency?: number;
}

export interface TableScan {
  /** A query over the snapshot's rows, columns named and typed as `schema`. */
  sql: string;
  schema: Schema;
  snapshot: Snapshot | null;
  filesScanned: number;
  deleteFilesApplied: number;
  plan: ScanPlan;
}

export async function tableScanSql(opts: TableScanOptions): Promise<TableScan> {
  const { engine, io, metadata, table } = opts;
  const plan = opts.plan ?? (await planScan({ io, metadata, table, snapshot: opts.snapshot, concurrency: opts.concurrency }));
  const fields = plan.schema.fields;
  const result = (sql: string, deletes: number): TableScan => ({
    sql,
    schema: plan.schema,
    snapshot: plan.snapshot,
    filesScanned: plan.dataFiles.length,
    deleteFilesApplied: deletes,
    plan,
  });
  if (plan.dataFiles.length === 0) return result(emptySql(fields), 0);

  const ctx = await prepare(opts, plan);
  const groups = new Map<string, Group>();
  let parts: string[];
  try {
    for (const task of plan.dataFiles) {
      const g = groupFor(task, ctx);
      const existing = groups.get(g.key);
      if (existing) existing.tasks.push(task);
      else groups.set(g.key, g);
    }
    parts = [...groups.values()].map((g) => groupSql(g, ctx));
  } catch (e) {
    throw withTable(e, table, plan.snapshot);
  }
  const outer = fields.map((f, i) => `${quoteIdent(`c${i}`)} AS ${quoteIdent(f.name)}`).join(', ');
  const body = parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' UNION ALL ');
  const applied = new Set(plan.dataFiles.flatMap((t) => t.deletes.map((d) => d.file.file_path)));
  return result(`SELECT ${outer} FROM (${body}) AS __scan`, applied.size);
}

/**
 * Creates (or replaces) a view over the snapshot; `name` is the table's `[...namespace, name]`
 * (one or two namespace levels) or a bare view name.
 */
export async function createTableView(
  engine: Engine,
  name: string | readonly string[],
  opts: Omit<TableScanOptions, 'engine'>,
  /** Rewrites the view's query around the scan (a masked view, governance/views.ts). */
  wrap?: { sql: (scanSql: string) => Promise<string>; what: string },
): Promise<TableScan> {
  // Nested namespaces (`a.b.t`) become DuckDB database.schema.view (read-view-name.ts).
  const target = await viewTarget(engine, typeof name === 'string' ? [name] : name, opts.table);
  const scan = await tableScanSql({ ...opts, engine });
  const sql = wrap ? await wrap.sql(scan.sql) : scan.sql;
  await engine.run(`CREATE OR REPLACE VIEW ${target.sql} AS ${sql}`, `create ${wrap?.what ?? 'a view'} of table ${opts.table}`, {
    context: { table: opts.table },
  });
  target.created(sql);
  return scan;
}

/** Prefixes the table and snapshot to projection errors, which only know the file or type. */
function withTable(e: unknown, table: string, snapshot: Snapshot | null): unknown {
  if (!(e instanceof FloeError) || e.message.startsWith('table ')) return e;
  const at = snapshot ? `table ${table}, snapshot ${snapshot['snapshot-id']}` : `table ${table}`;
  return new FloeError(e.kind, `${at}: ${e.message}`, {
    cause: e,
    context: { ...e.context, table },
    retryable: e.retryable,
    ...(e.hint !== undefined ? { hint: e.hint } : {}),
  });
}

function emptySql(fields: readonly NestedField[]): string {
  const cols = fields.map((f) => `${nullOf(f.type)} AS ${quoteIdent(f.name)}`);
  return `SELECT ${cols.length > 0 ? cols.join(', ') : 'NULL AS "_"'} WHERE false`;
}

// ---------------------------------------------------------------------------------------

interface ReadContext {
  plan: ScanPlan;
  table: string;
  metadata: TableMetadata;
  /** Stored location → local path, for every data and delete file. */
  local: Map<string, string>;
  /** Local path → top-level columns with ids resolved, and how to read them. */
  columns: Map<string, { mode: 'ids' | 'names'; columns: PhysicalColumn[] }>;
  equality: Map<number, EqualityField>;
}

async function prepare(opts: TableScanOptions, plan: ScanPlan): Promise<ReadContext> {
  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  const locations = new Set<string>();
  for (const t of plan.dataFiles) {
    locations.add(t.file.file_path);
    for (const d of t.deletes) locations.add(d.file.file_path);
  }
  const local = new Map(
    await Promise.all([...locations].map((loc) => limit(async () => [loc, await opts.io.localPath(loc)] as const))),
  );
  const needSchema = new Set<string>();
  for (const t of plan.dataFiles) {
    needSchema.add(local.get(t.file.file_path)!);
    for (const d of t.deletes) if (d.kind === 'equality') needSchema.add(local.get(d.file.file_path)!);
  }
  const rows = await readSchemas(opts, [...needSchema], local, plan.snapshot);
  let mapping: NameMapping | undefined | null = null; // null: not parsed yet
  const columns = new Map<string, { mode: 'ids' | 'names'; columns: PhysicalColumn[] }>();
  for (const [path, fileRows] of rows) {
    const raw = physicalColumns(fileRows);
    if (hasFieldIds(raw)) {
      columns.set(path, { mode: 'ids', columns: raw });
    } else {
      if (mapping === null) mapping = tableNameMapping(opts.metadata.properties, `table ${opts.table} property ${NAME_MAPPING_PROPERTY}`);
      columns.set(path, { mode: 'names', columns: applyNameMapping(raw, mapping) });
    }
  }
  return { plan, table: opts.table, metadata: opts.metadata, local, columns, equality: new Map() };
}

/** parquet_schema() of every file, a few hundred paths per query. */
async function readSchemas(opts: TableScanOptions, paths: string[], local: Map<string, string>, snapshot: Snapshot | null) {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const sql =
      'SELECT file_name, name, field_id, num_children, repetition_type, converted_type, logical_type, duckdb_type, column_id ' +
      `FROM parquet_schema([${chunk.map(quoteLiteral).join(', ')}])`;
    try {
      rows.push(...(await opts.engine.all(sql, `read the Parquet schemas of table ${opts.table}${snapshot ? `, snapshot ${snapshot['snapshot-id']}` : ''}`, { context: { table: opts.table } })));
    } catch (e) {
      throw await explainMissing(e, opts, chunk, local, snapshot);
    }
  }
  return groupSchemaRows(rows);
}

/** Turns DuckDB's "no files found" into a not-found naming the file as the table stores it. */
async function explainMissing(e: unknown, opts: TableScanOptions, chunk: string[], local: Map<string, string>, snapshot: Snapshot | null): Promise<unknown> {
  const byLocal = new Map([...local].map(([stored, path]) => [path, stored]));
  // The snapshot too, as for a missing manifest: an older snapshot may not reach the file.
  const at = snapshot ? `table ${opts.table}, snapshot ${snapshot['snapshot-id']}` : `table ${opts.table}`;
  for (const path of chunk) {
    const stored = byLocal.get(path) ?? path;
    if (!(await opts.io.exists(stored).catch(() => true))) {
      return notFound(`${at}: file ${stored} is missing${stored === path ? '' : ` (looked for it at ${path})`}`, {
        cause: e,
        context: { table: opts.table, file: stored, localPath: path },
        hint: 'the table references a file that is not there; check the table location or its --map-location mappings',
      });
    }
  }
  return e;
}

// ---------------------------------------------------------------------------------------

interface Group {
  key: string;
  tasks: ScanTask[];
  /** Read schema fields, then top-level fields added only to reach equality keys. */
  fields: NestedField[];
  projection: FileProjection;
  deletes: ScanDelete[];
}

function groupFor(task: ScanTask, ctx: ReadContext): Group {
  const readFields = ctx.plan.schema.fields;
  const fields = [...readFields];
  for (const d of task.deletes) {
    for (const id of d.kind === 'equality' ? (d.file.equality_ids ?? []) : []) {
      const top = eqField(id, ctx).chain[0]!;
      if (!fields.some((f) => f.id === top.id)) fields.push(top);
    }
  }
  const path = ctx.local.get(task.file.file_path)!;
  const file = ctx.columns.get(path)!;
  const projection = projectFile({ fields, columns: file.columns, mode: file.mode, constants: constants(task, fields, ctx), file: task.file.file_path });
  const key = JSON.stringify([projection, fields.length, task.deletes.map((d) => d.file.file_path)]);
  return { key, tasks: [task], fields, projection, deletes: task.deletes };
}

/** Identity partition values for top-level fields (spec: "Column Projection", rule 1). */
function constants(task: ScanTask, fields: readonly NestedField[], ctx: ReadContext): Map<number, string> {
  const out = new Map<number, string>();
  const spec = ctx.plan.specs.get(task.specId);
  spec?.fields.forEach((pf, i) => {
    if (pf.transform !== 'identity' || i >= task.file.partition.length) return;
    const field = fields.find((f) => f.id === pf['source-id']);
    if (field && typeof field.type === 'string') out.set(field.id, literalSql(field.type, task.file.partition[i]!));
  });
  return out;
}

function eqField(id: number, ctx: ReadContext): EqualityField {
  let f = ctx.equality.get(id);
  if (!f) ctx.equality.set(id, (f = equalityField(id, ctx.plan.schema, ctx.metadata.schemas, ctx.table)));
  return f;
}

function groupSql(g: Group, ctx: ReadContext): string {
  const paths = g.tasks.map((t) => ctx.local.get(t.file.file_path)!);
  const position = g.deletes.filter((d) => d.kind === 'position');
  const data = readSql(paths, g.projection, position.length > 0);
  const out = ctx.plan.schema.fields.map((_, i) => `__d.${quoteIdent(`c${i}`)}`).join(', ');
  let sql = `SELECT ${out || 'NULL'} FROM (${data}) AS __d`;
  if (position.length > 0) {
    const pairs = g.tasks.map((t) => [t.file.file_path, ctx.local.get(t.file.file_path)!] as const);
    const files = position.map((d) => ctx.local.get(d.file.file_path)!);
    sql += ` ANTI JOIN (${positionDeletesSql(files, pairs)}) AS __p ON __d."__file" = __p."__file" AND __d."__pos" = __p."__pos"`;
  }
  const bySet = new Map<string, ScanDelete[]>();
  for (const d of g.deletes.filter((x) => x.kind === 'equality')) {
    const k = JSON.stringify(d.file.equality_ids);
    bySet.set(k, [...(bySet.get(k) ?? []), d]);
  }
  let n = 0;
  for (const [k, files] of bySet) {
    const eq = (JSON.parse(k) as number[]).map((id) => eqField(id, ctx));
    const left = eq.map((f) => equalityKeySql(f, (id) => `__d.${quoteIdent(`c${g.fields.findIndex((x) => x.id === id)}`)}`));
    const alias = `__e${n++}`;
    const right = eq.map((_, j) => `${alias}.${keyAlias(j)}`);
    sql += ` ANTI JOIN (${equalityDeletesSql(files, eq, ctx)}) AS ${alias} ON ${nullSafeMatch(left, right)}`;
  }
  return sql;
}

const FILE_NAME_COLUMN = '__floe_data_file';

/** The rows of data files read through one projection, as columns c0, c1, …. */
function readSql(paths: readonly string[], p: FileProjection, positions: boolean): string {
  const args = [`[${paths.map(quoteLiteral).join(', ')}]`, 'hive_partitioning = false'];
  if (p.mode === 'ids' && p.mapEntries.length > 0) args.push(`schema = ${schemaMapSql(p.mapEntries)}`);
  // The file name under a name of floe's own: `filename = true` adds a column "filename",
  // which DuckDB refuses when the file (read by names: no field ids) has a column of that name.
  if (positions) args.push(`filename = ${quoteLiteral(FILE_NAME_COLUMN)}`, 'file_row_number = true');
  const cols = p.exprs.map((e, i) => `${e} AS ${quoteIdent(`c${i}`)}`);
  if (positions) cols.push(`${quoteIdent(FILE_NAME_COLUMN)} AS "__file"`, '"file_row_number" AS "__pos"');
  return `SELECT ${cols.join(', ') || 'NULL AS "c"'} FROM read_parquet(${args.join(', ')})`;
}

/** The key rows of equality delete files that share one set of equality ids. */
function equalityDeletesSql(files: readonly ScanDelete[], eq: readonly EqualityField[], ctx: ReadContext): string {
  const tops: NestedField[] = [];
  for (const f of eq) if (!tops.some((t) => t.id === f.chain[0]!.id)) tops.push(f.chain[0]!);
  const byProjection = new Map<string, { p: FileProjection; paths: string[] }>();
  for (const d of files) {
    const path = ctx.local.get(d.file.file_path)!;
    const file = ctx.columns.get(path)!;
    const p = projectFile({ fields: tops, columns: file.columns, mode: file.mode, file: d.file.file_path });
    const key = JSON.stringify(p);
    const entry = byProjection.get(key);
    if (entry) entry.paths.push(path);
    else byProjection.set(key, { p, paths: [path] });
  }
  const keys = eq.map((f, j) => `${equalityKeySql(f, (id) => quoteIdent(`c${tops.findIndex((t) => t.id === id)}`))} AS ${keyAlias(j)}`);
  return [...byProjection.values()]
    .map(({ p, paths }) => `SELECT ${keys.join(', ')} FROM (${readSql(paths, p, false)})`)
    .join(' UNION ALL ');
}
