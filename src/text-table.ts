/**
 * A plain aligned text table, shared by every command that prints rows (query, snapshots,
 * run summaries, check results).
 */
import { stringifyJson } from './iceberg/json.js';

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
  // A loop, not Math.max(...rows): spreading a few hundred thousand rows overflows the stack.
  const widths = columns.map((c) => c.length);
  for (const r of text) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** A count and its noun: `1 row`, `2 rows`, `3 files`; `many` for an irregular plural. */
export function plural(n: number | bigint, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 || n === 1n ? one : many}`;
}

/**
 * Text from data (a value, a property, a ref name another engine made) as one line of inert
 * text for the terminal: a line break or tab would split or shift a table row, and an ESC
 * would drive the terminal; control characters show as `\n`, `\t`, `\r`, `\u001b`.
 */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
