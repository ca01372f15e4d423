/**
 * bucket[N]: (murmur3_x86_32(x) & Integer.MAX_VALUE) % N (spec: "Bucket Transform Details"),
 * hashing the byte form listed in "Appendix B: 32-bit Hash Requirements".
 */
import type { IcebergValue, PrimitiveType } from '../types.js';
import type { Primitive } from '../primitive.js';
import { murmur3Bytes, murmur3Int, murmur3Long, murmur3String } from '../murmur3.js';
import { asBigInt, asNumber, decimalToBytes, uuidToBytes } from '../conversions.js';
import { internalError } from '../../errors.js';
import { nanosToMicros } from './calendar.js';
import { nullSafe, type TransformImpl } from './transform.js';

const BUCKETABLE = new Set([
  'int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns',
  'string', 'uuid', 'fixed', 'binary',
]);

/** The Appendix B hash of a non-null value of the given type. */
export function hashValue(source: Primitive, sourceType: PrimitiveType, v: Exclude<IcebergValue, null>): number {
  switch (source.kind) {
    case 'int':
    case 'date':
      // int and date: hashLong(long(v)) — "Integer and long hash results must be identical".
      return murmur3Int(asNumber(sourceType, v));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return murmur3Long(asBigInt(sourceType, v));
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // Note 3: nanos are converted to micros first, so ns and us timestamps share buckets.
      return murmur3Long(nanosToMicros(asBigInt(sourceType, v)));
    case 'decimal':
      // Note 2: minimum-length big-endian two's complement of the unscaled value.
      return murmur3Bytes(decimalToBytes(asBigInt(sourceType, v)));
    case 'string':
      if (typeof v !== 'string') break;
      return murmur3String(v);
    case 'uuid':
      if (typeof v !== 'string') break;
      return murmur3Bytes(uuidToBytes(v));
    case 'fixed':
    case 'binary':
      if (!(v instanceof Uint8Array)) break;
      return murmur3Bytes(v);
  }
  throw internalError(`cannot hash ${String(v)} as ${sourceType}`);
}

/** Discards the sign bit, then takes the remainder, as the spec's pseudo-code does. */
export function bucketOfHash(hash: number, n: number): number {
  return (hash & 0x7fffffff) % n;
}

export function bucket(n: number): TransformImpl {
  return {
    name: `bucket[${n}]`,
    canTransform: (source) => BUCKETABLE.has(source.kind),
    resultType: () => 'int',
    bind: (source, sourceType) => nullSafe((v) => bucketOfHash(hashValue(source, sourceType, v), n)),
  };
}
