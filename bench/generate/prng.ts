/**
 * A seeded PRNG for the data generators. Benchmarks must compare like with like across
 * runs and machines, so every byte a generator writes is a function of (rows, seed):
 * Math.random is never used.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, from PractRand) passes PractRand
 * and BigCrush and needs only 32-bit integer ops, which V8 keeps in registers. The state is
 * seeded through splitmix32 so that nearby seeds (1, 2, 3) give unrelated streams.
 */
export interface Prng {
  /** A uniform unsigned 32-bit integer. */
  u32(): number;
  /** A uniform double in [0, 1) with 32 bits of resolution (enough for bench data). */
  float(): number;
  /** A uniform integer in [lo, hi] (inclusive); hi - lo must be below 2^32. */
  int(lo: number, hi: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createPrng(seed: number): Prng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32's author recommends a short warm-up.
  for (let i = 0; i < 12; i++) u32();
  const float = (): number => u32() / 4294967296;
  return {
    u32,
    float,
    int: (lo, hi) => lo + Math.floor(float() * (hi - lo + 1)),
    chance: (p) => float() < p,
  };
}
