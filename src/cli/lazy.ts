/**
 * Helpers shared by the command registrations: a command's module is imported only when it
 * runs, so `floe --help` never loads DuckDB, SQLite or a driver.
 *
 * Audited commands (audit/command.ts isAudited: those that change the warehouse, and
 * `floe check`) run through the audit wrapper (audit/command-audit.ts) and get one row in
 * floe.audit_log, whatever their outcome. Both are imported only when a command runs, and
 * the wrapper only for an audited one: read-only commands load audit/command.ts alone.
 *
 * Every command runs with the signal handling of cli/signals.ts (src/cancel.ts): a SIGINT,
 * SIGTERM or SIGHUP stops its work at a safe point, and the command then ends with one line
 * saying what it committed, and the signal's exit status.
 */
import type { CommandLike } from '../audit/command-audit.js';

export type Action = (...args: any[]) => Promise<number | void>;

/** Wraps a lazily imported command so that its returned number becomes the exit code. */
export function lazy(load: () => Promise<{ default: Action }>): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const cmd = args.at(-1);
    const isCommand = cmd && typeof cmd.optsWithGlobals === 'function' && typeof cmd.name === 'function';
    // The command's module graph, the audit check and the signal handling load together.
    const [mod, audit, signals, cancel] = await Promise.all([
      load(),
      isCommand ? import('../audit/command.js') : undefined,
      import('./signals.js'),
      import('../cancel.js'),
    ]);
    const changes = isCommand && audit!.isAudited(pathOf(cmd));
    signals.prepareSignals(changes);
    if (changes) signals.noteTargets(tableArguments(cmd, args));
    let code: number | void = undefined;
    try {
      if (isCommand && audit!.isAudited(pathOf(cmd))) {
        const [{ auditCommand }, { exitCodeFor }, { withDeferredS3Summary }] = await Promise.all([
          import('../audit/command-audit.js'),
          import('./exit.js'),
          import('./output.js'),
        ]);
        // The S3 retry line (output.ts) then covers the audit record's requests too.
        code = await withDeferredS3Summary(() => auditCommand(cmd, process.argv.slice(2), exitCodeFor, () => mod.default(...args)));
      } else {
        code = await mod.default(...args);
      }
    } catch (e) {
      const signal = cancel.workInterruptedBy();
      if (signal === undefined) {
        const late = cancel.cancelledBy();
        if (late !== undefined) (await import('../errors.js')).attachNote(e, afterWorkNote(late));
        throw e;
      }
      if (!cancel.isCancelledError(e)) {
        // A failure of its own while it stopped (a commit whose outcome is unknown) is told,
        // followed by the line; the exit status is the signal's (cli/main.ts).
        const { attachNote } = await import('../errors.js');
        attachNote(e, signals.cancelLine(signal));
        throw e;
      }
    } finally {
      cancel.endOfWork();
    }
    const signal = cancel.workInterruptedBy();
    const late = cancel.cancelledBy();
    // A signal during the audit record, once the work was over, stopped nothing: the result stands.
    if (signal === undefined && late !== undefined) process.stderr.write(`${afterWorkNote(late)}\n`);
    if (signal !== undefined) {
      // Stopped by a signal: one line, and the signal's status, whatever the command returned.
      signals.reportCancelled();
      process.exitCode = (await import('./exit.js')).exitCodeForSignal(signal);
      return;
    }
    if (typeof code === 'number') process.exitCode = code;
  };
}

const afterWorkNote = (signal: string) => `floe: ${signal} arrived after the command had finished; its result stands`;

/** `floe <path...>` of a commander Command, as audit/command-audit.ts commandPath. */
function pathOf(cmd: CommandLike): string[] {
  const path: string[] = [];
  for (let c: CommandLike | null = cmd; c !== null && c.parent !== null; c = c.parent) path.unshift(c.name());
  return path;
}

/** The value of a `<table>` argument (load, compact, maintain ..., table ..., snapshot ...): the table the command changes. */
function tableArguments(cmd: { registeredArguments?: readonly { name(): string }[] }, args: readonly unknown[]): string[] {
  const i = (cmd.registeredArguments ?? []).findIndex((a) => a.name() === 'table');
  const v = i >= 0 ? args[i] : undefined;
  return typeof v === 'string' ? [v] : [];
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
