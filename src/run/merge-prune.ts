/**
 * Pruning the candidates of `mode: merge` by each incoming key, not only by the keys' range.
 *
 * A data file is first a candidate when its first-key bounds overlap the incoming keys'
 * [min, max] (merge.ts, `mayContain`). Incoming keys are often clustered — a recent id range
 * plus a few old ids — and then every file between the clusters overlaps [min, max] without
 * holding a single incoming key. This step keeps only the candidates whose
 * [lower_bound, upper_bound] contains at least one incoming key (spec: "Manifests", column
 * bounds; truncated string bounds are still a lower and an upper bound, so the test stays
 * conservative).
 *
 * One DuckDB query decides it for every candidate: an ASOF join finds, for each file, the
 * smallest incoming key ≥ its lower bound, and the file is kept when that key is ≤ its upper
 * bound. Sort-based, so thousands of files against millions of keys stay cheap. Files without
 * both bounds, with bounds that do not decode, or with a key type outside a small set whose
 * literals and order DuckDB and Iceberg share exactly, are kept.
 */
import type { Engine } from '../engine/duckdb.js';
import { literalSql } from '../engine/read-literal.js';
import { quoteIdent } from '../engine/sql.js';
import { fromBinary } from '../iceberg/conversions.js';
import type { PrimitiveType } from '../iceberg/types.js';
import type { ScanTask } from '../table/delete-index.js';

/** Key types whose bound literals round-trip exactly and compare in DuckDB as in Iceberg. */
const PRUNABLE = new Set(['int', 'long', 'string', 'date', 'timestamp', 'timestamptz']);

/** Files per statement. */
export const BATCH = 5000;

export interface KeyColumn {
  fieldId: number;
  type: string;
  /** The key's column name in `incoming`. */
  name: string;
}

interface Bounded {
  index: number;
  lower: string;
  upper: string;
}

/** The candidates' bounds as SQL literals; undefined for a file that must be kept regardless. */
export function boundLiterals(candidates: readonly ScanTask[], key: KeyColumn): (Bounded | undefined)[] {
  if (!PRUNABLE.has(key.type)) return candidates.map(() => undefined);
  const type = key.type as PrimitiveType;
  return candidates.map((t, index) => {
    const lo = t.file.lower_bounds?.get(key.fieldId);
    const hi = t.file.upper_bounds?.get(key.fieldId);
    if (!lo || !hi) return undefined;
    try {
      const lower = fromBinary(type, lo);
      const upper = fromBinary(type, hi);
      if (lower === null || upper === null) return undefined;
      return { index, lower: literalSql(type, lower), upper: literalSql(type, upper) };
    } catch {
      return undefined; // unreadable bounds prune nothing
    }
  });
}

/**
 * The candidates, in order, minus those whose first-key bounds hold none of the keys of
 * `incoming` (a staged relation with a column `key.name`).
 */
export async function candidatesHoldingKeys(engine: Engine, incoming: string, key: KeyColumn, candidates: readonly ScanTask[], table: string): Promise<ScanTask[]> {
  const bounded = boundLiterals(candidates, key).filter((b): b is Bounded => b !== undefined);
  if (bounded.length === 0) return [...candidates];
  const k = quoteIdent(key.name);
  const hit = new Set<number>();
  // Batches keep each statement's VALUES list small for tables of very many files.
  for (let at = 0; at < bounded.length; at += BATCH) {
    const files = `(VALUES ${bounded.slice(at, at + BATCH).map((b) => `(${b.index}, ${b.lower}, ${b.upper})`).join(', ')}) AS __f(i, lo, hi)`;
    const rows = await engine.all(
      `SELECT DISTINCT __f.i AS i FROM ${files} ASOF JOIN (SELECT ${k} AS k FROM ${quoteIdent(incoming)} WHERE ${k} IS NOT NULL) AS __k ` +
        `ON __f.lo <= __k.k WHERE __k.k <= __f.hi`,
      `find the data files of ${table} that hold the merge keys`,
      { context: { table } },
    );
    for (const r of rows) hit.add(Number(r.i));
  }
  const checked = new Set(bounded.map((b) => b.index));
  return candidates.filter((_, i) => !checked.has(i) || hit.has(i));
}
