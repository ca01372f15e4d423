/**
 * Records one floe command in floe.audit_log (log.ts): who ran it, when, its arguments
 * (secrets redacted), the tables it changed with their new snapshots and row counts, and how
 * it ended. cli/lazy.ts wraps every command with auditCommand.
 *
 * - Only audited commands are recorded (command.ts); FLOE_AUDIT_LOG=off switches the log off.
 * - The command's own result always wins: a failure to write the log is a warning on stderr,
 *   and the command's error or exit code is passed on unchanged.
 * - lazy.ts loads this module for every command, read-only ones included: only the light
 *   pieces are imported here; what writes the record (the Parquet writer, metadata reads and
 *   commits) is imported by record(), for audited commands only. The record needs no DuckDB
 *   session (log.ts).
 * - A command that cannot open its project (no floe.yaml) has nowhere to be recorded. A
 *   command refused with a usage or configuration error (exit 2) is recorded once the audit
 *   log exists; it does not create the table by itself.
 */
import { hostname, userInfo } from 'node:os';
import { cancelledError, endOfWork, workInterruptedBy } from '../cancel.js';
import { attachNote, FloeError } from '../errors.js';
import { ENGINE_VERSION } from '../table/summary.js';
import { auditActor } from './actor.js';
import { MissingCatalog } from '../catalog/missing.js';
import { observeCatalogChanges, type CatalogChange } from '../catalog/observe.js';
import { AUDIT_LOG_NAME, AUDIT_LOG_TABLE, commandRedactor, isAudited, redactArguments } from './command.js';
import { AuditContext, setCurrentAudit, type ReportedError } from './context.js';
import type { AuditRecord } from './log.js';

/** The part of commander's Command the wrapper needs. */
export interface CommandLike {
  name(): string;
  parent: CommandLike | null;
  optsWithGlobals(): Record<string, unknown>;
}

export function commandPath(cmd: CommandLike): string[] {
  const path: string[] = [];
  for (let c: CommandLike | null = cmd; c !== null && c.parent !== null; c = c.parent) path.unshift(c.name());
  return path;
}

export function auditDisabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = (env.FLOE_AUDIT_LOG ?? '').trim().toLowerCase();
  return v === 'off' || v === '0' || v === 'false' || v === 'no';
}

function osUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

function exitCodeOf(e: unknown, codeFor: (kind: FloeError['kind']) => number): number {
  // A command a signal stopped exits with the signal's status, also when it failed while stopping.
  if (workInterruptedBy() !== undefined) return codeFor('cancelled');
  return e instanceof FloeError ? codeFor(e.kind) : 1;
}

export async function auditCommand(
  cmd: CommandLike,
  argv: readonly string[],
  codeFor: (kind: FloeError['kind']) => number,
  run: () => Promise<number | void>,
): Promise<number | void> {
  const path = commandPath(cmd);
  if (!isAudited(path) || auditDisabled(process.env)) return run();
  const o = cmd.optsWithGlobals();
  const globals = { project: o.project as string | undefined, debug: o.debug as boolean | undefined };
  const startedMs = Date.now();
  const ctx = new AuditContext();
  const changes: CatalogChange[] = [];
  const stopObserving = observeCatalogChanges((c) => changes.push(c));
  setCurrentAudit(ctx);
  let result: number | void = undefined;
  let error: unknown = undefined;
  let failed = false;
  try {
    result = await run();
  } catch (e) {
    error = e;
    failed = true;
  } finally {
    setCurrentAudit(undefined);
    stopObserving();
    // A command a signal stopped is recorded too: its record is committed past the safe points (src/cancel.ts).
    endOfWork();
  }
  const exitCode = failed || workInterruptedBy() !== undefined ? exitCodeOf(error, codeFor) : typeof result === 'number' ? result : typeof process.exitCode === 'number' ? process.exitCode : 0;
  try {
    await record({ path, argv, globals, changes, ctx, startedMs, exitCode, error: failed ? error : undefined });
  } catch (e) {
    const warning = `floe: warning: the command was not recorded in ${AUDIT_LOG_NAME}: ${e instanceof Error ? e.message : String(e)}`;
    // A failing command's own error reads first; this warning follows it (cli/main.ts).
    if (failed) attachNote(error, warning);
    else process.stderr.write(`${warning}\n`);
  }
  if (failed) throw error;
  return result;
}

/**
 * error_kind and error_message: the thrown error's, else (a command that ended with a
 * non-zero exit code without throwing) the failures it reported, joined.
 */
function errorColumns(err: unknown, reported: readonly ReportedError[], redact: (s: string) => string): { errorKind: string | null; errorMessage: string | null } {
  if (err !== undefined) return { errorKind: err instanceof FloeError ? err.kind : 'internal', errorMessage: redact(err instanceof Error ? err.message : String(err)) };
  if (reported.length === 0) return { errorKind: null, errorMessage: null };
  return { errorKind: reported[0]!.kind, errorMessage: redact(reported.map((e) => e.message).join('; ')) };
}

/** For a command a signal stopped that reported no failure of its own: the signal, as its error. */
function cancellation(reported: readonly ReportedError[]): FloeError | undefined {
  const signal = workInterruptedBy();
  return signal !== undefined && reported.length === 0 ? cancelledError(signal) : undefined;
}

async function record(a: {
  path: string[];
  argv: readonly string[];
  globals: { project?: string; debug?: boolean };
  changes: readonly CatalogChange[];
  ctx: AuditContext;
  startedMs: number;
  exitCode: number;
  error: unknown;
}): Promise<void> {
  const [{ openProject }, { describeChanges }, { appendAuditRecord }] = await Promise.all([
    import('../cli/context.js'),
    import('./changes.js'),
    import('./log.js'),
  ]);
  let project;
  try {
    // Opened without creating anything: the log goes into the catalog the command used.
    project = await openProject(a.globals, { create: false });
  } catch (e) {
    // No project (no floe.yaml, a broken one): a failed command has nowhere to be recorded.
    if (a.exitCode !== 0) return;
    throw e;
  }
  try {
    // No catalog yet, and the command created none (`floe check` in a new project, a command
    // refused before it opened the catalog): nowhere to record it, and not worth creating one.
    if (project.catalog instanceof MissingCatalog) return;
    if (a.exitCode === 2 && !(await project.catalog.tableExists(AUDIT_LOG_TABLE))) return;
    const changes = await describeChanges(project.io, a.changes, a.startedMs);
    const env = process.env;
    const redact = commandRedactor(a.argv, env);
    const err = a.error;
    const rec: AuditRecord = {
      auditId: crypto.randomUUID(),
      startedMs: a.startedMs,
      finishedMs: Date.now(),
      actor: auditActor(env, osUser()),
      host: hostname(),
      command: a.path.join(' '),
      arguments: redactArguments(a.argv, env, redact),
      project: project.project.dir,
      changes,
      reported: a.ctx.reported,
      // Stopped by SIGINT, SIGTERM or SIGHUP (exit 130, 143, 129), whatever it had done by then.
      outcome: workInterruptedBy() !== undefined ? 'cancelled' : a.exitCode === 0 ? 'ok' : 'failed',
      exitCode: a.exitCode,
      ...errorColumns(err ?? cancellation(a.ctx.errors), a.exitCode === 0 ? [] : a.ctx.errors, redact),
      floeVersion: ENGINE_VERSION,
    };
    await appendAuditRecord({ catalog: project.catalog, io: project.io, warehouse: project.project.paths.warehouse, record: rec });
  } finally {
    await project.close();
  }
}
