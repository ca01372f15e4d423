/**
 * Single values: binary and JSON single-value serialisation (spec: "Appendix D: Single-value
 * serialization") and the value order used by bounds and partition summaries.
 *
 * Values use the in-memory representation documented in types.ts ("Values"). Longer than the
 * usual file because the three views of a value (binary, JSON, order) must agree type by type;
 * keeping them side by side makes a mismatch visible.
 */
import type { IcebergValue, PrimitiveType } from './types.js';
import { type Primitive, parsePrimitive } from './primitive.js';
import { internalError, schemaError, unsupportedError } from '../errors.js';
import {
  floorDiv, floorMod, formatDate, formatTimeOfDay, parseDate, parseTimeOfDayNanos,
} from './transforms/calendar.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8Bytes = (s: string): Uint8Array => utf8Encoder.encode(s);
export const utf8String = (b: Uint8Array): string => utf8Decoder.decode(b);

// ---------------------------------------------------------------------------------------
// Building blocks: uuid, decimal, hex
// ---------------------------------------------------------------------------------------

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 16 bytes, big-endian (spec: Appendix B note 4, Appendix D "uuid"). */
export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_RE.test(uuid)) throw schemaError(`invalid uuid '${uuid}'`);
  return hexToBytes(uuid.replace(/-/g, ''));
}

export function bytesToUuid(b: Uint8Array): string {
  if (b.length !== 16) throw schemaError(`a uuid has 16 bytes, got ${b.length}`);
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw schemaError(`invalid hex string '${hex}'`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The unscaled value as big-endian two's complement in the minimum number of bytes
 * (Appendix B note 2, Appendix D "decimal"); 0 is one zero byte, as Java's BigInteger writes it.
 */
export function decimalToBytes(unscaled: bigint): Uint8Array {
  let n = 1;
  while (unscaled < -(1n << BigInt(8 * n - 1)) || unscaled >= 1n << BigInt(8 * n - 1)) n++;
  let u = BigInt.asUintN(8 * n, unscaled);
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}

/** Reads any-length big-endian two's complement (fixed-length Parquet storage pads with sign bytes). */
export function bytesToDecimal(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return b.length > 0 && b[0]! & 0x80 ? v - (1n << BigInt(8 * b.length)) : v;
}

/** Decimal text as the spec's JSON form writes it: '14.20', '-0.05', '2E+20' for scale -20. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale <= 0) return scale === 0 ? unscaled.toString() : `${unscaled}E+${-scale}`;
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text to the unscaled value at `scale`; throws if that would lose digits. */
export function parseDecimal(text: string, scale: number): bigint {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw schemaError(`invalid decimal '${text}'`);
  const frac = m[3] ?? '';
  let v = BigInt((m[2] || '0') + frac);
  // The text denotes v * 10^-textScale.
  const textScale = frac.length - Number(m[4] ?? '0');
  if (textScale <= scale) v *= 10n ** BigInt(scale - textScale);
  else {
    const div = 10n ** BigInt(textScale - scale);
    if (v % div !== 0n) throw schemaError(`decimal '${text}' has more than ${scale} fraction digits`);
    v /= div;
  }
  return m[1] === '-' ? -v : v;
}

// ---------------------------------------------------------------------------------------
// Value checks. A value of the wrong JS type is a bug in floe, not bad data.
// ---------------------------------------------------------------------------------------

function wrong(type: PrimitiveType, v: unknown): never {
  throw internalError(`value ${String(v)} (${typeof v}) is not a valid in-memory ${type} value`);
}

/** Longs, times and timestamps are bigint; integral numbers are accepted and widened. */
export function asBigInt(type: PrimitiveType, v: IcebergValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return wrong(type, v);
}

export function asNumber(type: PrimitiveType, v: IcebergValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return wrong(type, v);
}

function asBytes(type: PrimitiveType, v: IcebergValue): Uint8Array {
  return v instanceof Uint8Array ? v : wrong(type, v);
}

function asString(type: PrimitiveType, v: IcebergValue): string {
  return typeof v === 'string' ? v : wrong(type, v);
}

// ---------------------------------------------------------------------------------------
// Binary single-value serialisation (Appendix D)
// ---------------------------------------------------------------------------------------

function le(size: 4 | 8, write: (d: DataView) => void): Uint8Array {
  const out = new Uint8Array(size);
  write(new DataView(out.buffer));
  return out;
}

export function toBinary(type: PrimitiveType, v: IcebergValue): Uint8Array {
  if (v === null) throw internalError(`null has no binary single-value form (type ${type})`);
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
      return Uint8Array.of(v ? 1 : 0);
    case 'int':
    case 'date':
      return le(4, (d) => d.setInt32(0, asNumber(type, v), true));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return le(8, (d) => d.setBigInt64(0, asBigInt(type, v), true));
    case 'float':
      return le(4, (d) => d.setFloat32(0, asNumber(type, v), true));
    case 'double':
      return le(8, (d) => d.setFloat64(0, asNumber(type, v), true));
    case 'string':
      return utf8Bytes(asString(type, v));
    case 'uuid':
      return uuidToBytes(asString(type, v));
    case 'fixed':
    case 'binary':
      return asBytes(type, v);
    case 'decimal':
      return decimalToBytes(asBigInt(type, v));
    default:
      throw unsupportedError(`type ${type} has no binary single-value serialisation`);
  }
}

export function fromBinary(type: PrimitiveType, bytes: Uint8Array): IcebergValue {
  const p = parsePrimitive(type);
  const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number) => {
    if (bytes.length < n) throw schemaError(`a ${type} value needs ${n} bytes, got ${bytes.length}`);
  };
  switch (p.kind) {
    case 'boolean':
      need(1);
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      need(4);
      return d.getInt32(0, true);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // Bounds written before an int → long promotion are 4 bytes (spec: "Schema Evolution").
      if (bytes.length === 4 && p.kind === 'long') return BigInt(d.getInt32(0, true));
      // v3: a 4-byte timestamp or timestamp_ns bound was written as a date, before a
      // date → timestamp promotion; it is that day's midnight (spec: "Schema Evolution").
      if (bytes.length === 4 && p.kind === 'timestamp') return BigInt(d.getInt32(0, true)) * 86_400_000_000n;
      if (bytes.length === 4 && p.kind === 'timestamp_ns') return BigInt(d.getInt32(0, true)) * 86_400_000_000_000n;
      need(8);
      return d.getBigInt64(0, true);
    case 'float':
      need(4);
      return d.getFloat32(0, true);
    case 'double':
      // Likewise for float → double promotion.
      if (bytes.length === 4) return d.getFloat32(0, true);
      need(8);
      return d.getFloat64(0, true);
    case 'string':
      return utf8String(bytes);
    case 'uuid':
      return bytesToUuid(bytes);
    case 'fixed':
    case 'binary':
      // A plain copy, never a view: callers may reuse the buffer the bytes came from.
      return new Uint8Array(bytes);
    case 'decimal':
      return bytesToDecimal(bytes);
    default:
      throw unsupportedError(`type ${type} has no binary single-value serialisation`);
  }
}

// ---------------------------------------------------------------------------------------
// JSON single-value serialisation (Appendix D), for initial-default / write-default.
// Longs come back as bigint; src/iceberg/json.ts writes them as bare integer literals.
// ---------------------------------------------------------------------------------------

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function formatTimestamp(p: Primitive, v: bigint): string {
  const nanos = p.kind === 'timestamp_ns' || p.kind === 'timestamptz_ns';
  const micros = nanos ? floorDiv(v, 1000n) : v;
  const days = Number(floorDiv(micros, 86_400_000_000n));
  const time = formatTimeOfDay(floorMod(micros, 86_400_000_000n), nanos ? 9 : 6, nanos ? floorMod(v, 1000n) : 0n);
  const tz = p.kind === 'timestamptz' || p.kind === 'timestamptz_ns' ? '+00:00' : '';
  return `${formatDate(days)}T${time}${tz}`;
}

export function toJsonValue(type: PrimitiveType, v: IcebergValue): unknown {
  if (v === null) return null;
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
      return v === true;
    case 'int':
      return asNumber(type, v);
    case 'long':
      return asBigInt(type, v);
    case 'float':
    case 'double': {
      // JSON has no NaN/Infinity; Java's writer quotes them, so do the same.
      const n = asNumber(type, v);
      return Number.isFinite(n) ? n : String(n);
    }
    case 'decimal':
      return formatDecimal(asBigInt(type, v), p.scale);
    case 'date':
      return formatDate(asNumber(type, v));
    case 'time':
      return formatTimeOfDay(asBigInt(type, v), 6, 0n);
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return formatTimestamp(p, asBigInt(type, v));
    case 'string':
      return asString(type, v);
    case 'uuid':
      return asString(type, v).toLowerCase();
    case 'fixed':
    case 'binary':
      return bytesToHex(asBytes(type, v));
    default:
      throw unsupportedError(`type ${type} has no JSON single-value form in floe`);
  }
}

const TS_RE = /^(.+?)[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/;

function parseTimestamp(p: Primitive, type: PrimitiveType, s: string): bigint {
  const m = TS_RE.exec(s);
  const days = m ? parseDate(m[1]!) : null;
  const tod = m ? parseTimeOfDayNanos(m[2]!) : null;
  const withZone = p.kind === 'timestamptz' || p.kind === 'timestamptz_ns';
  if (!m || days === null || tod === null || (m[3] !== undefined && !withZone)) {
    throw schemaError(`invalid ${type} value '${s}'`);
  }
  let offsetNanos = 0n;
  if (m[3] && m[3] !== 'Z') {
    const z = m[3].replace(':', '');
    const mins = Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5));
    offsetNanos = BigInt((z[0] === '-' ? -1 : 1) * mins) * 60_000_000_000n;
  }
  const nanos = BigInt(days) * 86_400_000_000_000n + tod - offsetNanos;
  return p.kind === 'timestamp_ns' || p.kind === 'timestamptz_ns' ? nanos : floorDiv(nanos, 1000n);
}

export function fromJsonValue(type: PrimitiveType, json: unknown): IcebergValue {
  if (json === null || json === undefined) return null;
  const p = parsePrimitive(type);
  const bad = (): never => {
    throw schemaError(`invalid JSON single value for type ${type}: ${typeof json === 'bigint' ? json : JSON.stringify(json)}`);
  };
  const str = (): string => (typeof json === 'string' ? json : bad());
  switch (p.kind) {
    case 'boolean':
      return typeof json === 'boolean' ? json : bad();
    case 'int':
    case 'long': {
      const n = typeof json === 'bigint' ? json : typeof json === 'number' && Number.isInteger(json) ? BigInt(json) : bad();
      const bits = p.kind === 'int' ? 32 : 64;
      if (BigInt.asIntN(bits, n) !== n) bad();
      return p.kind === 'int' ? Number(n) : n;
    }
    case 'float':
    case 'double': {
      const n = typeof json === 'number' ? json : typeof json === 'string' && json in NON_FINITE ? NON_FINITE[json]! : bad();
      return p.kind === 'float' ? Math.fround(n) : n;
    }
    case 'decimal':
      return parseDecimal(typeof json === 'number' ? String(json) : str(), p.scale);
    case 'date':
      return parseDate(str()) ?? bad();
    case 'time': {
      const nanos = parseTimeOfDayNanos(str()) ?? bad();
      return nanos / 1000n;
    }
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return parseTimestamp(p, type, str());
    case 'string':
      return str();
    case 'uuid':
      return bytesToUuid(uuidToBytes(str()));
    case 'fixed':
    case 'binary':
      return hexToBytes(str());
    default:
      throw unsupportedError(`type ${type} has no JSON single-value form in floe`);
  }
}

// ---------------------------------------------------------------------------------------
// Order (spec: "Field-level Metrics and Statistics": bounds must hold for all values)
// ---------------------------------------------------------------------------------------

/** UTF-16 unit → a key whose order is code point order (surrogates sort above U+FFFF's BMP peers). */
const cpKey = (c: number) => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c);

/** Strings by Unicode code point, which is also the order of their UTF-8 bytes. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return cpKey(x) - cpKey(y);
  }
  return a.length - b.length;
}

/** Unsigned lexicographic byte order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Java's Float.compare / Double.compare: -0 < +0, NaN above everything. */
function compareFloats(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return a !== 0 ? 0 : Math.sign(1 / a) === Math.sign(1 / b) ? 0 : 1 / a < 0 ? -1 : 1;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/** A total order on values of one type; null sorts first. Returns <0, 0 or >0. */
export function compareValues(type: PrimitiveType, a: IcebergValue, b: IcebergValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
      return Number(a) - Number(b);
    case 'int':
    case 'date':
      return asNumber(type, a) - asNumber(type, b);
    case 'float':
    case 'double':
      return compareFloats(asNumber(type, a), asNumber(type, b));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal': {
      const x = asBigInt(type, a);
      const y = asBigInt(type, b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'string':
      return compareStrings(asString(type, a), asString(type, b));
    case 'uuid':
      // Unsigned byte order, which canonical lower-case text preserves.
      return compareStrings(asString(type, a).toLowerCase(), asString(type, b).toLowerCase());
    case 'fixed':
    case 'binary':
      return compareBytes(asBytes(type, a), asBytes(type, b));
    default:
      throw unsupportedError(`values of type ${type} have no order in floe`);
  }
}
