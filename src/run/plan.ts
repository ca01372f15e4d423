/**
 * `floe plan`: what a run would do, without writing anything — the source, the target,
 * the schema diff and the partition/sort diff (the layout change floe run would commit). File and sql sources are described through
 * DuckDB (their views are lazy, so only file headers are read); database and HTTP sources
 * are not contacted, so their schema diff is left to the run.
 */
import type { Catalog } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import { FloeError } from '../errors.js';
import { openEngine, type Engine } from '../engine/duckdb.js';
import { schemaFromColumns } from '../engine/infer-schema.js';
import { createTableChange } from '../iceberg/metadata-builder.js';
import { applyChange } from '../table/apply.js';
import { quoteIdent } from '../engine/sql.js';
import { readMapKeys } from '../ingest/map-keys.js';
import { reconcileColumns } from '../ingest/reconcile.js';
import type { FileIO } from '../io/fileio.js';
import { unboundPartitionField, unboundSortField } from '../pipeline/expressions.js';
import { readsTables } from '../pipeline/order.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import type { Redactor } from '../pipeline/secrets.js';
import { createSource } from '../sources/index.js';
import { SOURCE_FILE_COLUMN } from '../sources/source.js';
import { isMissingColumn, planLayout } from '../table/evolve/layout.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { currentSchema, refuseRowLineage } from '../table/snapshot-producer.js';
import { planIdentity } from './identity-plan.js';
import { checkMovedCursor, checkTaggedCursor, describeMovedStart, describeStart, readStart, readState, resumesFromTable } from './state.js';
import { lookbackText } from '../sources/lookback.js';
import { lookbackWhere } from './lookback.js';
import { fitImpliedRules, formattedColumns, planNormalize, registerNormalizersFor, withDeclaredNumberRules } from './normalize.js';
import { piiColumns } from '../governance/policy.js';

export interface PipelinePlan {
  pipeline: string;
  source: string;
  target: string;
  mode: string;
  tableExists: boolean;
  schema: string[];
  partitioning: string[];
  sortOrder: string[];
  problems: string[];
  /**
   * An incremental pipeline's read: the bound the run compares its cursor with (the last
   * committed watermark, less `incremental.lookback`), from the table's state; absent otherwise.
   */
  incremental?: { text: string; cursor: string; watermark: string | null; lower_bound: string | null; inclusive: boolean; lookback?: string; param?: { name: string; value: string | null }; source_lower_bound?: string; source_reads_whole?: ('text' | 'not text')[] };
}

const LAZY_SOURCES = new Set(['csv', 'json', 'jsonl', 'parquet', 'sql']);

export async function planPipeline(
  lp: LoadedPipeline,
  catalog: Catalog,
  io: FileIO,
  projectDir: string,
  redact: Redactor,
  /** Tables that other pipelines of the same plan write (table → pipeline): they run first (pipeline/order.ts). */
  writtenBy: ReadonlyMap<string, string> = new Map(),
): Promise<PipelinePlan> {
  const given = lp.pipeline;
  if (given.kind !== 'ingest') {
    const ip = await planIdentity(lp, catalog, io);
    return { pipeline: lp.name, source: ip.source, target: `${given.outputs.identity_map}, ${given.outputs.profiles}`, mode: 'identity', tableExists: ip.tableExists, schema: ip.lines, partitioning: [], sortOrder: [], problems: ip.problems };
  }
  // As floe run reads it: a CSV source's declared integer and decimal columns typed from their text (normalize.ts).
  const numberRules = withDeclaredNumberRules(given.columns, given.source);
  const p = { ...given, columns: numberRules.rules };
  const id = parseTableIdentifier(p.target.table);
  const table = (await catalog.tableExists(id)) ? await loadTable(catalog, io, id) : undefined;
  const out: PipelinePlan = {
    pipeline: lp.name,
    source: p.source.kind,
    target: p.target.table,
    mode: p.target.mode,
    tableExists: table !== undefined,
    schema: [],
    partitioning: [],
    sortOrder: [],
    problems: [],
  };
  if ('incremental' in p.source && p.source.incremental) {
    try {
      out.incremental = await planStart(lp, p.source.incremental, table);
      // An http source sends the bound to the API: the parameter as the run writes it (sources/http-incremental.ts).
      if (p.source.kind === 'http') out.incremental = (await import('../sources/http-incremental.js')).planParam(out.incremental!, p.source.incremental!, { pipeline: lp.name, file: lp.file, projectDir });
      // A database source may read the column whole, or from below the bound (sources/incremental.ts cursorStart).
      if (p.source.kind === 'postgres' || p.source.kind === 'mysql' || p.source.kind === 'sqlite') out.incremental = (await import('../sources/incremental.js')).planSourceBound(out.incremental!, p.columns[p.source.incremental.cursor], p.source.kind, formattedColumns(p.columns));
    } catch (e) {
      // A lookback that does not fit the cursor is the pipeline file's error, as in floe run (exit 2).
      if (e instanceof FloeError && e.kind === 'config') throw e;
      out.problems.push(redact(e instanceof FloeError ? e.message : String(e)));
    }
  }
  const partitionBy = p.target.partition_by.map(unboundPartitionField);
  const sortBy = p.target.sort_by.map(unboundSortField);
  if (!table) {
    const wanted = p.target.partition_by.map((e) => e.text.trim());
    out.partitioning = wanted.length ? [`create partitioned by ${wanted.join(', ')}`] : ['create unpartitioned'];
    if (sortBy.length) out.sortOrder = [`create sorted by ${p.target.sort_by.map((e) => e.text.trim()).join(', ')}`];
  } else {
    // The same plan floe run commits with its data (table/evolve/layout.ts).
    try {
      const layout = planLayout(table.metadata, { partitionBy, sortBy }, p.target.table);
      out.partitioning = layout.changes.filter((c) => c.startsWith('partition spec'));
      out.sortOrder = layout.changes.filter((c) => c.startsWith('sort'));
    } catch (e) {
      // A column the run itself adds: the layout binds to it in the run's commit.
      const msg = e instanceof FloeError ? e.message : String(e);
      if (isMissingColumn(e)) out.partitioning = [`${msg}; if the run adds that column, the layout is evolved with its write`];
      else out.problems.push(msg);
    }
  }
  if (!LAZY_SOURCES.has(p.source.kind)) {
    out.source = `${p.source.kind} (not contacted by plan)`;
    return out;
  }
  if (p.source.kind === 'sql') {
    // A table the run creates before this pipeline (an upstream pipeline's target) cannot be
    // described yet; `floe run` of the same pipelines orders them, so it is not a problem.
    // (Names the SQL uses that no pipeline writes, `alias.column` among them, are left to DuckDB.)
    const later: string[] = [];
    const tables: string[] = [];
    for (const t of readsTables(p)) {
      const writer = writtenBy.get(t);
      const exists = await catalog.tableExists(parseTableIdentifier(t));
      if (exists || writer !== undefined) tables.push(t);
      if (writer !== undefined && writer !== lp.name && !exists) later.push(t);
    }
    if (later.length > 0) {
      out.source = `sql: query over ${tables.join(', ')}`;
      out.schema = [`columns known once ${later.map((t) => `${writtenBy.get(t)} has created ${t}`).join(' and ')} (it runs first)`];
      return out;
    }
  }
  const engine = await openEngine({ threads: 1 });
  try {
    await registerNormalizersFor(engine.connection, p.columns);
    const extracted = await (await createSource(p.source, lp.resolved, catalog, io)).extract({ engine, projectDir, pipeline: lp.name, pipelineFile: lp.file, redact, textColumns: formattedColumns(p.columns, p.source.kind), quarantine: p.rejects !== undefined });
    out.source = `${p.source.kind}: ${redact(extracted.describe)}`;
    const cols = await engine.columns(`SELECT * FROM ${quoteIdent(extracted.relation)}`, `describe the source of ${lp.name}`, { kind: 'source' });
    const names = cols.map((c) => c.name).filter((c) => c !== SOURCE_FILE_COLUMN);
    const norm = planNormalize(names, fitImpliedRules(p.columns, numberRules.implied, names), lp.name);
    const sql = await writtenRows(engine, `SELECT ${norm.select} FROM ${quoteIdent(extracted.relation)}`, lp);
    const typed = await engine.columns(sql, `describe the columns of ${lp.name}`, { kind: 'source' });
    const incoming = schemaFromColumns(typed);
    if (!table) {
      out.schema = incoming.fields.map((f) => `create column ${f.name} ${typeof f.type === 'string' ? f.type : f.type.type}`);
      // The table the run creates (its spec and sort order bound to these columns, its format
      // version), made as the run makes it (write-table.ts loadOrCreate), and refused as the run refuses it.
      try {
        const change = createTableChange({ location: 'plan:', schema: incoming, partitionBy, sortBy, properties: p.target.properties });
        refuseRowLineage(applyChange(null, change, { metadataLocation: null, now: Date.now() }), p.target.table, 'writes to');
      } catch (e) {
        out.problems.push(`${p.target.table}: ${redact(e instanceof FloeError ? e.message : String(e))}`);
      }
    } else {
      const mapKeys = await readMapKeys(engine, sql, currentSchema(table.metadata), incoming, `read the map keys of the source of ${lp.name}`);
      const r = reconcileColumns(currentSchema(table.metadata), incoming, p.target.table, p.target.on_schema_change, undefined, table.metadata['last-column-id'], mapKeys);
      out.schema = [...(r.changes.length ? r.changes : ['no schema change']), ...r.casts];
    }
  } catch (e) {
    out.problems.push(redact(e instanceof FloeError ? e.message : String(e)));
  } finally {
    engine.close();
  }
  return out;
}

/**
 * The rows as the run writes them, from the normalised source query: `apply: ingest` PII
 * policies applied (a hashed column is a string; a hash without its salt fails, as in
 * run-pipeline.ts), and a merge's `delete_column` left out (merge.ts: the marker is not a
 * column of the table).
 */
async function writtenRows(engine: Engine, normalised: string, lp: LoadedPipeline): Promise<string> {
  const p = lp.pipeline;
  if (p.kind !== 'ingest') return normalised;
  let sql = normalised;
  const pii = piiColumns(p.columns);
  if (pii.some((c) => c.apply === 'ingest')) sql = (await import('../governance/ingest.js')).ingestPiiSql(sql, pii, p.target.table);
  const marker = p.target.mode === 'merge' ? p.target.delete_column : undefined;
  if (marker === undefined) return sql;
  const names = (await engine.columns(sql, `describe the columns of ${lp.name}`, { kind: 'source' })).map((c) => c.name);
  if (!names.includes(marker)) {
    throw new FloeError('config', `merge into ${p.target.table}: delete_column "${marker}" is not a column of the input (columns: ${names.join(', ')})`, {
      context: { table: p.target.table },
      hint: 'name a boolean column of the normalised input in target.delete_column',
    });
  }
  return `SELECT * EXCLUDE (${quoteIdent(marker)}) FROM (${sql}) AS __floe_in`;
}

/**
 * The read `floe run` would start with (state.ts readStart). When the snapshot holding the
 * watermark was expired, the run resumes after the table's greatest cursor value, which plan
 * does not scan for: it says so. When the pipeline's watermark is on another column (its
 * incremental.cursor was changed), an append run resumes after the table's greatest value of
 * the new column: plan reads it as the run does (state-recover.ts), or fails as the run would.
 */
async function planStart(lp: LoadedPipeline, incremental: { cursor: string; initial?: string | number; lookback?: string | number }, table: LoadedTable | undefined): Promise<PipelinePlan['incremental']> {
  const p = lp.pipeline;
  const m = table?.metadata;
  const state = readState(m, lp.name, incremental.cursor);
  const mode = p.kind === 'ingest' ? p.target.mode : 'append';
  const tableName = p.kind === 'ingest' ? p.target.table : '';
  if (p.kind === 'ingest') checkTaggedCursor(m, { pipeline: lp.name, file: lp.file, table: tableName, cursor: incremental.cursor, column: p.columns[incremental.cursor]?.rename ?? incremental.cursor });
  let recovered: string | undefined;
  if (state.cursorMoved && table && resumesFromTable(state, mode)) {
    const engine = await openEngine({ threads: 1 });
    try {
      const column = (p.kind === 'ingest' ? p.columns[incremental.cursor]?.rename : undefined) ?? incremental.cursor;
      recovered = await (await import('./state-recover.js')).recoverCursor(engine, table, tableName, column);
    } finally {
      engine.close();
    }
  }
  checkMovedCursor(state, { pipeline: lp.name, table: tableName, cursor: incremental.cursor, mode, initial: incremental.initial, recovered });
  const where = incremental.lookback !== undefined ? await lookbackWhere(lp, m) : { pipeline: lp.name, file: lp.file };
  const s = readStart(where, incremental, state.cursor ?? recovered ?? null);
  const text = state.cursorMoved
    ? describeMovedStart(s, state.cursorMoved, recovered, tableName)
    : state.cursor === null && state.historyExpired
      ? `${incremental.cursor} above the greatest value in the table (the snapshot holding the watermark was expired)${incremental.lookback !== undefined ? `, less lookback ${lookbackText(incremental.lookback)}` : ''}`
      : describeStart(s);
  return { text: `incremental: ${text}`, cursor: s.column, watermark: s.watermark, lower_bound: s.after, inclusive: s.inclusive, ...(s.lookback !== undefined ? { lookback: s.lookback } : {}) };
}
