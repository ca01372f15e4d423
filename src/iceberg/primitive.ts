/**
 * A structured view of primitive type strings as written in schema JSON
 * (spec: "Primitive Types", and "Appendix C: JSON serialization" / Schemas).
 *
 * Schema JSON keeps types as strings ('decimal(9, 2)', 'fixed[16]'); code that needs the
 * parameters parses them once here instead of pattern-matching strings everywhere.
 */
import type { IcebergType, PrimitiveType } from './types.js';
import { schemaError } from '../errors.js';

/** Primitive types without parameters. */
export const SIMPLE_PRIMITIVES = [
  'unknown',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'binary',
  'variant',
] as const;

export type SimplePrimitiveKind = (typeof SIMPLE_PRIMITIVES)[number];

export type Primitive =
  | { kind: SimplePrimitiveKind }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'fixed'; length: number }
  /** v3 geospatial types; crs defaults to OGC:CRS84, algorithm to spherical (spec: "Primitive Types"). */
  | { kind: 'geometry'; crs: string }
  | { kind: 'geography'; crs: string; algorithm: string };

export type PrimitiveKind = Primitive['kind'];

const SIMPLE = new Set<string>(SIMPLE_PRIMITIVES);
// Appendix C: "Readers should accept optional whitespace around parameters and separators".
const DECIMAL = /^decimal\s*\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/;
// The JSON form is fixed[L]; the spec's prose writes fixed(L), so accept both.
const FIXED = /^fixed\s*(?:\[\s*(\d+)\s*\]|\(\s*(\d+)\s*\))$/;
const GEOMETRY = /^geometry\s*(?:\(\s*([^,()]*?)\s*\))?$/;
const GEOGRAPHY = /^geography\s*(?:\(\s*([^,()]*?)\s*(?:,\s*([^,()]*?)\s*)?\))?$/;

const cache = new Map<string, Primitive>();

/** Parses a primitive type string; throws a schema error for anything else. */
export function parsePrimitive(type: PrimitiveType): Primitive {
  const hit = cache.get(type);
  if (hit) return hit;
  const p = parseUncached(type.trim());
  cache.set(type, p);
  return p;
}

function parseUncached(t: string): Primitive {
  if (SIMPLE.has(t)) return { kind: t as SimplePrimitiveKind };
  let m = DECIMAL.exec(t);
  if (m) {
    const precision = Number(m[1]);
    const scale = Number(m[2]);
    // "Scale is fixed, precision must be 38 or less" (spec: "Primitive Types").
    if (precision < 1 || precision > 38) throw schemaError(`decimal precision must be 1..38, got '${t}'`);
    return { kind: 'decimal', precision, scale };
  }
  m = FIXED.exec(t);
  if (m) return { kind: 'fixed', length: Number(m[1] ?? m[2]) };
  m = GEOMETRY.exec(t);
  if (m) return { kind: 'geometry', crs: m[1] || 'OGC:CRS84' };
  m = GEOGRAPHY.exec(t);
  if (m) return { kind: 'geography', crs: m[1] || 'OGC:CRS84', algorithm: m[2] || 'spherical' };
  throw schemaError(`unknown Iceberg primitive type '${t}'`);
}

/** The canonical schema JSON string, in the form Java and PyIceberg write ('decimal(9, 2)'). */
export function formatPrimitive(p: Primitive): PrimitiveType {
  switch (p.kind) {
    case 'decimal':
      return `decimal(${p.precision}, ${p.scale})`;
    case 'fixed':
      return `fixed[${p.length}]`;
    case 'geometry':
      return p.crs === 'OGC:CRS84' ? 'geometry' : `geometry(${p.crs})`;
    case 'geography':
      if (p.algorithm !== 'spherical') return `geography(${p.crs}, ${p.algorithm})`;
      return p.crs === 'OGC:CRS84' ? 'geography' : `geography(${p.crs})`;
    default:
      return p.kind;
  }
}

/** True for a type string that parses as a primitive (struct/list/map are objects). */
export function isPrimitive(t: IcebergType): t is PrimitiveType {
  if (typeof t !== 'string') return false;
  try {
    parsePrimitive(t);
    return true;
  } catch {
    return false;
  }
}

/** The value is a bigint of this unit (types.ts: "Values"). */
export function isMicrosTimestamp(k: PrimitiveKind): boolean {
  return k === 'timestamp' || k === 'timestamptz';
}

export function isNanosTimestamp(k: PrimitiveKind): boolean {
  return k === 'timestamp_ns' || k === 'timestamptz_ns';
}
