/**
 * Helpers shared by the command registrations: a command's module is imported only when it
 * runs, so `floe --help` never loads DuckDB, SQLite or a driver.
 *
 * Audited commands (audit/command.ts isAudited: those that change the warehouse, and
 * `floe check`) run through the audit wrapper (audit/command-audit.ts) and get one row in
 * floe.audit_log, whatever their outcome. Both are imported only when a command runs, and
 * the wrapper only for an audited one: read-only commands load audit/command.ts alone.
 */
import type { CommandLike } from '../audit/command-audit.js';

export type Action = (...args: any[]) => Promise<number | void>;

/** Wraps a lazily imported command so that its returned number becomes the exit code. */
export function lazy(load: () => Promise<{ default: Action }>): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const cmd = args.at(-1);
    const isCommand = cmd && typeof cmd.optsWithGlobals === 'function' && typeof cmd.name === 'function';
    // The command's module graph and the audit check load together.
    const [mod, audit] = await Promise.all([load(), isCommand ? import('../audit/command.js') : undefined]);
    let code: number | void;
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
    if (typeof code === 'number') process.exitCode = code;
  };
}

/** `floe <path...>` of a commander Command, as audit/command-audit.ts commandPath. */
function pathOf(cmd: CommandLike): string[] {
  const path: string[] = [];
  for (let c: CommandLike | null = cmd; c !== null && c.parent !== null; c = c.parent) path.unshift(c.name());
  return path;
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
