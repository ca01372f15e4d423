/**
 * Exact arithmetic (BigInt fractions) for float32.ts: the decimals of one length that round
 * to a binary32, compared without rounding. Slow (BigInt powers of 2 and 10); float32.ts
 * calls it only where a double-precision check could mislead.
 */

/**
 * Of the decimals with `digits` significant digits that round to the positive binary32 `x`
 * (x widened to a double), the one nearest x, and of two as near the one with an even last
 * digit; undefined when none does. The candidates are the nearest decimal and its neighbours
 * one unit in the last place away.
 */
export function shortestOfLength(x: number, digits: number): number | undefined {
  const b = binary32(x);
  let best: Decimal | undefined;
  for (const c of neighbours(x, digits)) {
    if (!roundsTo(c, b)) continue;
    const order = best === undefined ? -1 : compareDistance(c, best, b);
    if (order < 0 || (order === 0 && c.m % 2n === 0n)) best = c;
  }
  return best === undefined ? undefined : Number(`${best.m}e${best.k}`);
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

