/**
 * Conflict validation for commits that replace data (spec "Optimistic concurrency": a
 * retried commit must re-check the assumptions it was built on).
 *
 * An overwrite read nothing, but it means "the table now holds exactly these rows". If it
 * simply re-applied on a newer base after losing the compare-and-swap, it would delete rows
 * a concurrent writer appended after the overwrite started — a lost append. Like Iceberg's
 * OverwriteFiles with validateNoConflictingData/Deletes under serializable isolation, it
 * fails cleanly instead when a snapshot committed on the branch since it started changed
 * data. A concurrent `replace` (compaction: same rows in other files) changes no data and
 * is retried on.
 */
import { FloeError } from '../errors.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import { SUMMARY } from '../run/summary-keys.js';
import { ancestry } from './ancestry.js';
import type { LoadedTable } from './load.js';

/** Snapshots on main committed after `startId`, newest first (all of them if it is gone). */
export function snapshotsSince(m: TableMetadata, startId: bigint | null): Snapshot[] {
  const history = ancestry(m, m.refs['main']?.['snapshot-id'] ?? null);
  const at = history.findIndex((s) => s['snapshot-id'] === startId);
  return at < 0 ? history : history.slice(0, at);
}

/** Throws a non-retryable conflict if a snapshot since `startId` added or removed rows. */
export function validateNoConcurrentDataChanges(base: LoadedTable, startId: bigint | null, table: string): void {
  const clash = snapshotsSince(base.metadata, startId).find((s) => s.summary.operation !== 'replace');
  if (!clash) return;
  throw new FloeError(
    'conflict',
    `${table}: a concurrent commit (snapshot ${clash['snapshot-id']}, ${clash.summary.operation}) changed the data while this overwrite ran; nothing was committed`,
    {
      retryable: false,
      context: { table, snapshot: String(clash['snapshot-id']), operation: clash.summary.operation },
      hint: 'Run the overwrite again: it will replace the new rows too.',
    },
  );
}

/** What a pipeline run read from the table before it wrote: checked again at every commit attempt. */
export interface RunRead {
  table: string;
  pipeline: string;
  /** main's snapshot when the run read its state (null: the table was absent or empty). */
  startId: bigint | null;
  /** The incremental cursor column: the run read the cursor that commits of this pipeline move. */
  cursorColumn?: string;
  /**
   * The run read this table as the pipeline's last run left it (an identity run's previous
   * identity map, run/identity-run.ts), so every commit of the pipeline since moved what it
   * read. `what` names it ("identity map"), `risk` says what committing on it would do.
   */
  previous?: { what: string; risk: string };
  /** A caller-chosen --run-id: the run read that it was not committed yet. */
  runId?: string;
}

/** The error context of a run whose --run-id a concurrent run of the same pipeline committed first. */
const RUN_COMMITTED = 'committed-by-concurrent-run';

/**
 * The pipeline-level validation of Iceberg's optimistic concurrency: a commit re-applied on a
 * newer base is only right if what the run read still holds. A run read its incremental cursor
 * (and, with --run-id, that the run id was new) from main as of `startId`; if another run of
 * the same pipeline committed to main since — on another host, where `floe run`'s local lock
 * does not reach — both read the same cursor and so the same rows, and re-applying this one
 * would write them twice (append), or move the cursor back (merge). An identity run read the
 * previous identity map (`previous`): any commit of the pipeline since replaced it. So it fails
 * cleanly. Commits of other pipelines, `floe load` and compactions move no state this run read.
 */
export function validateNoConcurrentRun(base: LoadedTable, read: RunRead): void {
  const theirs = snapshotsSince(base.metadata, read.startId).filter((s) => s.summary[SUMMARY.pipeline] === read.pipeline);
  if (read.runId !== undefined) {
    const same = theirs.find((s) => s.summary[SUMMARY.runId] === read.runId);
    if (same) {
      throw new FloeError('conflict', `${read.table}: run ${read.runId} of pipeline ${read.pipeline} was committed by another process (snapshot ${same['snapshot-id']}) while this one ran; nothing was committed`, {
        retryable: false,
        context: { table: read.table, pipeline: read.pipeline, runId: read.runId, snapshot: String(same['snapshot-id']), concurrentRun: RUN_COMMITTED },
      });
    }
  }
  const state = read.cursorColumn !== undefined
    ? { what: 'cursor', risk: 'this run read from the same cursor, so committing it too would write those rows again or move the cursor back' }
    : read.previous;
  if (state === undefined) return;
  const moved = read.cursorColumn !== undefined ? theirs.find((s) => s.summary[SUMMARY.cursorColumn] === read.cursorColumn) : theirs[0];
  if (!moved) return;
  const from = read.startId === null ? 'before the table had a snapshot' : `from snapshot ${read.startId}`;
  const run = moved.summary[SUMMARY.runId] ?? '?';
  throw new FloeError(
    'conflict',
    `${read.table}: another run of pipeline ${read.pipeline} committed snapshot ${moved['snapshot-id']} (run ${run}) after this run read its ${state.what} ${from}: ${state.risk}; nothing was committed. Run ${read.pipeline} again: it reads on from the ${state.what} of snapshot ${moved['snapshot-id']}`,
    { retryable: false, context: { table: read.table, pipeline: read.pipeline, snapshot: String(moved['snapshot-id']) } },
  );
}

/** The snapshot that committed this run's --run-id first, when `e` is validateNoConcurrentRun's error saying so. */
export function committedByConcurrentRun(e: unknown): string | undefined {
  return e instanceof FloeError && e.context.concurrentRun === RUN_COMMITTED ? String(e.context.snapshot) : undefined;
}
