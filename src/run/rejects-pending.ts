/**
 * Durable quarantine: a run's rejected rows reach
 * `<table>__rejects` exactly once if and only if the run's commit to the target landed, across
 * a kill or a failure at any single point. Two tables cannot commit in one step, so:
 *
 * 1. Before the target commit, the rows are staged as one Parquet file under
 *    `<warehouse>/.floe-pending-rejects/<table>/` (stageRejects), named
 *    `<run scope>-<attempt>.parquet`: the run scope is a digest of the pipeline and run id, the
 *    attempt a fresh id.
 * 2. The target commit carries the table property `floe.rejects.pending.<pipeline>` naming that
 *    file, the run id and the attempt (pendingUpdates, through writeTable's amendChange): the
 *    staged rows become "owed to the rejects table" atomically with the data. Without that
 *    commit they are owed nothing.
 * 3. After the commit the rows are written to the rejects table (rejects-write.ts: its snapshot
 *    summary carries `floe.pipeline`, `floe.run-id` and `floe.rejects.attempt`, and a snapshot
 *    of the same attempt is never written twice), and the staged file is deleted.
 *
 * Every run of a pipeline writing the table starts (under the table lock) with
 * recoverPendingRejects: for each pending entry whose file still exists, the rows are written
 * unless the rejects table already holds that attempt (its snapshot summaries, else, for a run
 * id without earlier attempts, its rows), then the file is deleted. A staged file no entry
 * names is the leftover of a run whose target commit never landed — or of a run still in
 * flight on another host sharing the warehouse, whose commit is yet to come, or that this run
 * read the table before. So such a file is deleted only when it is this run's own (same
 * pipeline and caller-chosen run id: a rerun clears what its killed attempt staged) or older
 * than STALE_STAGED_MS. The property is replaced or removed by the pipeline's next commit.
 *
 * A rerun with the same `--run-id` after an attempt whose checks kept `main` in place (that
 * attempt committed its snapshot unpublished, and its rejects) replaces that attempt's rows:
 * its entry says `replace`, also when it has no rejected rows (a staged file without rows
 * then stands for "none"), so the run id's rows in the rejects table are always its latest
 * attempt's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { formatTableId } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import type { Engine } from '../engine/duckdb.js';
import { tableScanSql } from '../engine/read.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { FloeError } from '../errors.js';
import type { PiiColumn } from '../governance/policy.js';
import type { TableMetadata } from '../iceberg/types.js';
import { joinLocation, type FileIO } from '../io/fileio.js';
import { ancestry } from '../table/ancestry.js';
import { loadTable } from '../table/load.js';
import { currentSchema } from '../table/snapshot-producer.js';
import type { TableChange } from '../table/updates.js';
import { attemptWritten, putRejects, rejectsTableName, type RejectsTable } from './rejects-write.js';
import { historyComplete, ofRun } from './run-ids.js';

export { rejectsTableName };

/** Table property `floe.rejects.pending.<pipeline>` of the target (JSON, PendingRejects). */
export const PENDING_PREFIX = 'floe.rejects.pending.';
/** The folder under the warehouse where rejected rows wait for the target commit. */
export const PENDING_DIR = '.floe-pending-rejects';
/**
 * A staged file no committed entry names is deleted by another run once it is this old (3
 * days, the default age of `floe maintain orphans`): no run stays that long between staging
 * its rejects and its target commit.
 */
export const STALE_STAGED_MS = 3 * 24 * 3600 * 1000;

export interface PendingRejects {
  'run-id': string;
  /** The staged Parquet file (without rows for a replacement by none). */
  file: string;
  rows: number;
  /** The rejects table's PII tags (governance/ingest.ts rejectsPiiColumns). */
  pii: PiiColumn[];
  /** The staging attempt, in the rejects snapshot's summary (absent in entries of older floe versions). */
  attempt?: string;
  /** The rows replace the pipeline's rows of this run id written by an earlier attempt. */
  replace?: boolean;
}

/** A staged run's rejected rows: the entry the target commit will carry, and the temp table holding the same rows (none for a replacement by no rows). */
export interface StagedRejects {
  entry: PendingRejects;
  relation?: string;
}

export interface RejectsTarget extends RejectsTable {
  /**
   * The run: its pipeline, its caller-chosen run id (`--run-id`; undefined without one) and
   * the target as the run read it. A rerun replaces what an earlier attempt of its run id
   * wrote, and clears the files its killed attempts staged.
   */
  run?: { pipeline: string; runId: string | undefined; base: TableMetadata | undefined };
}

function pendingFolder(warehouse: string, table: string): string {
  return joinLocation(warehouse, PENDING_DIR, formatTableId(parseTableIdentifier(table))) + '/';
}

/** The start of the names of the files a run stages: a digest of its pipeline and run id. */
function runScope(pipeline: string, runId: string): string {
  return createHash('sha256').update(`${pipeline}\n${runId}`, 'utf8').digest('hex').slice(0, 16);
}

/** The pending entries of every pipeline in the target's properties, by pipeline. */
export function pendingEntries(properties: Readonly<Record<string, string>>): Map<string, PendingRejects> {
  const out = new Map<string, PendingRejects>();
  for (const [k, v] of Object.entries(properties)) {
    if (!k.startsWith(PENDING_PREFIX)) continue;
    try {
      const e = JSON.parse(v) as PendingRejects;
      if (typeof e['run-id'] === 'string' && typeof e.file === 'string') {
        out.set(k.slice(PENDING_PREFIX.length), {
          ...e,
          rows: typeof e.rows === 'number' ? e.rows : 0,
          pii: Array.isArray(e.pii) ? e.pii : [],
          ...(typeof e.attempt === 'string' ? {} : { attempt: undefined }),
          replace: e.replace === true,
        });
      }
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
 * Whether an earlier attempt of `pipeline`'s run `runId` may have written rejects: a snapshot
 * of that run reached the target (published or not), or the rejects table has a snapshot of
 * it. Both are metadata, read on every rerun; the rows are not searched unless one says so
 * (when both snapshots were expired before the rerun, the earlier rows stay: docs/RERUNS.md).
 */
async function earlierAttempt(t: RejectsTarget, pipeline: string, runId: string): Promise<boolean> {
  const of = ofRun(pipeline, runId);
  if (t.run?.base?.snapshots.some(of)) return true;
  const id = parseTableIdentifier(rejectsTableName(t.table));
  if (!(await t.catalog.tableExists(id))) return false;
  return (await loadTable(t.catalog, t.io, id)).metadata.snapshots.some(of);
}

/** A new staging: the file's location and the attempt id; `replace` when the run is a rerun of a caller-chosen run id with an earlier attempt. */
async function newStaging(t: RejectsTarget, o: { pipeline: string; runId: string }): Promise<{ file: string; attempt: string; replace: boolean }> {
  const attempt = randomUUID();
  const file = joinLocation(pendingFolder(t.warehouse, t.table), `${runScope(o.pipeline, o.runId)}-${attempt}.parquet`);
  const replace = t.run?.runId === o.runId && (await earlierAttempt(t, o.pipeline, o.runId));
  return { file, attempt, replace };
}

/** Writes `from` (a relation, or a query in parentheses) as one Parquet file at `file`, through a local temp file. */
async function putParquet(engine: Engine, io: FileIO, from: string, file: string, purpose: string): Promise<void> {
  const local = join(tmpdir(), `floe-rejects-${process.pid}-${randomUUID()}.parquet`);
  try {
    await engine.run(`COPY ${from} TO ${quoteLiteral(local)} (FORMAT parquet)`, purpose);
    await io.putLocalFile(local, file);
  } finally {
    await rm(local, { force: true }).catch(() => undefined);
  }
}

/**
 * Runs `selectSql` once into a temp table (its `rejected_at` fixed) and stages those rows as
 * one Parquet file: what the target commit will name. `pii`: the rejects table's tags.
 */
export async function stageRejects(o: RejectsTarget & { runId: string; selectSql: string; pii: PiiColumn[] }): Promise<StagedRejects> {
  const { engine, io } = o;
  const relation = engine.uniqueName('rejects');
  await engine.run(`CREATE TEMP TABLE ${quoteIdent(relation)} AS ${o.selectSql}`, `stage the rejected rows of ${o.table}`);
  const rows = Number((await engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(relation)}`, 'count the rejected rows'))[0]?.n ?? 0);
  const pipeline = o.run?.pipeline ?? '';
  const { file, attempt, replace } = await newStaging(o, { pipeline, runId: o.runId });
  await putParquet(engine, io, quoteIdent(relation), file, `stage the rejected rows of ${o.table}`);
  return { relation, entry: { 'run-id': o.runId, file, rows, pii: o.pii, attempt, ...(replace ? { replace } : {}) } };
}

/**
 * A run without rejected rows: when it reruns a caller-chosen run id whose earlier attempt may
 * have written some, a staged Parquet file without rows and an entry that replaces them by
 * none; otherwise nothing to stage. (A floe that predates replacements reads the file as no
 * rows to add.)
 */
export async function stageNoRejects(t: RejectsTarget): Promise<StagedRejects | undefined> {
  if (!t.run?.runId) return undefined;
  const { file, attempt, replace } = await newStaging(t, { pipeline: t.run.pipeline, runId: t.run.runId });
  if (!replace) return undefined;
  await putParquet(t.engine, t.io, '(SELECT NULL::VARCHAR AS pipeline, NULL::VARCHAR AS run_id WHERE false)', file, `stage the rejects of ${t.table}`);
  return { entry: { 'run-id': t.run.runId, file, rows: 0, pii: [], attempt, replace: true } };
}

/** Appends (or, for a replacement, replaces) the staged rows in one snapshot that names the run and the attempt. */
async function appendRejects(t: RejectsTable, pipeline: string, entry: PendingRejects, selectSql: string | undefined): Promise<void> {
  await putRejects(t, { pipeline, runId: entry['run-id'], attempt: entry.attempt, pii: entry.pii, selectSql: entry.rows > 0 ? selectSql : undefined, replace: entry.replace === true });
}

/**
 * Whether the rejects table already holds the rows of this entry: a snapshot of its attempt
 * (of its run, for an entry of an older floe) says so, or (history expired) its rows do —
 * except for a replacement, which is applied again (the same result).
 */
async function rejectsHold(t: RejectsTable, pipeline: string, entry: PendingRejects): Promise<boolean> {
  const name = rejectsTableName(t.table);
  const id = parseTableIdentifier(name);
  if (!(await t.catalog.tableExists(id))) return false;
  const table = await loadTable(t.catalog, t.io, id);
  const m = table.metadata;
  const runId = entry['run-id'];
  if (entry.attempt !== undefined ? attemptWritten(m.snapshots, entry.attempt) : m.snapshots.some(ofRun(pipeline, runId))) return true;
  if (entry.replace || historyComplete(ancestry(m)) || m['current-snapshot-id'] === null || m['current-snapshot-id'] === undefined) return false;
  if (!currentSchema(m).fields.some((f) => f.name === 'run_id')) return false;
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
 * before it commits anything, and the staged file stays for the next attempt. `now`: the
 * clock the age of unnamed staged files is measured with.
 */
export async function recoverPendingRejects(t: RejectsTarget, metadata: TableMetadata | undefined, now = Date.now()): Promise<{ pipeline: string; runId: string; rows: number }[]> {
  const entries = metadata ? pendingEntries(metadata.properties) : new Map<string, PendingRejects>();
  const recovered: { pipeline: string; runId: string; rows: number }[] = [];
  const named = new Set<string>();
  for (const [pipeline, entry] of entries) {
    named.add(entry.file);
    if (!(await t.io.exists(entry.file))) continue;
    try {
      if (!(await rejectsHold(t, pipeline, entry))) {
        const rows = entry.rows > 0 ? `SELECT * FROM read_parquet(${quoteLiteral(await t.io.localPath(entry.file))})` : undefined;
        await appendRejects(t, pipeline, entry, rows);
        if (entry.rows > 0) recovered.push({ pipeline, runId: entry['run-id'], rows: entry.rows });
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
  // Staged by runs whose target commit never landed (killed or failed before it) — or by a run
  // still in flight on another host: only this run's own, and old ones, are deleted.
  const own = t.run?.runId === undefined ? undefined : `${runScope(t.run.pipeline, t.run.runId)}-`;
  for await (const f of t.io.list(pendingFolder(t.warehouse, t.table))) {
    if (named.has(f.location)) continue;
    const mine = own !== undefined && basename(f.location).startsWith(own);
    if (mine || now - f.lastModified >= STALE_STAGED_MS) await t.io.delete(f.location).catch(() => undefined);
  }
  return recovered;
}

/**
 * After the target commit that names `staged`: the rows go to the rejects table, then the
 * staged file is deleted. A failure here leaves the target committed and the rows owed: the
 * error says so, and the next run adds them (recoverPendingRejects).
 */
export async function finishRejects(t: RejectsTable, pipeline: string, staged: StagedRejects, snapshotId: bigint): Promise<void> {
  const rejects = rejectsTableName(t.table);
  try {
    await appendRejects(t, pipeline, staged.entry, staged.relation === undefined ? undefined : `SELECT * FROM ${quoteIdent(staged.relation)}`);
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
