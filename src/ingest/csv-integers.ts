/**
 * Integers in CSV files that a double cannot hold. DuckDB's CSV sniffer types a column whose
 * integers go beyond 64 bits (`99999999999999999999`) as DOUBLE, which rounds them
 * (1e20) without a word; JSON inputs are read exactly (sources/json-read.ts), and CSV inputs
 * now are too. One typed pass looks for DOUBLE columns holding a value of 2^53 or more; only
 * those are read again as text, and a column where an integer does not survive the double is
 * read as decimal(38, 0) when every value is an integer of at most 38 digits, else as text
 * (each number as written). A pipeline's `columns:` type then converts from the exact value.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent } from '../engine/sql.js';

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
