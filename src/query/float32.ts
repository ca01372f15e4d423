/**
 * float (32-bit) values in `floe query --format json|table` output. DuckDB hands a FLOAT to
 * JavaScript widened to a double, whose shortest text is the double's (0.1f prints as
 * 0.10000000149011612). Iceberg's `float` is IEEE 754 binary32, so the value printed is the
 * shortest decimal that reads back as the same binary32 (as DuckDB's own CSV text and Java's
 * Float.toString give it). Doubles are left alone.
 */
import type { DuckDBType } from '@duckdb/node-api';
import type { JsonValue } from '../engine/values.js';
import { shortestOfLength } from './float32-exact.js';

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
 * Java's Float.toString and Arrow give it).
 *
 * The nearest decimal of each length is read off the double's own shortest digits D
 * (String(x): cheap, where toPrecision() costs microseconds): rounding D to p digits
 * rounds v the same way unless D has only one digit more, since a midpoint between p-digit
 * decimals lying between v and D would be a shorter text of v than D. The candidate is tried
 * through Number() and Math.fround, which rounds twice (decimal → double → binary32) and can
 * mislead only when the double lands exactly on a rounding boundary. Those cases, and a miss
 * at a power of two (its rounding interval is lopsided, so a neighbour of the nearest decimal
 * may be inside it), are settled exactly by float32-exact.ts.
 */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0 || Math.fround(v) !== v) return v;
  const x = Math.abs(v);
  const sign = v < 0 ? -1 : 1;
  const { digits, e10 } = shortestDigits(x);
  let bounds: ReturnType<typeof roundingBounds> | undefined;
  /** The nearest p-digit decimal if it rounds to x, FAIL if none of p digits does, or UNSURE. */
  const nearest = (p: number): number | typeof FAIL | typeof UNSURE => {
    if (p >= digits.length) return x; // x's own shortest digits are short enough
    const rest = digits.slice(p);
    if (rest.length === 1) return UNSURE;
    const head = Number(digits.slice(0, p)) + (rest[0]! >= '5' ? 1 : 0);
    const c = Number(`${head}e${e10 - p + 1}`);
    bounds ??= roundingBounds(x);
    if (c === bounds.low || c === bounds.high) return UNSURE;
    if (Math.fround(c) === x) return c;
    return bounds.lopsided ? UNSURE : FAIL;
  };
  // If p digits round-trip, so do p + 1 (the p-digit decimal is one of them): binary search.
  let lo = 1;
  let hi = 9;
  let found: number | undefined;
  let sure = true;
  while (lo <= hi && sure) {
    const mid = (lo + hi) >> 1;
    const r = nearest(mid);
    if (r === UNSURE) sure = false;
    else if (r === FAIL) lo = mid + 1;
    else {
      found = r;
      hi = mid - 1;
    }
  }
  if (sure && found !== undefined) return sign * found;
  // Rare: length by length, settling the unsure ones exactly.
  for (let p = 1; p <= 9; p++) {
    const r = nearest(p);
    if (r === FAIL) continue;
    const c = r === UNSURE ? shortestOfLength(x, p) : r;
    if (c !== undefined) return sign * c;
  }
  return v; // 9 significant digits always round-trip a binary32; not reached
}

const FAIL = Symbol('fail');
const UNSURE = Symbol('unsure');

/**
 * The significant digits of a positive double's shortest text and the power of ten of the
 * first: 0.0125 → ('125', -2). From String(x), which V8 makes fast; toExponential() is not.
 */
function shortestDigits(x: number): { digits: string; e10: number } {
  const text = String(x);
  const e = text.indexOf('e');
  if (e >= 0) return { digits: text.slice(0, e).replace('.', ''), e10: Number(text.slice(e + 1)) };
  const dot = text.indexOf('.');
  const int = dot < 0 ? text : text.slice(0, dot);
  const all = (int + (dot < 0 ? '' : text.slice(dot + 1))).replace(/0+$/, '');
  const lead = /^0*/.exec(all)![0].length;
  return { digits: all.slice(lead), e10: int.length - 1 - lead };
}

const view = new DataView(new ArrayBuffer(4));

/** The midpoints between a positive binary32 and its neighbours, exact as doubles. */
function roundingBounds(x: number): { low: number; high: number; lopsided: boolean } {
  view.setFloat32(0, x);
  const bits = view.getUint32(0);
  view.setUint32(0, bits - 1);
  const down = view.getFloat32(0); // 0 below the least subnormal
  view.setUint32(0, bits + 1);
  const up = view.getFloat32(0); // Infinity above the greatest
  return { low: (x + down) / 2, high: (x + up) / 2, lopsided: x - down !== up - x };
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
