/**
 * How long to wait before a retry: exponential backoff with an explicit jitter choice. Pure;
 * the randomness is injected, so every wait can be tested exactly. The callers, and why
 * each one waits the way it does:
 *
 * - S3 requests (io/s3-retry.ts): `full` jitter, 100 ms base, 20 s cap, as the AWS SDK's
 *   standard retry mode. Many requests of one command (parallel uploads and stage
 *   downloads) fail together when a store throttles; spreading their retries over the
 *   whole interval keeps them from coming back in step.
 * - Catalog commits (table/commit.ts): `equal` jitter between Iceberg's
 *   `commit.retry.min-wait-ms` (base and floor) and `commit.retry.max-wait-ms` (cap). Half
 *   of each wait is fixed, so a writer that lost a compare-and-swap always backs off
 *   noticeably (a full-jitter draw near 0 would retry at once into the same race), and the
 *   random half still separates writers that lost together.
 * - HTTP sources (sources/http-request.ts): `none`. One extract makes one request at a
 *   time, so there is no crowd of retries to spread; the API's `Retry-After` (or a spent
 *   quota's `X-RateLimit-Reset`), when given, replaces the wait entirely (the caller decides
 *   that), and fixed waits make the pipeline's `retries.backoff` mean exactly what it says.
 *
 * The jitter variants are those of "Exponential Backoff And Jitter" (AWS Architecture Blog,
 * 2015): full = random(0, step), equal = step/2 + random(0, step/2).
 */

/** `none`: the step itself; `full`: uniform in [0, step); `equal`: uniform in [step/2, step). */
export type Jitter = 'none' | 'full' | 'equal';

export interface Backoff {
  /** The step before the first retry, in milliseconds; it doubles for each further retry. */
  baseMs: number;
  /** No step exceeds this. */
  capMs: number;
  jitter: Jitter;
  /** The least wait after jitter (default 0). It wins over `capMs` when it is the larger. */
  floorMs?: number;
}

/** A number in [0, 1), as Math.random; injected in tests. */
export type RandomSource = () => number;

/**
 * The step before retry `retry` (1 for the first retry): min(cap, base · 2^(retry−1)),
 * before jitter. Never NaN or negative, whatever the retry number.
 */
export function backoffStep(b: Backoff, retry: number): number {
  if (!(b.baseMs > 0) || !(b.capMs > 0)) return 0;
  const exponent = Math.max(0, retry - 1);
  // 2^1024 is Infinity, which the cap absorbs; base > 0 keeps Infinity·base away from NaN.
  return Math.min(b.capMs, b.baseMs * 2 ** exponent);
}

/** The wait in whole milliseconds before retry `retry` (1 for the first retry). */
export function backoffWait(b: Backoff, retry: number, random: RandomSource = Math.random): number {
  const step = backoffStep(b, retry);
  let wait: number;
  switch (b.jitter) {
    case 'none':
      wait = step;
      break;
    case 'full':
      wait = step * random();
      break;
    case 'equal':
      wait = step * (0.5 + random() / 2);
      break;
  }
  return Math.max(b.floorMs ?? 0, Math.floor(wait));
}
