/**
 * The check history: every result appended to the Iceberg table floe.check_results, so
 * results can be queried like any table (`floe query "SELECT ... FROM floe.check_results"`)
 * and the volume check has a baseline. The runner and `floe check` write it with
 * appendCheckResults (one snapshot per call, through ingest/write-table.ts); historyLookup
 * reads the volume baseline back.
 *
 * Columns (all optional, new ones may be added; readers must not rely on their order):
 *   pipeline, table_name, snapshot_id, run_id, check_name, check_kind, severity, scope,
 *   status, observed, threshold, message, duration_ms, checked_at
 * `observed` and `threshold` are text because checks measure different things (a count, an
 * age, a percentage); the volume check's `observed` is always its row count.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Engine } from '../engine/duckdb.js';
import { createTableView } from '../engine/read.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { writeTable, type WriteTableResult } from '../ingest/write-table.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import type { CommitEvents } from '../table/commit.js';
import { loadTable } from '../table/load.js';
import { toNumber } from './common.js';
import type { CheckResult, VolumeHistory } from './types.js';

export const CHECK_RESULTS_TABLE: TableIdentifier = { namespace: ['floe'], name: 'check_results' };
export const CHECK_RESULTS_NAME = 'floe.check_results';

/** The results of one table's checks at one snapshot, with where they came from. */
export interface HistoryRun {
  /** The pipeline that declares the checks; null for ad-hoc checks (`floe check --freshness ...`). */
  pipeline: string | null;
  snapshotId: bigint | null;
  /** The run's id (`floe run --run-id`), when the checks ran as part of one. */
  runId?: string | null;
  /** Epoch milliseconds; default now. */
  checkedAt?: number;
  results: readonly CheckResult[];
}

const COLUMNS: [name: string, type: string][] = [
  ['pipeline', 'VARCHAR'],
  ['table_name', 'VARCHAR'],
  ['snapshot_id', 'BIGINT'],
  ['run_id', 'VARCHAR'],
  ['check_name', 'VARCHAR'],
  ['check_kind', 'VARCHAR'],
  ['severity', 'VARCHAR'],
  ['scope', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['observed', 'VARCHAR'],
  ['threshold', 'VARCHAR'],
  ['message', 'VARCHAR'],
  ['duration_ms', 'BIGINT'],
  ['checked_at', 'TIMESTAMPTZ'],
];

const text = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : quoteLiteral(v.replaceAll('\0', '')));

/**
 * The rows as one DuckDB query (`SELECT ... FROM (VALUES ...)`), every column cast to its
 * type so the table's schema never depends on which values happen to be NULL. Null when
 * there is nothing to write.
 */
export function checkResultsSql(runs: readonly HistoryRun[]): string | null {
  const rows: string[] = [];
  for (const run of runs) {
    const at = new Date(run.checkedAt ?? Date.now()).toISOString();
    for (const r of run.results) {
      rows.push(
        `(${[
          text(run.pipeline),
          text(r.table),
          run.snapshotId === null ? 'NULL' : run.snapshotId.toString(),
          text(run.runId),
          text(r.name),
          text(r.kind),
          text(r.severity),
          text(r.scope),
          text(r.status),
          text(r.observed === null ? null : String(r.observed)),
          text(r.expected),
          text(r.message),
          String(r.durationMs),
          text(at),
        ].join(', ')})`,
      );
    }
  }
  if (rows.length === 0) return null;
  const names = COLUMNS.map(([n]) => quoteIdent(n));
  const select = COLUMNS.map(([n, t]) => `CAST(${quoteIdent(n)} AS ${t}) AS ${quoteIdent(n)}`).join(', ');
  return `SELECT ${select} FROM (VALUES ${rows.join(', ')}) AS __results(${names.join(', ')})`;
}

export interface AppendOptions {
  catalog: Catalog;
  io: FileIO;
  engine: Engine;
  /** Where floe.check_results is created when absent: the project's warehouse. */
  warehouse: string;
  runs: readonly HistoryRun[];
  events?: CommitEvents;
  /** When the table's upkeep is due, and what it keeps; default that of floe.audit_log. */
  upkeep?: { compactAt: number; expireAt: number; retain: number };
}

/**
 * Appends the results to floe.check_results (created on first use) in one snapshot; null
 * when there were none. Each call adds a data file, a manifest and a snapshot: a `floe check`
 * every few minutes from cron would make every append (and every read of the history)
 * slower for ever. So, as floe.audit_log does (audit/upkeep.ts), an append that leaves the
 * table with many data files compacts it, and one that leaves it with many snapshots
 * expires the older ones; every row stays. The results are committed by then: a failed
 * upkeep is a warning on stderr, and a later append tries again.
 */
export async function appendCheckResults(o: AppendOptions): Promise<WriteTableResult | null> {
  const selectSql = checkResultsSql(o.runs);
  if (selectSql === null) return null;
  const written = await writeTable({
    catalog: o.catalog,
    io: o.io,
    engine: o.engine,
    id: CHECK_RESULTS_TABLE,
    selectSql,
    mode: 'append',
    warehouse: o.warehouse,
    // A later floe that records more columns adds them instead of failing on an older table.
    schemaPolicy: 'add_columns',
    events: o.events,
  });
  if (written.committed) {
    const { upkeepAfterAppend, UPKEEP } = await import('../audit/upkeep.js');
    await upkeepAfterAppend(o.catalog, o.io, CHECK_RESULTS_TABLE, CHECK_RESULTS_NAME, written.committed.metadata, 'the next append tries again', o.upkeep ?? UPKEEP);
  }
  return written;
}

/**
 * The volume baseline from floe.check_results as it is now: the row counts of earlier runs
 * of the same check on the same table and scope (and of the same pipeline, when the query names one), newest first, one per snapshot (checking a
 * snapshot twice does not count twice), leaving out the snapshot under check. Only runs
 * whose volume check passed or warned count, and of `floe run`'s audits only those that moved
 * main: a rejected batch must not become the norm.
 * Without the table (no check has been recorded yet) every lookup is empty.
 */
export async function historyLookup(o: { engine: Engine; catalog: Catalog; io: FileIO }): Promise<VolumeHistory> {
  if (!(await o.catalog.tableExists(CHECK_RESULTS_TABLE))) return async () => [];
  let view: string | undefined;
  return async (q) => {
    if (view === undefined) {
      const name = o.engine.uniqueName('check_history');
      const t = await loadTable(o.catalog, o.io, CHECK_RESULTS_TABLE);
      await createTableView(o.engine, name, { io: t.io, metadata: t.metadata, table: CHECK_RESULTS_NAME });
      view = name;
    }
    const exclude = q.excludeSnapshotId === null ? '' : `AND snapshot_id IS DISTINCT FROM ${q.excludeSnapshotId.toString()}`;
    const own = q.pipeline === undefined ? '' : `AND pipeline IS NOT DISTINCT FROM ${q.pipeline === null ? 'NULL' : quoteLiteral(q.pipeline)}`;
    // A run whose audit kept main in place (a check at severity error failed or could not be
    // evaluated: results.ts shouldPublish) staged a snapshot that never became the table, whatever
    // its volume said: its count is not a baseline, or a series of rejected batches would raise
    // the norm step by step until a batch far from anything published passes.
    const rows = await o.engine.all(
      `WITH h AS (SELECT * FROM ${quoteIdent(view)} WHERE table_name = ${quoteLiteral(q.table)}),
       rejected AS (
         SELECT DISTINCT snapshot_id, run_id FROM h
         WHERE run_id IS NOT NULL AND snapshot_id IS NOT NULL AND (status = 'fail' OR (status = 'error' AND severity = 'error'))
       )
       SELECT n FROM (
         SELECT TRY_CAST(observed AS DOUBLE) AS n, checked_at,
                row_number() OVER (PARTITION BY snapshot_id ORDER BY checked_at DESC) AS k
         FROM h
         WHERE check_name = ${quoteLiteral(q.check)} AND check_kind = 'volume'
           AND scope = ${quoteLiteral(q.scope)} AND status IN ('pass', 'warn') ${exclude} ${own}
           AND NOT EXISTS (SELECT 1 FROM rejected r WHERE r.snapshot_id = h.snapshot_id AND r.run_id = h.run_id)
       ) WHERE k = 1 AND n IS NOT NULL ORDER BY checked_at DESC LIMIT ${Math.max(1, Math.floor(q.limit))}`,
      `read the volume history of ${q.table} from ${CHECK_RESULTS_NAME}`,
      { context: { table: q.table } },
    );
    return rows.map((r) => toNumber(r.n));
  };
}
