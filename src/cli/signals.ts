/**
 * What a command cancelled by SIGINT, SIGTERM or SIGHUP says (src/cancel.ts stops its work):
 * one line on stderr, the truth about what it committed,
 *
 *   floe: interrupted by SIGTERM; nothing was committed to raw.orders
 *   floe: interrupted by SIGINT after committing to raw.orders; nothing was committed to raw.customers
 *
 * an `end` event with `status: "cancelled"` on a --json stream, and the signal's exit status
 * (cli/exit.ts). The tables a command means to change are its targets (noteTargets: the
 * `<table>` argument, or the tables of the pipelines a run runs); what it committed is observed
 * in the catalog (catalog/observe.ts), its own audit record aside.
 *
 * Loaded with a command (cli/lazy.ts), never by `floe --help`; the signal handlers themselves
 * are installed first thing by cli/main.ts, so that a signal during start-up is handled too.
 */
import { AUDIT_LOG_NAME } from '../audit/command.js';
import { observeCatalogChanges } from '../catalog/observe.js';
import { cancelGraceMs, cancelledBy, noteCommitted, setForcedExitReport, type CancelSignal, type ForcedReason } from '../cancel.js';

const targets: string[] = [];
const committed: string[] = [];
/** Whether the command may change the warehouse (audited): only then does the line say what was not committed. */
let changes = false;
let observing = false;
let forcedEnd: ((fields: Record<string, unknown>) => void) | undefined;

/**
 * For the command about to run (the handlers themselves are installed by cli/main.ts): notes
 * what it commits, and whether it is one that changes the warehouse.
 */
export function prepareSignals(changesWarehouse: boolean): void {
  changes = changesWarehouse;
  if (observing) return;
  observing = true;
  observeCatalogChanges((c) => {
    if (c.kind === 'drop') return;
    const table = [...c.id.namespace, c.id.name].join('.');
    noteCommitted(table);
    if (table !== AUDIT_LOG_NAME && !committed.includes(table)) committed.push(table);
  });
  setForcedExitReport(forcedReport);
}

/** The tables this command means to change (named in the line when nothing was committed to them). */
export function noteTargets(tables: Iterable<string>): void {
  for (const t of tables) if (!targets.includes(t)) targets.push(t);
}

/** A --json command's way to end its stream when the process is ended at once (output.ts). */
export function setForcedEnd(write: (fields: Record<string, unknown>) => void): void {
  forcedEnd = write;
}

/**
 * The line for a command `signal` cancelled; `forced` when it is ended at once (`workEnded`:
 * its work, and so its cleanup, had finished).
 */
export function cancelLine(signal: CancelSignal, forced?: { reason: ForcedReason; inFlight: readonly string[]; graceMs: number; workEnded?: boolean }): string {
  const parts: string[] = [];
  const done = committed.filter((t) => !forced?.inFlight.includes(t));
  const head = `floe: interrupted by ${signal}${forced ? ` (stopped at once: ${forced.reason === 'second-signal' ? 'a second signal' : `no safe point within ${forced.graceMs / 1000} s`})` : ''}`;
  const notCommitted = targets.filter((t) => !committed.includes(t) && !forced?.inFlight.includes(t));
  for (const t of forced?.inFlight ?? []) parts.push(`the commit to ${t} was in flight and may or may not have happened (check with floe snapshots ${t})`);
  if (notCommitted.length > 0 || (changes && done.length === 0 && parts.length === 0)) {
    parts.push(`nothing was committed${notCommitted.length ? ` to ${notCommitted.join(', ')}` : ''}`);
  }
  if (forced && !forced.workEnded && changes) parts.push('files it wrote may be left behind (floe maintain orphans removes them)');
  return `${head}${done.length ? ` after committing to ${done.join(', ')}` : ''}${parts.map((p) => `; ${p}`).join('')}`;
}

function forcedReport(signal: CancelSignal, reason: ForcedReason, inFlight: readonly string[], workEnded: boolean): void {
  const line = cancelLine(signal, { reason, inFlight, graceMs: cancelGraceMs(), workEnded });
  try {
    forcedEnd?.({ status: 'cancelled', signal, forced: reason });
  } finally {
    process.stderr.write(`${line}\n`);
  }
}

/** After the command: the line, once, when a signal cancelled it. */
export function reportCancelled(): void {
  const signal = cancelledBy();
  if (signal) process.stderr.write(`${cancelLine(signal)}\n`);
}
