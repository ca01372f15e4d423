/**
 * Durable quarantine: a run's rejected rows reach
 * `<table>__rejects` exactly once if and only if the run's commit to the target landed, across
 * a kill or a failure at any single point. Two tables cannot commit in one step, so:
 *
 * 1. Before the target commit, the rows are staged as one Parquet file under
 *    `<warehouse>/.floe-pending-rejects/<table>/` (stageRejects).
 * 2. The target commit carries the table property `floe.rejects.pending.<pipeline>` naming that
 *    file and the run id (pendingUpdates, through writeTable's amendChange): the staged rows
 *    become "owed to the rejects table" atomically with the data. Without that commit they
 *    are owed nothing, and the next run deletes the file.
 * 3. After the commit the rows are appended to the rejects table, whose snapshot summary
 *    carries `floe.pipeline` and `floe.run-id`, and the staged file is deleted.
 *
 * Every run of a pipeline writing the table starts (under the table lock) with
 * recoverPendingRejects: for each pending entry whose file still exists, the rows are appended
 * unless the rejects table already holds that pipeline's run (its snapshot summaries, else its
 * rows), then the file is deleted; staged files no entry names are leftovers of runs whose
 * target commit never landed, and are deleted too. The property is replaced or removed by
 * the pipeline's next commit.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import type { Engine } from '../engine/duckdb.js';
import { tableScanSql } from '../engine/read.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { FloeError } from '../errors.js';
import { piiProperties, type PiiColumn } from '../governance/policy.js';
import type { TableMetadata } from '../iceberg/types.js';
import { writeTable } from '../ingest/write-table.js';
import { joinLocation, type FileIO } from '../io/fileio.js';
import { loadTable } from '../table/load.js';
import type { TableChange } from '../table/updates.js';
import { SUMMARY } from './summary-keys.js';

/** Table property `floe.rejects.pending.<pipeline>` of the target (JSON, PendingRejects). */
export const PENDING_PREFIX = 'floe.rejects.pending.';
/** The folder under the warehouse where rejected rows wait for the target commit. */
export const PENDING_DIR = '.floe-pending-rejects';


export interface PendingRejects {
  'run-id': string;
  /** The staged Parquet file. */
  file: string;
  rows: number;
  /** The rejects table's PII tags (governance/ingest.ts rejectsPiiColumns). */
  pii: PiiColumn[];
}

/** A staged run's rejected rows: the entry the target commit will carry, and the temp table holding the same rows. */
export interface StagedRejects {
  entry: PendingRejects;
  relation: string;
}

export function rejectsTableName(table: string): string {
  return `${table}__rejects`;
}

function pendingFolder(warehouse: string, table: string): string {
  return joinLocation(warehouse, PENDING_DIR, formatTableId(parseTableIdentifier(table))) + '/';
}

/** The pending entries of every pipeline in the target's properties, by pipeline. */
export function pendingEntries(properties: Readonly<Record<string, string>>): Map<string, PendingRejects> {
  const out = new Map<string, PendingRejects>();
  for (const [k, v] of Object.entries(properties)) {
    if (!k.startsWith(PENDING_PREFIX)) continue;
    try {
      const e = JSON.parse(v) as PendingRejects;
      if (typeof e['run-id'] === 'string' && typeof e.file === 'string') out.set(k.slice(PENDING_PREFIX.length), { ...e, pii: Array.isArray(e.pii) ? e.pii : [] });
    } catch {
      // Not ours to decide: a hand-edited value is left alone and named nowhere.
    }
  }
  return out;
}

/** `change` also setting (or, without rows, removing) the pipeline's pending entry. Pure. */
export function withPending(base: TableMetadata, change: TableChange, pipeline: string, staged: PendingRejects | undefined): TableChange {
  const key = PENDING_PREFIX + pipeline;
  if (staged) return { ...change, updates: [...change.updates, { action: 'set-properties', updates: { [key]: JSON.stringify(staged) } }] };
  if (key in base.properties) return { ...change, updates: [...change.updates, { action: 'remove-properties', removals: [key] }] };
  return change;
}

/**
 * Runs `selectSql` once into a temp table (its `rejected_at` fixed) and stages those rows as
 * one Parquet file: what the target commit will name. `pii`: the rejects table's tags.
 */
export async function stageRejects(engine: Engine, io: FileIO, o: { warehouse: string; table: string; runId: string; selectSql: string; pii: PiiColumn[] }): Promise<StagedRejects> {
  const relation = engine.uniqueName('rejects');
  await engine.run(`CREATE TEMP TABLE ${quoteIdent(relation)} AS ${o.selectSql}`, `stage the rejected rows of ${o.table}`);
  const rows = Number((await engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(relation)}`, 'count the rejected rows'))[0]?.n ?? 0);
  const file = joinLocation(pendingFolder(o.warehouse, o.table), `${randomUUID()}.parquet`);
  const local = join(tmpdir(), `floe-rejects-${process.pid}-${randomUUID()}.parquet`);
  try {
    await engine.run(`COPY ${quoteIdent(relation)} TO ${quoteLiteral(local)} (FORMAT parquet)`, `stage the rejected rows of ${o.table}`);
    await io.putLocalFile(local, file);
  } finally {
    await rm(local, { force: true }).catch(() => undefined);
  }
  return { relation, entry: { 'run-id': o.runId, file, rows, pii: o.pii } };
}

export interface RejectsTarget {
  catalog: Catalog;
  io: FileIO;
  engine: Engine;
  warehouse: string;
  /** The pipeline's target table; its quarantine is `<table>__rejects`. */
  table: string;
}

/** Appends staged rows to the rejects table in one snapshot that names the run. */
export async function appendRejects(t: RejectsTarget, pipeline: string, entry: PendingRejects, selectSql: string): Promise<void> {
  const id = parseTableIdentifier(rejectsTableName(t.table));
  const written = await writeTable({
    catalog: t.catalog,
    io: t.io,
    engine: t.engine,
    id,
    warehouse: t.warehouse,
    selectSql,
    mode: 'append',
    schemaPolicy: 'add_columns',
    properties: piiProperties(entry.pii),
    summary: { [SUMMARY.pipeline]: pipeline, [SUMMARY.runId]: entry['run-id'] },
  });
  if (entry.pii.length) await (await import('../governance/ingest.js')).syncPiiProperties(t.catalog, t.io, id, entry.pii, written.committed);
}

/** Whether the rejects table already holds the rows of this pipeline's run: a snapshot summary says so, or (history expired) its rows do. */
async function rejectsHold(t: RejectsTarget, pipeline: string, runId: string): Promise<boolean> {
  const name = rejectsTableName(t.table);
  const id = parseTableIdentifier(name);
  if (!(await t.catalog.tableExists(id))) return false;
  const table = await loadTable(t.catalog, t.io, id);
  const m = table.metadata;
  if (m.snapshots.some((s) => s.summary[SUMMARY.pipeline] === pipeline && s.summary[SUMMARY.runId] === runId)) return true;
  if (m['current-snapshot-id'] === null || m['current-snapshot-id'] === undefined) return false;
  const scan = await tableScanSql({ engine: t.engine, io: table.io, metadata: m, table: name });
  const r = await t.engine.all(
    `SELECT count(*)::BIGINT AS n FROM (${scan.sql}) AS __r WHERE pipeline = ${quoteLiteral(pipeline)} AND run_id = ${quoteLiteral(runId)}`,
    `look for run ${runId} in ${name}`,
  );
  return Number(r[0]?.n ?? 0) > 0;
}

/**
 * The recovery every run starts with (see the header); returns the rows it added to the
 * rejects table, by pipeline and run. Throws when the rows cannot be added: the run stops
 * before it commits anything, and the staged file stays for the next attempt.
 */
export async function recoverPendingRejects(t: RejectsTarget, metadata: TableMetadata | undefined): Promise<{ pipeline: string; runId: string; rows: number }[]> {
  const entries = metadata ? pendingEntries(metadata.properties) : new Map<string, PendingRejects>();
  const recovered: { pipeline: string; runId: string; rows: number }[] = [];
  const named = new Set<string>();
  for (const [pipeline, entry] of entries) {
    named.add(entry.file);
    if (!(await t.io.exists(entry.file))) continue;
    try {
      if (!(await rejectsHold(t, pipeline, entry['run-id']))) {
        const local = await t.io.localPath(entry.file);
        await appendRejects(t, pipeline, entry, `SELECT * FROM read_parquet(${quoteLiteral(local)})`);
        recovered.push({ pipeline, runId: entry['run-id'], rows: entry.rows });
      }
      await t.io.delete(entry.file);
    } catch (e) {
      const rejects = rejectsTableName(t.table);
      throw new FloeError(e instanceof FloeError ? e.kind : 'io', `the quarantined rows of run ${entry['run-id']} of pipeline ${pipeline} (committed to ${t.table}) could not be added to ${rejects}: ${(e as Error).message}; nothing was committed`, {
        cause: e,
        context: { table: t.table, rejectsTable: rejects, pipeline, runId: entry['run-id'], file: entry.file },
        hint: `The rows stay staged in ${entry.file}; the next run of a pipeline writing ${t.table} adds them once ${rejects} can be written.`,
      });
    }
  }
  // Staged by runs whose target commit never landed (killed or failed before it).
  for await (const f of t.io.list(pendingFolder(t.warehouse, t.table))) {
    if (!named.has(f.location)) await t.io.delete(f.location).catch(() => undefined);
  }
  return recovered;
}

/**
 * After the target commit that names `staged`: the rows go to the rejects table, then the
 * staged file is deleted. A failure here leaves the target committed and the rows owed: the
 * error says so, and the next run adds them (recoverPendingRejects).
 */
export async function finishRejects(t: RejectsTarget, pipeline: string, staged: StagedRejects, snapshotId: bigint): Promise<void> {
  const rejects = rejectsTableName(t.table);
  try {
    await appendRejects(t, pipeline, staged.entry, `SELECT * FROM ${quoteIdent(staged.relation)}`);
  } catch (e) {
    throw new FloeError(e instanceof FloeError ? e.kind : 'io', `pipeline ${pipeline}: ${t.table} was committed (snapshot ${snapshotId}), but its ${staged.entry.rows} quarantined row(s) could not be written to ${rejects}: ${(e as Error).message}`, {
      cause: e,
      context: { pipeline, table: t.table, rejectsTable: rejects, snapshot: String(snapshotId), runId: staged.entry['run-id'], file: staged.entry.file },
      hint: `The rows are kept in ${staged.entry.file}: the next run of a pipeline writing ${t.table} adds them to ${rejects} (a rerun with the same --run-id does, then skips the committed run).`,
    });
  }
  // Best effort: a file left behind is found by the next run, which sees the rows are there.
  await t.io.delete(staged.entry.file).catch(() => undefined);
}

/** After a write that did not commit: its staged rows are owed to nobody (kept when the commit's outcome is unknown: the next run decides). */
export async function discardStaged(io: FileIO, staged: StagedRejects | undefined, error: unknown): Promise<void> {
  if (!staged || (error instanceof FloeError && error.context.commitState === 'unknown')) return;
  await io.delete(staged.entry.file).catch(() => undefined);
}
