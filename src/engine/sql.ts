/**
 * Quoting for SQL that floe generates for DuckDB. Everything floe splices into a statement
 * (column names from pipeline files, file paths, stats text) goes through these helpers,
 * so a name like `we.ird"n` or a path with a quote can never change the statement's meaning.
 */
import { internalError } from '../errors.js';

/** A double-quoted identifier: `a"b` → `"a""b"`. DuckDB matches identifiers case-insensitively. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw internalError(`identifier contains a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A single-quoted string literal: `it's` → `'it''s'`. DuckDB's standard strings do not treat
 * backslash as an escape, so doubling the quote is the only escaping needed.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw internalError(`string literal contains a NUL character: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}

/** A comma-separated list of quoted identifiers. */
export function identList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}

/**
 * The key under which `COPY ... (RETURN_STATS)` reports a leaf column: the Parquet path with
 * each segment double-quoted and joined by dots, skipping the repeated groups of lists and
 * maps (`"l"."element"`, `"m"."key"`, `"s"."x"`). Measured on DuckDB 1.5.6.
 */
export function statsKey(path: readonly string[]): string {
  return path.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}
