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
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { SOURCE_FILE_COLUMN } from '../sources/source.js';

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
