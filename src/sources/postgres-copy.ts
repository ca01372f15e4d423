/**
 * The COPY fast path of `kind: postgres`: `COPY (query) TO STDOUT` in Postgres's text format,
 * streamed into spool segments of ~16 MB under the OS temp folder; each finished segment is
 * loaded by DuckDB's CSV reader into the staging table while the next one streams in, so the
 * server's output and DuckDB's load overlap, and at most a few segments exist on disk. Every
 * field is read as VARCHAR and converted by a DuckDB cast that is exact for Postgres's text
 * output (copyColumnSql). No value passes through JS; DuckDB's memory limit bounds the stage.
 *
 * - The text format escapes backslash, newline, carriage return and tab inside values (`\\`,
 *   `\n`, `\r`, `\t`; also `\b`, `\f`, `\v`), so every raw newline ends a row (segments are
 *   cut there) and every raw tab separates fields. NULL is `\N`; a text `\N` arrives as `\\N`.
 *   Text values holding a backslash are unescaped in DuckDB (unescapeSql).
 * - Only column types whose text DuckDB's cast reads exactly take this path (copyColumnSql);
 *   a query with any other column (arrays, time, ...) uses the cursor.
 * - A value the cast refuses or that would lose meaning (NaN in numeric(p,s), a BC date or
 *   timestamp, which DuckDB's cast would read as AD, an infinite one) fails the DuckDB load; the rest of the
 *   COPY is drained (the connection must finish it), the stage is dropped and the extraction
 *   is read again through the cursor path, which converts the value exactly or reports its row
 *   and column as before.
 * - COPY takes no bind parameters: an incremental watermark goes in as a quoted literal cast
 *   to the column's base type (pgLiteral), under standard_conforming_strings.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'pg';
import { FloeError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { scratchDir } from '../io/scratch-dir.js';
import type { SourceContext } from './source.js';
import { type ColumnPlan, decimalTypeParts } from './sql-types.js';

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
  if (plan.wire === 'VARCHAR' && plan.type === 'VARCHAR') return unescapeSql(col);
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
      // DuckDB's cast would read '0044-03-15 BC' as 44 AD: refuse, and the cursor path converts
      // it. 'infinity' has no Iceberg value: refused here, the cursor path names its row.
      return `CASE WHEN ends_with(${col}, ' BC') OR ends_with(${col}, 'infinity') THEN error('BC ${plan.wire.toLowerCase()} or an infinite one') ELSE CAST(${col} AS ${plan.type}) END`;
    case 'BLOB':
      // bytea in hex output, \x0102…, with its backslash escaped by the text format.
      return `CASE WHEN NOT starts_with(${col}, '\\\\x') THEN error('bytea not in hex output') ELSE unhex(substr(${col}, 4)) END`;
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
  const d = decimalTypeParts(type);
  if (!d) return undefined;
  const { width, scale } = d;
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
  const d = decimalTypeParts(type);
  if (!d) return undefined;
  const { width, scale } = d;
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

/**
 * Undoes the text format's escapes. Splitting at `\\` first keeps an escaped backslash from
 * pairing with the letter after it; the pieces then hold only single-letter escapes.
 */
export function unescapeSql(col: string): string {
  let piece = 's';
  for (const [esc, code] of [['n', 10], ['r', 13], ['t', 9], ['b', 8], ['f', 12], ['v', 11]] as const) piece = `replace(${piece}, '\\${esc}', chr(${code}))`;
  return `CASE WHEN contains(${col}, '\\') THEN array_to_string(list_transform(string_split(${col}, '\\\\'), lambda s: ${piece}), '\\') ELSE ${col} END`;
}

/** The COPY statement for a query (text format: tab-separated, `\N` for NULL). */
export function copyStatement(query: string): string {
  // Newlines: a query ending in a `-- comment` must not swallow the closing parenthesis.
  return `COPY (\n${query}\n) TO STDOUT`;
}

/** The DuckDB SELECT reading one spool segment with the conversions of each column. */
export function spoolSelect(path: string, columns: readonly CopyColumn[], exprs: readonly string[]): string {
  const names = columns.map((_, i) => `c${i}`);
  const spec = names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(', ');
  const select = exprs.map((e, i) => `${e} AS ${quoteIdent(columns[i]!.plan.name)}`).join(', ');
  // No quoting: the text format escapes instead. A row longer than the reader's
  // max_line_size (2 MB) fails the load and the cursor path reads it.
  return (
    `SELECT ${select} FROM read_csv(${quoteLiteral(path)}, columns = {${spec}}, header = false, auto_detect = false, ` +
    `delim = '\t', quote = '', escape = '', nullstr = '\\N', new_line = '\\n', strict_mode = true, buffer_size = 8388608)`
  );
}

export type CopyOutcome = { loaded: true; rows: number } | { loaded: false; reason: string };

/** Spool segment size: a segment is cut at the first row end past it. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
/** Finished segments waiting for DuckDB before the COPY stream is paused. */
const MAX_PENDING = 2;

/**
 * Streams COPY of `query` through spool segments into a new temp table `relation`. A failing
 * COPY (the server's error) is thrown through `pgCall` and leaves no table; a failing DuckDB
 * load leaves no table and returns the reason, for the caller to fall back to the cursor.
 */
export async function copyIntoStage(
  client: Client,
  ctx: SourceContext,
  query: string,
  columns: readonly CopyColumn[],
  relation: string,
  pgCall: <T>(call: () => Promise<T>) => Promise<T>,
  segmentBytes = SEGMENT_BYTES,
): Promise<CopyOutcome> {
  const exprs = columns.map((c, i) => copyColumnSql(c, `c${i}`));
  if (exprs.some((e) => e === undefined)) throw new FloeError('internal', 'copyIntoStage called with a column the COPY path does not carry');
  const { to } = await import('pg-copy-streams');
  const table = quoteIdent(relation);
  const ddl = columns.map((c) => `${quoteIdent(c.plan.name)} ${c.plan.type}`).join(', ');
  await ctx.engine.run(`CREATE TEMP TABLE ${table} (${ddl})`, `create the staging table of pipeline ${ctx.pipeline}`, { kind: 'internal' });
  let dir: string;
  try {
    dir = await scratchDir('floe-pg-', { what: 'a COPY spool folder', pipeline: ctx.pipeline });
  } catch (e) {
    await ctx.engine.run(`DROP TABLE IF EXISTS ${table}`, 'drop the staging table').catch(() => undefined);
    throw e;
  }
  let failure: string | undefined;
  let rows = 0;
  const loads: Promise<void>[] = [];
  const load = async (path: string) => {
    try {
      if (failure !== undefined) return;
      // INSERT answers with its row count: no count(*) over the growing stage per segment.
      const r = await ctx.engine.all(`INSERT INTO ${table} ${spoolSelect(path, columns, exprs as string[])}`, 'load the COPY output', { kind: 'source' });
      rows += Number(r[0]!.Count);
      ctx.onProgress?.(rows);
    } catch (e) {
      failure ??= e instanceof Error ? e.message : String(e);
    } finally {
      await rm(path, { force: true });
    }
  };
  let segment: { path: string; out: WriteStream; bytes: number } | undefined;
  // A spool write that fails (disk full) is the temp folder's problem, not the server's.
  let spoolError: FloeError | undefined;
  const checkSpool = () => {
    if (spoolError) throw spoolError;
  };
  const openSegment = () => {
    const path = join(dir, `rows-${loads.length}.tsv`);
    const out = createWriteStream(path, { highWaterMark: 1 << 20 });
    out.on('error', (e) => {
      spoolError ??= new FloeError('io', `pipeline ${ctx.pipeline}: could not write the COPY spool file ${path}: ${e.message}`, {
        cause: e,
        hint: 'free space in the temp folder (TMPDIR), or point TMPDIR at a larger disk',
        context: { pipeline: ctx.pipeline, file: path },
      });
    });
    segment = { path, out, bytes: 0 };
    return segment;
  };
  const closeSegment = async () => {
    const done = segment;
    segment = undefined;
    if (!done) return;
    done.out.end();
    if (!done.out.closed) await once(done.out, 'close');
    checkSpool();
    if (done.bytes === 0) return void (await rm(done.path, { force: true }));
    loads.push((loads.at(-1) ?? Promise.resolve()).then(() => load(done.path)));
    // Backpressure: the server waits while DuckDB is behind by more than MAX_PENDING segments.
    if (loads.length > MAX_PENDING) await loads[loads.length - 1 - MAX_PENDING];
  };
  const write = async (chunk: Buffer) => {
    const s = segment ?? openSegment();
    s.bytes += chunk.length;
    if (!s.out.write(chunk)) await drained(s.out);
    checkSpool();
  };
  let ok = false;
  try {
    await pgCall(async () => {
      const stream = client.query(to(copyStatement(query)));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        // After a failed load the rest is drained: the connection must see the COPY through.
        if (failure !== undefined) continue;
        if ((segment?.bytes ?? 0) + chunk.length < segmentBytes) {
          await write(chunk);
          continue;
        }
        const cut = chunk.lastIndexOf(10) + 1;
        if (cut === 0) {
          await write(chunk);
          continue;
        }
        await write(chunk.subarray(0, cut));
        await closeSegment();
        if (cut < chunk.length) await write(chunk.subarray(cut));
      }
    });
    ctx.signal?.throwIfAborted();
    await closeSegment();
    await loads.at(-1);
    ok = failure === undefined;
    return ok ? { loaded: true, rows } : { loaded: false, reason: failure! };
  } finally {
    if (segment) {
      segment.out.destroy();
      segment = undefined;
    }
    // No DuckDB statement may still run on the table when it is dropped.
    await Promise.allSettled(loads);
    if (!ok) await ctx.engine.run(`DROP TABLE IF EXISTS ${table}`, 'drop a failed staging table').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves on 'drain', or on 'close' after an error; leaves no listener behind. */
function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
