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
 * Loaded with a command (cli/lazy.ts), never by `floe --help`.
 */
import { AUDIT_LOG_NAME } from '../audit/command.js';
import { observeCatalogChanges } from '../catalog/observe.js';
import { cancelledBy, installCancelHandling, type CancelSignal, type ForcedReason } from '../cancel.js';
import { exitCodeForSignal } from './exit.js';

/** How long a cancelled command may take to reach a safe point, clean up and record itself. */
export const DEFAULT_CANCEL_GRACE_MS = 5000;

const targets: string[] = [];
const committed: string[] = [];
let forcedEnd: ((fields: Record<string, unknown>) => void) | undefined;

/** FLOE_CANCEL_GRACE_MS, else the default. */
export function cancelGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.FLOE_CANCEL_GRACE_MS?.trim() || NaN);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_CANCEL_GRACE_MS;
}

/** Installs the handlers of src/cancel.ts for this command, and starts noting its commits. */
export function installSignals(): void {
  observeCatalogChanges((c) => {
    if (c.kind === 'drop') return;
    const table = [...c.id.namespace, c.id.name].join('.');
    if (table !== AUDIT_LOG_NAME && !committed.includes(table)) committed.push(table);
  });
  installCancelHandling({ graceMs: cancelGraceMs(), forceExit });
}

/** The tables this command means to change (named in the line when nothing was committed to them). */
export function noteTargets(tables: Iterable<string>): void {
  for (const t of tables) if (!targets.includes(t)) targets.push(t);
}

/** A --json command's way to end its stream when the process is ended at once (output.ts). */
export function setForcedEnd(write: (fields: Record<string, unknown>) => void): void {
  forcedEnd = write;
}

/** The line for a command `signal` cancelled; `forced` when it is ended before its work was. */
export function cancelLine(signal: CancelSignal, forced?: { reason: ForcedReason; inFlight: readonly string[]; graceMs: number }): string {
  const parts: string[] = [];
  const done = committed.filter((t) => !forced?.inFlight.includes(t));
  const head = `floe: interrupted by ${signal}${forced ? ` (stopped at once: ${forced.reason === 'second-signal' ? 'a second signal' : `no safe point within ${forced.graceMs / 1000} s`})` : ''}`;
  const notCommitted = targets.filter((t) => !committed.includes(t) && !forced?.inFlight.includes(t));
  for (const t of forced?.inFlight ?? []) parts.push(`the commit to ${t} was in flight and may or may not have happened (check with floe snapshots ${t})`);
  if (notCommitted.length > 0 || (done.length === 0 && parts.length === 0)) {
    parts.push(`nothing was committed${notCommitted.length ? ` to ${notCommitted.join(', ')}` : ''}`);
  }
  if (forced) parts.push('files it wrote may be left behind (floe maintain orphans removes them)');
  return `${head}${done.length ? ` after committing to ${done.join(', ')}` : ''}${parts.map((p) => `; ${p}`).join('')}`;
}

function forceExit(signal: CancelSignal, reason: ForcedReason, inFlight: readonly string[]): void {
  const line = cancelLine(signal, { reason, inFlight, graceMs: cancelGraceMs() });
  try {
    forcedEnd?.({ status: 'cancelled', signal, forced: reason });
    process.stderr.write(`${line}\n`);
  } finally {
    process.exit(exitCodeForSignal(signal));
  }
}

/** After the command: the line, once, when a signal cancelled it. */
export function reportCancelled(): void {
  const signal = cancelledBy();
  if (signal) process.stderr.write(`${cancelLine(signal)}\n`);
}
