import { describe, expect, it } from 'vitest';
import { type Backoff, backoffStep, backoffWait } from '../src/backoff.js';
import { backoffMs, retryPolicy } from '../src/table/commit.js';
import { S3_BACKOFF, s3RetryWaitMs } from '../src/io/s3-retry.js';
import { backoffDelay, MAX_WAIT_MS } from '../src/sources/http-request.js';

const fixed = (r: number) => () => r;
/** A random source that hands out `values` in order (and fails the test if asked for more). */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error(`random source asked ${i + 1} times, only ${values.length} values given`);
    return values[i++]!;
  };
}
const ALMOST_ONE = 1 - Number.EPSILON;

describe('backoffStep', () => {
  const b: Backoff = { baseMs: 100, capMs: 1000, jitter: 'none' };

  it('doubles from the base for each retry, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffStep(b, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('stays at the cap for huge retry numbers (2^n overflowing to Infinity)', () => {
    expect(backoffStep(b, 2000)).toBe(1000);
    expect(backoffStep({ ...b, capMs: Number.MAX_SAFE_INTEGER }, 2000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('treats retry 0 or below as the first retry', () => {
    expect(backoffStep(b, 0)).toBe(100);
    expect(backoffStep(b, -3)).toBe(100);
  });

  it('is 0 for a zero base or cap, never NaN', () => {
    expect(backoffStep({ ...b, baseMs: 0 }, 2000)).toBe(0);
    expect(backoffStep({ ...b, capMs: 0 }, 3)).toBe(0);
  });
});

describe('backoffWait', () => {
  it('none: the step itself, and no random draw', () => {
    const b: Backoff = { baseMs: 250, capMs: 1500, jitter: 'none' };
    const r = sequence([]);
    expect([1, 2, 3, 4].map((n) => backoffWait(b, n, r))).toEqual([250, 500, 1000, 1500]);
  });

  it('full: uniform in [0, step), whole milliseconds, one draw per wait', () => {
    const b: Backoff = { baseMs: 100, capMs: 20_000, jitter: 'full' };
    expect(backoffWait(b, 1, fixed(0))).toBe(0);
    expect(backoffWait(b, 1, fixed(0.5))).toBe(50);
    expect(backoffWait(b, 3, fixed(0.25))).toBe(100);
    expect(backoffWait(b, 1, fixed(ALMOST_ONE))).toBe(99);
    expect(backoffWait(b, 30, fixed(ALMOST_ONE))).toBe(19_999);
    const draws = sequence([0.1, 0.9, 0.5]);
    expect([1, 2, 3].map((n) => backoffWait(b, n, draws))).toEqual([10, 180, 200]);
  });

  it('equal: uniform in [step/2, step)', () => {
    const b: Backoff = { baseMs: 100, capMs: 60_000, jitter: 'equal' };
    expect(backoffWait(b, 1, fixed(0))).toBe(50);
    expect(backoffWait(b, 4, fixed(0))).toBe(400);
    expect(backoffWait(b, 4, fixed(0.5))).toBe(600);
    expect(backoffWait(b, 4, fixed(ALMOST_ONE))).toBe(799);
    expect(backoffWait(b, 40, fixed(0))).toBe(30_000);
  });

  it('never goes below the floor, which wins over a smaller cap', () => {
    const b: Backoff = { baseMs: 100, capMs: 60_000, jitter: 'full', floorMs: 40 };
    expect(backoffWait(b, 1, fixed(0))).toBe(40);
    expect(backoffWait(b, 1, fixed(0.5))).toBe(50);
    expect(backoffWait({ baseMs: 100, capMs: 10, jitter: 'none', floorMs: 100 }, 5)).toBe(100);
  });

  it('stays within [floor, cap] for any draw in [0, 1)', () => {
    const draws = [0, 1e-9, 0.1, 0.3333, 0.5, 0.75, 0.999, ALMOST_ONE];
    for (const jitter of ['none', 'full', 'equal'] as const) {
      const b: Backoff = { baseMs: 70, capMs: 5000, jitter, floorMs: 20 };
      for (let n = 1; n <= 20; n++) {
        for (const r of draws) {
          const w = backoffWait(b, n, fixed(r));
          expect(Number.isInteger(w), `${jitter} retry ${n} draw ${r}: ${w}`).toBe(true);
          expect(w).toBeGreaterThanOrEqual(20);
          expect(w).toBeLessThanOrEqual(5000);
          if (jitter !== 'none') expect(w).toBeLessThan(Math.max(20, backoffStep(b, n)));
        }
      }
    }
  });
});

describe('the three callers keep their waits', () => {
  it('S3 requests: full jitter, 100 ms base, 20 s cap; the default 5 attempts wait at most 1.5 s in all', () => {
    expect(S3_BACKOFF).toEqual({ baseMs: 100, capMs: 20_000, jitter: 'full' });
    expect([1, 2, 3, 4].map((n) => s3RetryWaitMs(n, fixed(0.5)))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].reduce((t, n) => t + s3RetryWaitMs(n, fixed(ALMOST_ONE)), 0)).toBe(99 + 199 + 399 + 799);
  });

  it('commits: equal jitter between commit.retry.min-wait-ms and max-wait-ms (attempt counted from 0)', () => {
    const p = retryPolicy({ 'commit.retry.min-wait-ms': '200', 'commit.retry.max-wait-ms': '1000' });
    expect([0, 1, 2, 3].map((a) => backoffMs(a, p, fixed(0)))).toEqual([200, 200, 400, 500]);
    expect([0, 1, 2, 3].map((a) => backoffMs(a, p, fixed(ALMOST_ONE)))).toEqual([200, 399, 799, 999]);
    // min-wait-ms 0 never waits; a max below the min waits the min.
    expect(backoffMs(3, retryPolicy({ 'commit.retry.min-wait-ms': '0' }), fixed(ALMOST_ONE))).toBe(0);
    expect(backoffMs(3, retryPolicy({ 'commit.retry.min-wait-ms': '300', 'commit.retry.max-wait-ms': '100' }), fixed(0.5))).toBe(300);
  });

  it('HTTP sources: no jitter, doubling from retries.backoff, capped at MAX_WAIT_MS', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(1000, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(1000, 50)).toBe(MAX_WAIT_MS);
    expect(backoffDelay(0, 3)).toBe(0);
  });
});
