/**
 * `mode: merge` — upsert on `key` by copy-on-write. Only the data files that can hold an
 * incoming key are rewritten: a file is a candidate when the bounds of its first key
 * column overlap the incoming keys' [min, max] (spec: "Manifests" lower/upper bounds;
 * truncated string bounds stay conservative). The candidates' rows whose key is not
 * incoming are kept, the incoming rows are added, and one `overwrite` snapshot removes the
 * candidates and adds the new files. Candidates whose bounds overlap [min, max] but hold no
 * single incoming key are dropped too (merge-prune.ts). Of the candidates' rows, only those
 * within the incoming keys' range go through the anti-join (merge-rewrite.ts).
 *
 * With `deleteColumn`, an incoming row whose marker is true deletes the row with its key:
 * its key takes part in the anti-join like any other, but the row itself is not added, and
 * the marker column is never written.
 *
 * With the table property `write.merge.mode = merge-on-read` the candidates are not
 * rewritten: their matching rows get position deletes and the incoming rows are appended
 * (merge-on-read.ts).
 *
 * The incoming rows are read where a pipeline run staged them (`staged`: a view over its
 * typed batch), or copied once into a temp table; one summary pass gives the key range and
 * the number of rows to add, and checks every value the write will take.
 *
 * Conflicts (spec "Optimistic concurrency"; Iceberg's validateNoConflictingData): if a
 * concurrent commit removed a candidate, or added files whose key range overlaps the
 * incoming keys, re-applying could resurrect or duplicate rows, so the merge fails cleanly
 * and changes nothing. Other concurrent commits are retried on.
 */
import { formatTableId } from '../catalog/catalog.js';
import { FloeError } from '../errors.js';
import type { Engine, Row } from '../engine/duckdb.js';
import { tableScanSql } from '../engine/read.js';
import { quoteIdent } from '../engine/sql.js';
import { refuseUnwritableFixed } from '../engine/write-parquet.js';
import { schemaFromColumns } from '../engine/infer-schema.js';
import { icebergValueOf } from '../engine/types.js';
import { compareValues, fromBinary } from '../iceberg/conversions.js';
import { fieldByPath, type IndexedField } from '../iceberg/schema.js';
import { DataFileContent, ManifestEntryStatus, type DataFile, type PrimitiveType, type IcebergValue, type NestedField, type Schema } from '../iceberg/types.js';
import { withTableIngestTags, writeAndCommit, writeTable, type WriteTableOptions, type WriteTableResult } from '../ingest/write-table.js';
import { readMapKeys } from '../ingest/map-keys.js';
import { reconcileColumns } from '../ingest/reconcile.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { planScan, type ScanDelete, type ScanPlan } from '../table/scan.js';
import type { ScanTask } from '../table/delete-index.js';
import { referencedDataFile } from '../table/delete-index.js';
import { currentSchema, nextSchemaId, refuseRowLineage } from '../table/snapshot-producer.js';
import { mergeWriteMode } from '../table/position-deletes.js';
import { type EntryCheck, noNewDeletesForDataFiles, validateNewEntries } from './merge-conflicts.js';
import { mergeOnRead, mergeOnReadObstacle } from './merge-on-read.js';
import { candidatesHoldingKeys } from './merge-prune.js';
import { stagePositions } from './merge-positions.js';
import { keyBoundVariables, rewriteSql } from './merge-rewrite.js';
import { writeWithheld } from '../governance/withhold.js';

export interface MergeOptions extends Omit<WriteTableOptions, 'mode'> {
  key: string[];
  /** A boolean column of the input: true deletes the row with that key. */
  deleteColumn?: string;
  /**
   * `selectSql` reads rows already staged in this engine session (a pipeline run's typed
   * batch): a deterministic scan that is cheap to repeat. The merge then reads them where
   * they are, through a view, instead of copying them into a temp table of its own.
   */
  staged?: boolean;
  /**
   * The table as the caller read it moments before (a pipeline run reads it first): not read
   * again. A commit made since is a concurrent commit like any other: the merge's conflict
   * checks run from this table's snapshot on every commit attempt.
   */
  table?: LoadedTable;
}

const DELETE = '__floe_delete';

interface KeyRange {
  fieldId: number;
  type: string;
  min: IcebergValue;
  max: IcebergValue;
}

export async function mergeTable(o: MergeOptions): Promise<WriteTableResult> {
  const name = formatTableId(o.id);
  // DuckDB prepares the input off the main thread: the table's metadata is read meanwhile.
  // Errors keep their order: the input's first, then the table's.
  const [described, loaded] = await Promise.allSettled([
    o.engine.columns(o.selectSql, `read the input of ${name}`, { kind: 'source' }),
    (async () => o.table ?? ((await o.catalog.tableExists(o.id)) ? loadTable(o.catalog, o.io, o.id) : undefined))(),
  ]);
  if (described.status === 'rejected') throw described.reason;
  let columns = described.value;
  const marker = o.deleteColumn === undefined ? 'FALSE' : deleteMarker(columns.map((c) => c.name), o.deleteColumn, name);
  const inputSql = o.deleteColumn === undefined ? o.selectSql : `SELECT * EXCLUDE (${quoteIdent(o.deleteColumn)}) FROM (${o.selectSql}) AS __floe_in`;
  if (loaded.status === 'rejected') throw loaded.reason;
  const table = loaded.value;
  if (table === undefined) {
    // A new table: deletions have nothing to delete.
    const upserts = o.deleteColumn === undefined ? o.selectSql : `${inputSql} WHERE NOT coalesce(${marker}, FALSE)`;
    return writeTable({ ...o, selectSql: upserts, mode: 'append' });
  }
  if (o.deleteColumn !== undefined) columns = columns.filter((c) => c.name !== o.deleteColumn);
  const m = table.metadata;
  refuseRowLineage(m, name, 'merges into');
  const tableSchema = currentSchema(m);
  // Before anything is staged or written: merge-on-read writes its delete files first.
  refuseUnwritableFixed(tableSchema, name);
  const incomingSchema = schemaFromColumns(columns);
  const mapKeys = await readMapKeys(o.engine, inputSql, tableSchema, incomingSchema, `read the map keys of the rows to merge into ${name}`);
  const r = reconcileColumns(tableSchema, incomingSchema, name, o.schemaPolicy ?? 'fail', nextSchemaId(m), m['last-column-id'], mapKeys, writeWithheld(m, name, o.pii));
  const incoming = o.engine.uniqueName('merge_in');
  // The scan is planned (manifests read on the main thread) while DuckDB stages the rows.
  const planned = planScan({ io: table.io, metadata: m, table: name });
  planned.catch(() => undefined); // awaited by mergeStaged; a failed staging must not leave it unhandled
  // Rows the caller staged are read in place (a view); others are staged here, once.
  const kind = o.staged ? 'VIEW' : 'TABLE';
  await o.engine.run(
    `CREATE TEMP ${kind} ${quoteIdent(incoming)} AS ${await withTableIngestTags(o, m, name, `SELECT ${r.projection}, coalesce(${marker}, FALSE) AS ${DELETE} FROM (${o.selectSql}) AS __floe_in`, r.schema)}`,
    `stage the rows to merge into ${name}`,
    { kind: 'source', context: { table: name } },
  );
  try {
    const keys = o.key.map((k) => {
      const f = fieldByPath(r.schema, k);
      if (!f) throw new FloeError('config', `merge key "${k}" is not a column of ${name}`, { context: { table: name } });
      // A key this run would add to the table: every row already there has it NULL, so none would ever match.
      if (fieldByPath(tableSchema, k)?.id !== f.id) {
        throw new FloeError('config', `merge key "${k}" is not a column of ${name} (columns: ${tableSchema.fields.map((t) => t.name).join(', ')}): the merge would add it, and no row already in the table could match a key`, {
          context: { table: name },
          hint: 'name an existing column in target.key; a column renamed with floe table evolve --rename-column is read by its new name',
        });
      }
      return f;
    });
    const summary = await summarise(o.engine, incoming, o.staged ? r.schema : undefined, o.key[0]!, name);
    return await mergeStaged({ o, name, table, tableSchema, r, incoming, keys, summary, planned });
  } finally {
    await o.engine.run(`DROP ${kind} IF EXISTS ${quoteIdent(incoming)}`, 'drop the staged merge rows').catch(() => undefined);
    await o.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(`${incoming}_summary`)}`, 'drop the summary of the merge rows').catch(() => undefined);
  }
}

/**
 * One pass over the incoming rows: the first key's [min, max] (DuckDB's own typed values) and
 * how many rows are added (not marked deleted), staged as a one-row table `<incoming>_summary`
 * (`lo`, `hi`, `adds`). When `incoming` is a view over the caller's staged rows, `view` is its
 * schema and the pass reads every column, so a value the write cannot take (the projection's
 * checks: an infinite timestamp, a NULL in a required column, a delete marker that is not a
 * boolean) fails the merge here, before anything is written; a temp table's CREATE ran those
 * checks already.
 */
async function summarise(engine: Engine, incoming: string, view: Schema | undefined, firstKey: string, name: string): Promise<Summary> {
  const relation = `${incoming}_summary`;
  const k = quoteIdent(firstKey);
  const every = view ? [...view.fields.map((f) => quoteIdent(f.name)), DELETE].map((c, i) => `, count(${c}) AS __c${i}`).join('') : '';
  await engine.run(
    `CREATE TEMP TABLE ${quoteIdent(relation)} AS SELECT min(${k}) AS lo, max(${k}) AS hi, count(*) FILTER (WHERE NOT ${DELETE})::BIGINT AS adds${every} FROM ${quoteIdent(incoming)}`,
    `stage the rows to merge into ${name}`,
    { kind: 'source', context: { table: name } },
  );
  const row = (await engine.all(`SELECT lo, hi, adds FROM ${quoteIdent(relation)}`, 'read the range of merge keys'))[0] ?? {};
  return { relation, lo: row.lo ?? null, hi: row.hi ?? null, adds: BigInt(String(row.adds ?? 0)) };
}

/** The incoming rows' summary (`summarise`). */
interface Summary {
  /** The one-row table with columns `lo`, `hi` (the first key's min and max) and `adds`. */
  relation: string;
  lo: Row[string];
  hi: Row[string];
  /** Rows not marked deleted. */
  adds: bigint;
}

interface Staged {
  o: MergeOptions;
  name: string;
  table: LoadedTable;
  tableSchema: Schema;
  r: ReturnType<typeof reconcileColumns>;
  /** The incoming rows (a temp table, or a view over the caller's staged rows): the reconciled columns plus the delete marker. */
  incoming: string;
  /** The key fields of `r.schema`, in key order. */
  keys: IndexedField[];
  summary: Summary;
  /** The scan plan of the table's current snapshot. */
  planned: Promise<ScanPlan>;
}

/** The merge of the rows of `incoming`: candidates, then merge-on-read or a copy-on-write rewrite. */
async function mergeStaged({ o, name, table, tableSchema, r, incoming, keys, summary, planned }: Staged): Promise<WriteTableResult> {
  const m = table.metadata;
  const range = keyRange(summary, keys[0]!.id, keys[0]!.type as string);
  const plan = await planned;
  // The first key as a top-level column of both the table and the input: what the per-key pruning and the rewrite's split need.
  const first = keys[0]!;
  const topKey = typeof first.type === 'string' && r.schema.fields.some((f) => f.id === first.id) && tableSchema.fields.some((f) => f.id === first.id);
  let candidates = plan.dataFiles.filter((t) => range !== null && mayContain(t.file, range));
  if (candidates.length && topKey) candidates = await candidatesHoldingKeys(o.engine, incoming, { fieldId: first.id, type: first.type as string, name: o.key[0]! }, candidates, name);
  const carried = r.schema.fields.map((f) => (tableSchema.fields.some((t) => t.id === f.id) ? quoteIdent(tableSchema.fields.find((t) => t.id === f.id)!.name) : `NULL`) + ` AS ${quoteIdent(f.name)}`);
  let selectSql = `SELECT * EXCLUDE (${DELETE}) FROM ${quoteIdent(incoming)} WHERE NOT ${DELETE}`;
  const startId = m['current-snapshot-id'];
  const top = keys.map((k) => r.schema.fields.find((f) => f.id === k.id));
  const topKeys = top.every((f) => f !== undefined) ? (top as NestedField[]) : undefined;
  // Whether the candidates' key columns can be read by field id, with their deletes applied.
  const obstacle = candidates.length === 0 ? undefined : topKeys ? await mergeOnReadObstacle(o.engine, table, topKeys, candidates) : 'a merge key is a nested field';
  // Delete files exist from format version 2 on (spec: "Version 2: Row-level Deletes"): a v1 table merges by copy-on-write.
  if (mergeWriteMode(m.properties, name) === 'merge-on-read' && m['format-version'] >= 2) {
    if (obstacle === undefined) {
      const result = await mergeOnRead({
        o, table, name, schema: r.schema, evolved: r.evolved, incoming, keys: topKeys!, insertSql: selectSql, adds: summary.adds > 0n, candidates, range: range ?? undefined,
        conflicts: [noConflictingAppends(range, name)],
      });
      return { ...result, created: false, schemaChanges: [...r.changes, ...result.layoutChanges] };
    }
    // Otherwise copy-on-write below: the same rows, only slower (the obstacle is not an error).
  }
  // Copy-on-write rewrites only the candidates with a live row whose key is incoming: a file
  // whose bounds hold an incoming key but whose rows do not (new keys inside its range, random
  // ids) is left as it is, not rewritten unchanged.
  if (candidates.length && obstacle === undefined) candidates = await candidatesWithKeys(o.engine, table, candidates, topKeys!, incoming, range, name);
  let split: Awaited<ReturnType<typeof keyBoundVariables>> | undefined;
  try {
    if (candidates.length) {
      const scan = await tableScanSql({ engine: o.engine, io: table.io, metadata: m, table: name, plan: { ...plan, dataFiles: candidates } });
      // Only rows within the incoming key range can match: the others skip the anti-join (merge-rewrite.ts).
      if (range !== null && topKey) split = await keyBoundVariables(o.engine, summary.relation);
      selectSql = rewriteSql({ scanSql: scan.sql, carried, keys: o.key, incoming, insertSql: selectSql, bounds: split?.bounds });
    }
    const rewritten = new Set(candidates.map((t) => t.file.file_path));
    const result = await writeAndCommit(o, table, {
      selectSql,
      schema: r.schema,
      evolved: r.evolved,
      operation: candidates.length ? 'overwrite' : 'append',
      // File-scoped position deletes of rewritten files go with them (their rows are already applied).
      removeFiles: new Set([...rewritten, ...danglingDeletes(plan.deleteFiles, rewritten)]),
      validate: (base) => validateNewEntries(base, startId, [noConflictingAppends(range, name), noNewDeletesForDataFiles(rewritten, name)]),
      skipIfEmpty: true,
      audit: o.audit,
      ...(o.layout ? { layout: o.layout } : {}),
    });
    const { layoutChanges, ...written } = result;
    return { ...written, created: false, schemaChanges: [...r.changes, ...layoutChanges] };
  } finally {
    await split?.drop();
  }
}

/** The candidates holding a live row whose key is incoming (read as a merge-on-read merge finds its positions). */
async function candidatesWithKeys(engine: Engine, table: LoadedTable, candidates: readonly ScanTask[], keys: readonly NestedField[], incoming: string, range: KeyRange | null, name: string): Promise<ScanTask[]> {
  const stored = new Set(candidates.flatMap((t) => [t.file.file_path, ...t.deletes.map((d) => d.file.file_path)]));
  const local = new Map(await Promise.all([...stored].map(async (l) => [l, await table.io.localPath(l)] as const)));
  const positions = await stagePositions({ engine, tasks: candidates, local, keys, incoming, range: range ?? undefined, table: name });
  await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(positions.relation)}`, 'drop the merge positions').catch(() => undefined);
  return candidates.filter((_, i) => positions.counts.has(i));
}

/** Position delete files that name only data files in `removed`. */
function danglingDeletes(deletes: readonly ScanDelete[], removed: ReadonlySet<string>): string[] {
  return deletes.filter((d) => d.kind === 'position' && removed.has(referencedDataFile(d.file) ?? '')).map((d) => d.file.file_path);
}

/** The SQL that reads the marker as a boolean; the column must exist. */
function deleteMarker(columns: readonly string[], column: string, name: string): string {
  if (!columns.includes(column)) {
    throw new FloeError('config', `merge into ${name}: delete_column "${column}" is not a column of the input (columns: ${columns.join(', ')})`, {
      context: { table: name },
      hint: 'name a boolean column of the normalised input in target.delete_column',
    });
  }
  return `CAST(__floe_in.${quoteIdent(column)} AS BOOLEAN)`;
}

function keyRange(s: Summary, fieldId: number, type: string): KeyRange | null {
  if (s.lo === null || s.hi === null) return null;
  return { fieldId, type, min: icebergValueOf(type as PrimitiveType, s.lo), max: icebergValueOf(type as PrimitiveType, s.hi) };
}

/**
 * False only when the file's metrics prove it holds no key in the range. A NaN key (DuckDB
 * orders NaN above every number and matches NaN to NaN, so it is the range's max) is in no
 * file's bounds (spec: "Manifests", bounds leave NaN out): a file may hold it unless its
 * nan_value_counts says 0, and the range's numbers are then [min, +inf).
 */
export function mayContain(file: DataFile, range: KeyRange): boolean {
  const isNaN = (v: IcebergValue) => typeof v === 'number' && Number.isNaN(v);
  if (isNaN(range.max)) {
    const nans = file.nan_value_counts?.get(range.fieldId);
    if (nans === undefined || nans === null || nans > 0n) return true;
    if (isNaN(range.min)) return false; // only NaN keys, and the file has none
    range = { ...range, max: Infinity };
  }
  const lower = file.lower_bounds?.get(range.fieldId);
  const upper = file.upper_bounds?.get(range.fieldId);
  try {
    // A NaN bound (written by old writers) proves nothing.
    const lo = lower && fromBinary(range.type, lower);
    const hi = upper && fromBinary(range.type, upper);
    if (lo !== undefined && !isNaN(lo) && compareValues(range.type, lo, range.max) > 0) return false;
    if (hi !== undefined && !isNaN(hi) && compareValues(range.type, hi, range.min) < 0) return false;
  } catch {
    return true; // unreadable bounds prune nothing
  }
  return true;
}

/** Files added on main since the merge started whose key range overlaps ours would be duplicated or lost. */
function noConflictingAppends(range: KeyRange | null, name: string): EntryCheck | undefined {
  if (range === null) return undefined;
  return (e, s) => {
    if (e.status !== ManifestEntryStatus.ADDED || e.data_file.content !== DataFileContent.DATA || !mayContain(e.data_file, range)) return undefined;
    return new FloeError('conflict', `${name}: a concurrent commit (snapshot ${s['snapshot-id']}) added rows whose keys may overlap this merge; nothing was committed`, {
      retryable: false,
      context: { table: name, snapshot: String(s['snapshot-id']) },
      hint: 'Run the merge again: it will see the new rows.',
    });
  };
}

