/**
 * One ingest pipeline run: lock the target, read the state from the table, extract,
 * normalise, quarantine malformed rows, dedupe, then write (append | overwrite | merge)
 * with the new cursor and run id in the same snapshot.
 *
 * Two paths (ingest-path.ts): a run whose rows only the source's reader can reject streams
 * the source through the normalisation straight into the write (one scan); any other run
 * stages the normalised rows first (materialise) to count, filter and dedupe them.
 *
 * Nothing reaches the target unless the whole run succeeds: the reject limits are checked
 * before the commit (before the write, or in the streamed write's beforeCommit hook), and a
 * failed commit leaves the table as it was.
 */
import { cursorRuleState } from '../sources/incremental.js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import { configError, FloeError } from '../errors.js';
import type { DataFile, TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { TableChange } from '../table/updates.js';
import { openEngine, runMemoryLimit, type Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { registerFloeFunctions } from '../engine/udf.js';
import { writeTable, type WriteTableOptions, type WriteTableResult } from '../ingest/write-table.js';
import type { CheckResult } from '../checks/types.js';
import type { FileIO } from '../io/fileio.js';
import { isLocalLocation, toLocalPath } from '../io/local.js';
import { unboundPartitionField, unboundSortField } from '../pipeline/expressions.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import type { ProjectConfig } from '../pipeline/project.js';
import type { ColumnRule, IngestPipeline } from '../pipeline/schema-pipeline.js';
import { checkBoundFits, type BoundWhere } from './watermark-fit.js';
import type { Redactor } from '../pipeline/secrets.js';
import { createSource } from '../sources/index.js';
import { SOURCE_FILE_COLUMN, type Extracted } from '../sources/source.js';
import { asItIs, cursorKey, type CursorKey } from './cursor-order.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { tableScanSql } from '../engine/read.js';
import { currentSchema } from '../table/snapshot-producer.js';
import { hidesValues, PII_PREFIX, piiColumnOf, piiColumns, piiProperties, type PiiColumn } from '../governance/policy.js';
import { rulesWithTableTags } from '../governance/withhold.js';
import { chooseIngestPath } from './ingest-path.js';
import { acquireTableLock } from './lock.js';
import { fitImpliedRules, formattedColumns, planNormalize, registerNormalizersFor, withDeclaredNumberRules, type NormalizePlan } from './normalize.js';
import { checkRejects, rejectsOverLimit } from './reject-limits.js';
import { finishRejects, discardStaged, recoverPendingRejects, rejectsTableName, stageNoRejects, stageRejects, withPending, type StagedRejects } from './rejects-pending.js';
import { withRunIds } from './run-ids.js';
import { checkMovedCursor, checkTaggedCursor, cursorTableType, readStart, readState, resumesFromTable, startFields, stateSummary, type PipelineState } from './state.js';
import type { Reread } from './lookback.js';
import { currentSnapshot } from '../table/snapshot-select.js';
import { cancelSignal } from '../cancel.js';
import { committedByConcurrentRun, validateNoConcurrentRun } from '../table/conflicts.js';
import { displacedTableNote } from '../table/new-table.js';

export interface RunContext {
  project: ProjectConfig;
  catalog: Catalog;
  io: FileIO;
  redact: Redactor;
  fullRefresh?: boolean;
  /** A caller-chosen run id (Airflow's run id): a repeated id is a no-op. */
  runId?: string;
  lockTimeoutMs: number;
  /** `--no-audit`: publish without running the pipeline's checks. */
  noAudit?: boolean;
  onEvent?: (type: string, fields: Record<string, unknown>) => void;
}

export interface PipelineRunResult {
  pipeline: string;
  table: string;
  status: 'ok' | 'skipped';
  rowsRead: number;
  rowsWritten: bigint;
  rejects: number;
  /** Rows written with a value a normaliser nulled or adjusted (recorded in the quarantine table, kept = true). */
  valuesChanged?: number;
  snapshotId: bigint | null;
  durationMs: number;
  schemaChanges: string[];
  note?: string;
  /** The target's properties as the run's commit left them; absent when not known without reading the table again. */
  tableProperties?: Readonly<Record<string, string>>;
}

const REJECT = '__floe_reject';
const ISSUE = '__floe_issue';
const RAW = '__floe_raw';
const FILE = '__floe_source_file';

export function lockDir(project: ProjectConfig): string {
  const wh = project.paths.warehouse;
  return isLocalLocation(wh) ? join(toLocalPath(wh), '.floe-locks') : join(project.dir, '.floe-locks');
}

export async function runIngestPipeline(ctx: RunContext, lp: LoadedPipeline): Promise<PipelineRunResult> {
  const given = lp.pipeline as IngestPipeline;
  // A CSV source's declared integer and decimal columns are typed from their text, so a fraction is a reject.
  const numberRules = withDeclaredNumberRules(given.columns, given.source);
  const p: IngestPipeline = { ...given, columns: numberRules.rules };
  const started = Date.now();
  const id = parseTableIdentifier(p.target.table);
  const lock = await acquireTableLock(lockDir(ctx.project), p.target.table, ctx.lockTimeoutMs);
  let session: Engine | undefined;
  // A merge's modules load while DuckDB starts (off the main thread), not after the staging.
  const merging = p.target.mode === 'merge' ? import('./merge.js') : undefined;
  merging?.catch(() => undefined); // awaited by the write; a run that fails before it must not leave it unhandled
  // The source's account of a read error the write surfaced (Extracted.explainFailure).
  let explainFailure: Extracted['explainFailure'];
  try {
    // DuckDB creates its instance off the main thread: the table's metadata is read meanwhile.
    const [opened, loaded] = await Promise.allSettled([
      // Bounded: staged rows and the normalised copy spill to a temp folder beyond the limit.
      openEngine({ memoryLimit: runMemoryLimit(), spill: true }),
      (async () => ((await ctx.catalog.tableExists(id)) ? loadTable(ctx.catalog, ctx.io, id) : undefined))(),
    ]);
    if (opened.status === 'rejected') throw opened.reason;
    const engine = (session = opened.value);
    if (loaded.status === 'rejected') throw loaded.reason;
    const existing = loaded.value;
    registerFloeFunctions(engine.connection);
    await registerNormalizersFor(engine.connection, p.columns, p.name);
    const cursorColumn = 'incremental' in p.source ? p.source.incremental?.cursor : undefined;
    const state = readState(existing?.metadata, p.name, cursorColumn);
    if (cursorColumn) checkTaggedCursor(existing?.metadata, { pipeline: p.name, file: lp.file, table: p.target.table, cursor: cursorColumn, column: p.columns[cursorColumn]?.rename ?? cursorColumn });
    const runId = ctx.runId ?? randomUUID();
    const base = { pipeline: p.name, table: p.target.table, rejects: 0, schemaChanges: [] as string[] };
    // Quarantined rows a killed or failed run still owes the rejects table (rejects-pending.ts).
    const quarantine = { catalog: ctx.catalog, io: ctx.io, engine, warehouse: ctx.project.paths.warehouse, table: p.target.table, run: { pipeline: p.name, runId: ctx.runId, base: existing?.metadata } };
    for (const r of await recoverPendingRejects(quarantine, existing?.metadata)) {
      ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, message: `added ${r.rows} quarantined row(s) of run ${r.runId} of pipeline ${r.pipeline} to ${rejectsTableName(p.target.table)}: that run committed ${p.target.table} but was stopped before its rejects were written` });
    }
    if (ctx.runId) {
      const skipped = checkRunId(state, p.name, p.target.table, ctx.runId);
      if (skipped) return { ...base, status: 'skipped', rowsRead: 0, rowsWritten: 0n, snapshotId: existing?.metadata['current-snapshot-id'] ?? null, durationMs: Date.now() - started, note: skipped };
    }
    // Before the first run's watermark (and on --full-refresh), incremental.initial bounds the read.
    const initial = 'incremental' in p.source ? p.source.incremental?.initial : undefined;
    // The snapshot that carried the cursor was expired: resume after the table's greatest cursor value (state-recover.ts).
    // Or an append pipeline's watermark is on another column (incremental.cursor changed): read from the start, its rows would be appended twice (a merge upserts them).
    const recovered = cursorColumn && existing && resumesFromTable(state, p.target.mode, ctx.fullRefresh)
      ? await (await import('./state-recover.js')).recoverCursor(engine, existing, p.target.table, p.columns[cursorColumn]?.rename ?? cursorColumn)
      : undefined;
    if (cursorColumn) checkMovedCursor(state, { pipeline: p.name, table: p.target.table, cursor: cursorColumn, mode: p.target.mode, initial, recovered, fullRefresh: ctx.fullRefresh });
    // The read's bound: the watermark, or below it by incremental.lookback (state.ts readStart).
    // Its arithmetic follows the cursor's type in the table; a misfit names the lookback's line (lookback.ts lookbackWhere).
    const lookback = 'incremental' in p.source ? p.source.incremental?.lookback : undefined;
    const where = lookback !== undefined ? await (await import('./lookback.js')).lookbackWhere(lp, existing?.metadata) : { pipeline: p.name, file: lp.file };
    const start = 'incremental' in p.source && p.source.incremental ? readStart(where, p.source.incremental, ctx.fullRefresh ? null : state.cursor ?? recovered ?? null) : undefined;
    if (recovered !== undefined) {
      // The recovered value is the watermark; a lookback reads from below it (inclusive).
      const reading = start?.lookback !== undefined ? `resuming from ${recovered}, the greatest value in ${p.target.table} (rows with ${cursorColumn} >= ${start.after} are read: lookback ${start.lookback})` : `reading rows with ${cursorColumn} above ${recovered}, the greatest value in ${p.target.table}`;
      // Only a table written before the watermark record (run-ids.ts) gets here: the greatest value may be another writer's.
      const skips = `${p.target.table} has no watermark record of ${p.name} (written before floe kept one), so if another writer (another pipeline, floe load) put a greater ${cursorColumn} there, rows of ${p.name} at or below it are never read`;
      const moved = state.cursorMoved;
      ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, message: ctx.redact(moved
        ? `pipeline ${p.name} committed its watermark on ${moved.column} (${moved.value}), not on its incremental.cursor ${cursorColumn}; ${reading}, not every row again (--full-refresh reloads the table)`
        : `the snapshot holding the incremental cursor of pipeline ${p.name} has been expired; ${reading}; ${skips}`) });
    }
    const after = start ? start.after : initial === undefined ? null : String(initial);
    // --full-refresh reads every row again: appended, they would all be in the table twice, so
    // an append pipeline replaces the table's rows instead (one overwrite snapshot). A merge
    // upserts them as on any run.
    const mode = ctx.fullRefresh && p.target.mode === 'append' ? 'overwrite' : p.target.mode;
    const source = await createSource(p.source, lp.resolved, ctx.catalog, ctx.io);
    // No rule of the cursor column changes its values: the source may compare them as read.
    const cursorAsRead = cursorColumn !== undefined && keepsValues(p.columns[cursorColumn]);
    let extracted = await source.extract({
      engine,
      projectDir: ctx.project.dir,
      pipeline: p.name,
      pipelineFile: lp.file,
      cursor: cursorColumn ? { column: cursorColumn, after, inclusive: start?.inclusive, asRead: cursorAsRead, ...cursorRuleState(p.columns[cursorColumn]), tableType: cursorTableType(existing?.metadata, p.columns[cursorColumn]?.rename ?? cursorColumn) } : undefined,
      redact: ctx.redact,
      onEvent: (type, fields) => ctx.onEvent?.(type, { pipeline: p.name, table: p.target.table, ...fields }),
      io: ctx.io,
      textColumns: formattedColumns(p.columns, p.source.kind),
      quarantine: p.rejects !== undefined,
      signal: cancelSignal(), // SIGINT/SIGTERM/SIGHUP stop an HTTP read at once (src/cancel.ts)
    });
    explainFailure = extracted.explainFailure;
    for (const message of extracted.warnings ?? []) ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, message });
    ctx.onEvent?.('extract', { pipeline: p.name, source: ctx.redact(extracted.describe), ...(start ? { cursor: startFields(start) } : {}) });
    // An empty response says nothing about the columns: writing it would create the table with a
    // placeholder column, or replace an overwrite table's rows with nothing because of one empty
    // page. The table is left as it is; the run says so. With allow_empty, an overwrite (or
    // --full-refresh) of an existing table is emptied instead: no row, in the table's own current
    // schema, written and audited like any other overwrite.
    const emptied = extracted.noRecords === true && existing !== undefined && mode === 'overwrite' && p.target.allow_empty === true;
    if (extracted.noRecords) {
      await extracted.afterScan?.();
      if (emptied) {
        extracted = { ...extracted, relation: await noRowsOf(engine, existing, p.target.table), afterScan: undefined, noRecords: undefined };
      } else {
        const note = existing
          ? `the source returned no records; ${p.target.table} was left as it is${mode === 'overwrite' ? ' (an overwrite from an empty response is not applied)' : ''}`
          : `the source returned no records; ${p.target.table} is created by the first run that reads some`;
        if (!existing || mode === 'overwrite') ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, message: note });
        return { ...base, status: 'ok', rowsRead: 0, rowsWritten: 0n, snapshotId: existing?.metadata['current-snapshot-id'] ?? null, durationMs: Date.now() - started, note };
      }
    }
    const sourceColumns = await engine.columns(`SELECT * FROM ${quoteIdent(extracted.relation)}`, `read the source of ${p.name}`, { kind: 'source' });
    // File sources add the file each row came from; it is kept for quarantine, not written.
    const hasFile = sourceColumns.some((c) => c.name === SOURCE_FILE_COLUMN);
    const columns = sourceColumns.map((c) => c.name).filter((c) => c !== SOURCE_FILE_COLUMN);
    // Columns the table tags as PII and the pipeline does not: their values are withheld from reasons and rejects as well (governance/withhold.ts).
    const hiding = existing && !emptied ? { ...p, columns: rulesWithTableTags(p.columns, columns, existing.metadata, p.target.table) } : p;
    // An emptied table's columns are already the target's: the pipeline's column rules (keyed by source column) do not apply.
    const norm = planNormalize(columns, emptied ? {} : fitImpliedRules(hiding.columns, numberRules.implied, columns), p.name);
    const cursorType = sourceColumns.find((c) => c.name === cursorColumn)?.type.toString();
    const cursorTarget = cursorColumn ? norm.targetNames.get(cursorColumn) ?? cursorColumn : undefined;
    if (cursorColumn && !cursorType) {
      throw configError(`pipeline ${p.name}: the incremental cursor column "${cursorColumn}" is not in the source (it has ${columns.map((c) => `"${c}"`).join(', ')})`, {
        context: { pipeline: p.name },
      });
    }
    if (start?.lookback !== undefined && cursorTarget) {
      // The cursor as staged: a text cursor the table did not reveal before the run fails it (lookback.ts checkStagedCursor).
      const staged = (await engine.columns(`SELECT ${quoteIdent(cursorTarget)} FROM (SELECT ${norm.select} FROM ${quoteIdent(extracted.relation)}) LIMIT 0`, 'read the cursor type')).at(0)?.type.toString();
      (await import('./lookback.js')).checkStagedCursor(lookback, staged, { pipeline: p.name, file: lp.file, cursor: cursorTarget });
    }
    const path = chooseIngestPath({ rowRejects: norm.rowRejects, valueIssues: norm.hasValueIssues, mode, key: p.target.key ?? [], incremental: cursorColumn !== undefined });
    // Set before the commit: by the materialised pass, or by the streamed write's beforeCommit hook.
    const tally = { rowsRead: 0, rejects: 0, valuesChanged: 0 };
    let staged: Staged | undefined;
    let good: string;
    let beforeCommit: ((files: readonly DataFile[]) => Promise<void>) | undefined;
    // The rows for the quarantine, staged before the target commit, which names them.
    let rejected: StagedRejects | undefined;
    // With no rejected row, a rerun of a --run-id still replaces an earlier attempt's rejects by none.
    const stage = async (any: boolean, typed: string | undefined) => {
      rejected = any ? await stageRejects({ ...quarantine, runId, ...(await rejectsSql(hiding, runId, typed, extracted.rejects, extracted.lineOf)) }) : await stageNoRejects(quarantine);
    };
    if (path.kind === 'stream') {
      // One scan: the write reads the source through the normalisation. Parse rejects are
      // known once that scan is done; the limits are checked before anything is committed.
      good = `SELECT ${norm.select} FROM ${quoteIdent(extracted.relation)}`;
      beforeCommit = async (files) => {
        await extracted.afterScan?.();
        const parse = await countParseRejects(engine, extracted.rejects);
        tally.rejects = parse;
        tally.rowsRead = Number(files.reduce((n, f) => n + f.record_count, 0n)) + parse;
        await enforceRejectLimits(engine, hiding, tally.rejects, tally.rowsRead, undefined, extracted.rejects);
        await stage(tally.rejects > 0, undefined);
      };
    } else {
      // A lookback's rows read again that the table holds unchanged are not merged again (lookback.ts).
      // Compared as the write stores them: after the PII transform with apply: ingest.
      const ingestPii = emptied ? [] : piiColumns(p.columns).filter((c) => c.apply === 'ingest');
      const transform = ingestPii.length ? ((m) => (sql: string) => m.ingestPiiSql(sql, ingestPii, p.target.table))(await import('../governance/ingest.js')) : undefined;
      // The quarantine of rows read again is checked against the rejects table (lookback.ts quarantineOnce).
      const rejectsId = parseTableIdentifier(rejectsTableName(p.target.table));
      const rejectsTable = async () => ((await ctx.catalog.tableExists(rejectsId)) ? loadTable(ctx.catalog, ctx.io, rejectsId) : undefined);
      const reread = start?.lookback !== undefined && start.watermark !== null && existing ? { table: existing, io: ctx.io, name: p.target.table, watermark: start.watermark, transform, rejects: rejectsTable } : undefined;
      const bound = { pipeline: p.name, file: lp.file, committed: start?.committed === true, ...(initial !== undefined ? { initial } : {}) };
      staged = await materialise(engine, hiding, extracted, norm, columns, hasFile, cursorTarget, cursorAsRead, after, start?.inclusive, reread, bound, { io: ctx.io, name: p.target.table, rejects: rejectsTable });
      // Not silently: a NULL cursor is never above the watermark, so such rows are read only by a first run or --full-refresh.
      if (staged.behind !== undefined) {
        ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, message: `the source's greatest ${cursorColumn} (${staged.behind}) is below the last committed cursor (${start?.watermark ?? after}), so no row was read: if the source was reset or replaced, run with --full-refresh` });
      }
      if (staged.nullCursor > 0) {
        ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, rows_not_read: staged.nullCursor, message: `${staged.nullCursor} row(s) with a NULL ${cursorColumn} were not read: an incremental run reads only rows whose cursor is above the last one (${start?.watermark ?? after}); --full-refresh reads them` });
      }
      Object.assign(tally, staged.tally);
      ctx.onEvent?.('progress', { pipeline: p.name, table: p.target.table, phase: 'staged', rows_read: tally.rowsRead, rejects: tally.rejects });
      good = staged.good;
      await stage(tally.rejects > 0 || tally.valuesChanged > 0, staged.typed);
    }
    // Rows read again below the watermark (lookback) never move it back.
    const cursorValue = cursorTarget ? await maxCursor(engine, good, cursorTarget, start?.lookback !== undefined ? start.watermark : null, staged?.cursorKey) : undefined;
    // PII columns with `apply: ingest` are hashed/masked/redacted before they are written (docs/GOVERNANCE.md).
    const pii = piiColumns(p.columns);
    // A sql source's columns derived from tagged inputs carry their tags (governance/sql-tags.ts): recorded with the declared ones, not applied again.
    const tags = extracted.inheritedPii ? (await import('../governance/sql-tags.js')).withInheritedTags(pii, extracted.inheritedPii, (c) => norm.targetNames.get(c)) : pii;
    // The governance modules load only for pipelines with PII rules, or tables that had them.
    const piiIngest = !emptied && pii.some((c) => c.apply === 'ingest');
    if (piiIngest) good = (await import('../governance/ingest.js')).ingestPiiSql(good, pii, p.target.table);
    // The salts of hashes applied at ingest: another salt than the table's hashes were made with is refused, the salt's digest commits with the data (governance/salt.ts).
    const saltChecks = piiIngest ? (await import('../governance/salt.js')).ingestSaltChecks(pii, p.target.table, existing?.metadata.properties, process.env, mode === 'overwrite') : {};
    const summary = stateSummary(p.name, runId, cursorColumn, cursorValue ?? start?.watermark ?? after);
    // A merge's batch is the rows it brought, not its rewritten files (checks/batch.ts).
    const audit = p.checks.length && !ctx.noAudit
      ? checkAuditor(ctx, engine, p, p.target.mode === 'merge' ? (await import('../checks/batch.js')).mergeBatchSql(good, p.target.delete_column) : undefined)
      : undefined;
    // The pipeline's partition_by and sort_by: a new table's layout, and the one an existing table evolves to.
    const declared = { partitionBy: p.target.partition_by.map(unboundPartitionField), sortBy: p.target.sort_by.map(unboundSortField) };
    const common = {
      catalog: ctx.catalog,
      io: ctx.io,
      engine,
      id,
      warehouse: ctx.project.paths.warehouse,
      ...declared,
      // Declared: an existing table's layout evolves to it with this run's data (table/evolve/layout.ts).
      ...(declared.partitionBy.length > 0 || declared.sortBy.length > 0 ? { layout: declared } : {}),
      properties: { ...p.target.properties, ...piiProperties(tags) },
      summary,
      schemaPolicy: p.target.on_schema_change,
      pii: tags,
      // The table's own tags applied at ingest cover the columns this pipeline does not tag (write-table.ts withTableIngestTags).
      rawInput: true,
      audit: audit?.audit,
      events: {
        onRetry: (r: { attempt: number; waitMs: number; table: string }) => ctx.onEvent?.('retry', { ...r }),
        // Another run of this pipeline (another host: the lock is local) committed since this one read its state (table/conflicts.ts).
        validate: (b: LoadedTable) => validateNoConcurrentRun(b, { table: p.target.table, pipeline: p.name, startId: existing?.metadata.refs['main']?.['snapshot-id'] ?? null, cursorColumn, runId: ctx.runId }),
      },
      // Committed with the data, from each attempt's base: the run-id record and the quarantine owed.
      amendChange: (b: TableMetadata, change: TableChange) => withSaltChecks(b, withPending(b, withRunIds(b, change, p.name, ctx.runId), p.name, rejected?.entry), saltChecks),
    };
    const mergeInput = {
      // The rows are staged already (materialise): the merge reads them there instead of copying them again.
      // Not with PII transforms, which each of the merge's reads would compute again.
      staged: staged !== undefined && !piiIngest,
      // The table as this run read it.
      table: existing,
    };
    // An overwrite (or --full-refresh) with no row to write leaves a table that has rows as it
    // is and fails, unless the pipeline opts in: a failed export must not empty the table.
    const emptyOverwrite = {
      input: ctx.redact(extracted.describe),
      hint: `If ${p.target.table} is meant to be emptied, set allow_empty: true under target in ${lp.file}.`,
    };
    const write = (): Promise<WriteTableResult> =>
      mode === 'merge'
        ? (merging ?? import('./merge.js')).then((m) => m.mergeTable({ ...common, selectSql: good, key: p.target.key ?? [], deleteColumn: p.target.delete_column, ...mergeInput }))
        : writeTable({ ...common, selectSql: good, mode, beforeCommit, emptyOverwrite: mode === 'overwrite' && !p.target.allow_empty ? emptyOverwrite : undefined });
    let written: WriteTableResult;
    ctx.onEvent?.('progress', { pipeline: p.name, table: p.target.table, phase: 'write', mode });
    try {
      written = await write();
    } catch (e) {
      // The same --run-id committed by a concurrent run first: this run is the no-op it would have been.
      const theirs = committedByConcurrentRun(e);
      if (theirs !== undefined) {
        await discardStaged(ctx.io, rejected, e);
        return { ...base, status: 'skipped', rowsRead: 0, rowsWritten: 0n, snapshotId: BigInt(theirs), durationMs: Date.now() - started, note: `run ${runId} already committed (by a concurrent run, snapshot ${theirs})` };
      }
      if (!(await committedRun(ctx, id, p.name, runId))) await discardStaged(ctx.io, rejected, e);
      throw e;
    }
    // The table as the write's commit left it.
    const committed = written.committed;
    const displaced = written.created && committed ? displacedTableNote(ctx.project.paths.warehouse, id, committed.metadata.location) : undefined;
    if (displaced) ctx.onEvent?.('warning', { pipeline: p.name, table: p.target.table, message: displaced });
    if (tags.length > 0 || !committed || Object.keys(committed.metadata.properties).some((k) => k.startsWith(PII_PREFIX))) {
      await (await import('../governance/ingest.js')).syncPiiProperties(ctx.catalog, ctx.io, id, tags, committed);
    }
    if (rejected) await finishRejects(quarantine, p.name, rejected, written.snapshotId);
    if (audit?.results) await reportAudit(ctx, engine, audit.results, { pipeline: p.name, table: p.target.table, runId, written, notMoved: 'main was not moved', staged: ['The data is', 'it'] });
    return {
      ...base,
      status: 'ok',
      rowsRead: tally.rowsRead,
      rowsWritten: written.rows,
      rejects: tally.rejects,
      ...(tally.valuesChanged > 0 ? { valuesChanged: tally.valuesChanged } : {}),
      snapshotId: written.files > 0 || mode !== 'append' ? written.snapshotId : existing?.metadata['current-snapshot-id'] ?? null,
      durationMs: Date.now() - started,
      schemaChanges: written.schemaChanges,
      ...(committed ? { tableProperties: committed.metadata.properties } : {}),
    };
  } catch (e) {
    throw explainFailure ? await explainFailure(e) : e;
  } finally {
    session?.close();
    await lock.release();
  }
}

/**
 * After an audited write: the results go to floe.check_results and out as `check` events; if
 * the audit kept main in place, the run fails (exit 3) saying what did not move (`notMoved`)
 * and how to inspect the staged snapshot (`staged`: its subject and pronoun).
 */
export async function reportAudit(
  ctx: RunContext,
  engine: Engine,
  results: CheckResult[],
  o: { pipeline: string; table: string; runId: string; written: Pick<WriteTableResult, 'snapshotId' | 'published'>; notMoved: string; staged: [string, string] },
): Promise<void> {
  const { appendCheckResults } = await import('../checks/history.js');
  const { snapshotId } = o.written;
  await appendCheckResults({ catalog: ctx.catalog, io: ctx.io, engine, warehouse: ctx.project.paths.warehouse, runs: [{ pipeline: o.pipeline, snapshotId, runId: o.runId, results }] });
  for (const r of results) ctx.onEvent?.('check', { pipeline: o.pipeline, table: o.table, check: r.name, status: r.status, severity: r.severity, observed: r.observed, expected: r.expected, message: r.message });
  if (o.written.published !== false) return;
  const { blockingText } = await import('../checks/results.js');
  throw new FloeError('check', `pipeline ${o.pipeline}: ${o.notMoved}: ${blockingText(results)}`, {
    context: { pipeline: o.pipeline, table: o.table, snapshot: String(snapshotId) },
    hint: `${o.staged[0]} staged as snapshot ${snapshotId}; inspect ${o.staged[1]} with: floe query "SELECT * FROM ${o.table}" --snapshot ${snapshotId}`,
  });
}

/** Write-audit-publish: the pipeline's checks over exactly the rows of the snapshot being written. */
export function checkAuditor(ctx: RunContext, engine: Engine, p: Pick<IngestPipeline, 'checks' | 'name'> & Partial<Pick<IngestPipeline, 'columns'>> & { target: { table: string } }, batchSql?: string) {
  const state: { results?: CheckResult[]; audit: NonNullable<WriteTableOptions['audit']> } = {
    audit: async (snapshotSql, newFilesSql, snapshotId, schema) => {
      // The checks' modules load only for pipelines that have checks.
      const [{ prepareCheckViews }, { evaluateChecks }, { historyLookup }, { shouldPublish, summarizeResults }] = await Promise.all([
        import('../checks/views.js'), import('../checks/evaluate.js'), import('../checks/history.js'), import('../checks/results.js'),
      ]);
      const whole = engine.uniqueName('audit_table');
      const batch = engine.uniqueName('audit_batch');
      await engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(whole)} AS ${snapshotSql}`, `stage the audit of ${p.target.table}`);
      await engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(batch)} AS ${batchSql ?? newFilesSql}`, `stage the audit of ${p.target.table}`);
      await prepareCheckViews(engine, ctx.catalog, ctx.io, p.checks, { table: p.target.table, relation: whole });
      const results = await evaluateChecks({
        engine,
        checks: p.checks,
        relation: whole,
        batchRelation: batch,
        table: p.target.table,
        snapshot: { id: snapshotId, timestampMs: Date.now() },
        schema,
        history: await historyLookup({ engine, catalog: ctx.catalog, io: ctx.io }),
        pipeline: p.name,
        // Check messages never quote values of PII columns: the pipeline's own tags and the table's.
        withheld: async () => {
          const { withheldColumns } = await import('../checks/withheld.js');
          const id = parseTableIdentifier(p.target.table);
          const tagged = (await ctx.catalog.tableExists(id)) ? (await loadTable(ctx.catalog, ctx.io, id)).metadata : undefined;
          return withheldColumns(p.target.table, tagged, piiColumns(p.columns ?? {}));
        },
      });
      state.results = results;
      const s = summarizeResults(results);
      return {
        summary: { 'floe.checks.passed': String(s.passed), 'floe.checks.warned': String(s.warned), 'floe.checks.failed': String(s.failed + s.errored) },
        publish: shouldPublish(results),
      };
    },
  };
  return state;
}

/**
 * A temp view with no row in the table's current schema (columns and types), for an
 * allow_empty overwrite from a source that returned no records. Built from the metadata alone:
 * no data file is read.
 */
async function noRowsOf(engine: Engine, table: LoadedTable, name: string): Promise<string> {
  const m = table.metadata;
  const snapshot = currentSnapshot(m) ?? null;
  const specs = new Map(m['partition-specs'].map((s) => [s['spec-id'], s] as const));
  const plan = { table: name, snapshot, schema: currentSchema(m), timeTravel: false, dataFiles: [], deleteFiles: [], specs, manifestsRead: 0 };
  const scan = await tableScanSql({ engine, io: table.io, metadata: m, table: name, plan });
  const view = engine.uniqueName('emptied');
  await engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(view)} AS ${scan.sql}`, `read the columns of ${name}`, { context: { table: name } });
  return view;
}

/** The normalised rows staged in a temp table, and the query of those to write. */
interface Staged {
  typed: string;
  good: string;
  tally: { rowsRead: number; rejects: number; valuesChanged: number };
  /** Rows left out because their incremental cursor is NULL (never above a watermark). */
  nullCursor: number;
  /** The source's greatest cursor when it is below the watermark (the source went backwards). */
  behind?: string;
  /** How the cursor's values are ordered (cursor-order.ts), for the next watermark. */
  cursorKey: CursorKey;
}

/** Source kinds whose rows the run filters by the cursor itself (databases and sql queries compare before it, as bytes for text). */
const RUN_FILTERED: ReadonlySet<string> = new Set(['csv', 'json', 'jsonl', 'http', 'parquet']);

/**
 * The materialised path (ingest-path.ts): every normalised row with its reject reason is
 * staged once, rejects are counted and the limits checked before anything is written, and
 * the rows to write are the staged good ones, cursor-filtered and deduplicated.
 */
async function materialise(
  engine: Engine,
  p: IngestPipeline,
  extracted: Extracted,
  norm: NormalizePlan,
  columns: readonly string[],
  hasFile: boolean,
  cursorTarget: string | undefined,
  /** No rule of the cursor column changes its values (keepsValues). */
  cursorAsRead: boolean,
  after: string | null,
  /** Rows with cursor = after are kept too (incremental.lookback). */
  inclusive = false,
  reread?: Reread,
  /** Where the bound comes from, for the error when it does not fit the cursor's type (watermark-fit.ts). */
  bound?: Omit<BoundWhere, 'cursor'>,
  /** `<table>__rejects`, for the rejected rows without a cursor value (lookback.ts quarantineUnplaced). */
  recorded?: { io: FileIO; name: string; rejects: () => Promise<LoadedTable | undefined> },
): Promise<Staged> {
  const typed = engine.uniqueName('typed');
  await engine.run(
    `CREATE TEMP TABLE ${quoteIdent(typed)} AS SELECT ${norm.select}, ${norm.rejectReason} AS ${REJECT}, ${norm.valueIssues} AS ${ISSUE}, ` +
      `CASE WHEN ${REJECT} IS NOT NULL THEN ${rawRow(columns, new Set())} WHEN ${ISSUE} IS NOT NULL THEN ${rawRow(columns, piiSourceColumns(p))} END AS ${RAW}, ` +
      `${hasFile ? `__src.${SOURCE_FILE_COLUMN}` : 'CAST(NULL AS VARCHAR)'} AS ${FILE} FROM ${quoteIdent(extracted.relation)} AS __src`,
    `normalise the rows of ${p.name}`,
    { kind: 'source', context: { pipeline: p.name } },
  );
  await extracted.afterScan?.();
  if (p.target.mode === 'merge') {
    // A key the rows do not have failed the UPDATE below with DuckDB's binder error, whose
    // candidates were floe's own staging columns (__floe_raw, ...), not the pipeline's.
    const have = (await engine.columns(`SELECT * FROM ${quoteIdent(typed)} LIMIT 0`, `read the columns of ${p.name}`))
      .map((c) => c.name)
      .filter((n) => ![REJECT, ISSUE, RAW, FILE].includes(n));
    // Exact names: the merge into an existing table reads its key by name (merge.ts), so a key
    // in another case than its column (`ID` for `id`) passed the first run and failed every later one.
    const missing = (p.target.key ?? []).filter((k) => !k.includes('.') && !have.includes(k));
    if (missing.length > 0) {
      throw new FloeError('config', `pipeline ${p.name}: merge key ${missing.map((k) => `"${k}"`).join(', ')} is not a column of the rows it reads (columns: ${have.join(', ')})`, {
        context: { pipeline: p.name, table: p.target.table },
        hint: 'name in target.key a column of the rows as written to the table (after columns: renames)',
      });
    }
    // A NULL key can never match an existing row: it would be added again on every run.
    for (const k of p.target.key ?? []) {
      await engine.run(
        `UPDATE ${quoteIdent(typed)} SET ${REJECT} = coalesce(${REJECT} || '; ', '') || 'merge key ${k.replace(/'/g, "''")} is NULL', ${RAW} = coalesce(${RAW}, CAST(to_json(${quoteIdent(typed)}) AS VARCHAR)) WHERE ${quoteIdent(k)} IS NULL`,
        `check the merge keys of ${p.name}`,
      );
    }
  }
  let where = `${REJECT} IS NULL`;
  let nullCursor = 0;
  let behind: string | undefined;
  // The cursor is compared after normalisation, in the column's final type, which is also
  // the form its high-watermark is stored in; database sources push a looser filter down.
  const t = cursorTarget ? (await engine.columns(`SELECT ${quoteIdent(cursorTarget)} FROM ${quoteIdent(typed)}`, 'read the cursor type')).at(0)?.type.toString() : undefined;
  // Date-time text whose forms vary is ordered by instant (cursor-order.ts): sources the run filters itself, cursor values as read.
  const key = cursorTarget ? await cursorKey(engine, { relation: typed, where, column: cursorTarget, type: t, after, eligible: RUN_FILTERED.has(p.source.kind) && cursorAsRead }) : asItIs;
  if (cursorTarget && after !== null) {
    if (t && bound) await checkBoundFits(engine, after, t, { ...bound, cursor: cursorTarget });
    const above = `${key(quoteIdent(cursorTarget))} ${inclusive ? '>=' : '>'} ${key(`CAST(${quoteLiteral(after)} AS ${t})`)}`;
    where += ` AND ${above}`;
    const c = quoteIdent(cursorTarget);
    // Rows at or below the watermark that the source still handed over (a looser pushed-down
    // bound, a cumulative export) are not this run's: an earlier run quarantined them or
    // recorded their changed values, so they are neither recorded nor counted again.
    // So are a NULL cursor's changed values: the row is not written. Its rejects are recorded once (quarantineUnplaced).
    await engine.run(
      `UPDATE ${quoteIdent(typed)} SET ${RAW} = NULL WHERE ${RAW} IS NOT NULL AND ((${c} IS NOT NULL AND NOT (${above})) OR (${c} IS NULL AND ${REJECT} IS NULL))`,
      `leave out the rows of ${p.name} at or below its cursor`,
    );
    if (recorded) await (await import('./lookback.js')).quarantineUnplaced(engine, { ...recorded, typed, cursor: cursorTarget, pipeline: p.name, reject: REJECT, raw: RAW });
    const n = await engine.all(
      `SELECT count(*) FILTER (WHERE ${c} IS NULL)::BIGINT AS n, CAST(arg_max(${c}, ${key(c)}) AS VARCHAR) AS top, max(${key(c)}) < ${key(`CAST(${quoteLiteral(after)} AS ${t})`)} AS behind FROM ${quoteIdent(typed)} WHERE ${REJECT} IS NULL`,
      'count the rows without a cursor value',
    );
    nullCursor = Number(n[0]?.n ?? 0);
    // Every cursor below the watermark: the source was reset or replaced (file sources see it; databases filter first).
    if (n[0]?.behind === true) behind = String(n[0]?.top);
  }
  if (p.target.key?.length) where += await dedupe(engine, typed, where, p.target.key, cursorTarget, p.name, key);
  if (reread && cursorTarget && after !== null && p.target.key?.length) {
    const lookback = await import('./lookback.js');
    where += await lookback.withoutUnchanged(engine, { ...reread, typed, where, key: p.target.key, cursor: cursorTarget, after, deleteColumn: p.target.delete_column, internal: [REJECT, ISSUE, RAW, FILE] });
    // Rows read again are quarantined once, not by every run that reads them (a NULL raw row: not recorded).
    await lookback.quarantineOnce(engine, { ...reread, typed, where, cursor: cursorTarget, pipeline: p.name, reject: REJECT, issue: ISSUE, raw: RAW });
  }
  // Counted once the rows left out of the quarantine are known; nothing is written before the limits hold.
  const counts = await countRows(engine, typed, extracted.rejects);
  const rejects = counts.converted + counts.parse;
  const valuesChanged = counts.changed;
  const rowsRead = counts.total + counts.parse;
  await enforceRejectLimits(engine, p, rejects, rowsRead, typed, extracted.rejects, extracted.lineOf);
  const good = `SELECT * EXCLUDE (${REJECT}, ${ISSUE}, ${RAW}, ${FILE}) FROM ${quoteIdent(typed)} WHERE ${where}`;
  return { typed, good, tally: { rowsRead, rejects, valuesChanged }, nullCursor, behind, cursorKey: key };
}

/**
 * Deduplication on `target.key`: the greatest cursor wins; among equal cursors (or without
 * one) the later source row. The window runs once, here: the rows it drops are staged by
 * rowid (usually none), and the returned condition leaves them out. `good` then stays a plain
 * filtered scan of the staged rows, which later steps (the cursor, the audit's batch, the
 * merge's passes over its incoming rows) read as often as they need without copying them
 * again or repeating the window.
 */
async function dedupe(engine: Engine, typed: string, where: string, key: readonly string[], cursorTarget: string | undefined, pipeline: string, cursorOrder: CursorKey): Promise<string> {
  const order = `${cursorTarget ? `${cursorOrder(quoteIdent(cursorTarget))} DESC NULLS LAST, ` : ''}rowid DESC`;
  const dropped = engine.uniqueName('dup');
  await engine.run(
    `CREATE TEMP TABLE ${quoteIdent(dropped)} AS SELECT rowid AS r FROM ${quoteIdent(typed)} WHERE ${where} ` +
      `QUALIFY row_number() OVER (PARTITION BY ${key.map(quoteIdent).join(', ')} ORDER BY ${order}) > 1`,
    `find the rows of ${pipeline} that repeat a key`,
  );
  const n = Number((await engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(dropped)}`, 'count the rows that repeat a key'))[0]?.n ?? 0);
  if (n > 0) return ` AND ${quoteIdent(typed)}.rowid NOT IN (SELECT r FROM ${quoteIdent(dropped)})`;
  await engine.run(`DROP TABLE ${quoteIdent(dropped)}`, 'drop the rows that repeat a key');
  return '';
}

/**
 * A source row as JSON text for the quarantine table. `withheld` columns (PII-tagged) show
 * only that a value was there: a row kept with a nulled or adjusted value is in the target,
 * where its PII is masked on read, so its record beside it must not hold the raw value.
 */
function rawRow(columns: readonly string[], withheld: ReadonlySet<string>): string {
  const field = (c: string) =>
    `${quoteLiteral(c)}: ${withheld.has(c) ? `CASE WHEN __src.${quoteIdent(c)} IS NOT NULL THEN '(pii withheld)' END` : `__src.${quoteIdent(c)}`}`;
  return `CAST(to_json({${columns.map(field).join(', ')}}) AS VARCHAR)`;
}

/** Source columns whose rule tags them as PII with a policy that hides the value. */
function piiSourceColumns(p: IngestPipeline): Set<string> {
  return new Set(Object.entries(p.columns).filter(([, rule]) => hidesValues(rule)).map(([c]) => c));
}

async function countRows(engine: Engine, typed: string, parseRejects: string | undefined) {
  const r = await engine.all(
    `SELECT count(*)::BIGINT AS total, count(${REJECT}) FILTER (WHERE ${RAW} IS NOT NULL)::BIGINT AS converted, count(${ISSUE}) FILTER (WHERE ${REJECT} IS NULL AND ${RAW} IS NOT NULL)::BIGINT AS changed FROM ${quoteIdent(typed)}`,
    'count the extracted rows',
  );
  const row = r[0] ?? {};
  return {
    total: Number(row.total ?? 0),
    converted: Number(row.converted ?? 0),
    changed: Number(row.changed ?? 0),
    parse: await countParseRejects(engine, parseRejects),
  };
}

/** Checks the `rejects:` limits; over them, the error names the first reject (file:line: reason). */
async function enforceRejectLimits(engine: Engine, p: IngestPipeline, rejects: number, rowsRead: number, typed: string | undefined, parseRejects: string | undefined, lineOf?: Extracted['lineOf']) {
  const first = rejectsOverLimit(p, rejects, rowsRead) ? await firstReject(engine, typed, parseRejects, lineOf).catch(() => undefined) : undefined;
  checkRejects(p, rejects, rowsRead, first);
}

/** `lineOf`: the source's line of a typed row from its rowid (typed is filled from the source in one statement, in scan order). */
async function firstReject(engine: Engine, typed: string | undefined, parseRejects: string | undefined, lineOf?: Extracted['lineOf']): Promise<string | undefined> {
  const parts: string[] = [];
  if (parseRejects) parts.push(`SELECT 0 AS k, source, line, line AS n, reason FROM ${quoteIdent(parseRejects)}`);
  if (typed) parts.push(`SELECT 1 AS k, ${FILE} AS source, ${lineOf ? lineOf(`${quoteIdent(typed)}.rowid`) : 'CAST(NULL AS BIGINT)'} AS line, rowid AS n, ${REJECT} AS reason FROM ${quoteIdent(typed)} WHERE ${REJECT} IS NOT NULL AND ${RAW} IS NOT NULL`);
  if (!parts.length) return undefined;
  const r = (await engine.all(`SELECT source, line, reason FROM (${parts.join(' UNION ALL ')}) ORDER BY k, source NULLS LAST, n NULLS LAST LIMIT 1`, 'find the first reject'))[0];
  if (!r) return undefined;
  const where = [r.source, r.line].filter((x) => x !== null && x !== undefined).map(String).join(':');
  const reason = String(r.reason ?? '').replace(/\s+/g, ' ').slice(0, 300);
  return where ? `${where}: ${reason}` : reason;
}

/** Rows the source's reader could not parse (its rejects relation, filled by the scan). */
async function countParseRejects(engine: Engine, parseRejects: string | undefined): Promise<number> {
  if (!parseRejects) return 0;
  const r = await engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(parseRejects)}`, 'count the rows the source could not parse');
  return Number(r[0]?.n ?? 0);
}

/** The new high-watermark: the greatest cursor written (by `key`, cursor-order.ts), and never below `floor` (the last committed one). */
async function maxCursor(engine: Engine, good: string, column: string, floor: string | null = null, key: CursorKey = asItIs): Promise<string | undefined> {
  const c = quoteIdent(column);
  const t = floor === null ? undefined : (await engine.columns(`SELECT ${c} FROM (${good})`, 'read the cursor type')).at(0)?.type.toString();
  const top = `arg_max(${c}, ${key(c)})`;
  const f = t ? `CAST(${quoteLiteral(floor!)} AS ${t})` : undefined;
  const r = await engine.all(
    `SELECT CAST(${f ? `CASE WHEN max(${key(c)}) IS NULL OR ${key(f)} > max(${key(c)}) THEN ${f} ELSE ${top} END` : top} AS VARCHAR) AS v FROM (${good})`,
    'compute the new cursor high-watermark',
  );
  const v = r[0]?.v;
  return typeof v === 'string' ? v : undefined;
}

/**
 * Quarantine: the rows for `<namespace>.<table>__rejects`, with where each row came from and
 * why, and that table's PII tags. Staged and written by rejects-pending.ts.
 */
async function rejectsSql(p: IngestPipeline, runId: string, typed: string | undefined, parseRejects: string | undefined, lineOf?: Extracted['lineOf']): Promise<{ selectSql: string; pii: PiiColumn[] }> {
  const meta = `${quoteLiteral(p.name)} AS pipeline, ${quoteLiteral(runId)} AS run_id, now()::TIMESTAMPTZ AS rejected_at`;
  const parts: string[] = [];
  // The typed (materialised) rows' own rejects, first; a streamed run has only parse rejects.
  // `kept`: the row went on into the run with the values its reason names nulled or adjusted.
  if (typed) {
    parts.push(
      `SELECT ${meta}, ${FILE} AS source, ${lineOf ? `CAST(${lineOf(`${quoteIdent(typed)}.rowid`)} AS BIGINT)` : 'NULL::BIGINT'} AS line, ${RAW} AS raw, coalesce(${REJECT}, ${ISSUE}) AS reason, ${REJECT} IS NULL AS kept ` +
        `FROM ${quoteIdent(typed)} WHERE (${REJECT} IS NOT NULL OR ${ISSUE} IS NOT NULL) AND ${RAW} IS NOT NULL`,
    );
  }
  if (parseRejects) parts.push(`SELECT ${meta}, source, CAST(line AS BIGINT) AS line, raw, reason, false AS kept FROM ${quoteIdent(parseRejects)}`);
  // A pipeline with PII columns tags the raw rows and reasons of its rejects (docs/GOVERNANCE.md).
  const tagged = piiColumns(p.columns);
  const pii = tagged.some((c) => c.policy !== 'none') ? (await import('../governance/ingest.js')).rejectsPiiColumns(tagged) : [];
  return { selectSql: parts.join(' UNION ALL '), pii };
}

/**
 * The change with the salt-check properties (governance/salt.ts ingestSaltChecks) the base does
 * not hold yet, when it moves main: a snapshot a failed check staged leaves main's hashes, and
 * so the salt they were made with, as they were.
 */
function withSaltChecks(base: TableMetadata, change: TableChange, checks: Readonly<Record<string, string>>): TableChange {
  if (!change.updates.some((u) => u.action === 'set-snapshot-ref' && u['ref-name'] === 'main')) return change;
  const updates = Object.fromEntries(Object.entries(checks).filter(([k, v]) => base.properties[k] !== v));
  return Object.keys(updates).length ? { ...change, updates: [...change.updates, { action: 'set-properties', updates }] } : change;
}

/** Longest accepted --run-id (Airflow's run ids are at most 250 characters). */
export const MAX_RUN_ID_LENGTH = 256;

/**
 * A rerun of a caller-chosen run id: the skip note when that run is committed, undefined when
 * it is new; an error when the table can no longer tell (run-ids.ts).
 */
export function checkRunId(state: PipelineState, pipeline: string, table: string, runId: string): string | undefined {
  // The table keeps the last run ids in its metadata (run-ids.ts): each must stay small.
  if (runId.length > MAX_RUN_ID_LENGTH) {
    throw new FloeError('usage', `--run-id is ${runId.length} characters long; at most ${MAX_RUN_ID_LENGTH} are accepted`, { context: { pipeline, table } });
  }
  const status = state.runStatus(runId);
  if (status === 'committed') return `run ${runId} already committed`;
  if (status === 'new') return undefined;
  throw new FloeError('conflict', `pipeline ${pipeline}: cannot tell whether run ${runId} was already committed to ${table}: its history was expired before floe recorded the run ids of ${pipeline}; nothing was written`, {
    retryable: false,
    context: { pipeline, table, runId },
    hint: `If run ${runId} is not in ${table}, run the pipeline once without --run-id: that starts the record (run ids of runs expired before it then count as new).`,
  });
}

/** Whether main now holds this run's snapshot (after a failure that may have followed the commit). */
async function committedRun(ctx: RunContext, id: TableIdentifier, pipeline: string, runId: string): Promise<boolean> {
  try {
    if (!(await ctx.catalog.tableExists(id))) return false;
    return readState((await loadTable(ctx.catalog, ctx.io, id)).metadata, pipeline, undefined).hasRun(runId);
  } catch {
    return true; // cannot tell: keep the staged rows for the next run to decide
  }
}

/** No rule of the cursor column changes its values (CursorState.asRead): a rename, a doc and a PII tag applied at read do not. */
function keepsValues(rule: ColumnRule | undefined): boolean {
  if (rule === undefined) return true;
  const pii = piiColumnOf('', rule);
  const masksAtIngest = pii !== null && pii.policy !== 'none' && pii.apply === 'ingest';
  return rule.type === undefined && rule.normalize === undefined && rule.format === undefined && !masksAtIngest;
}
