/**
 * Helpers shared by the command registrations: a command's module is imported only when it
 * runs, so `floe --help` never loads DuckDB, SQLite or a driver.
 *
 * Every command runs through the audit wrapper (audit/command-audit.ts): commands that
 * change the warehouse, and `floe check`, get one row in floe.audit_log, whatever their
 * outcome. The audit module is imported only when a command runs, too.
 */
export type Action = (...args: any[]) => Promise<number | void>;

/** Wraps a lazily imported command so that its returned number becomes the exit code. */
export function lazy(load: () => Promise<{ default: Action }>): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const mod = await load();
    const cmd = args.at(-1);
    let code: number | void;
    if (cmd && typeof cmd.optsWithGlobals === 'function' && typeof cmd.name === 'function') {
      const [{ auditCommand }, { exitCodeFor }] = await Promise.all([import('../audit/command-audit.js'), import('./exit.js')]);
      code = await auditCommand(cmd, process.argv.slice(2), exitCodeFor, () => mod.default(...args));
    } else {
      code = await mod.default(...args);
    }
    if (typeof code === 'number') process.exitCode = code;
  };
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
