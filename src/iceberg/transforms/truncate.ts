/**
 * truncate[W] (spec: "Truncate Transform Details"):
 * - int, long: v - (((v % W) + W) % W), so remainders are positive (-1 → -10 for W=10);
 * - decimal: the same on the unscaled value, W taken at the column's scale (10.65 → 10.50 for W=50, s=2);
 * - string: at most W code points, never splitting a surrogate pair;
 * - binary: at most W bytes.
 */
import type { IcebergValue } from '../types.js';
import { internalError } from '../../errors.js';
import { nullSafe, type TransformImpl } from './transform.js';

/**
 * int arithmetic as Java's reference implementation does it, wrapping at 32 bits: only a
 * value within W of Integer.MIN_VALUE wraps (to a large positive value), but a table written
 * by Java holds that value, so floe computes the same.
 */
export function truncateInt(v: number, w: number): number {
  return (v - ((((v % w) + w) | 0) % w)) | 0;
}

/** long arithmetic, wrapping at 64 bits like Java's (see truncateInt). */
export function truncateBigInt(v: bigint, w: bigint): bigint {
  return BigInt.asIntN(64, v - (((v % w) + w) % w));
}

/** Decimals can exceed 64 bits (precision up to 38), so no wrapping here. */
export function truncateUnscaled(v: bigint, w: bigint): bigint {
  return v - (((v % w) + w) % w);
}

/** The first `w` code points of `s`. */
export function truncateString(s: string, w: number): string {
  if (s.length <= w) return s; // UTF-16 length bounds the code point count from above
  let i = 0;
  for (let n = 0; n < w && i < s.length; n++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return s.slice(0, i);
}

export function truncateBytes(b: Uint8Array, w: number): Uint8Array {
  // new Uint8Array(view) copies; Buffer#slice would share memory with the source.
  return b.length <= w ? b : new Uint8Array(b.subarray(0, w));
}

export function truncate(width: number): TransformImpl {
  const wn = BigInt(width);
  return {
    name: `truncate[${width}]`,
    canTransform: (source) => ['int', 'long', 'decimal', 'string', 'binary'].includes(source.kind),
    resultType: (sourceType) => sourceType,
    bind: (source, sourceType) => {
      const bad = (v: IcebergValue): never => {
        throw internalError(`cannot truncate ${String(v)} as ${sourceType}`);
      };
      switch (source.kind) {
        case 'int':
          return nullSafe((v) => (typeof v === 'number' ? truncateInt(v, width) : bad(v)));
        case 'long':
          return nullSafe((v) => (typeof v === 'bigint' ? truncateBigInt(v, wn) : typeof v === 'number' ? truncateBigInt(BigInt(v), wn) : bad(v)));
        case 'decimal':
          return nullSafe((v) => (typeof v === 'bigint' ? truncateUnscaled(v, wn) : bad(v)));
        case 'string':
          return nullSafe((v) => (typeof v === 'string' ? truncateString(v, width) : bad(v)));
        default:
          return nullSafe((v) => (v instanceof Uint8Array ? truncateBytes(v, width) : bad(v)));
      }
    },
  };
}
