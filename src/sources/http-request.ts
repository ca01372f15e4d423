/**
 * One logical request of the http source: Node's fetch, a timeout per attempt, retries with
 * exponential backoff, redirects followed by hand.
 *
 * - Retried: 408, 429 and 5xx responses, network errors and timeouts, and a 403 that is a
 *   rate limit (it has `Retry-After`, or `X-RateLimit-Remaining: 0`, as GitHub answers when
 *   the hourly quota is spent). Any other status fails at once: repeating a 404 or a 401 only
 *   delays the message.
 * - A rate-limited answer (403 or 429 with `X-RateLimit-Remaining: 0`) without `Retry-After`
 *   waits until its `X-RateLimit-Reset` (epoch seconds, or seconds from now when small),
 *   capped as below; the failure says when the quota resets.
 * - The wait before retry n is `backoff · 2^(n-1)` (src/backoff.ts, no jitter), unless the
 *   response says `Retry-After` (RFC 9110 §10.2.3, seconds or an HTTP date), which wins. A
 *   request's waiting budget is the larger of MAX_WAIT_MS and the whole backoff schedule. A
 *   server asking for more than MAX_WAIT_MS, or than what is left of the budget, fails the
 *   request at once, saying how long it asked: waiting less and retrying would only meet the
 *   same refusal, and waiting an hour would hold the table lock for that hour.
 * - The timeout covers an attempt end to end: redirects, headers and the whole body.
 * - Redirects are followed here (at most MAX_REDIRECTS), not by fetch: fetch keeps custom
 *   headers such as `X-Api-Key` across origins, so a redirect to another origin here drops
 *   every configured header instead, and one that would take a secret of the pipeline there
 *   fails: a 307/308 sending a POST body that holds one, or a new URL that kept one (a
 *   Location with the request's query, `api_key` included).
 * - Messages name the URL without user info and with secret-looking query values masked, then
 *   pass through the redactor; the response body excerpt of a failure does too.
 * - The body is read as bytes, at most `maxBodyBytes` (MAX_BODY_BYTES) of them: a page beyond
 *   that fails naming the limit instead of exhausting memory (the text, its records and their
 *   NDJSON lines are all in memory at once, and V8 strings end at about 512 MiB). It is then
 *   decoded by the `charset` of its Content-Type (UTF-8 when there is none, RFC 8259 §8.1),
 *   strictly: bytes that are not valid in that encoding fail the page naming the byte, instead
 *   of becoming U+FFFD in the table.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TextDecoder } from 'node:util';
import { backoffWait } from '../backoff.js';
import { type FloeError, sourceError } from '../errors.js';
import { looksSecretName, type Redactor, redactUrl } from '../pipeline/secrets.js';
import { secretInUrl } from './http-secrets.js';

/** The longest single wait, and the least waiting budget of a request (5 minutes). */
export const MAX_WAIT_MS = 5 * 60_000;
const MAX_REDIRECTS = 10;
/** The largest response body read (256 MiB); see the module comment. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** What is read of a failed response: enough for the excerpt of its message. */
const ERROR_BODY_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers kept when a redirect leaves the configured origin. */
const NEUTRAL_HEADERS = new Set(['accept', 'content-type', 'user-agent']);

export interface HttpRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The URL that answered, after redirects. */
  url: URL;
  /** Attempts this request took (1 when the first one succeeded). */
  attempts: number;
}

export interface RequestOptions {
  pipeline: string;
  timeoutMs: number;
  retries: { max: number; backoff: number };
  redact: Redactor;
  signal?: AbortSignal;
  onRetry?: (retry: { attempt: number; waitMs: number; reason: string }) => void;
  /** The page this request reads (messages name pages after the first). */
  page?: number;
  /** The largest body accepted; MAX_BODY_BYTES unless a test says otherwise. */
  maxBodyBytes?: number;
  /**
   * Why a successful response is incomplete (a body that ends in the middle of its JSON
   * document), or undefined: such a response is retried as a failed attempt is.
   */
  incomplete?: (res: HttpResponse) => string | undefined;
}

type Attempt =
  | { kind: 'ok'; status: number; headers: Headers; text: string; url: URL }
  | {
      kind: 'retry' | 'fail';
      method: string;
      url: URL;
      reason: string;
      status?: number;
      excerpt?: string;
      retryAfter?: number | null;
      cause?: unknown;
      hint?: string;
    };

/**
 * Milliseconds to wait according to a Retry-After value, or null when there is none or it is
 * malformed. `now` is the current time in epoch milliseconds; a date in the past gives 0.
 * Not capped: the caller caps.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header === null || header === undefined) return null;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date starts with a day name; Date.parse alone would also take "1.5" or "2024".
  if (!/^[A-Za-z]{3}/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/**
 * What a response says about a rate limit: undefined when nothing (no `Retry-After`, and
 * `X-RateLimit-Remaining` absent or above 0); else the wait until `X-RateLimit-Reset` when
 * the quota is spent, and a note for the message.
 */
export function rateLimit(headers: Headers, now: number): { waitMs: number | null; note?: string } | undefined {
  const spent = headers.get('x-ratelimit-remaining')?.trim() === '0';
  if (!spent) return headers.has('retry-after') ? { waitMs: null } : undefined;
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset === undefined || !/^\d+$/.test(reset)) return { waitMs: null, note: 'rate limit reached' };
  const n = Number(reset);
  // Epoch seconds (GitHub, Twitter) or, for a small number, seconds from now (the IETF RateLimit drafts).
  const at = n > 1e9 ? n * 1000 : now + n * 1000;
  return { waitMs: Math.max(0, at - now), note: `rate limit reached; it resets at ${new Date(at).toISOString()}` };
}

/**
 * The URL as it may be printed: no user info, no fragment, secret-looking query values masked.
 * With `redact`, so is every query value the redactor would mask once percent-decoded: a
 * secret such as `ab+c/d==` appears in the URL as `ab%2Bc%2Fd%3D%3D`, which the redactor,
 * knowing only the value, would let through.
 */
export function safeUrl(url: URL | string, redact?: Redactor): string {
  const u = new URL(url);
  const query = u.search.length > 1 ? `?${u.search.slice(1).split('&').map((p) => maskParam(p, redact)).join('&')}` : '';
  return redactUrl(`${u.origin}${u.pathname}${query}`);
}

const formDecode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
};

function maskParam(pair: string, redact: Redactor | undefined): string {
  const eq = pair.indexOf('=');
  if (eq < 0) return pair;
  const name = formDecode(pair.slice(0, eq)) ?? pair.slice(0, eq);
  if (looksSecretName(name)) return `${pair.slice(0, eq)}=***`;
  if (redact !== undefined) {
    const raw = pair.slice(eq + 1);
    // Both readings of '+': a space (form encoding) and itself (a value set by hand in the url).
    for (const value of [formDecode(raw), formDecode(raw.replaceAll('+', '%2B'))]) {
      if (value !== undefined && value !== raw && redact(value) !== value) return `${pair.slice(0, eq)}=***`;
    }
  }
  return pair;
}

/**
 * The delay before retry `n` (1-based) without Retry-After: backoff doubled each time, capped.
 * No jitter (src/backoff.ts says why): one extract sends one request at a time.
 */
export const backoffDelay = (backoff: number, n: number) => backoffWait({ baseMs: backoff, capMs: MAX_WAIT_MS, jitter: 'none' }, n);

/** The waiting budget of one request: MAX_WAIT_MS, or the whole backoff schedule when that is longer. */
export function retryBudget(max: number, backoff: number): number {
  let schedule = 0;
  for (let n = 1; n <= max; n++) schedule += backoffDelay(backoff, n);
  return Math.max(MAX_WAIT_MS, schedule);
}

/** The wait before retry `n`: what the server asked (capped), else the backoff; never beyond the budget left. */
export function retryWait(n: number, backoff: number, asked: number | null, budgetLeft: number): number {
  return Math.max(0, Math.min(asked === null ? backoffDelay(backoff, n) : Math.min(asked, MAX_WAIT_MS), budgetLeft));
}

export async function request(req: HttpRequest, opts: RequestOptions): Promise<HttpResponse> {
  let budget = retryBudget(opts.retries.max, opts.retries.backoff);
  for (let attempt = 1; ; attempt++) {
    const once = await attemptOnce(req, opts);
    let r: Exclude<Attempt, { kind: 'ok' }>;
    if (once.kind === 'ok') {
      const res = { status: once.status, headers: once.headers, text: once.text, url: once.url, attempts: attempt };
      const cut = opts.incomplete?.(res);
      if (cut === undefined) return res;
      r = { kind: 'retry', method: req.method, url: once.url, reason: cut, hint: 'The API sent less than the whole response (a proxy or the API cutting long responses short); nothing was written. Ask for smaller pages (a page size or limit), or raise retries.max.' };
    } else r = once;
    if (r.kind === 'fail' || attempt > opts.retries.max) throw failure(r, attempt, opts);
    // A wait the server asks for that floe would cut short ends the request now: retrying
    // early only meets the same refusal (and hammers an API that asked for a pause).
    const asked = r.retryAfter ?? null;
    const allowed = Math.min(budget, MAX_WAIT_MS);
    if (asked !== null && asked > allowed) {
      throw failure(r, attempt, opts, `the API asks to wait ${Math.ceil(asked / 1000)} s before another attempt, longer than the ${Math.floor(allowed / 1000)} s floe still waits for this request`);
    }
    const wait = retryWait(attempt, opts.retries.backoff, r.retryAfter ?? null, budget);
    budget -= wait;
    opts.onRetry?.({ attempt, waitMs: wait, reason: r.reason });
    try {
      await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : undefined);
    } catch (e) {
      // The abort's own reason (as throwIfAborted gives it), not the timer's generic AbortError.
      throw opts.signal?.aborted ? opts.signal.reason : e;
    }
  }
}

async function attemptOnce(req: HttpRequest, opts: RequestOptions): Promise<Attempt> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let { url, method, headers, body } = req;
  /** The origin a redirect left, dropping the pipeline's headers (a 401 or 403 then says so). */
  let leftWithout: string | undefined;
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', signal });
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location !== null) {
        await res.body?.cancel();
        if (hop === MAX_REDIRECTS) return { kind: 'fail', method, url, reason: `more than ${MAX_REDIRECTS} redirects` };
        const next = new URL(location, url);
        // fetch would fail on it as a network error, and be retried to no end.
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          return { kind: 'fail', method, url, reason: `redirected (${res.status}) to a ${next.protocol} URL, which floe does not follow (only http: and https:)` };
        }
        // 303, and 301/302 after a POST, continue as a GET without the body (RFC 9110 §15.4).
        if (res.status === 303 || (method === 'POST' && (res.status === 301 || res.status === 302))) {
          method = 'GET';
          body = undefined;
        }
        if (next.origin !== url.origin) {
          // The server wrote the new URL, but a secret of the pipeline in it (an api_key the
          // request sent, kept in the query) would go to the other origin as the headers do not.
          const carried = secretInUrl(next, opts.redact);
          if (carried !== undefined) {
            return {
              kind: 'fail',
              method,
              url,
              reason: `redirected (${res.status}) to another origin, ${next.origin}, with a secret of the pipeline in its ${carried}; floe does not follow it`,
              hint:
                next.hostname === url.hostname && url.protocol === 'http:' && next.protocol === 'https:'
                  ? 'The API moves http: requests to https:; write https:// in the source url (floe sends the pipeline\'s secrets only to the origin of the url).'
                  : 'If the API has moved, set the source url to its new address.',
            };
          }
          const kept = Object.fromEntries(Object.entries(headers).filter(([k]) => NEUTRAL_HEADERS.has(k.toLowerCase())));
          if (Object.keys(kept).length < Object.keys(headers).length) leftWithout ??= url.origin;
          headers = kept;
          // A 307 or 308 sends the body again: one that holds a secret (an api_key member, a
          // secret variable) stays on its origin, as the headers do.
          if (body !== undefined && opts.redact(body) !== body) {
            return {
              kind: 'fail',
              method,
              url,
              reason: `redirected (${res.status}) to another origin, ${next.origin}, where floe does not send the request body: it holds a secret of the pipeline`,
              hint: 'If the API has moved, set the source url to its new address.',
            };
          }
        }
        url = next;
        continue;
      }
      if (res.ok) {
        const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
        const bytes = await readBody(res, limit);
        if (bytes === null) {
          return {
            kind: 'fail',
            method,
            url,
            reason: `the response body is larger than ${sizeText(limit)}, more than floe reads as one page`,
            hint: 'Ask the API for smaller pages: a page size or limit parameter (pagination size or limit, or params).',
          };
        }
        const decoded = decodeBody(bytes, res.headers.get('content-type'));
        if (typeof decoded !== 'string') return { kind: 'fail', method, url, reason: decoded.reason, hint: decoded.hint };
        return { kind: 'ok', status: res.status, headers: res.headers, text: decoded, url };
      }
      const text = new TextDecoder().decode((await readBody(res, ERROR_BODY_BYTES, true)) ?? new Uint8Array());
      const now = Date.now();
      const limited = rateLimit(res.headers, now);
      const retry = res.status === 408 || res.status === 429 || res.status >= 500 || (res.status === 403 && limited !== undefined);
      const reason = `${res.status} ${res.statusText}`.trim() + (limited?.note ? ` (${limited.note})` : '');
      const retryAfter = retry ? (parseRetryAfter(res.headers.get('retry-after'), now) ?? limited?.waitMs ?? null) : null;
      let hint = limited?.note ? 'The API rate limit was reached: run again after it resets, or use fewer requests (a larger page size).' : undefined;
      let note = '';
      if (leftWithout !== undefined && (res.status === 401 || res.status === 403) && limited === undefined) {
        note = ` (redirected there from ${leftWithout}, another origin, without the pipeline's headers)`;
        hint = `floe sends the pipeline's headers (credentials included) only to the origin of the source url. If the API lives at ${url.origin}, set the source url there.`;
      }
      return { kind: retry ? 'retry' : 'fail', method, url, status: res.status, reason: reason + note, excerpt: excerpt(text), retryAfter, hint };
    }
  } catch (e) {
    // Ctrl-C or a lock timeout: stop, do not retry.
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (timeout.aborted) return { kind: 'retry', method, url, reason: `no complete response within ${opts.timeoutMs} ms`, cause: e };
    const code = errorCode(e);
    // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR): the connection was fine, the gzip, deflate or br body was not.
    if (code?.startsWith('Z_')) {
      const why = causeMessage(e);
      return { kind: 'retry', method, url, reason: `the compressed response body could not be decoded (${code}${why ? `: ${why}` : ''})`, cause: e };
    }
    // undici refusing what it was given (a header value with a control character, say): nothing was sent, and a retry would send nothing either.
    if (code === 'UND_ERR_INVALID_ARG') {
      const why = causeMessage(e);
      return {
        kind: 'fail',
        method,
        url,
        reason: `the request could not be sent${why ? `: ${why}` : ''} (${code})`,
        cause: e,
        hint: 'Check the headers of the source and the values of the environment variables they read: a value may not hold a control character or a line break.',
      };
    }
    if (e instanceof TypeError && (code !== undefined || e.message === 'fetch failed' || e.message === 'terminated')) {
      // Without a code (fetch refusing a port such as 1 or 6000, say), the cause's text says why.
      const why = code ?? causeMessage(e);
      return { kind: 'retry', method, url, reason: `network error${why ? ` (${why})` : ''}`, cause: e };
    }
    return { kind: 'fail', method, url, reason: `the request could not be sent: ${e instanceof Error ? e.message : String(e)}`, cause: e };
  }
}

/**
 * The body's bytes, or null when there are more than `limit` (the rest is not read). With
 * `truncate`, the first `limit` bytes instead of null (an error body only feeds an excerpt).
 */
async function readBody(res: Response, limit: number, truncate = false): Promise<Uint8Array | null> {
  const declared = Number(res.headers.get('content-length'));
  if (!truncate && Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel();
    return null;
  }
  if (res.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      if (!truncate) return null;
      break;
    }
  }
  const all = Buffer.concat(chunks, size);
  return truncate && size > limit ? all.subarray(0, limit) : all;
}

/** `256 MiB`, `64 KiB`, `100 bytes`. */
function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** The `charset` parameter of a Content-Type (RFC 9110 §8.3.1), lower case, or undefined. */
export function charsetOf(contentType: string | null): string | undefined {
  const m = contentType === null ? null : /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType);
  const v = m ? (m[1] ?? m[2] ?? '').trim().toLowerCase() : '';
  return v === '' ? undefined : v;
}

/**
 * The body as text in the encoding its Content-Type names (UTF-8 without a charset), or why it
 * cannot be. Strict: an invalid byte is an error, never a replacement character.
 */
export function decodeBody(bytes: Uint8Array, contentType: string | null): string | { reason: string; hint: string } {
  const charset = charsetOf(contentType);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8', { fatal: true });
  } catch {
    return {
      reason: `the response names charset ${JSON.stringify(charset)} (content-type ${contentType}), which floe cannot decode`,
      hint: 'JSON APIs send UTF-8 (RFC 8259); ask the API for UTF-8 (an Accept-Charset header or a parameter).',
    };
  }
  try {
    return decoder.decode(bytes);
  } catch {
    const utf8 = decoder.encoding === 'utf-8';
    const at = utf8 ? ` at byte ${invalidUtf8At(bytes)}` : '';
    return {
      reason: `the response body is not valid ${decoder.encoding}${at} (${contentType ? `content-type ${contentType}` : 'no content-type'})`,
      hint: utf8
        ? 'An API that sends another encoding must name it in its Content-Type (charset=iso-8859-1, say); floe does not guess one.'
        : 'The body does not match the charset its Content-Type names.',
    };
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629 §4), or -1. */
export function invalidUtf8At(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // beyond U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

function causeMessage(e: unknown): string | undefined {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error && cause.message ? cause.message : undefined;
}

function errorCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** The start of an error body, on one line: APIs put the useful part ("invalid token") first. */
function excerpt(text: string): string | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '') return undefined;
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

/** `tooLong`: why a retryable failure was not retried (the server asked for a longer wait than floe gives). */
function failure(r: Extract<Attempt, { kind: 'retry' | 'fail' }>, attempts: number, opts: RequestOptions, tooLong?: string): FloeError {
  const url = safeUrl(r.url, opts.redact);
  // A cursor or next-link URL does not say which page it was: the message does.
  const page = opts.page !== undefined && opts.page > 1 ? `page ${opts.page}, ` : '';
  const what = r.status === undefined ? `failed: ${r.reason}` : `returned ${r.reason}`;
  const exhausted = r.kind === 'retry';
  const body = r.excerpt ? `: ${r.excerpt}` : '';
  const message = tooLong !== undefined
    ? `pipeline ${opts.pipeline}: ${page}${r.method} ${url} ${what}${body} (attempt ${attempts}; not retried: ${tooLong})`
    : !exhausted
    ? `pipeline ${opts.pipeline}: ${page}${r.method} ${url} ${what}${body} (attempt ${attempts}; not retried)`
    : attempts === 1
      ? `pipeline ${opts.pipeline}: ${page}${r.method} ${url} ${what}${body} (not retried: retries.max is 0)`
      : `pipeline ${opts.pipeline}: ${page}${r.method} ${url} failed after ${attempts} attempts; the last one ${what}${body}`;
  let hint = r.hint;
  if (hint === undefined && tooLong !== undefined) hint = 'Run the pipeline again once the API accepts requests again.';
  // A 429 is an API that is up and refusing more requests: "check that it is up" would mislead.
  else if (hint === undefined && exhausted && r.status === 429) hint = 'The API kept answering 429 Too Many Requests, its rate limit: run again later, or send fewer requests (a larger page size; a longer retries.backoff waits longer between attempts).';
  else if (hint === undefined && exhausted) hint = 'The API kept failing: check that it is up, or raise retries.max, retries.backoff or timeout in the pipeline file.';
  else if (hint === undefined && (r.status === 401 || r.status === 403)) hint = 'Check the credentials in the pipeline headers and the environment variables they read.';
  else if (hint === undefined && r.status === 404 && opts.page !== undefined && opts.page > 1) {
    hint = `The pages before page ${opts.page} were read: an API that answers 404 past its last page (Django REST framework's page numbers do) cannot be paged by number; follow the next page URL it gives instead (pagination: { kind: cursor, cursor_path: next }).`;
  } else if (hint === undefined && r.status === 404) hint = 'Check the url of the source.';
  return sourceError(opts.redact(message), {
    cause: r.cause,
    retryable: exhausted,
    hint,
    context: { pipeline: opts.pipeline, url: opts.redact(url), status: r.status, attempts, ...(opts.page === undefined ? {} : { page: opts.page }) },
  });
}
