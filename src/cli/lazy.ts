/**
 * Helpers shared by the command registrations: a command's module is imported only when it
 * runs, so `floe --help` never loads DuckDB, SQLite or a driver.
 */
export type Action = (...args: any[]) => Promise<number | void>;

/** Wraps a lazily imported command so that its returned number becomes the exit code. */
export function lazy(load: () => Promise<{ default: Action }>): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const mod = await load();
    const code = await mod.default(...args);
    if (typeof code === 'number') process.exitCode = code;
  };
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
