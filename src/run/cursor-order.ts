/**
 * How an incremental run orders its cursor's values when it filters them itself (file and
 * http sources; databases compare on the server, incremental.ts).
 *
 * JSON, JSON Lines, http and CSV readers type a date-time column by its text: ISO-8601 values
 * whose forms are alike become a timestamp, while a batch that mixes forms
 * (`2026-01-05T12:00:00Z` beside `2026-01-05T11:00:00.5Z`, as Python's `isoformat()` writes:
 * no fraction when the microseconds are 0) is text. A text cursor compares as bytes, where
 * `…12:00:00.5Z` sorts below `…12:00:00Z`: a row later in the watermark's second was never
 * read. When every cursor value of the batch, and the watermark, is ISO-8601 date-time text,
 * the run orders them by the instants they name instead (text without an offset is UTC, the
 * session's zone): the rows above the watermark, the row a key keeps, and the next watermark,
 * which stays the text of the greatest instant. Any other text keeps byte order.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';

/** ISO-8601 date-time text, as DuckDB's TIMESTAMPTZ cast reads it: a date, a time, an optional fraction and offset. */
const ISO_DATE_TIME = String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?`;

/** The order key of a cursor value: the value itself, or the instant its text names. */
export type CursorKey = (expr: string) => string;

export const asItIs: CursorKey = (expr) => expr;

const instant: CursorKey = (expr) => `TRY_CAST(${expr} AS TIMESTAMPTZ)`;

/** SQL: `expr` is NULL or ISO-8601 date-time text that reads as an instant. */
const isInstantText = (expr: string) => `(${expr} IS NULL OR (regexp_full_match(${expr}, ${quoteLiteral(ISO_DATE_TIME)}) AND ${instant(expr)} IS NOT NULL))`;

/**
 * The order of the cursor `column` of the staged `relation` (rows `where`): by instant when
 * the column is text (`type`), `eligible` (a source the run filters, and no column rule that
 * changes the cursor's values), and every value and the watermark `after` is ISO-8601
 * date-time text; else as it is.
 */
export async function cursorKey(engine: Engine, o: { relation: string; where: string; column: string; type: string | undefined; after: string | null; eligible: boolean }): Promise<CursorKey> {
  if (!o.eligible || o.type !== 'VARCHAR') return asItIs;
  const c = quoteIdent(o.column);
  const watermark = o.after === null ? 'true' : isInstantText(quoteLiteral(o.after));
  const r = await engine.all(
    `SELECT coalesce(bool_and(${isInstantText(c)}), true) AND count(${c}) > 0 AND ${watermark} AS ok FROM ${quoteIdent(o.relation)} WHERE ${o.where}`,
    'read whether the cursor is date-time text',
  );
  return r[0]?.ok === true ? instant : asItIs;
}
