/**
 * The rows of a copy-on-write merge: the candidate files' rows whose key is not incoming,
 * plus the incoming rows to add.
 *
 * A plain `old ANTI JOIN incoming` makes DuckDB hash every candidate row, and it may pick the
 * candidates (the large side) as the build side: the whole rewrite then goes through one hash
 * table, comes out in hash order (worse compression, more files) and costs about as much as
 * writing it. Most candidate rows cannot match anyway — a file overlaps the incoming key range
 * only in part — so the candidates are read in two branches split on the first key's incoming
 * [min, max]:
 *
 * - rows outside it (or with a null key, which never matches) are carried as they are, in
 *   file order;
 * - only rows inside it go through the anti-join.
 *
 * The bounds are session variables set from the incoming rows' min and max as DuckDB
 * computed them (`SET VARIABLE … = (SELECT lo …)` from the merge's one-row summary of its
 * incoming rows), not literals: they hold DuckDB's own typed values, so a row equal to an
 * incoming key is always inside them, whatever the key's type. DuckDB folds
 * `getvariable()` to a constant, so the inside branch's filter reaches the Parquet reader and
 * skips row groups by their statistics.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';

export interface RewriteSqlInput {
  /** SQL over the candidate files' live rows, in the table's column names. */
  scanSql: string;
  /** The select list mapping those columns to the written schema's columns. */
  carried: readonly string[];
  /** Key column names (the same in the table and the incoming rows). */
  keys: readonly string[];
  /** The staged incoming rows. */
  incoming: string;
  /** SQL of the incoming rows to add. */
  insertSql: string;
  /** The session variables holding the first key's incoming min and max; absent: no split. */
  bounds?: { min: string; max: string };
}

/** The rewrite's SELECT: candidates minus replaced keys, plus the rows to add. */
export function rewriteSql(x: RewriteSqlInput): string {
  const select = `SELECT ${x.carried.join(', ')}`;
  const old = `(${x.scanSql}) AS __old`;
  const anti = (from: string) => `${select} FROM ${from} ANTI JOIN ${quoteIdent(x.incoming)} AS __in USING (${x.keys.map(quoteIdent).join(', ')})`;
  if (!x.bounds) return `${anti(old)} UNION ALL ${x.insertSql}`;
  const k = `__old.${quoteIdent(x.keys[0]!)}`;
  const inside = `${k} BETWEEN getvariable(${quoteLiteral(x.bounds.min)}) AND getvariable(${quoteLiteral(x.bounds.max)})`;
  return (
    `${select} FROM ${old} WHERE ${k} IS NULL OR NOT (${inside}) ` +
    `UNION ALL ${anti(`(SELECT * FROM ${old} WHERE ${inside}) AS __old`)} ` +
    `UNION ALL ${x.insertSql}`
  );
}

/**
 * Sets two session variables to the `lo` and `hi` of the one-row `summary` (the first key's
 * incoming min and max); returns their names and a function that drops them.
 */
export async function keyBoundVariables(engine: Engine, summary: string): Promise<{ bounds: { min: string; max: string }; drop: () => Promise<void> }> {
  const bounds = { min: engine.uniqueName('merge_min'), max: engine.uniqueName('merge_max') };
  const drop = async () => {
    for (const v of [bounds.min, bounds.max]) await engine.run(`RESET VARIABLE ${quoteIdent(v)}`, 'drop a merge bound').catch(() => undefined);
  };
  try {
    for (const [v, column] of [[bounds.min, 'lo'], [bounds.max, 'hi']] as const) {
      await engine.run(`SET VARIABLE ${quoteIdent(v)} = (SELECT ${column} FROM ${quoteIdent(summary)})`, 'set the bounds of the merge keys');
    }
  } catch (e) {
    await drop();
    throw e;
  }
  return { bounds, drop };
}
