/**
 * Partition transforms (spec: "Partition Transforms", "Bucket Transform Details",
 * "Truncate Transform Details"): parsing the JSON names, result types, and applying them.
 *
 * Transforms arrive as strings ('bucket[16]'); functions here accept either the string or a
 * parsed transform. Unknown transforms throw `unsupported` on use; readers that must ignore
 * them (spec: "Partitioning", required in v3) check `isKnownTransform` first.
 */
import type { IcebergValue, PrimitiveType, Transform } from '../types.js';
import { parsePrimitive } from '../primitive.js';
import { toJsonValue } from '../conversions.js';
import { schemaError, unsupportedError } from '../../errors.js';
import type { TransformImpl } from './transform.js';
import { identity } from './identity.js';
import { bucket } from './bucket.js';
import { truncate } from './truncate.js';
import { year } from './year.js';
import { month } from './month.js';
import { day } from './day.js';
import { hour } from './hour.js';
import { voidTransform } from './void.js';
import { civilFromDays, formatDate } from './calendar.js';

export type ParsedTransform =
  | { kind: 'identity' | 'year' | 'month' | 'day' | 'hour' | 'void' }
  | { kind: 'bucket'; n: number }
  | { kind: 'truncate'; width: number };

export type TransformLike = Transform | ParsedTransform;

const SIMPLE = new Set(['identity', 'year', 'month', 'day', 'hour', 'void']);
const PARAM = /^(bucket|truncate)\[\s*(\d+)\s*\]$/;

function tryParse(t: string): ParsedTransform | null {
  const s = t.trim();
  if (SIMPLE.has(s)) return { kind: s as 'identity' };
  const m = PARAM.exec(s);
  if (!m) return null;
  const k = Number(m[2]);
  if (!Number.isSafeInteger(k) || k <= 0 || k > 0x7fffffff) return null;
  return m[1] === 'bucket' ? { kind: 'bucket', n: k } : { kind: 'truncate', width: k };
}

export function isKnownTransform(t: Transform): boolean {
  return tryParse(t) !== null;
}

export function parseTransform(t: TransformLike): ParsedTransform {
  if (typeof t !== 'string') return t;
  const p = tryParse(t);
  if (!p) {
    throw unsupportedError(`unknown partition transform '${t}'`, {
      hint: 'floe knows identity, bucket[N], truncate[W], year, month, day, hour and void',
    });
  }
  return p;
}

/** The spec's JSON form (Appendix C, "Partition Specs"). */
export function formatTransform(t: TransformLike): Transform {
  const p = parseTransform(t);
  return p.kind === 'bucket' ? `bucket[${p.n}]` : p.kind === 'truncate' ? `truncate[${p.width}]` : p.kind;
}

export function transformImpl(t: TransformLike): TransformImpl {
  const p = parseTransform(t);
  switch (p.kind) {
    case 'identity': return identity;
    case 'bucket': return bucket(p.n);
    case 'truncate': return truncate(p.width);
    case 'year': return year;
    case 'month': return month;
    case 'day': return day;
    case 'hour': return hour;
    case 'void': return voidTransform;
  }
}

/** Whether the transform accepts this source type (the spec's "Source types" column). */
export function canTransform(t: TransformLike, sourceType: PrimitiveType): boolean {
  let source;
  try {
    source = parsePrimitive(sourceType);
  } catch {
    return false;
  }
  return transformImpl(t).canTransform(source);
}

function checked(t: TransformLike, sourceType: PrimitiveType): TransformImpl {
  const impl = transformImpl(t);
  if (!impl.canTransform(parsePrimitive(sourceType))) {
    throw schemaError(`partition transform ${impl.name} cannot be applied to a ${sourceType} column`);
  }
  return impl;
}

/** identity/truncate/void → source type, bucket/year/month/hour → int, day → date. */
export function resultType(t: TransformLike, sourceType: PrimitiveType): PrimitiveType {
  return checked(t, sourceType).resultType(sourceType);
}

/** A transform function for one column, for per-row use. Null in, null out. */
export function bindTransform(t: TransformLike, sourceType: PrimitiveType): (v: IcebergValue) => IcebergValue {
  return checked(t, sourceType).bind(parsePrimitive(sourceType), sourceType);
}

export function apply(t: TransformLike, sourceType: PrimitiveType, value: IcebergValue): IcebergValue {
  return bindTransform(t, sourceType)(value);
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * The partition value as text for partition paths (`ts_day=2017-11-16`), in the forms Java
 * uses: year '2017', month '2017-11', day '2017-11-16', hour '2017-11-16-22', null 'null',
 * binary as base64. Not URL-escaped.
 */
export function toHumanString(t: TransformLike, sourceType: PrimitiveType, value: IcebergValue): string {
  if (value === null) return 'null';
  const p = parseTransform(t);
  switch (p.kind) {
    case 'year':
      return pad(1970 + Number(value), 4);
    case 'month': {
      const m = Number(value);
      return `${pad(1970 + Math.floor(m / 12), 4)}-${pad((((m % 12) + 12) % 12) + 1, 2)}`;
    }
    case 'day':
      return formatDate(Number(value));
    case 'hour': {
      const h = Number(value);
      const c = civilFromDays(Math.floor(h / 24));
      return `${pad(c.year, 4)}-${pad(c.month, 2)}-${pad(c.day, 2)}-${pad(((h % 24) + 24) % 24, 2)}`;
    }
    case 'bucket':
    case 'void':
      return String(value);
    default: {
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      const j = toJsonValue(resultType(p, sourceType), value);
      return typeof j === 'string' ? j : String(j);
    }
  }
}

export type { TransformImpl };
