/**
 * Integers in CSV files that a double cannot hold. DuckDB's CSV sniffer types a column whose
 * integers go beyond 64 bits (`99999999999999999999`) as DOUBLE, which rounds them
 * (1e20) without a word; JSON inputs are read exactly (sources/json-read.ts), and CSV inputs
 * are never rounded silently either.
 *
 * Looking for such values takes a pass over the whole file, which cost a load a third more
 * than the load itself (the 10M-row benchmark CSV: +5.8 s on 19.8 s). So the read is guarded
 * instead (`guardCsvDoubles`): a DOUBLE column's value of 2^53 or more — past which a double
 * no longer holds every integer — fails the statement at once, at the cost of a comparison per
 * value. Then, and only then, `exactCsvIntegerTypes` looks: a column where an integer does not
 * survive the double is read as decimal(38, 0) when every value is an integer of at most 38
 * digits, else as text (each number as written). `floe load` reads again with those types; a
 * csv pipeline fails, naming the column and the type to declare in its source's `columns:`.
 */
import { stat } from 'node:fs/promises';
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { SOURCE_FILE_COLUMN } from '../sources/source.js';
import { fileSourceSql } from './file-source.js';

/** 2^53: from here on a double does not hold every integer. */
const DOUBLE_EXACT_LIMIT = '9007199254740992';
/**
 * The guard's error text for a column (its name JSON-quoted, so `guardedColumn` reads it back),
 * with what a pipeline can do about it, then the file when the read names it: it reaches the
 * user when a csv pipeline's run stops.
 */
const guardMessage = (column: string) =>
  `floe: CSV column ${JSON.stringify(column)} holds a number of 2^53 or more, which a double may round; ` +
  `declare its type in the csv source's columns option (source: { kind: csv, columns: { ${JSON.stringify(column)}: "decimal(38,0)" } }): ` +
  `decimal(38,0) for integers, string to keep the text, or double to read doubles`;
const GUARD_PATTERN = /floe: CSV column ("(?:[^"\\]|\\.)*") holds a number of 2\^53 or more/;

/**
 * `read` with each DOUBLE column (other than `exempt`: types a pipeline declared) guarded: a
 * finite value of 2^53 or more fails the statement with an error that `guardedColumn` reads.
 * `inspect` is shown the names of the columns the read binds first (csv-header.ts).
 */
export async function guardCsvDoubles(
  engine: Engine,
  read: string,
  purpose: string,
  exempt: readonly string[] = [],
  inspect?: (names: string[]) => Promise<void>,
): Promise<string> {
  const columns = await engine.columns(read, purpose, { kind: 'source' });
  await inspect?.(columns.map((c) => c.name));
  const doubles = columns.filter((c) => c.type.toString() === 'DOUBLE' && !exempt.includes(c.name)).map((c) => c.name);
  if (doubles.length === 0) return read;
  // The file the value is in, when the read has the sources' file column.
  const where = columns.some((c) => c.name === SOURCE_FILE_COLUMN) ? ` || coalesce(' (the value is in ' || ${quoteIdent(SOURCE_FILE_COLUMN)} || ')', '')` : '';
  const message = (n: string) => `${quoteLiteral(guardMessage(n))}${where}`;
  const guard = (n: string) =>
    `CASE WHEN abs(${quoteIdent(n)}) >= ${DOUBLE_EXACT_LIMIT} AND isfinite(${quoteIdent(n)}) THEN error(${message(n)}) ELSE ${quoteIdent(n)} END AS ${quoteIdent(n)}`;
  return `SELECT * REPLACE (${doubles.map(guard).join(', ')}) FROM (${read})`;
}

/** The column a guarded read stopped at (its error, or any error it caused), else undefined. */
export function guardedColumn(e: unknown): string | undefined {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const m = GUARD_PATTERN.exec(x.message);
    if (m) return JSON.parse(m[1]!) as string;
  }
  return undefined;
}

/**
 * DuckDB types for the reader's `types` option, by column, for the DOUBLE columns that hold
 * an integer a double rounds; `{}` when there are none. `read(types)` is the read with those
 * types forced (read({}) as sniffed).
 */
export async function exactCsvIntegerTypes(engine: Engine, read: (types: Readonly<Record<string, string>>) => string, purpose: string): Promise<Record<string, string>> {
  const columns = await engine.columns(read({}), purpose, { kind: 'source' });
  const doubles = columns.filter((c) => c.type.toString() === 'DOUBLE').map((c) => c.name);
  if (doubles.length === 0) return {};
  const gate = (await engine.all(
    `SELECT ${doubles.map((n, i) => `coalesce(max(abs(${quoteIdent(n)})) FILTER (WHERE isfinite(${quoteIdent(n)})) >= 9007199254740992, false) AS big${i}`).join(', ')} FROM (${read({})})`,
    `${purpose}: look for numbers a double may have rounded`,
    { kind: 'source' },
  ))[0] ?? {};
  const large = doubles.filter((_, i) => gate[`big${i}`] === true);
  if (large.length === 0) return {};
  const x = (n: string) => quoteIdent(n);
  const isInt = (n: string) => `regexp_full_match(trim(${x(n)}), '[-+]?[0-9]+')`;
  const big = (n: string) => `TRY_CAST(trim(${x(n)}) AS HUGEINT)`;
  const checks = large.flatMap((n, i) => [
    `coalesce(bool_or(${isInt(n)} AND (${big(n)} IS NULL OR TRY_CAST(TRY_CAST(trim(${x(n)}) AS DOUBLE) AS HUGEINT) IS DISTINCT FROM ${big(n)})), false) AS lossy${i}`,
    `coalesce(bool_and(${x(n)} IS NULL OR (${isInt(n)} AND length(ltrim(trim(${x(n)}), '-+')) <= 38)), true) AS ints${i}`,
  ]);
  const asText = Object.fromEntries(large.map((n) => [n, 'VARCHAR']));
  const row = (await engine.all(`SELECT ${checks.join(', ')} FROM (${read(asText)})`, `${purpose}: look for integers a double cannot hold`, { kind: 'source' }))[0] ?? {};
  return Object.fromEntries(large.flatMap((n, i) => (row[`lossy${i}`] === true ? [[n, row[`ints${i}`] === true ? 'DECIMAL(38, 0)' : 'VARCHAR']] : [])));
}

/** The rows DuckDB's CSV sniffer types a file's columns from (its default `sample_size`). */
export const SNIFFED_ROWS = 20_480;
/** A file this size or smaller has fewer records than the sniffer samples: each takes at least two bytes. */
const SNIFFED_WHOLE_BYTES = 2 * SNIFFED_ROWS;

/** Whether a CSV file may hold records past the sniffer's sample (a file that cannot be stat'ed counts as no). */
export async function outgrowsSniff(file: string): Promise<boolean> {
  return stat(file).then((s) => s.size > SNIFFED_WHOLE_BYTES, () => false);
}

/**
 * Columns a CSV file's sniffer typed BIGINT from its first 20,480 rows, to read as DOUBLE and
 * make whole again (`wholeIntegers`). DuckDB's BIGINT cast of a later value rounds a fraction
 * (`10.5` is read as 11), takes `0x1F` as 31, `inf` fails only then, all without a word; as a
 * double the fraction is seen, and `0x1F` is a conversion reject with its line like `abc`.
 * A double holds every integer below 2^53 exactly: a column whose sample reaches 2^53 (ids of
 * 64 bits, nanosecond epochs) is left BIGINT. `reader` reads the file without reject tables;
 * `exclude`: columns the pipeline types or reads as text. A file that cannot be sampled gives none.
 */
export async function lateIntegerColumns(engine: Engine, reader: string, exclude: readonly string[], purpose: string): Promise<string[]> {
  const sample = engine.uniqueName('csv_sample');
  try {
    await engine.run(`CREATE TEMP TABLE ${quoteIdent(sample)} AS SELECT * FROM (${reader}) LIMIT ${SNIFFED_ROWS}`, purpose, { kind: 'source' });
    const skip = new Set(exclude.map((c) => c.toLowerCase()));
    const ints = (await engine.columns(`SELECT * FROM ${quoteIdent(sample)}`, purpose, { kind: 'source' }))
      .filter((c) => c.type.toString() === 'BIGINT' && c.name !== SOURCE_FILE_COLUMN && !skip.has(c.name.toLowerCase()))
      .map((c) => c.name);
    if (ints.length === 0) return [];
    const fits = (n: string) => `coalesce(max(${quoteIdent(n)}) < ${DOUBLE_EXACT_LIMIT} AND min(${quoteIdent(n)}) > -${DOUBLE_EXACT_LIMIT}, true)`;
    const row = (await engine.all(`SELECT ${ints.map((n, i) => `${fits(n)} AS f${i}`).join(', ')} FROM ${quoteIdent(sample)}`, purpose, { kind: 'source' }))[0] ?? {};
    return ints.filter((_, i) => row[`f${i}`] === true);
  } catch {
    return [];
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(sample)}`, purpose).catch(() => undefined);
  }
}

/** What a late value is, in wholeIntegers' error and the message that tells it: `whole`, an integer of 2^53 or more. */
export const lateWhat = (whole: boolean) => (whole ? '2^53 or more' : 'not a whole number');
const LATE_PATTERN = /floe: CSV column ("(?:[^"\\]|\\.)*") holds (\S+), which is (not a whole number|2\^53 or more), in (.+?); it was typed long/;

/**
 * `SELECT * REPLACE` items giving each column `lateIntegerColumns` found, read as DOUBLE, back
 * as BIGINT; a value that is not a whole number, or is 2^53 or more (the first rows held only
 * smaller ones), fails the statement naming the column, the value, the file (`fileSql`: a
 * literal when the read has one file, else its file-name column) and
 * what to declare. Nothing is rounded.
 */
export function wholeIntegers(columns: readonly string[], fileSql: string): string {
  return columns
    .map((n) => {
      const c = quoteIdent(n);
      const told = (whole: boolean) =>
        `error(${quoteLiteral(`floe: CSV column ${JSON.stringify(n)} holds `)} || CAST(${c} AS VARCHAR) || ${quoteLiteral(`, which is ${lateWhat(whole)}, in `)} || ${fileSql} || ${quoteLiteral(
          `; it was typed long from the file's first ${SNIFFED_ROWS.toLocaleString('en-US')} rows. ${lateIntegerHint(n, whole)}`,
        )})`;
      return (
        `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} = trunc(${c}) AND ${c} < ${DOUBLE_EXACT_LIMIT} AND ${c} > -${DOUBLE_EXACT_LIMIT} THEN CAST(${c} AS BIGINT) ` +
        `WHEN isfinite(${c}) AND ${c} = trunc(${c}) THEN ${told(true)} ELSE ${told(false)} END AS ${c}`
      );
    })
    .join(', ');
}

/** What to do about a late value in `column`: `whole`, an integer of 2^53 or more; else a fraction (or text a double reads, inf, nan). */
export function lateIntegerHint(column: string, whole: boolean): string {
  const c = JSON.stringify(column);
  return (
    `Declare the column's type in the csv source's columns option (source: { kind: csv, columns: { ${c}: ${whole ? 'long' : 'double'} } }), or string to keep the text` +
    (whole ? '.' : `; or give it the pipeline rule columns: { ${c}: { type: long } } to reject such rows.`)
  );
}

/** What `wholeIntegers` stopped at: the column, the value as read, and the file; else undefined. */
export function lateIntegerFailure(e: unknown): { column: string; value: string; file: string; whole: boolean } | undefined {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const m = LATE_PATTERN.exec(x.message);
    if (m) return { column: JSON.parse(m[1]!) as string, value: m[2]!, file: m[4]!, whole: m[3] === lateWhat(true) };
  }
  return undefined;
}

/**
 * `floe load`'s read of CSV `files` with the reader's `types`, where the `late` columns are
 * read as DOUBLE and made whole again by `wholeIntegers`.
 */
export function lateCsvRead(files: readonly string[], given: Readonly<Record<string, string>>, late: readonly string[]): string {
  const types = { ...given, ...Object.fromEntries(late.map((c) => [c, 'DOUBLE'])) };
  if (late.length === 0) return fileSourceSql(files, { format: 'csv', types });
  // One file is named by a literal: a file-name column costs a string per row.
  if (files.length === 1) return `SELECT * REPLACE (${wholeIntegers(late, quoteLiteral(files[0]!))}) FROM (${fileSourceSql(files, { format: 'csv', types })})`;
  const read = fileSourceSql(files, { format: 'csv', types, filenameColumn: SOURCE_FILE_COLUMN });
  return `SELECT * EXCLUDE (${quoteIdent(SOURCE_FILE_COLUMN)}) REPLACE (${wholeIntegers(late, quoteIdent(SOURCE_FILE_COLUMN))}) FROM (${read})`;
}
