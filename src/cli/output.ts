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

/** A plain aligned text table; cells are stringified, nulls shown as NULL. */
export function formatTable(columns: string[], rows: unknown[][]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') return v;
    if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
    return stringifyJson(v);
  };
  const text = rows.map((r) => r.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

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
