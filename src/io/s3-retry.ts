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
 *
 * A timed-out attempt (connect_timeout, idle_timeout) already cost the user its whole
 * timeout, and a store silent that long is seldom back a second later: once an attempt has
 * timed out, the request gets at most S3_TIMEOUT_MAX_ATTEMPTS attempts in all (one retry on a
 * fresh connection, which is what a dropped connection needs), so a silent endpoint fails a
 * request in two timeouts instead of max_attempts of them. And once a request to an endpoint
 * gave up that way, later requests of the process to it are not retried after a timeout,
 * until one of them succeeds: what follows a failure in a command (its audit record) waits
 * one timeout, not two more.
 *
 * A request given an abort signal (src/cancel.ts: SIGINT, SIGTERM, SIGHUP) is never retried
 * once it is aborted: not sent at all when it already is, and not sent again when it was aborted
 * mid-flight (its connection, or the body being read, cut off) or during the wait before a
 * retry; it fails with the signal's reason.
 *
 * A retry after a timeout, or after an attempt that took S3_SLOW_ATTEMPT_MS or more, is also
 * told as one line (s3RetryNotice) to the process's notice writer, which the CLI points at
 * stderr: a command waiting on a silent store says so while it waits. Quick retries (a reset,
 * a 503) are only summed up at the end of the command (cli/output.ts).
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
  /** The S3 request (GetObject, PutObject, UploadPart, …), when known. */
  request?: string;
  /** Set when the attempt timed out: which timeout, and its setting in milliseconds. */
  timeout?: { kind: S3TimeoutKind; ms: number };
}

/** `connect`: no connection within connect_timeout; `idle`: a connection silent for idle_timeout. */
export type S3TimeoutKind = 'connect' | 'idle';

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

/** Where the lines of slow retries go (s3RetryNotice); the CLI sets stderr. */
let noticeWriter: ((line: string) => void) | undefined;

/** Registers the writer of retry lines (undefined: none). Returns the previous one. */
export function setS3RetryNoticeWriter(write: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  const previous = noticeWriter;
  noticeWriter = write;
  return previous;
}

/** Once an attempt of a request has timed out, the request gets at most this many attempts (fewer when max_attempts is lower). */
export const S3_TIMEOUT_MAX_ATTEMPTS = 2;

/** Endpoints whose last request gave up after timeouts (until a request to them succeeds). */
const silentEndpoints = new Set<string>();

/** Whether the endpoint's last request gave up after timeouts, so a timeout is not retried now. */
export function isSilentS3Endpoint(endpoint: string): boolean {
  return silentEndpoints.has(endpoint);
}

/** Forgets every silent endpoint (tests). */
export function resetSilentS3Endpoints(): void {
  silentEndpoints.clear();
}

/** A failed attempt that took this long is told as a line even when it did not time out (a gateway's late 504). */
export const S3_SLOW_ATTEMPT_MS = 5_000;

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

/**
 * Which of the client's timeouts ended an attempt: the SDK's TimeoutError says "did not
 * establish a connection" (connect_timeout) or "of inactivity" (idle_timeout, also when a
 * body stops arriving after the headers). Undefined for any other error.
 */
export function s3TimeoutKind(e: unknown): S3TimeoutKind | undefined {
  const err = (e ?? {}) as ErrorLike;
  if (err.name !== 'TimeoutError' || err.$metadata?.httpStatusCode !== undefined) return undefined;
  const message = err.message ?? '';
  if (/did not establish a connection/i.test(message)) return 'connect';
  if (/inactivity/i.test(message)) return 'idle';
  return undefined;
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
  /** The S3 request, for events and lines (GetObject, …). */
  request?: string;
  /** The client's timeouts, named in the line of a timed-out attempt. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  onRetry?: S3RetryObserver;
  /** Aborts the request (and any retry): its reason is thrown (src/cancel.ts gives the cancelled error). */
  signal?: AbortSignal;
  /** Injected in tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Injected in tests; default Date.now. */
  now?: () => number;
}

/** How many attempts a request made before it gave up, by the error it gave up with. */
const attemptsMade = new WeakMap<object, number>();

/** The number of attempts withS3Retries made before giving up with `e`; undefined for any other error. */
export function s3AttemptsOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? attemptsMade.get(e) : undefined;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What an aborted request throws: the signal's reason (an Error), else an AbortError. */
function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/** The wait before a retry (`sleep`, else a timer), ended early by `signal`: it then throws the signal's reason. */
async function waitBeforeRetry(ms: number, sleep: ((ms: number) => Promise<void>) | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return (sleep ?? sleepMs)(ms);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const wait = sleep ? sleep(ms) : new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([wait, aborted]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}

/**
 * Runs `attempt(n)` (n = 1, 2, …) until it succeeds, fails with an error that is not
 * retryable, or the attempts are spent (`maxAttempts`; S3_TIMEOUT_MAX_ATTEMPTS once one
 * timed out); then rethrows the last error.
 */
export async function withS3Retries<T>(o: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  const configured = Math.max(1, o.maxAttempts);
  const now = o.now ?? Date.now;
  let max = configured;
  for (let n = 1; ; n++) {
    if (o.signal?.aborted) throw abortReason(o.signal);
    const started = now();
    try {
      const result = await attempt(n);
      silentEndpoints.delete(o.endpoint);
      return result;
    } catch (e) {
      // Aborted (mid-flight, or a body cut off by the abort): never retried, nor reported as a retry.
      if (o.signal?.aborted) throw abortReason(o.signal);
      const kind = s3TimeoutKind(e);
      if (kind !== undefined) max = Math.min(configured, silentEndpoints.has(o.endpoint) ? 1 : S3_TIMEOUT_MAX_ATTEMPTS);
      if (n >= max || !isRetryableS3Error(e)) {
        if (kind !== undefined) silentEndpoints.add(o.endpoint);
        if (typeof e === 'object' && e !== null) attemptsMade.set(e, n);
        throw e;
      }
      const waitMs = s3RetryWaitMs(n, o.random);
      const info = s3ErrorInfo(e);
      const timeoutMs = kind === 'connect' ? o.connectTimeoutMs : kind === 'idle' ? o.idleTimeoutMs : undefined;
      const event: S3RetryEvent = {
        operation: o.operation,
        location: o.location,
        endpoint: o.endpoint,
        attempt: n,
        maxAttempts: max,
        waitMs,
        ...(info.status !== undefined ? { status: info.status } : {}),
        code: info.code,
        ...(o.request !== undefined ? { request: o.request } : {}),
        ...(kind !== undefined && timeoutMs !== undefined ? { timeout: { kind, ms: timeoutMs } } : {}),
      };
      (o.onRetry ?? processObserver)?.(event);
      const line = noticeWriter && s3RetryNotice(event, now() - started);
      if (line) noticeWriter!(line);
      await waitBeforeRetry(waitMs, o.sleep, o.signal);
    }
  }
}

/** Milliseconds as a person reads them in a line: `400 ms`, `10 s`, `1.5 s`. */
export function formatS3Wait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) || s >= 10 ? Math.round(s) : s.toFixed(1)} s`;
}

/**
 * The line telling one retry, or undefined when the retry is not worth a line: the attempt
 * neither timed out nor took S3_SLOW_ATTEMPT_MS (`elapsedMs`). Names the endpoint, the request
 * and its location, what went wrong and the attempt about to be made; never a credential (the
 * endpoint is already stripped of user info, see describeEndpoint).
 *
 *   floe: warning: S3 http://minio:9000 did not answer GetObject s3://lake/wh/t/x.parquet within 10 s (idle_timeout); retrying (2/3)
 */
export function s3RetryNotice(e: S3RetryEvent, elapsedMs: number): string | undefined {
  if (e.timeout === undefined && elapsedMs < S3_SLOW_ATTEMPT_MS) return undefined;
  const what = `${e.request ?? e.operation} ${e.location}`;
  const next = `retrying (${e.attempt + 1}/${e.maxAttempts})`;
  let problem: string;
  if (e.timeout?.kind === 'connect') problem = `did not accept a connection within ${formatS3Wait(e.timeout.ms)} (connect_timeout) for ${what}`;
  else if (e.timeout?.kind === 'idle') problem = `did not answer ${what} within ${formatS3Wait(e.timeout.ms)} (idle_timeout)`;
  else if (e.status !== undefined) problem = `answered ${what} with ${e.code.includes(String(e.status)) ? e.code : `${e.code} (HTTP ${e.status})`} after ${formatS3Wait(elapsedMs)}`;
  else problem = `failed ${what} after ${formatS3Wait(elapsedMs)}: ${e.code}`;
  return `floe: warning: S3 ${e.endpoint} ${problem}; ${next}`;
}
