/**
 * Retries of S3 requests, made by floe rather than hidden inside the SDK (its client runs
 * with one attempt), so that each retry can be reported: the CLI's `--json` output shows
 * them as `retry` events with `scope: "s3"` (docs/S3.md). Pure: no SDK import, so the CLI
 * can register its observer without loading the SDK.
 *
 * What is retried: 5xx answers, 429 and throttling codes, request timeouts and transient
 * network errors (a reset or refused connection, a socket closed before the whole answer
 * arrived). Never 4xx answers such as 403 (credentials) or 404 (not found), and never a
 * missing credential. Waits grow exponentially with full jitter (src/backoff.ts).
 */
import { type Backoff, backoffWait, type RandomSource } from '../backoff.js';

/** One retry of one S3 request: the attempt that failed, and the wait before the next one. */
export interface S3RetryEvent {
  /** What floe was doing: read, write, check, stat, delete, list, stage, upload. */
  operation: string;
  /** The s3:// location (or listing prefix) of the request. */
  location: string;
  /** The endpoint as it may appear in a message (no user info). */
  endpoint: string;
  /** The attempt that failed, 1 for the first request. */
  attempt: number;
  maxAttempts: number;
  /** Milliseconds floe waits before the next attempt. */
  waitMs: number;
  /** The HTTP status of the failed attempt; absent for a network error. */
  status?: number;
  /** The store's error code (SlowDown, InternalError, …) or the network error code (ECONNRESET, …). */
  code: string;
}

export type S3RetryObserver = (event: S3RetryEvent) => void;

/**
 * The process's observer of S3 retries. Process-level on purpose: the S3 FileIO is built
 * from floe.yaml in many places (every command's project context, pipeline runs, identity
 * checks), always lazily and far from the command's output, while a CLI process runs one
 * command with one output. The CLI's `--json` output registers itself here
 * (src/cli/output.ts); a FileIO given its own `onRetry` option uses that instead.
 */
let processObserver: S3RetryObserver | undefined;

/** Registers the process's observer of S3 retries (undefined: none). Returns the previous one. */
export function setS3RetryObserver(observer: S3RetryObserver | undefined): S3RetryObserver | undefined {
  const previous = processObserver;
  processObserver = observer;
  return previous;
}

export function s3RetryObserver(): S3RetryObserver | undefined {
  return processObserver;
}

/** The first wait's upper bound, and the cap of every wait (as the SDK's standard mode). */
export const S3_RETRY_BASE_MS = 100;
export const S3_RETRY_CAP_MS = 20_000;

/** Full jitter (src/backoff.ts says why): parallel requests failing together retry spread out. */
export const S3_BACKOFF: Backoff = { baseMs: S3_RETRY_BASE_MS, capMs: S3_RETRY_CAP_MS, jitter: 'full' };

/** A random wait between 0 and min(cap, base × 2^(attempt−1)), after failed attempt `attempt`. */
export function s3RetryWaitMs(attempt: number, random: RandomSource = Math.random): number {
  return backoffWait(S3_BACKOFF, attempt, random);
}

interface ErrorLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Network errors after which the same request may succeed. ENOTFOUND (a wrong host name) is not one. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** The HTTP status and the code of a failed S3 request, as a retry event reports them. */
export function s3ErrorInfo(e: unknown): { status?: number; code: string } {
  const err = (e ?? {}) as ErrorLike;
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined) return { status, code: err.Code ?? err.name ?? 'error' };
  return { code: err.code ?? (/socket hang up/i.test(err.message ?? '') ? 'ECONNRESET' : err.name ?? 'error') };
}

/** Whether the same request may succeed when sent again. */
export function isRetryableS3Error(e: unknown): boolean {
  const err = (e ?? {}) as ErrorLike;
  if (err.name === 'FloeError' || err.name === 'CredentialsProviderError') return false;
  const { status, code } = s3ErrorInfo(e);
  if (status !== undefined && status >= 500) return true;
  if (status === 429 || RETRYABLE_CODES.has(code)) return true;
  if (status !== undefined) return false;
  return NETWORK_CODES.has(code) || err.$retryable !== undefined;
}

export interface RetryOptions {
  operation: string;
  location: string;
  endpoint: string;
  maxAttempts: number;
  onRetry?: S3RetryObserver;
  /** Injected in tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt(n)` (n = 1, 2, …) until it succeeds, fails with an error that is not
 * retryable, or `maxAttempts` attempts have failed; then rethrows the last error.
 */
export async function withS3Retries<T>(o: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  const max = Math.max(1, o.maxAttempts);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (n >= max || !isRetryableS3Error(e)) throw e;
      const waitMs = s3RetryWaitMs(n, o.random);
      const info = s3ErrorInfo(e);
      (o.onRetry ?? processObserver)?.({
        operation: o.operation,
        location: o.location,
        endpoint: o.endpoint,
        attempt: n,
        maxAttempts: max,
        waitMs,
        ...(info.status !== undefined ? { status: info.status } : {}),
        code: info.code,
      });
      await (o.sleep ?? sleepMs)(waitMs);
    }
  }
}
