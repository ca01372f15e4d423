/**
 * 32-bit Murmur3, x86 variant, seed 0 (spec: "Appendix B: 32-bit Hash Requirements").
 * Results are signed 32-bit integers, as Java's Guava `murmur3_32` returns them, so the
 * spec's test vectors (e.g. 34 → 2017239379, "iceberg" → 1210000089) compare directly.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** murmur3_x86_32(bytes, seed). */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h = mixH(h, k);
  }
  // Tail: the last 1-3 bytes, little-endian, mixed in only when present.
  const rest = n & 3;
  if (rest > 0) {
    let k = bytes[blocks]!;
    if (rest > 1) k |= bytes[blocks + 1]! << 8;
    if (rest > 2) k |= bytes[blocks + 2]! << 16;
    h ^= mixK(k);
  }
  return fmix(h, n);
}

/**
 * hashLong: the hash of the 8-byte little-endian encoding, computed on the two 32-bit words
 * without allocating (this runs per row inside DuckDB through the bucket UDF).
 */
function hashWords(lo: number, hi: number): number {
  return fmix(mixH(mixH(0, lo), hi), 8);
}

/** Appendix B `hashLong(v)` for a 64-bit signed value. */
export function murmur3Long(v: bigint): number {
  const lo = Number(BigInt.asUintN(32, v)) | 0;
  const hi = Number(BigInt.asIntN(32, v >> 32n)) | 0;
  return hashWords(lo, hi);
}

/**
 * Appendix B: int is hashed as `hashLong(long(v))` so that int → long promotion keeps bucket
 * values. Accepts any safe integer (days, int columns) without going through bigint.
 */
export function murmur3Int(v: number): number {
  return hashWords(v >>> 0, Math.floor(v / 4294967296) | 0);
}

const utf8 = new TextEncoder();

/** Appendix B `hashBytes(utf8Bytes(v))`. */
export function murmur3String(s: string): number {
  return murmur3Bytes(utf8.encode(s));
}
