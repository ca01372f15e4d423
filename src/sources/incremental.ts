/**
 * The SQL a relational source sends, shared by postgres, mysql and sqlite: the base query
 * (`query:` or `table:`), the LIMIT 0 describe that types the columns before any row is read,
 * and the incremental filter (DESIGN §1 "State lives in the snapshot": rows above the last
 * committed high-watermark, in cursor order, the watermark bound as a parameter, never spliced).
 */
import { readsAsInstant, sortsAsText } from '../pipeline/column-rules.js';
import type { ColumnRule } from '../pipeline/schema-pipeline.js';
import { configError, sourceError } from '../errors.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import type { CursorState, SourceContext } from './source.js';
import { parseTimestamp } from './sql-types.js';
import { tableRef as dbTableRef, quoteSourceIdent } from './db-table-ref.js';

export type Dialect = 'postgres' | 'mysql' | 'sqlite';
export type RelationalConfig = Extract<SourceConfig, { kind: Dialect }>;

export { quoteSourceIdent } from './db-table-ref.js';

/** `table: crm.Contacts` → a FROM target (src/sources/db-table-ref.ts). */
export const tableRef = (dialect: Dialect, table: string): string => dbTableRef(dialect, table);

/** The configured query (without a trailing `;`), or a read of the whole table. */
export function baseQuery(dialect: Dialect, config: RelationalConfig): string {
  if (config.query !== undefined) return config.query.trim().replace(/;\s*$/, '').trimEnd();
  return `SELECT * FROM ${tableRef(dialect, config.table!)}`;
}

/**
 * `base` as a derived table. The newlines matter: a query ending in a `-- comment` would
 * otherwise comment out the closing parenthesis.
 */
export const derived = (base: string) => `SELECT * FROM (\n${base}\n) AS q`;

/** Plans without executing: the result's columns and types, no rows. */
export const describeQuery = (base: string) => `${derived(base)} LIMIT 0`;

/**
 * `… WHERE (q.cursor > <param> OR q.cursor IS NULL) ORDER BY q.cursor` (`>=` when `inclusive`:
 * `incremental.lookback`, lookback.ts). Rows with a NULL
 * cursor are never above a watermark; they are read so that the runner can count them and
 * say how many it left out (a warning), instead of the database dropping them unseen. `key` turns the column reference into what
 * is compared: a text cursor is compared as its bytes (`COLLATE "C"`, `CAST(… AS BINARY)`),
 * because the runner keeps the rows above the watermark, and takes the next one, in DuckDB's
 * byte order; a case-insensitive or linguistic collation would leave out rows that DuckDB
 * counts as above the watermark (`a` > `Z`), and no later run would read them.
 */
export function incrementalQuery(dialect: Dialect, base: string, column: string, param: string, key: (column: string) => string = (c) => c, inclusive = false): string {
  const col = `q.${quoteSourceIdent(dialect, column)}`;
  const c = key(col);
  return `${derived(base)}\nWHERE (${c} ${inclusive ? '>=' : '>'} ${param} OR ${col} IS NULL)\nORDER BY ${c}`;
}

/**
 * How a Postgres cursor column is compared with the watermark: `key` wraps the column, `param`
 * the bound. The runner keeps the rows above the watermark in DuckDB's order; for a text
 * cursor that is byte order, so the server must compare bytes too (`COLLATE "C"`). Text types
 * whose own operators do not compare bytes are compared as their text: `citext` compares its
 * lower-cased text whatever the collation (`a` is below `B`, while DuckDB puts it above), an
 * enum compares in its declaration order (`z` before `a` in `ENUM ('z', 'a')`); either left out
 * rows that DuckDB counts as above the watermark, and no later run read them. `text`,
 * `varchar` and `char(n)` keep the plain form (an index on the column stays usable).
 * `category` and `base` are pg_type's typcategory and format_type without the modifier.
 */
export function postgresCursorCompare(type: { category: string; base: string }, param: string): { key?: (column: string) => string; param: string } {
  // `character` without its length is char(1): CAST('ab   ' AS character) is 'a', so every row
  // of a char(n) cursor was above the bound and each run read the whole table. As text, the
  // bound keeps its blanks; the column (its blanks dropped, Postgres's char → text) compares
  // with it as DuckDB compares the blank-padded values.
  const cast = `CAST(${param} AS ${type.base === 'character' ? 'text' : type.base})`;
  if (type.category !== 'S' && type.category !== 'E') return { param: cast };
  if (type.category === 'S' && /^(text|character varying|character|name)$/.test(type.base)) return { key: (col) => `${col} COLLATE "C"`, param: cast };
  return { key: (col) => `CAST(${col} AS text) COLLATE "C"`, param: `CAST(${param} AS text)` };
}

/**
 * Whether a database source sends no bound for the cursor and reads the column whole, because
 * the server's order of the column is not the order the run compares in (`textColumn`: the
 * source column is text; undefined when the caller cannot tell):
 * - text the pipeline reads as other values (`type: long`: `'1000'` and `'000124'` sort below
 *   `'123'`; column-rules.ts sortsAsText), unless it reads them as instants (cursorStart's
 *   14-hour bound);
 * - a column that is not text (a number) which the pipeline reads as text (`type: string`):
 *   the run compares text (`'13'` is above `'123'`), the database numbers (13 is below 123).
 */
export function readsWhole(cursor: Pick<CursorState, 'textOrder' | 'instant' | 'asText'>, textColumn: boolean | undefined): boolean {
  if (textColumn === true) return cursor.textOrder === false && cursor.instant !== true;
  return textColumn === false && cursor.asText === true;
}

/**
 * The lower bound of this run's read: the last committed high-watermark (less
 * `incremental.lookback`: then rows equal to the bound are read too), else the pipeline's
 * `incremental.initial`, else none (read everything). Undefined when the run is not incremental.
 *
 * A cursor the pipeline reads as wall-clock time in a zone (`normalize: timestamp` with
 * `zone:`) holds text like `2026-01-05 12:00:00` that the run turns into 17:00 UTC, while the
 * watermark is that UTC instant: compared with the source's own text, every row written in
 * the hours between would be left out. Its bound is moved back by 14 hours (the widest UTC
 * offset) and made inclusive; the runner keeps only the rows above the watermark.
 *
 * A text column (`text` is true: the source compares the bound with the column's bytes) that
 * the pipeline reads as an instant (`type: timestamptz`, `normalize: timestamp`: `instant`)
 * holds text whose order is not the instants': `2026-01-05 09:30:00-05:00` (14:30 UTC) sorts
 * below the watermark `2026-01-05 12:00:00+00`, a `T` sorts above a space, `Z` above `+`. Its
 * bound is the same: the UTC wall clock 14 hours below, `YYYY-MM-DD HH:MM:SS.ffffff` with a
 * space, inclusive. A row above the watermark has a wall clock (its instant plus an offset of
 * at most 14 hours either way) above that, so its text, `YYYY-MM-DD` then a space or `T`,
 * sorts at or above it whatever its separator, fraction or offset; the runner then keeps only
 * the rows above the watermark, in the column's final type, and does not record or count the
 * others again. Text in other shapes (`01/05/2026`, RFC 2822) still compares as text. The
 * bound is compared as text, never cast on the server: a cast would fail the whole query on
 * one malformed value (the runner rejects that row instead), and MariaDB reads no offset in a
 * datetime literal.
 */
export function cursorStart(ctx: Pick<SourceContext, 'cursor' | 'textColumns'>, config: Pick<RelationalConfig, 'incremental'>, textColumn?: boolean): { column: string; after: string | null; inclusive: boolean } | undefined {
  if (!ctx.cursor) return undefined;
  const text = textColumn === true;
  const initial = config.incremental?.initial;
  const start = ctx.cursor.after !== null
    ? { column: ctx.cursor.column, after: ctx.cursor.after, inclusive: ctx.cursor.inclusive === true }
    : { column: ctx.cursor.column, after: initial === undefined ? null : String(initial), inclusive: false };
  // Text the pipeline reads with `format:` (`05/01/2026 12:00`) does not sort as its values:
  // no bound is sent, every row is read and the runner keeps the rows above the watermark.
  if (text && start.after !== null && ctx.textColumns?.includes(ctx.cursor.column)) return { ...start, after: null, inclusive: false };
  if (start.after !== null && readsWhole(ctx.cursor, textColumn)) return { ...start, after: null, inclusive: false };
  const zone = ctx.cursor.zone;
  const zoned = zone !== undefined && zone.toUpperCase() !== 'UTC';
  if (start.after === null || !(zoned || (text && ctx.cursor.instant === true))) return start;
  const after = widestBelow(start.after);
  if (after === undefined) return start;
  // Compared as text, the looser of the two bounds (the watermark's own text may sort lower).
  if (text && !(after < start.after)) return start;
  return { ...start, after, inclusive: true };
}

/**
 * A text cursor column (`textColumn`) whose column in the target table is a timestamp: the
 * source column changed type since the watermark was taken (`ALTER COLUMN updated_at TYPE
 * text`), and no rule of the pipeline types it (`asRead`), so the run would compare the text
 * with the watermark as text. Text of the same instant in another form (`2024-01-01
 * 01:00:00.000001+01`, `…00.500000`) sorts above the watermark (`2024-01-01
 * 00:00:00.000001+00`, `…00.5`): the rows already written were read and appended again. Refused
 * (exit 2) before any row is read, naming the column, both types and the rule that compares the
 * values as instants again (cursorStart then reads a text column from below the watermark, and
 * the run keeps the rows above it in the table's type). `sourceType`: the column's type as the
 * database names it.
 */
export function checkCursorType(ctx: Pick<SourceContext, 'cursor' | 'pipeline' | 'pipelineFile'>, textColumn: boolean, sourceType: string, describe: string): void {
  const c = ctx.cursor;
  const t = c?.tableType;
  if (!c || !textColumn || c.asRead !== true || t === undefined || !/^timestamp/i.test(t)) return;
  const want = /^timestamptz/i.test(t) ? 'timestamptz' : 'timestamp';
  const at = `pipeline ${ctx.pipeline}${ctx.pipelineFile ? ` (${ctx.pipelineFile})` : ''}`;
  throw configError(
    `${at}: incremental cursor ${c.column} is a ${sourceType} column on ${describe}, while the target table holds it, and its watermark, as ${t}: compared as text with the watermark, text of an instant already read in another form (an offset, trailing zeros) sorts above it, and its rows would be written again`,
    { context: { pipeline: ctx.pipeline, cursor: c.column }, hint: `Declare the column's type, so that the cursor is compared as ${want} values: columns: { ${c.column}: { type: ${want} } }` },
  );
}

/** The UTC wall clock 14 hours below a date-time's instant (cursorStart); undefined for other text. */
function widestBelow(after: string): string | undefined {
  const micros = parseTimestamp(after.trim());
  return micros === undefined ? undefined : utcText(micros - WIDEST_OFFSET);
}

/**
 * What `columns.<cursor>` tells a database source about its cursor (the `CursorState` a run
 * passes, run-pipeline.ts, and the one `floe plan` asks cursorStart about, planSourceBound).
 */
export function cursorRuleState(rule: ColumnRule | undefined): Pick<CursorState, 'zone' | 'instant' | 'textOrder' | 'asText'> {
  return { zone: rule?.zone, instant: readsAsInstant(rule), textOrder: sortsAsText(rule), asText: rule?.type?.trim().toLowerCase() === 'string' };
}

/**
 * `floe plan`'s incremental line for a postgres, mysql or sqlite source, with what the source
 * does with the bound (cursorStart, asked as the run asks it): a column read whole (no bound
 * sent: every row is fetched, the run keeps those above the watermark) and, for postgres and
 * mysql, a bound looser than the run's (always for a cursor read in a zone, for a text column
 * when the pipeline reads the cursor as an instant). Plan does not contact the database, so
 * it cannot tell whether the column is text: it says what happens to either that differs.
 * `source_lower_bound` and `source_reads_whole` (`text`, `not text`) in `--json`.
 */
export function planSourceBound<T extends { text: string; cursor: string; lower_bound: string | null; inclusive: boolean }>(
  plan: T,
  rule: ColumnRule | undefined,
  kind: 'postgres' | 'mysql' | 'sqlite' = 'postgres',
  /** The columns the run reads as text (`format:`, normalize.ts formattedColumns); the sqlite source does not ask. */
  textColumns: readonly string[] = [],
): T & { source_lower_bound?: string; source_reads_whole?: ('text' | 'not text')[] } {
  const cursor = { column: plan.cursor, after: plan.lower_bound, inclusive: plan.inclusive, ...cursorRuleState(rule) };
  const formatted = kind === 'sqlite' ? [] : textColumns;
  const whole = (textColumn: boolean, columns: readonly string[]) => plan.lower_bound !== null && cursorStart({ cursor, textColumns: columns }, {}, textColumn)?.after === null;
  const notes: string[] = [];
  const reads: ('text' | 'not text')[] = [];
  if (whole(true, formatted)) {
    reads.push('text');
    // A text cursor read with `format:` gets no bound (cursorStart).
    if (!whole(true, [])) {
      return { ...plan, text: `${plan.text}; a text column read with format: is read whole (its text does not sort as its values: every row is fetched on every run), and only the rows above are kept`, source_reads_whole: reads };
    }
    notes.push(`a text column is read whole (columns.${plan.cursor} reads its text as values that do not sort as the text does: no bound is sent, every row is fetched on every run)`);
  }
  if (whole(false, formatted)) {
    reads.push('not text');
    notes.push(`a column that is not text is read whole (columns.${plan.cursor} reads it as text, type: string, which does not sort as its values: no bound is sent, every row is fetched on every run)`);
  }
  const out = reads.length ? { ...plan, text: `${plan.text}; ${notes.join('; ')}, and only the rows above are kept`, source_reads_whole: reads } : plan;
  if (kind === 'sqlite') return out;
  const zoned = rule?.zone !== undefined && rule.zone.toUpperCase() !== 'UTC';
  const instant = readsAsInstant(rule);
  const from = plan.lower_bound === null || !(zoned || instant) ? undefined : widestBelow(plan.lower_bound);
  if (from === undefined || (!zoned && !(from < plan.lower_bound!))) return out;
  const widened = zoned ? `the source reads ${plan.cursor} >= ${from} (14 hours below: wall-clock time in ${rule!.zone})` : `a text column is read from ${plan.cursor} >= ${from} (14 hours below: text with UTC offsets does not sort as its instants)`;
  return { ...out, text: `${out.text}; ${widened}, and only the rows above are kept`, source_lower_bound: from };
}

/** 14 hours in microseconds: no zone is further from UTC (Pacific/Kiritimati, UTC+14). */
const WIDEST_OFFSET = 14n * 3_600_000_000n;

/** `YYYY-MM-DD HH:MM:SS.ffffff`, the UTC wall clock of an instant in microseconds. */
function utcText(micros: bigint): string {
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros - ms * 1000n).padStart(3, '0')}`;
}

/**
 * The result column the cursor names: an exact match, else the one match ignoring case
 * (Postgres reports `updated_at` for a pipeline that wrote `Updated_At`).
 */
export function cursorColumn(names: readonly string[], cursor: string, ctx: SourceContext, describe: string): number {
  const exact = names.indexOf(cursor);
  if (exact >= 0) return exact;
  const folded = names.flatMap((n, i) => (n.toLowerCase() === cursor.toLowerCase() ? [i] : []));
  if (folded.length === 1) return folded[0]!;
  throw configError(
    `pipeline ${ctx.pipeline}: incremental cursor ${JSON.stringify(cursor)} is not a column of the query on ${describe} (columns: ${names.join(', ')})`,
    { context: { pipeline: ctx.pipeline, cursor }, hint: 'name a column the query returns in incremental.cursor' },
  );
}

/**
 * `host:port/database` of a connection URL, without user or password, for messages and
 * Extracted.describe. Never echoes the URL itself: a URL that does not parse may still hold
 * a password.
 */
export function describeUrl(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
    return `${host}:${u.port || defaultPort}${db ? `/${db}` : ''}`;
  } catch {
    return '(connection URL that does not parse)';
  }
}

// --- messages -------------------------------------------------------------------------

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST']);

/** A driver error's text: Node's AggregateError (one per address tried) has an empty message. */
export function driverMessage(e: unknown): string {
  if (e instanceof AggregateError && !e.message) return [...new Set(e.errors.map(driverMessage))].join('; ');
  if (e instanceof Error) return e.message || String((e as { code?: unknown }).code ?? e.name);
  return String(e);
}

/** True for failures worth retrying: the network, not the credentials or the SQL. */
export function isNetworkError(e: unknown): boolean {
  if (e instanceof AggregateError) return e.errors.some(isNetworkError);
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK.has(code);
}

const INTEGER = /^\s*[+-]?\d+\s*$/;
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The watermark of a SQLite column declared without a type, bound as SQLite should compare it.
 * Such a column stores each value as it was given: integers stay INTEGER, and SQLite orders
 * every number below every text, so the watermark `7` bound as text left out every later row
 * (`8`, `100`) of a column of numbers. A number is bound as a number (an integer within 64 bits
 * as one, exactly); text values in the column then sort above it and are read, and the runner
 * keeps those above the watermark. Other text is bound as it is.
 */
export function untypedBound(after: string): bigint | number | string {
  const t = after.trim();
  if (INTEGER.test(t)) {
    const n = BigInt(t);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
  }
  return NUMBER.test(t) ? Number(t) : after;
}

/**
 * The watermark text checked against the cursor column's kind. The databases do not all
 * refuse a bad one: MySQL casts 'abc' to 0 (every row is read), SQLite compares a number with
 * text as smaller (no row is read). Usually the text is `incremental.initial`.
 */
export function checkWatermark(column: string, after: string, kind: 'integer' | 'number' | 'date', where?: { pipeline: string; file?: string }): string {
  const ok = kind === 'integer' ? INTEGER.test(after) : kind === 'number' ? NUMBER.test(after) : /^\s*\d{4}-\d{2}-\d{2}\s*$/.test(after);
  if (ok) return after.trim();
  const what = kind === 'integer' ? 'an integer' : kind === 'number' ? 'a number' : 'a date (YYYY-MM-DD)';
  const at = where ? `pipeline ${where.pipeline}${where.file ? ` (${where.file})` : ''}: ` : '';
  throw sourceError(`${at}incremental cursor ${column}: the watermark ${JSON.stringify(after)} is not ${what}`, {
    context: { cursor: column, ...(where ? { pipeline: where.pipeline } : {}) },
    hint: "On a first run the watermark is incremental.initial: give a value of the cursor column's type. Otherwise the column's type: in columns: differs from the source column's: declare the source's type, or run with --full-refresh after changing it.",
  });
}
