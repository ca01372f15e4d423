/**
 * Retries of the http source as real APIs provoke them: GitHub's spent quota (403 with
 * `X-RateLimit-Remaining: 0` and an epoch `X-RateLimit-Reset`) is a wait, not a credentials
 * error; a 403 without those is not retried; 429 with an HTTP-date Retry-After; a connection
 * reset before the answer and a body that stalls after its headers are retried; the attempts
 * are bounded. A node:http server on 127.0.0.1 in this file; waits are at most a second or two
 * and nothing asserts on timing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, usePrivateTmpdir } from '../helpers/local-http.js';
import { FloeError } from '../../src/errors.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { httpSource } from '../../src/sources/http.js';
import { rateLimit } from '../../src/sources/http-request.js';
import type { Extracted } from '../../src/sources/source.js';
import { context, textRows, useEngine } from '../sources/helpers.js';

// This file's temp folders (the source's floe-http-* pages, projects) live in a private TMPDIR:
// test/sources/http.test.ts counts floe-http-* folders in the shared one while it runs.
usePrivateTmpdir('floe-review-http-');

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const engine = useEngine();
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
let origin = '';
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  const h = routes.get(path);
  if (h) h(req, res, n);
  else {
    res.writeHead(404);
    res.end();
  }
});
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

const ok = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('[{"id":1},{"id":2}]');
};
const config = (path: string, extra: Record<string, unknown> = {}) =>
  sourceSchema.parse({ kind: 'http', url: `${origin}${path}`, retries: { max: 2, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;
const extracted: Extracted[] = [];
afterEach(async () => {
  for (const x of extracted.splice(0)) await x.afterScan?.();
});
async function ids(c: HttpConfig): Promise<string[]> {
  const out = await httpSource(c).extract(context(engine()));
  extracted.push(out);
  return (await textRows(engine(), out.relation, 'id')).map((r) => r.id!);
}
async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

describe('rate limits', () => {
  it('a 403 with a spent quota waits for its reset and reads', async () => {
    routes.set('/gh', (_req, res, n) => {
      if (n > 1) return ok(res);
      res.writeHead(403, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000)) });
      res.end('{"message":"API rate limit exceeded"}');
    });
    expect(await ids(config('/gh'))).toEqual(['1', '2']);
    expect(hits.get('/gh')).toBe(2);
  });

  it('a quota that stays spent fails after the retries, saying when it resets', async () => {
    const reset = Math.floor(Date.now() / 1000) - 1;
    routes.set('/gh-spent', (_req, res) => {
      res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
      res.end('{"message":"API rate limit exceeded for 10.0.0.1"}');
    });
    const e = await failure(ids(config('/gh-spent', { retries: { max: 1, backoff: '5ms' } })));
    expect(e.message).toContain(`GET ${origin}/gh-spent failed after 2 attempts; the last one returned 403 Forbidden (rate limit reached; it resets at ${new Date(reset * 1000).toISOString()}): {"message":"API rate limit exceeded for 10.0.0.1"}`);
    expect(e.hint).toContain('rate limit was reached');
    expect(hits.get('/gh-spent')).toBe(2);
  });

  it('a 403 without rate-limit headers fails at once with the credentials hint', async () => {
    routes.set('/forbidden', (_req, res) => {
      res.writeHead(403, { 'x-ratelimit-remaining': '4999' });
      res.end('{"message":"Resource not accessible by integration"}');
    });
    const e = await failure(ids(config('/forbidden')));
    expect(e.message).toContain('returned 403 Forbidden: {"message":"Resource not accessible by integration"} (attempt 1; not retried)');
    expect(e.hint).toContain('Check the credentials');
    expect(hits.get('/forbidden')).toBe(1);
  });

  it('a 403 with Retry-After (a secondary rate limit) is retried', async () => {
    routes.set('/secondary', (_req, res, n) => {
      if (n > 1) return ok(res);
      res.writeHead(403, { 'retry-after': '0' });
      res.end('{"message":"You have exceeded a secondary rate limit"}');
    });
    expect(await ids(config('/secondary'))).toEqual(['1', '2']);
  });

  it('rateLimit reads epoch and delta resets', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const h = (o: Record<string, string>) => new Headers(o);
    expect(rateLimit(h({}), now)).toBeUndefined();
    expect(rateLimit(h({ 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': '1767225660' }), now)).toBeUndefined();
    expect(rateLimit(h({ 'retry-after': '5' }), now)).toEqual({ waitMs: null });
    expect(rateLimit(h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1767225660' }), now)).toEqual({ waitMs: 60_000, note: 'rate limit reached; it resets at 2026-01-01T00:01:00.000Z' });
    expect(rateLimit(h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' }), now)?.waitMs).toBe(30_000);
    expect(rateLimit(h({ 'x-ratelimit-remaining': '0' }), now)).toEqual({ waitMs: null, note: 'rate limit reached' });
  });
});

describe('transient failures', () => {
  it('429 with an HTTP-date Retry-After, then a reset connection, then the page', async () => {
    routes.set('/mixed', (req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { 'retry-after': new Date(Date.now() - 1000).toUTCString() });
        res.end('slow down');
      } else if (n === 2) req.socket.destroy();
      else ok(res);
    });
    const out = await httpSource(config('/mixed')).extract(context(engine()));
    extracted.push(out);
    expect(out.describe).toContain('(1 page, 2 records, 2 retries)');
  });

  it('a body that stalls after its headers times out and is retried', async () => {
    routes.set('/stall', (_req, res, n) => {
      if (n > 1) return ok(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"id":1},');
    });
    expect(await ids(config('/stall', { timeout: '300ms' }))).toEqual(['1', '2']);
    expect(hits.get('/stall')).toBe(2);
  });

  it('attempts are bounded by retries.max: max + 1 requests, then the URL, status and body excerpt', async () => {
    routes.set('/down', (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html><body><h1>502 Bad Gateway</h1>${'x'.repeat(500)}</body></html>`);
    });
    const e = await failure(ids(config('/down?api_key=k-abcdef', { retries: { max: 3, backoff: '1ms' } })));
    expect(hits.get('/down')).toBe(4);
    expect(e.message).toContain(`GET ${origin}/down?api_key=*** failed after 4 attempts; the last one returned 502 Bad Gateway: <html><body><h1>502 Bad Gateway</h1>xxx`);
    expect(e.message).toContain('…');
    expect(e.message).not.toContain('k-abcdef');
    expect(e.retryable).toBe(true);
  });
});

describe('retries.max: 0', () => {
  it('a retryable failure is reported once, saying it was not retried and why', async () => {
    routes.set('/once', (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('maintenance');
    });
    const e = await failure(ids(config('/once', { retries: { max: 0, backoff: '5ms' } })));
    expect(e.message).toContain(`GET ${origin}/once returned 503 Service Unavailable: maintenance (not retried: retries.max is 0)`);
    expect(e.message).not.toContain('attempts');
    expect(hits.get('/once')).toBe(1);
  });
});

describe('a server asking for a longer wait than floe gives', () => {
  it('fails at once with the wait it asked, instead of retrying early into the same refusal', async () => {
    routes.set('/later', (_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end('{"message":"come back in an hour"}');
    });
    const e = await failure(ids(config('/later')));
    expect(e.message).toContain(`GET ${origin}/later returned 429 Too Many Requests: {"message":"come back in an hour"} (attempt 1; not retried: the API asks to wait 3600 s before another attempt, longer than the 300 s floe still waits for this request)`);
    expect(e.hint).toContain('once the API accepts requests again');
    expect(e.retryable).toBe(true);
    expect(hits.get('/later')).toBe(1);

    // GitHub's spent quota resetting in an hour: the same, with the reset time.
    const reset = Math.floor(Date.now() / 1000) + 3600;
    routes.set('/gh-hour', (_req, res) => {
      res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
      res.end('{"message":"API rate limit exceeded"}');
    });
    const gh = await failure(ids(config('/gh-hour')));
    expect(gh.message).toContain(`returned 403 Forbidden (rate limit reached; it resets at ${new Date(reset * 1000).toISOString()})`);
    expect(gh.message).toMatch(/not retried: the API asks to wait 3[56]\d\d s before another attempt/);
    expect(gh.hint).toContain('rate limit was reached');
    expect(hits.get('/gh-hour')).toBe(1);
  });
});
