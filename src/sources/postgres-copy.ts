/**
 * The COPY fast path of `kind: postgres`: `COPY (query) TO STDOUT (FORMAT csv, FORCE_QUOTE *)`
 * streamed into a spool file under the OS temp folder, which DuckDB's CSV reader loads into
 * the staging table with every column read as VARCHAR and converted by a DuckDB cast that is
 * exact for Postgres's text output (copyColumnSql). No value passes through JS, and the
 * connection streams at the server's pace; DuckDB's memory limit bounds the staging table.
 *
 * - NULL vs '': FORCE_QUOTE * quotes every non-NULL value, NULL is an unquoted empty field,
 *   and the reader runs with allow_quoted_nulls = false, so `""` is the empty string.
 * - Only column types whose text DuckDB's cast reads exactly take this path (copyColumnSql);
 *   a query with any other column (arrays, time, unconstrained numeric, ...) uses the cursor.
 * - A value the cast refuses or that would lose meaning (NaN in numeric(p,s), a BC date or
 *   timestamp, which DuckDB's cast would read as AD) fails the DuckDB load; the extraction is
 *   then read again through the cursor path, which converts it exactly or reports the row and
 *   column as before.
 * - COPY takes no bind parameters: an incremental watermark goes in as a quoted literal cast
 *   to the column's base type (pgLiteral), under standard_conforming_strings.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { FloeError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { SourceContext } from './source.js';
import type { ColumnPlan } from './sql-types.js';

/** What the fast path needs to know of one result column beyond its plan. */
export interface CopyColumn {
  plan: ColumnPlan;
  /** For a numeric column: 'exact' when every value fits its DECIMAL, 'checked' when each must be tested. */
  decimal?: 'exact' | 'checked';
}

/**
 * The DuckDB expression turning the CSV text `col` (a VARCHAR; NULL for SQL NULL) into the
 * plan's type exactly, or undefined when this type does not take the COPY path.
 */
export function copyColumnSql(column: CopyColumn, col: string): string | undefined {
  const { plan } = column;
  if (plan.wire === 'VARCHAR' && plan.type === 'VARCHAR') return col;
  switch (plan.wire) {
    case 'BOOLEAN':
      return `(${col} = 't')`;
    case 'INTEGER':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
      // Integers are exact; DuckDB parses float text (NaN, ±Infinity included) correctly rounded.
      return plan.type === plan.wire ? `CAST(${col} AS ${plan.wire})` : undefined;
    case 'DATE':
    case 'TIMESTAMP':
    case 'TIMESTAMPTZ':
      // DuckDB's cast would read '0044-03-15 BC' as 44 AD: refuse, and the cursor path converts it.
      return `CASE WHEN ends_with(${col}, ' BC') THEN error('BC ${plan.wire.toLowerCase()}') ELSE CAST(${col} AS ${plan.type}) END`;
    case 'BLOB':
      // bytea in hex output: \x0102…
      return `CASE WHEN NOT starts_with(${col}, '\\x') THEN error('bytea not in hex output') ELSE unhex(substr(${col}, 3)) END`;
    case 'VARCHAR':
      if (plan.type === 'UUID') return `CAST(${col} AS UUID)`;
      if (column.decimal === 'exact') return decimalSql(plan.type, col);
      if (column.decimal === 'checked') return checkedDecimalSql(plan.type, col);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Numeric text of a numeric(p, s) column has exactly s fraction digits and at most p - s
 * integer digits, so the cast is exact (NaN makes it fail). Casting text to a DECIMAL wider
 * than 18 digits costs ~70 µs a value in DuckDB 1.5; text of at most 18 characters fits
 * DECIMAL(18, s) and goes through that cast (~1 µs) instead.
 */
function decimalSql(type: string, col: string): string | undefined {
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (!m) return undefined;
  const [width, scale] = [Number(m[1]), Number(m[2])];
  if (width <= 18 || scale > 18) return `CAST(${col} AS ${type})`;
  return `CASE WHEN length(${col}) <= 18 THEN CAST(CAST(${col} AS DECIMAL(18, ${scale})) AS ${type}) ELSE CAST(${col} AS ${type}) END`;
}

/**
 * Numeric text of any size (unconstrained numeric) into DECIMAL(w, s), refusing what would
 * round: at most w - s integer digits and s fraction digits once trailing zeros go. The
 * digits become the unscaled HUGEINT (integer part, then the fraction padded to s digits) and
 * a multiplication by 10^-s, exact in DuckDB's decimal arithmetic, gives the value; a text
 * cast to a DECIMAL wider than 18 would cost ~70 µs a value. NaN and ±Infinity fail the load.
 */
function checkedDecimalSql(type: string, col: string): string | undefined {
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (!m) return undefined;
  const [width, scale] = [Number(m[1]), Number(m[2])];
  const ip = `split_part(${col}, '.', 1)`;
  const fp = `rtrim(split_part(${col}, '.', 2), '0')`;
  const unscaled = `CAST(${ip} || rpad(${fp}, ${scale}, '0') AS HUGEINT)`;
  const value = scale === 0 ? `CAST(${unscaled} AS ${type})` : `CAST(CAST(${unscaled} AS DECIMAL(38, 0)) * CAST('0.${'0'.repeat(scale - 1)}1' AS DECIMAL(${scale}, ${scale})) AS ${type})`;
  // NaN and ±Infinity pass this test and fail the HUGEINT cast.
  const fits = `length(ltrim(ltrim(${ip}, '-'), '0')) <= ${width - scale} AND length(${fp}) <= ${scale}`;
  return `CASE WHEN NOT (${fits}) THEN error('numeric value does not fit ${type}') ELSE ${value} END`;
}

/** A watermark as a Postgres literal: `'…'` with quotes doubled (standard_conforming_strings is on). */
export function pgLiteral(text: string): string {
  if (text.includes('\0')) throw new FloeError('usage', 'the incremental watermark contains a NUL character');
  return `'${text.replaceAll("'", "''")}'`;
}

/** The COPY statement for a query. */
export function copyStatement(query: string): string {
  // Newlines: a query ending in a `-- comment` must not swallow the closing parenthesis.
  return `COPY (\n${query}\n) TO STDOUT (FORMAT csv, FORCE_QUOTE *)`;
}

/** The DuckDB SELECT reading the spool file with the conversions of each column. */
export function spoolSelect(path: string, columns: readonly CopyColumn[], exprs: readonly string[]): string {
  const names = columns.map((_, i) => `c${i}`);
  const spec = names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(', ');
  const select = exprs.map((e, i) => `${e} AS ${quoteIdent(columns[i]!.plan.name)}`).join(', ');
  // Quoted values may span lines. A row longer than the reader's max_line_size (2 MB) fails
  // the load and the cursor path reads it; raising that limit grows every read buffer with it.
  return (
    `SELECT ${select} FROM read_csv(${quoteLiteral(path)}, columns = {${spec}}, header = false, auto_detect = false, ` +
    `delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, strict_mode = true, buffer_size = 8388608)`
  );
}

export type CopyOutcome = { loaded: true; rows: number } | { loaded: false; reason: string };

/**
 * Streams COPY of `query` into a spool file, then loads it into a new temp table `relation`.
 * A failing COPY (the server's error) is thrown through `pgCall`; a failing DuckDB load leaves
 * no table and returns the reason, for the caller to fall back to the cursor.
 */
export async function copyIntoStage(
  client: Client,
  ctx: SourceContext,
  query: string,
  columns: readonly CopyColumn[],
  relation: string,
  pgCall: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<CopyOutcome> {
  const exprs = columns.map((c, i) => copyColumnSql(c, `c${i}`));
  if (exprs.some((e) => e === undefined)) throw new FloeError('internal', 'copyIntoStage called with a column the COPY path does not carry');
  const { to } = await import('pg-copy-streams');
  const dir = await mkdtemp(join(tmpdir(), 'floe-pg-'));
  const path = join(dir, 'rows.csv');
  try {
    await pgCall(() => pipeline(client.query(to(copyStatement(query))), createWriteStream(path)));
    ctx.signal?.throwIfAborted();
    try {
      await ctx.engine.run(`CREATE TEMP TABLE ${quoteIdent(relation)} AS ${spoolSelect(path, columns, exprs as string[])}`, 'load the COPY output', {
        kind: 'source',
      });
    } catch (e) {
      await ctx.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(relation)}`, 'drop a failed staging table').catch(() => undefined);
      return { loaded: false, reason: e instanceof Error ? e.message : String(e) };
    }
    const r = await ctx.engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(relation)}`, 'count the staged rows');
    return { loaded: true, rows: Number(r[0]!.n) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
