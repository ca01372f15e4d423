/**
 * Printing helpers. Results go to stdout; logs, warnings and errors to stderr, so that
 * `--json` / `--format json` output on stdout stays machine-readable.
 */
import { stringifyJson } from '../iceberg/json.js';

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** One NDJSON event on stdout (only when --json). */
  event(type: string, fields: Record<string, unknown>): void;
  readonly json: boolean;
}

export function consoleOutput(json = false): Output {
  return {
    json,
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    event: (type, fields) => {
      if (json) process.stdout.write(stringifyJson({ event: type, time: new Date().toISOString(), ...fields }) + '\n');
    },
  };
}

export { formatTable } from '../text-table.js';

export function formatBytes(n: number | bigint): string {
  const v = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${x.toFixed(1)} ${units[i]}`;
}
