/**
 * float (32-bit) values in `floe query --format json|table` output. DuckDB hands a FLOAT to
 * JavaScript widened to a double, whose shortest text is the double's (0.1f prints as
 * 0.10000000149011612). Iceberg's `float` is IEEE 754 binary32, so the value printed is the
 * shortest decimal that reads back as the same binary32 (as DuckDB's own CSV text and Java's
 * Float.toString give it). Doubles are left alone.
 */
import type { DuckDBType } from '@duckdb/node-api';
import type { JsonValue } from '../engine/values.js';

// DuckDBTypeId values (node-api enum), without loading the module for one constant each.
const FLOAT = 10;
const LIST = 24;
const STRUCT = 25;
const MAP = 26;
const ARRAY = 33;

/**
 * The shortest decimal that rounds to the binary32 `v` (v is that binary32 widened), as the
 * double nearest to it, so JSON.stringify prints exactly those digits. Of the shortest
 * candidates the one closest to v, and of two as close the one with an even last digit (as
 * Java's Float.toString and Arrow give it). All comparisons are exact (BigInt fractions):
 * going through Number() would round twice.
 */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0 || Math.fround(v) !== v) return v;
  const b = binary32(Math.abs(v));
  for (let digits = 1; digits <= 9; digits++) {
    let best: Decimal | undefined;
    for (const c of neighbours(Math.abs(v), digits)) {
      if (!roundsTo(c, b)) continue;
      const order = best === undefined ? -1 : compareDistance(c, best, b);
      if (order < 0 || (order === 0 && c.m % 2n === 0n)) best = c;
    }
    if (best !== undefined) return Number(`${v < 0 ? '-' : ''}${best.m}e${best.k}`);
  }
  return v; // 9 significant digits always round-trip a binary32; not reached
}

/** m × 10^k, m > 0. */
interface Decimal {
  m: bigint;
  k: number;
}

/**
 * A positive binary32 as M × 2^E, with the bounds of the decimals that round to it:
 * (4M - low) × 2^(E-2) to (4M + 2) × 2^(E-2), the bounds themselves included when M is even
 * (ties go to the even binary32). At a power of two the gap below is half the gap above.
 */
interface Binary32 {
  M: bigint;
  E: number;
  low: bigint;
}

function binary32(x: number): Binary32 {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  const bits = view.getUint32(0);
  const exp = (bits >>> 23) & 0xff;
  const frac = BigInt(bits & 0x7fffff);
  if (exp === 0) return { M: frac, E: -149, low: 2n };
  return { M: frac | 0x800000n, E: exp - 150, low: frac === 0n && exp > 1 ? 1n : 2n };
}

/** a × 2^e and c = m × 10^k as one fraction pair over a common denominator: [c, a]. */
function scaled(c: Decimal, a: bigint, e: number): [bigint, bigint] {
  let cn = c.m;
  let an = a;
  if (c.k >= 0) cn *= 10n ** BigInt(c.k);
  else an *= 10n ** BigInt(-c.k);
  if (e >= 0) an *= 2n ** BigInt(e);
  else cn *= 2n ** BigInt(-e);
  return [cn, an];
}

function roundsTo(c: Decimal, b: Binary32): boolean {
  const [c1, lo] = scaled(c, 4n * b.M - b.low, b.E - 2);
  const [c2, hi] = scaled(c, 4n * b.M + 2n, b.E - 2);
  const even = b.M % 2n === 0n;
  return (even ? c1 >= lo : c1 > lo) && (even ? c2 <= hi : c2 < hi);
}

/** Sign of |x - v| - |y - v|. */
function compareDistance(x: Decimal, y: Decimal, b: Binary32): number {
  const dist = (c: Decimal): [bigint, bigint] => {
    // |c - v| as a fraction n / d.
    const [cn, vn] = scaled(c, b.M, b.E);
    const d = (c.k < 0 ? 10n ** BigInt(-c.k) : 1n) * (b.E < 0 ? 2n ** BigInt(-b.E) : 1n);
    const n = cn - vn;
    return [n < 0n ? -n : n, d];
  };
  const [xn, xd] = dist(x);
  const [yn, yd] = dist(y);
  const diff = xn * yd - yn * xd;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/**
 * x rounded to `digits` significant digits, and the decimals one unit in the last place
 * below and above it: near a power of two the rounding interval of a binary32 is lopsided,
 * so the nearest decimal of a length can miss it while a neighbour is inside, and on a tie
 * the nearest is rounded up where the even neighbour is wanted.
 */
function neighbours(x: number, digits: number): Decimal[] {
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e') as [string, string];
  const m = BigInt(mantissa.replace('.', ''));
  const k = Number(exponent) - (digits - 1);
  return [m, m - 1n, m + 1n].filter((n) => n > 0n).map((n) => ({ m: n, k }));
}

/**
 * Rewrites the binary32 values of one result column (any nesting: lists, arrays, structs,
 * maps) in its JSON form from engine/values.ts toJsonValue. null when the column's type
 * holds no FLOAT, so other columns are passed through untouched.
 */
export function float32Narrower(type: DuckDBType): ((v: JsonValue) => JsonValue) | null {
  const t = type as unknown as {
    typeId: number;
    valueType?: DuckDBType;
    keyType?: DuckDBType;
    entryNames?: readonly string[];
    entryTypes?: readonly DuckDBType[];
  };
  switch (t.typeId) {
    case FLOAT:
      return (v) => (typeof v === 'number' ? shortestFloat32(v) : v);
    case LIST:
    case ARRAY: {
      const el = float32Narrower(t.valueType!);
      return el && ((v) => (Array.isArray(v) ? v.map(el) : v));
    }
    case STRUCT: {
      const names = t.entryNames ?? [];
      const inner = (t.entryTypes ?? []).map(float32Narrower);
      if (inner.every((f) => f === null)) return null;
      return (v) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
        const out: Record<string, JsonValue> = { ...v };
        names.forEach((n, i) => {
          const f = inner[i];
          if (f && n in out) out[n] = f(out[n]!);
        });
        return out;
      };
    }
    case MAP: {
      const key = float32Narrower(t.keyType!);
      const value = float32Narrower(t.valueType!);
      if (!key && !value) return null;
      return (v) => {
        // toJsonValue: an object for text keys, otherwise [key, value] pairs.
        if (Array.isArray(v)) {
          return v.map((pair) => (Array.isArray(pair) && pair.length === 2 ? [key ? key(pair[0]!) : pair[0]!, value ? value(pair[1]!) : pair[1]!] : pair));
        }
        if (v !== null && typeof v === 'object' && value) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]));
        return v;
      };
    }
    default:
      return null;
  }
}
