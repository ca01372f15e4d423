/**
 * Whether a data file or manifest might hold rows matching a filter — the three evaluators
 * of scan planning (spec: "Scan Planning"):
 *
 * - partition values of a data file, against the inclusive projection (exact per value);
 * - the manifest list's partition field summaries (contains_null, contains_nan,
 *   lower_bound, upper_bound) against the projection, per partition spec;
 * - a data file's column metrics (value, null and NaN counts, lower and upper bounds)
 *   against the row filter.
 *
 * Each answers "might match" unless the metadata proves no row can match *as DuckDB
 * evaluates the SQL*. That differs from Iceberg's own semantics in two places that matter
 * here: DuckDB orders NaN above every number (so `x > 5` matches NaN) and -0.0 = 0.0.
 * Missing or undecodable statistics, truncated string bounds (lower bounds are prefixes,
 * upper bounds are rounded up) and type promotion (4-byte bounds of a column promoted
 * to long) are all handled by answering "might match" whenever in doubt.
 */
import { compareStrings, compareValues, fromBinary } from '../../iceberg/conversions.js';
import { parsePrimitive } from '../../iceberg/primitive.js';
import type { DataFile, FieldSummary, IcebergValue, PrimitiveType } from '../../iceberg/types.js';
import { type BoundExpr, type BoundPredicate, evaluate } from './expr.js';

const isFloat = (type: PrimitiveType): boolean => {
  const k = parsePrimitive(type).kind;
  return k === 'float' || k === 'double';
};

/** Order of non-null, non-NaN values as DuckDB compares them (-0.0 equals 0.0). */
function cmp(type: PrimitiveType, a: IcebergValue, b: IcebergValue): number {
  if (typeof a === 'number' && typeof b === 'number' && isFloat(type)) return a < b ? -1 : a > b ? 1 : 0;
  return compareValues(type, a, b);
}

const isNaNValue = (v: IcebergValue): boolean => typeof v === 'number' && Number.isNaN(v);

// ---------------------------------------------------------------------------------------
// Partition values of one data file (projected expression, refs are spec field positions)
// ---------------------------------------------------------------------------------------

export function partitionMightMatch(projected: BoundExpr, partition: readonly IcebergValue[]): boolean {
  return evaluate(projected, (p) => {
    if (p.ref >= partition.length) return true;
    const v = partition[p.ref]!;
    try {
      return valueMatches(p, v);
    } catch {
      return true;
    }
  });
}

/** The predicate on one known value, in SQL's three-valued logic (unknown counts as no match). */
function valueMatches(p: BoundPredicate, v: IcebergValue): boolean {
  if (p.op === 'isNull') return v === null;
  if (p.op === 'notNull') return v !== null;
  if (v === null) return false;
  if (isNaNValue(v)) return true; // NaN orders above everything in DuckDB: not worth the cases
  const lit = p.values[0]!;
  switch (p.op) {
    case 'lt':
      return cmp(p.type, v, lit) < 0;
    case 'lteq':
      return cmp(p.type, v, lit) <= 0;
    case 'gt':
      return cmp(p.type, v, lit) > 0;
    case 'gteq':
      return cmp(p.type, v, lit) >= 0;
    case 'eq':
      return cmp(p.type, v, lit) === 0;
    case 'notEq':
      return cmp(p.type, v, lit) !== 0;
    case 'in':
      return p.values.some((x) => cmp(p.type, v, x) === 0);
    case 'notIn':
      return p.values.every((x) => cmp(p.type, v, x) !== 0);
    case 'startsWith':
      return typeof v === 'string' && v.startsWith(lit as string);
  }
}

// ---------------------------------------------------------------------------------------
// Manifest list partition field summaries (projected expression)
// ---------------------------------------------------------------------------------------

export function summariesMightMatch(projected: BoundExpr, summaries: readonly FieldSummary[] | null | undefined): boolean {
  if (!summaries) return true;
  return evaluate(projected, (p) => {
    const s = summaries[p.ref];
    if (!s) return true;
    if (p.op === 'isNull') return s.contains_null !== false;
    if (p.op === 'notNull' || p.op === 'notEq' || p.op === 'notIn') return true;
    return rangeMightMatch(p, decode(p.type, s.lower_bound), decode(p.type, s.upper_bound), !isFloat(p.type) || s.contains_nan === false);
  });
}

// ---------------------------------------------------------------------------------------
// Column metrics of one data file (bound row expression, refs are field ids)
// ---------------------------------------------------------------------------------------

export function metricsMightMatch(bound: BoundExpr, file: DataFile): boolean {
  return evaluate(bound, (p) => {
    const id = p.ref;
    const values = file.value_counts?.get(id);
    const nulls = file.null_value_counts?.get(id);
    const nans = file.nan_value_counts?.get(id);
    const float = isFloat(p.type);
    if (p.op === 'isNull') return nulls === undefined || nulls > 0n;
    const allNull = values !== undefined && nulls !== undefined && values === nulls;
    if (p.op === 'notNull') return !allNull;
    if (p.op === 'notEq' || p.op === 'notIn') return true;
    if (allNull) return false;
    const noNaN = !float || nans === 0n;
    if (float && values !== undefined && nulls !== undefined && nans !== undefined && values - nulls - nans === 0n) {
      // Only NULL and NaN: NaN satisfies > and >= (DuckDB orders it last), nothing else.
      return p.op === 'gt' || p.op === 'gteq';
    }
    return rangeMightMatch(p, decode(p.type, file.lower_bounds?.get(id)), decode(p.type, file.upper_bounds?.get(id)), noNaN);
  });
}

// ---------------------------------------------------------------------------------------

/** A bound decoded in the field's current type; undefined when absent, NaN or undecodable. */
function decode(type: PrimitiveType, bytes: Uint8Array | null | undefined): IcebergValue | undefined {
  if (!bytes) return undefined;
  try {
    const v = fromBinary(type, bytes);
    return v === null || isNaNValue(v) ? undefined : v;
  } catch {
    return undefined;
  }
}

/**
 * Comparisons against [lower, upper] (either may be unknown). `noNaN`: the values are known
 * to hold no NaN, which DuckDB would count as greater than any literal.
 */
function rangeMightMatch(p: BoundPredicate, lower: IcebergValue | undefined, upper: IcebergValue | undefined, noNaN: boolean): boolean {
  const lit = p.values[0];
  try {
    switch (p.op) {
      case 'lt':
        return lower === undefined || cmp(p.type, lower, lit!) < 0;
      case 'lteq':
        return lower === undefined || cmp(p.type, lower, lit!) <= 0;
      case 'gt':
        return !noNaN || upper === undefined || cmp(p.type, upper, lit!) > 0;
      case 'gteq':
        return !noNaN || upper === undefined || cmp(p.type, upper, lit!) >= 0;
      case 'eq':
        return inRange(p.type, lit!, lower, upper);
      case 'in':
        return p.values.some((v) => inRange(p.type, v, lower, upper));
      case 'startsWith': {
        const prefix = lit as string;
        if (typeof lower === 'string' && compareStrings(lower.slice(0, prefix.length), prefix) > 0) return false;
        if (typeof upper === 'string' && compareStrings(upper.slice(0, prefix.length), prefix) < 0) return false;
        return true;
      }
      default:
        return true;
    }
  } catch {
    return true;
  }
}

function inRange(type: PrimitiveType, v: IcebergValue, lower: IcebergValue | undefined, upper: IcebergValue | undefined): boolean {
  if (v === null) return false;
  if (lower !== undefined && cmp(type, v, lower) < 0) return false;
  if (upper !== undefined && cmp(type, v, upper) > 0) return false;
  return true;
}
