/**
 * Binding: column names to field ids, SQL literals to values of the column's Iceberg type.
 *
 * The conversion follows how DuckDB compares a column with a constant, and gives up
 * (the predicate becomes `true`) wherever the two could disagree: a fractional number
 * against an integer column, a timestamp against a date, float (32-bit) columns whose
 * rounding differs from the literal's, NaN, strings that DuckDB would parse more leniently
 * than floe. Giving up is never wrong; it only prunes less.
 */
import { parseDecimal } from '../../iceberg/conversions.js';
import { parsePrimitive } from '../../iceberg/primitive.js';
import { parseDate, parseTimeOfDayNanos } from '../../iceberg/transforms/calendar.js';
import type { IcebergValue, NestedField, PrimitiveType, Schema } from '../../iceberg/types.js';
import { type BoundExpr, type BoundPredicate, mapPredicates, pred, type SqlLiteral, TRUE, type UnboundExpr } from './expr.js';

/** Binds an expression to a schema's top-level primitive columns (names case-insensitive, as in DuckDB). */
export function bind(e: UnboundExpr, schema: Schema): BoundExpr {
  return mapPredicates(e, (p): BoundExpr => {
    const field = findColumn(schema, p.column);
    if (!field || typeof field.type !== 'string') return TRUE;
    const type = field.type;
    const values: IcebergValue[] = [];
    for (const lit of p.literals) {
      const v = literalValue(lit, type);
      if (v === undefined) return TRUE;
      values.push(v);
    }
    if (p.op === 'startsWith' && parsePrimitive(type).kind !== 'string') return TRUE;
    const bound: BoundPredicate = { op: p.op, ref: field.id, name: field.name, type, values };
    return pred(bound);
  });
}

/**
 * A name as DuckDB folds it to compare names without case: ASCII letters only (StringUtil::Lower).
 * `"ÜNÏ"` and `"ünï"` are two names to DuckDB (two columns of one view, neither renamed), so
 * JavaScript's toLowerCase would bind a filter on one to the other.
 */
export function asciiLower(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * The column a query's name reaches in the table's view. DuckDB resolves names ignoring case,
 * and a view whose columns differ only in case (`Name`, `name`: allowed in Iceberg) gets
 * DuckDB's deduplicated names (`Name`, `name_1`), so `name` is the first column, never the
 * second one spelled that way.
 */
function findColumn(schema: Schema, name: string): NestedField | undefined {
  const names = viewColumnNames(schema.fields.map((f) => f.name));
  const lower = asciiLower(name);
  const i = names.findIndex((n) => asciiLower(n) === lower);
  return i < 0 ? undefined : schema.fields[i];
}

/**
 * The names DuckDB gives a view's columns (QueryResult::DeduplicateColumns): a name equal,
 * ignoring case, to an earlier one becomes `<name>_<k>`, k counting up from the number of
 * times its lower-case form was taken until the name is free.
 */
export function viewColumnNames(names: readonly string[]): string[] {
  const taken = new Map<string, number>();
  return names.map((name) => {
    const low = asciiLower(name);
    if (!taken.has(low)) {
      taken.set(low, 1);
      return name;
    }
    let out = `${name}_${taken.get(low)!}`;
    while (taken.has(asciiLower(out))) {
      taken.set(low, taken.get(low)! + 1);
      out = `${name}_${taken.get(low)!}`;
    }
    taken.set(asciiLower(out), 1);
    return out;
  });
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** The literal as a value of `type`, or undefined when floe cannot be sure how DuckDB compares them. */
function literalValue(lit: SqlLiteral, type: PrimitiveType): IcebergValue | undefined {
  let p;
  try {
    p = parsePrimitive(type);
  } catch {
    return undefined;
  }
  switch (p.kind) {
    case 'boolean':
      return lit.kind === 'boolean' ? lit.value : undefined;
    case 'int':
    case 'long': {
      const n = integral(lit);
      if (n === undefined) return undefined;
      // Out of the column's range: DuckDB widens the column instead; keep it simple and skip.
      if (p.kind === 'int') return n >= INT_MIN && n <= INT_MAX ? Number(n) : undefined;
      return n >= LONG_MIN && n <= LONG_MAX ? n : undefined;
    }
    case 'double': {
      const d = lit.kind === 'double' ? lit.value : lit.kind === 'integer' ? Number(lit.value) : lit.kind === 'decimal' ? decimalAsDouble(lit.text) : undefined;
      return d === undefined || Number.isNaN(d) ? undefined : d;
    }
    case 'decimal': {
      const scale = p.scale;
      if (lit.kind === 'integer') return lit.value * 10n ** BigInt(scale);
      if (lit.kind === 'decimal') {
        const frac = lit.text.split('.')[1] ?? '';
        // More fractional digits than the column holds: DuckDB compares at the wider scale.
        if (frac.replace(/0+$/, '').length > scale) return undefined;
        try {
          return parseDecimal(lit.text, scale);
        } catch {
          return undefined;
        }
      }
      return undefined;
    }
    case 'string':
      return lit.kind === 'string' ? lit.value : undefined;
    case 'date':
      if (lit.kind === 'date') return parseDate(lit.text.trim()) ?? undefined;
      if (lit.kind === 'string') return parseDate(lit.value.trim()) ?? undefined;
      return undefined;
    case 'timestamp':
    case 'timestamptz': {
      if (lit.kind === 'date') {
        const d = parseDate(lit.text.trim());
        return d === null ? undefined : BigInt(d) * 86_400_000_000n;
      }
      if (lit.kind === 'timestamp' || lit.kind === 'timestamptz' || lit.kind === 'string') {
        const text = lit.kind === 'string' ? lit.value : lit.text;
        // An offset on a timestamp without zone is parsed differently by engines: skip it.
        const allowOffset = p.kind === 'timestamptz' || lit.kind === 'timestamptz';
        return parseTimestampMicros(text, allowOffset);
      }
      return undefined;
    }
    default:
      // float (32-bit rounding), time, uuid, binary, fixed, nanosecond timestamps: not pruned on.
      return undefined;
  }
}

/**
 * A decimal literal as DuckDB compares it with a DOUBLE column: the unscaled integer as a
 * double, divided by 10^scale. That is the correctly rounded value (Number(text)) only while
 * both operands are exact doubles (|unscaled| <= 2^53, scale <= 22); a longer literal
 * (0.652650645154885209555131441136) can come out one ulp away, so it is not pruned on.
 */
function decimalAsDouble(text: string): number | undefined {
  const m = /^-?(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  return frac.length <= 22 && BigInt(m[1]! + frac) <= 2n ** 53n ? Number(text) : undefined;
}

function integral(lit: SqlLiteral): bigint | undefined {
  if (lit.kind === 'integer') return lit.value;
  if (lit.kind === 'decimal') {
    const m = /^(-?\d+)(?:\.(0*))?$/.exec(lit.text);
    return m ? BigInt(m[1]!) : undefined;
  }
  if (lit.kind === 'double' && Number.isSafeInteger(lit.value)) return BigInt(lit.value);
  return undefined;
}

const TS_RE = /^([+-]?\d{4,}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * 'YYYY-MM-DD[ HH:MM[:SS[.f…]]][Z|±HH[:MM]]' as microseconds from the epoch (UTC, floe's
 * session time zone). Sub-microsecond digits make it undefined (DuckDB would round).
 */
function parseTimestampMicros(text: string, allowOffset: boolean): bigint | undefined {
  const m = TS_RE.exec(text.trim());
  if (!m) return undefined;
  const days = parseDate(m[1]!);
  if (days === null) return undefined;
  const nanos = m[2] ? parseTimeOfDayNanos(m[2]) : 0n;
  if (nanos === null || nanos % 1000n !== 0n) return undefined;
  let micros = BigInt(days) * 86_400_000_000n + nanos / 1000n;
  if (m[3]) {
    if (!allowOffset) return undefined;
    if (m[3].toUpperCase() !== 'Z') {
      const o = /^([+-])(\d{2}):?(\d{2})?$/.exec(m[3]);
      if (!o) return undefined;
      const minutes = Number(o[2]) * 60 + Number(o[3] ?? '0');
      micros -= BigInt((o[1] === '-' ? -1 : 1) * minutes) * 60_000_000n;
    }
  }
  return micros;
}
