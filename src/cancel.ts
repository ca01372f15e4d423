/**
 * Cancellation of a running command by SIGINT (Ctrl-C), SIGTERM (Airflow, Kubernetes, CI
 * cancelling a job) or SIGHUP (a closed terminal or SSH session).
 *
 * The first signal does not kill the process: it marks the command cancelled, aborts
 * `cancelSignal()` (HTTP requests, the lock wait) and interrupts every running DuckDB statement
 * (engine/duckdb.ts). Work stops at the next safe point: a DuckDB statement, the start of a
 * commit attempt (table/commit.ts) or a lock poll throws the `cancelled` FloeError there, and
 * the ordinary failure paths run: files written for a commit that did not happen are deleted,
 * staging folders removed, the run's lock released. A catalog swap already under way is never
 * broken off: it finishes or fails, and the command then says which (cli/signals.ts). After the
 * command's work, `endOfWork()` lets its audit record be committed.
 *
 * A second signal, or the command still running `graceMs` after the first, ends the process at
 * once (after waiting at most a second for a catalog swap in flight): what `atForcedExit`
 * registered (lock files, DuckDB spill and staging folders) and the local files written for a
 * commit that did not happen (noteTableFile) are removed synchronously first.
 *
 * An object-store transfer (io/s3.ts: an upload, a download, a listing) is aborted by the same
 * signal (transferSignal), unless a commit attempt has begun (atCommitStart): from there the
 * commit finishes or fails on its own. Cleanup after the signal (deleting what was not
 * committed) and the audit record start after it, and so are never aborted.
 *
 * This module is light (it imports errors.ts and node:fs, node:events, node:async_hooks alone): the CLI installs it for every command, and
 * the layers below only ask it whether to stop.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { unlinkSync } from 'node:fs';
import { FloeError } from './errors.js';

export type CancelSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export const CANCEL_SIGNALS: readonly CancelSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Why the process ends before its work did: a second signal, or the grace period ran out. */
export type ForcedReason = 'second-signal' | 'grace-expired';

interface State {
  signal?: CancelSignal;
  /** Aborted on the first signal; its reason is the cancelled error. */
  controller: AbortController;
  installed: boolean;
  workEnded: boolean;
  /** The first signal came once the work had ended (during the audit record): it stopped nothing. */
  afterWork: boolean;
  onCancel: Set<() => void>;
  forcedExit: Set<() => void>;
  /** Tables whose catalog swap (or create, drop) is under way: name → count. */
  swaps: Map<string, number>;
  timer?: NodeJS.Timeout;
}

const state: State = {
  controller: new AbortController(),
  installed: false,
  workEnded: false,
  afterWork: false,
  onCancel: new Set(),
  forcedExit: new Set(),
  swaps: new Map(),
};
// Every request in flight listens to it (16 S3 downloads at once, the parts of uploads): no
// limit, else Node warns of a leak on stderr past 10 listeners.
setMaxListeners(0, state.controller.signal);

export interface CancelHandling {
  /** Milliseconds after the first signal before the process is ended at once. */
  graceMs: number;
  /** Called at the first signal, after the work was told to stop. */
  onFirstSignal?: (signal: CancelSignal) => void;
  /**
   * Ends the process (must not return normally): called on a second signal or when the grace
   * period ran out, after the atForcedExit cleanups ran, any swap in flight had a moment to end,
   * and the report (setForcedExitReport) was written.
   */
  forceExit: (signal: CancelSignal) => void;
}

/** What a forced exit writes first (the command's line, the end of a --json stream): the CLI's, once a command is loaded. */
export type ForcedExitReport = (signal: CancelSignal, reason: ForcedReason, swapsInFlight: readonly string[], workEnded: boolean) => void;
let forcedReport: ForcedExitReport | undefined;

export function setForcedExitReport(report: ForcedExitReport): void {
  forcedReport = report;
}

/** How long a cancelled command may take to reach a safe point, clean up and record itself. */
export const DEFAULT_CANCEL_GRACE_MS = 5000;

/** FLOE_CANCEL_GRACE_MS, else the default. */
export function cancelGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.FLOE_CANCEL_GRACE_MS?.trim() || NaN);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_CANCEL_GRACE_MS;
}

/** Installs the signal handlers (once per process). */
export function installCancelHandling(h: CancelHandling): void {
  if (state.installed) return;
  state.installed = true;
  for (const signal of CANCEL_SIGNALS) {
    process.on(signal, () => {
      if (state.signal === undefined) {
        first(signal, h);
      } else {
        force(h, 'second-signal');
      }
    });
  }
}

function first(signal: CancelSignal, h: CancelHandling): void {
  state.signal = signal;
  state.afterWork = state.workEnded;
  state.controller.abort(cancelledError(signal));
  for (const fn of [...state.onCancel]) {
    try {
      fn();
    } catch {
      // stopping one piece of work must not keep the others running
    }
  }
  h.onFirstSignal?.(signal);
  // Ref'd while the work runs, so the grace period is kept even if nothing else is pending;
  // unref'd by endOfWork, so a finished command does not wait for it.
  state.timer = setTimeout(() => force(h, 'grace-expired'), h.graceMs);
  if (state.workEnded) state.timer.unref();
}

let forcing = false;
function force(h: CancelHandling, reason: ForcedReason): void {
  if (forcing) return;
  forcing = true;
  if (state.timer) clearTimeout(state.timer);
  // A swap in flight (a Postgres UPDATE) usually ends within milliseconds: give it a moment, so
  // that the line can say whether it committed (and the lock is held until then); then go regardless.
  const deadline = Date.now() + SWAP_WAIT_MS;
  const go = () => {
    if (state.swaps.size > 0 && Date.now() < deadline) {
      setTimeout(go, 20);
      return;
    }
    const signal = state.signal ?? 'SIGTERM';
    try {
      runForcedExitCleanups();
      if (forcedReport) forcedReport(signal, reason, [...state.swaps.keys()], state.workEnded);
      else process.stderr.write(`floe: interrupted by ${signal} (stopped at once)\n`);
    } finally {
      h.forceExit(signal);
    }
  };
  go();
}

/** How long a forced exit waits for a catalog swap in flight. */
const SWAP_WAIT_MS = 1000;

function runForcedExitCleanups(): void {
  for (const fn of [...state.forcedExit]) {
    try {
      fn();
    } catch {
      // best effort: the process is ending
    }
  }
  removeUncommittedFiles();
}

// Files a write put into a table's folder (data files, manifests) before its commit, in order
// with the commits this process saw land (cli/signals.ts notes them): a forced exit deletes
// those no commit of that table followed, as the ordinary failure path would have. Only
// when no catalog swap is in flight (it may reference them), and only local files (the
// process is ending: an object store cannot be reached synchronously).
let sequence = 0;
const tableFiles: { table: string; location: string; seq: number }[] = [];
const lastCommit = new Map<string, number>();
const uncertain = new Set<string>();

/** A file written for `table`'s next commit, before that commit (ingest/write-table.ts). */
export function noteTableFile(table: string, location: string): void {
  tableFiles.push({ table, location, seq: ++sequence });
}

/** A commit of `table` landed (cli/signals.ts, from the catalog's observers). */
export function noteCommitted(table: string): void {
  lastCommit.set(table, ++sequence);
}

function removeUncommittedFiles(): void {
  if (state.swaps.size > 0) return;
  for (const f of tableFiles) {
    if (uncertain.has(f.table) || (lastCommit.get(f.table) ?? 0) > f.seq) continue;
    const path = localPath(f.location);
    if (path === undefined) continue;
    try {
      unlinkSync(path);
    } catch {
      // already removed by the failure path, or never written
    }
  }
}

/** The local path of a `file:` location or a plain path; undefined for an object store's. */
function localPath(location: string): string | undefined {
  if (location.startsWith('file://')) {
    const rest = location.slice('file://'.length);
    return rest.startsWith('localhost/') ? rest.slice('localhost'.length) : rest.startsWith('/') ? rest : undefined;
  }
  if (location.startsWith('file:')) return location.slice('file:'.length);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? undefined : location;
}

/** Whether the CLI handles the signals (then nothing else may make them kill the process). */
export function cancelHandlingInstalled(): boolean {
  return state.installed;
}

/** The signal that cancelled this command, if one did. */
export function cancelledBy(): CancelSignal | undefined {
  return state.signal;
}

/**
 * The signal that cancelled the command's work: undefined when none came, or when the first
 * came only after the work had ended (while its audit record was written), which it did not
 * stop; the command's own result then stands (its exit code, its audit row).
 */
export function workInterruptedBy(): CancelSignal | undefined {
  return state.afterWork ? undefined : state.signal;
}

/** Aborted on the first signal (reason: the cancelled error); pass it to fetch, sleeps, waits. */
export function cancelSignal(): AbortSignal {
  return state.controller.signal;
}

/** The error a safe point throws for `signal`: kind `cancelled` (cli/exit.ts gives the signal's exit status). */
export function cancelledError(signal: CancelSignal = state.signal ?? 'SIGTERM'): FloeError {
  return new FloeError('cancelled', `interrupted by ${signal}`, { context: { signal } });
}

/** Whether `e` is the error of a safe point (or of work a signal interrupted). */
export function isCancelledError(e: unknown): boolean {
  return e instanceof FloeError && e.kind === 'cancelled';
}

/**
 * A safe point: throws the cancelled error once a signal arrived, unless the command's work has
 * ended (its audit record and cleanup then run to the end).
 */
export function throwIfCancelled(): void {
  if (stopRequested()) throw cancelledError(state.signal);
}

/** True while a signal asks the work to stop (it arrived, and the work has not ended yet). */
export function stopRequested(): boolean {
  return state.signal !== undefined && !state.workEnded;
}

/** `fn` runs on the first signal (interrupting a DuckDB statement, say); returns the unregistration. */
export function onCancel(fn: () => void): () => void {
  state.onCancel.add(fn);
  return () => state.onCancel.delete(fn);
}

/** A synchronous cleanup run before a forced exit (a lock file, a temp folder); returns the unregistration. */
export function atForcedExit(fn: () => void): () => void {
  state.forcedExit.add(fn);
  return () => state.forcedExit.delete(fn);
}

/** The command's work is over (it returned or threw): safe points no longer throw; what follows is its audit record and report. */
export function endOfWork(): void {
  state.workEnded = true;
  state.timer?.unref();
}

/** Runs a catalog swap (create, compare-and-swap, drop) of `table`, which a forced exit lets finish first. */
export async function inCatalogSwap<T>(table: string, fn: () => Promise<T>): Promise<T> {
  state.swaps.set(table, (state.swaps.get(table) ?? 0) + 1);
  try {
    return await fn();
  } catch (e) {
    // A swap that failed may have landed all the same (commit.ts: an unknown outcome): the
    // files written for these tables are never removed by a forced exit.
    for (const t of table.split(', ')) uncertain.add(t);
    throw e;
  } finally {
    const n = (state.swaps.get(table) ?? 1) - 1;
    if (n > 0) state.swaps.set(table, n);
    else state.swaps.delete(table);
  }
}

// --- Test hook -------------------------------------------------------------------------------
//
// FLOE_TEST_PAUSE_AT=<point>:<subject> (e.g. `commit:raw.orders`, also matching a commit of
// several tables that include raw.orders) makes the command stop at that
// point, print `floe-test: paused at <point>:<subject>` on stderr, and wait for a signal (at most
// a minute); then it goes on, and the next safe point (for `commit`, this one) stops it. With
// FLOE_TEST_PAUSE_HOLD=1 it keeps waiting after the signal, as work that reaches no safe point
// would, until the process is ended (printing `floe-test: signal received` once the first signal
// was handled). Tests signal the process at exactly this point instead of
// sleeping. Points: `locked` (a run holds its table lock), `commit` (a commit attempt is about
// to write its metadata file), `committed` (a catalog swap succeeded), `check` (floe check is
// about to evaluate a table's checks).

const PAUSE_LIMIT_MS = 60_000;

/** The test hook's pause at `point` for `subject`, when FLOE_TEST_PAUSE_AT names them; else nothing. */
export async function pausePoint(point: string, subject: string): Promise<void> {
  const at = process.env.FLOE_TEST_PAUSE_AT;
  // A commit of several tables at once (table/commit-many.ts) has them all as its subject: `a, b`.
  if (at === undefined || !subject.split(', ').some((one) => at === `${point}:${one}`)) return;
  process.stderr.write(`floe-test: paused at ${at}\n`);
  const hold = process.env.FLOE_TEST_PAUSE_HOLD === '1';
  await new Promise<void>((resolve) => {
    const limit = setTimeout(resolve, PAUSE_LIMIT_MS);
    if (hold) {
      // Said once the first signal was handled, so that a test's second signal is not merged with it.
      state.controller.signal.addEventListener('abort', () => process.stderr.write('floe-test: signal received\n'), { once: true });
      return;
    }
    const done = () => {
      clearTimeout(limit);
      resolve();
    };
    if (state.controller.signal.aborted) done();
    else state.controller.signal.addEventListener('abort', done, { once: true });
  });
}

/** A safe point with the test hook's pause before it. */
export async function cancelPoint(point: string, subject: string): Promise<void> {
  await pausePoint(point, subject);
  throwIfCancelled();
}

// A commit attempt that has begun is not broken off by a signal (see the head of this file):
// the requests it makes, in whatever order its steps run, carry no abort signal.
const committing = new AsyncLocalStorage<string>();

/**
 * The start of a commit attempt of `subject` (a table, or `a, b`): a safe point (with the test
 * hook's `commit` pause), then `fn`, whose object-store transfers a signal does not abort.
 */
export async function atCommitStart<T>(subject: string, fn: () => Promise<T>): Promise<T> {
  await cancelPoint('commit', subject);
  return committing.run(subject, fn);
}

/**
 * The signal that aborts an object-store transfer starting now (io/s3.ts): the cancel signal
 * while the command's work runs and no signal has arrived yet. Undefined once one has (what
 * starts then is the cleanup of the failure path, or the audit record: it must run), after the
 * work ended, and inside a commit attempt that has begun (atCommitStart).
 */
export function transferSignal(): AbortSignal | undefined {
  const signal = state.controller.signal;
  if (signal.aborted || state.workEnded || committing.getStore() !== undefined) return undefined;
  return signal;
}

/** A wait that ends early (throwing the cancelled error) when a signal arrives. */
export function cancellableSleep(ms: number): Promise<void> {
  throwIfCancelled();
  return new Promise((resolve, reject) => {
    const signal = state.controller.signal;
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelledError(state.signal ?? 'SIGTERM'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
