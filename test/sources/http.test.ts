/**
 * `kind: http` against a real HTTP server on 127.0.0.1 (helpers/http-server.ts): every
 * pagination kind, records_path, types across pages, secrets in headers and URLs, retries
 * (429 + Retry-After, 5xx, timeouts, network errors), failures that are not retried, loops,
 * redirects and temp-file cleanup. Backoffs are milliseconds; nothing asserts on timing.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { interpolateString } from '../../src/pipeline/interpolate.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { collectSecrets, createRedactor } from '../../src/pipeline/secrets.js';
import { httpSource } from '../../src/sources/http.js';
import type { Extracted } from '../../src/sources/source.js';
import { columnTypes, context, textRows, useEngine } from './helpers.js';
import { startServer, type TestServer } from './helpers/http-server.js';

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;

const engine = useEngine();
let server: TestServer;
let other: TestServer;
beforeAll(async () => {
  server = await startServer();
  other = await startServer();
});
afterAll(async () => {
  await server?.close();
  await other?.close();
});

/** A validated config for a path on the test server; fast retries unless the test says otherwise. */
function config(path: string, extra: Record<string, unknown> = {}): HttpConfig {
  return sourceSchema.parse({ kind: 'http', url: `${server.origin}${path}`, retries: { max: 3, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;
}

/** Every extraction's files go once the test is done, as the runner's afterScan would remove them. */
const extracted: Extracted[] = [];
afterEach(async () => {
  for (const out of extracted.splice(0)) await out.afterScan?.();
});

async function extract(c: HttpConfig, extra: Parameters<typeof context>[1] = {}): Promise<Extracted> {
  const out = await httpSource(c).extract(context(engine(), extra));
  extracted.push(out);
  return out;
}

async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

const rows = (out: Extracted, order = 'id') => textRows(engine(), out.relation, order);
const ids = async (out: Extracted) => (await rows(out)).map((r) => r.id);

describe('records', () => {
  it('reads a body that is an array of records', async () => {
    server.route('/plain', () => ({ body: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] }));
    const out = await extract(config('/plain'));
    expect(await rows(out)).toEqual([
      { id: '1', name: 'a' },
      { id: '2', name: 'b' },
    ]);
    expect(out.rowsRead).toBe(2);
    expect(out.describe).toBe(`GET ${server.origin}/plain (1 page, 2 records, 0 retries)`);
  });

  it('reads the array at records_path, and an object body as one record', async () => {
    server.route('/nested', () => ({ body: { meta: { total: 2 }, data: { items: [{ id: 1 }, { id: 2 }] } } }));
    expect(await ids(await extract(config('/nested', { records_path: 'data.items' })))).toEqual(['1', '2']);
    server.route('/one', () => ({ body: { id: 7, name: 'single' } }));
    expect(await rows(await extract(config('/one')))).toEqual([{ id: '7', name: 'single' }]);
  });

  it('fails on a records_path the first page does not have, naming the keys it has', async () => {
    server.route('/nokey', () => ({ body: { results: [{ id: 1 }], next: null } }));
    const e = await failure(extract(config('/nokey', { records_path: 'data' })));
    expect(e.kind).toBe('source');
    expect(e.message).toContain('has no "data" (its top-level keys: results, next)');
  });

  it('fails on a body that is not JSON, or on records that are not objects', async () => {
    server.route('/html', () => ({ headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in</body></html>' }));
    const e = await failure(extract(config('/html')));
    expect(e.kind).toBe('source');
    expect(e.message).toMatch(/page 1 \(http:\/\/127\.0\.0\.1:\d+\/html\) is not JSON .*content-type text\/html.*<html><body>Sign in/);
    server.route('/scalars', () => ({ body: [1, 2] }));
    expect((await failure(extract(config('/scalars')))).message).toContain('record 1 of page 1');
  });

  it('keeps 64-bit integers and decimals as the server wrote them, and types columns across pages', async () => {
    server.route('/typed', (req) => {
      const page = Number(req.query.get('page'));
      if (page === 1) return { body: '[\n  {"id": 1, "big": 9007199254740993, "price": 10.0},\n  {"id": 2, "big": 12345678901234567, "price": 20.0}\n]' };
      if (page === 2) return { body: [{ id: 3, big: 1, price: 3.5, late: 'first seen on page 2' }] };
      return { body: [] };
    });
    const out = await extract(config('/typed', { pagination: { kind: 'page' } }));
    const types = await columnTypes(engine(), out.relation);
    expect(types).toEqual({ id: 'BIGINT', big: 'BIGINT', price: 'DOUBLE', late: 'VARCHAR' });
    const r = await rows(out);
    expect(r.map((x) => x.big)).toEqual(['9007199254740993', '12345678901234567', '1']);
    expect(r[2]!.late).toBe('first seen on page 2');
    expect(r[0]!.late).toBeNull();
  });

  it('gives an empty relation when the API has no records', async () => {
    server.route('/none', () => ({ body: [] }));
    const out = await extract(config('/none'));
    expect(out.rowsRead).toBe(0);
    const n = await engine().all(`SELECT count(*)::INTEGER AS n FROM "${out.relation}"`, 'count');
    expect(n[0]!.n).toBe(0);
  });

  it('sends POST with the JSON body, params and headers', async () => {
    server.route('/search', (req) => ({ body: [{ id: 1, got: req.body, type: req.headers['content-type'], q: req.query.get('q') }] }));
    const out = await extract(config('/search', { method: 'POST', body: { filter: { active: true } }, params: { q: 'x y' }, headers: { 'X-Trace': 't1' } }));
    expect(await rows(out)).toEqual([{ id: '1', got: '{"filter":{"active":true}}', type: 'application/json', q: 'x y' }]);
    expect(server.seen('/search')[0]!.headers['x-trace']).toBe('t1');
    expect(server.seen('/search')[0]!.method).toBe('POST');
  });
});

describe('pagination', () => {
  const data = Array.from({ length: 5 }, (_, i) => ({ id: i + 1 }));

  it('page: counts up with the page size until an empty page', async () => {
    server.route('/paged', (req) => {
      const page = Number(req.query.get('p'));
      const size = Number(req.query.get('per_page'));
      return { body: { items: data.slice(page * size, (page + 1) * size) } };
    });
    const out = await extract(config('/paged', { records_path: 'items', pagination: { kind: 'page', param: 'p', start: 0, size_param: 'per_page', size: 2 } }));
    expect(await ids(out)).toEqual(['1', '2', '3', '4', '5']);
    expect(server.seen('/paged').map((r) => r.query.get('p'))).toEqual(['0', '1', '2', '3']);
    expect(out.describe).toContain('(4 pages, 5 records, 0 retries)');
  });

  it('page: stops at max_pages and says so', async () => {
    server.route('/endless', (req) => ({ body: [{ id: Number(req.query.get('page')) }] }));
    const out = await extract(config('/endless', { pagination: { kind: 'page', max_pages: 3 } }));
    expect(await ids(out)).toEqual(['1', '2', '3']);
    expect(out.describe).toContain('stopped: max_pages (3) reached');
  });

  it('page: an API that ignores the page parameter is an error, not an endless read', async () => {
    server.route('/ignores', () => ({ body: [{ id: 1 }, { id: 2 }] }));
    const e = await failure(extract(config('/ignores', { pagination: { kind: 'page' } })));
    expect(e.message).toContain('returned the same 2 records as the page before');
    expect(server.seen('/ignores')).toHaveLength(2);
  });

  it('offset: advances until a page is shorter than the limit', async () => {
    server.route('/offset', (req) => {
      const off = Number(req.query.get('skip'));
      const lim = Number(req.query.get('take'));
      return { body: data.slice(off, off + lim) };
    });
    const out = await extract(config('/offset', { pagination: { kind: 'offset', param: 'skip', limit_param: 'take', limit: 2 } }));
    expect(await ids(out)).toEqual(['1', '2', '3', '4', '5']);
    expect(server.seen('/offset').map((r) => `${r.query.get('skip')}/${r.query.get('take')}`)).toEqual(['0/2', '2/2', '4/2']);
  });

  it('cursor: follows the cursor in the body until it is null, numbers exactly', async () => {
    const next: Record<string, unknown> = { '': 'c2', c2: 12345678901234567890n, '12345678901234567890': null };
    server.route('/cursor', (req) => {
      const at = req.query.get('after') ?? '';
      const n = next[at];
      const cursor = typeof n === 'bigint' ? n.toString() : JSON.stringify(n);
      return { body: `{"data": [{"id": ${JSON.stringify(at || 'start')}}], "meta": {"next": ${cursor}}}` };
    });
    const out = await extract(config('/cursor', { records_path: 'data', pagination: { kind: 'cursor', param: 'after', cursor_path: 'meta.next' } }));
    expect(await ids(out)).toEqual(['12345678901234567890', 'c2', 'start']);
    expect(server.seen('/cursor').map((r) => r.query.get('after'))).toEqual([null, 'c2', '12345678901234567890']);
  });

  it('cursor: a cursor seen before is an error', async () => {
    server.route('/loop', (_req, n) => ({ body: { data: [{ id: n }], next: n === 1 ? 'a' : n === 2 ? 'b' : 'a' } }));
    const e = await failure(extract(config('/loop', { records_path: 'data', pagination: { kind: 'cursor', param: 'cursor', cursor_path: 'next' } })));
    expect(e.kind).toBe('source');
    expect(e.message).toContain('returned the cursor "a" a second time after 3 pages');
    expect(e.message).toContain(`${server.origin}/loop?cursor=b`);
    expect(server.seen('/loop')).toHaveLength(3);
  });

  it('link: follows rel="next" links, relative or absolute, until there is none', async () => {
    server.route('/linked', (req) => {
      const page = Number(req.query.get('page') ?? '1');
      const links = [`<${server.origin}/linked?page=1>; rel="first"`];
      if (page === 1) links.push('</linked?page=2>; rel="next"');
      if (page === 2) links.push(`<${server.origin}/linked?page=3>; rel="next"`);
      return { headers: { link: links.join(', ') }, body: [{ id: page }] };
    });
    const out = await extract(config('/linked', { pagination: { kind: 'link' } }));
    expect(await ids(out)).toEqual(['1', '2', '3']);
    expect(server.seen('/linked')).toHaveLength(3);
  });

  it('link: a link back to a page already read is an error', async () => {
    server.route('/circle', (req) => ({ headers: { link: `</circle?page=${req.query.get('page') === '2' ? 1 : 2}>; rel="next"` }, body: [{ id: 1 }] }));
    const e = await failure(extract(config('/circle?page=1', { pagination: { kind: 'link' } })));
    expect(e.message).toContain('points to a page already read');
  });
});

describe('secrets', () => {
  const TOKEN = 'tok_Zq81hFw3s3cretValue';

  /** The header as a pipeline file writes it, interpolated from the environment as the loader does. */
  function withToken(path: string, extra: Record<string, unknown> = {}) {
    process.env.FLOE_TEST_HTTP_TOKEN = TOKEN;
    const auth = interpolateString('Bearer ${FLOE_TEST_HTTP_TOKEN}', process.env);
    return config(path, { headers: { Authorization: auth.value }, ...extra });
  }

  it('sends the Authorization header read from the environment', async () => {
    server.route('/private', (req) => (req.headers.authorization === `Bearer ${TOKEN}` ? { body: [{ id: 1 }] } : { status: 401, body: { error: 'no' } }));
    const out = await extract(withToken('/private'));
    expect(await ids(out)).toEqual(['1']);
    expect(server.seen('/private')[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(out.describe).not.toContain(TOKEN);
  });

  it('keeps the token out of a failure, even when the API echoes it', async () => {
    server.route('/echo', (req) => ({ status: 401, body: { error: `bad credentials: ${req.headers.authorization}` } }));
    // The context's redactor is the identity (helpers.ts): the source has to mask on its own.
    const e = await failure(extract(withToken('/echo')));
    expect(e.kind).toBe('source');
    expect(e.message).toContain('401');
    expect(e.message).toContain('bad credentials: ***');
    expect(JSON.stringify({ m: e.message, c: e.context, h: e.hint })).not.toContain(TOKEN);
    expect(server.seen('/echo')).toHaveLength(1);
  });

  it('keeps tokens in query parameters, URL passwords and URL paths out of failures', async () => {
    server.route('/down', () => ({ status: 503, body: 'maintenance' }));
    process.env.FLOE_TEST_HOOK_SECRET = 'hookSecret4711';
    const url = interpolateString(`http://svc:pa55word@127.0.0.1:${new URL(server.origin).port}/down?hook=\${FLOE_TEST_HOOK_SECRET}`, process.env);
    const c = config('/', { url: url.value, params: { access_token: TOKEN }, retries: { max: 1, backoff: '1ms' } });
    const redact = createRedactor(collectSecrets(url.used.map((u) => ({ ...u, path: [] })), c));
    const e = await failure(httpSource(c).extract(context(engine(), { redact })));
    const all = JSON.stringify({ m: e.message, c: e.context });
    for (const secret of [TOKEN, 'pa55word', 'hookSecret4711']) expect(all).not.toContain(secret);
    expect(e.message).toContain(`${server.origin}/down?hook=***&access_token=***`);
    // The URL's user info reached the server as Basic auth.
    expect(server.seen('/down')[0]!.headers.authorization).toBe(`Basic ${Buffer.from('svc:pa55word').toString('base64')}`);
  });

  it('does not carry configured headers through a redirect to another origin', async () => {
    other.route('/landing', (req) => ({ body: [{ id: 1, auth: req.headers.authorization ?? 'none', key: req.headers['x-api-key'] ?? 'none' }] }));
    server.route('/moved', () => ({ status: 302, headers: { location: `${other.origin}/landing` } }));
    const out = await extract(withToken('/moved', { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Api-Key': 'k-123456' } }));
    expect(await rows(out)).toEqual([{ id: '1', auth: 'none', key: 'none' }]);
    server.route('/moved-here', () => ({ status: 307, headers: { location: '/private' } }));
    expect(await ids(await extract(withToken('/moved-here')))).toEqual(['1']);
  });
});

describe('retries', () => {
  it('waits as Retry-After says after a 429, then reads', async () => {
    server.route('/limited', (_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } } : { body: [{ id: 1 }] }));
    const out = await extract(config('/limited'));
    expect(await ids(out)).toEqual(['1']);
    expect(server.seen('/limited')).toHaveLength(2);
    expect(out.describe).toContain('1 retry');
  });

  it('retries a 500 twice, then reads', async () => {
    server.route('/flaky', (_req, n) => (n <= 2 ? { status: 500, body: 'oops' } : { body: [{ id: 1 }, { id: 2 }] }));
    const out = await extract(config('/flaky'));
    expect(await ids(out)).toEqual(['1', '2']);
    expect(server.seen('/flaky')).toHaveLength(3);
    expect(out.describe).toContain('2 retries');
  });

  it('retries a page that does not answer within the timeout', async () => {
    server.route('/slow', (req, n) => ({ delayMs: n === 1 ? 2_000 : 0, body: [{ id: Number(req.query.get('page')) }].filter((r) => r.id <= 2) }));
    const out = await extract(config('/slow', { timeout: '200ms', pagination: { kind: 'page' } }));
    expect(await ids(out)).toEqual(['1', '2']);
    expect(server.seen('/slow').map((r) => r.query.get('page'))).toEqual(['1', '1', '2', '3']);
  });

  it('gives up on an API that always answers 503, naming the URL, status and attempts', async () => {
    server.route('/unavailable', () => ({ status: 503, body: { error: 'down for maintenance' } }));
    const e = await failure(extract(config('/unavailable', { params: { page: 1 }, retries: { max: 2, backoff: '1ms' } })));
    expect(e.kind).toBe('source');
    expect(e.retryable).toBe(true);
    expect(e.message).toBe(
      `pipeline test_pipeline: GET ${server.origin}/unavailable?page=1 failed after 3 attempts; the last one returned 503 Service Unavailable: {"error":"down for maintenance"}`,
    );
    expect(e.context).toMatchObject({ status: 503, attempts: 3, url: `${server.origin}/unavailable?page=1` });
    expect(server.seen('/unavailable')).toHaveLength(3);
  });

  it('fails at once on a 404', async () => {
    server.route('/gone', () => ({ status: 404, body: { error: 'not here' } }));
    const e = await failure(extract(config('/gone')));
    expect(e.kind).toBe('source');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain(`GET ${server.origin}/gone returned 404 Not Found: {"error":"not here"} (attempt 1; not retried)`);
    expect(server.seen('/gone')).toHaveLength(1);
  });

  it('retries network errors and names them', async () => {
    const closed = await startServer();
    const origin = closed.origin;
    await closed.close();
    const c = sourceSchema.parse({ kind: 'http', url: `${origin}/x`, retries: { max: 1, backoff: '1ms' } }) as HttpConfig;
    const e = await failure(httpSource(c).extract(context(engine())));
    expect(e.message).toContain(`GET ${origin}/x failed after 2 attempts; the last one failed: network error (ECONNREFUSED)`);
  });

  it('stops without retrying when the run is aborted', async () => {
    server.route('/aborted', () => ({ status: 503 }));
    const ac = new AbortController();
    const c = config('/aborted', { retries: { max: 5, backoff: '10s' } });
    const p = httpSource(c).extract(context(engine(), { signal: ac.signal }));
    setTimeout(() => ac.abort(new Error('interrupted')), 100);
    await expect(p).rejects.toThrow('interrupted');
  });
});

describe('temp files', () => {
  const ours = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('floe-http-')));

  it('keep the pages until the runner has scanned them, then go', async () => {
    server.route('/files', (req) => ({ body: Number(req.query.get('page')) <= 2 ? [{ id: Number(req.query.get('page')) }] : [] }));
    const before = ours();
    const out = await extract(config('/files', { pagination: { kind: 'page' } }));
    const added = [...ours()].filter((n) => !before.has(n));
    expect(added).toHaveLength(1);
    expect(readdirSync(`${tmpdir()}/${added[0]}`).sort()).toEqual(['page-00000001.ndjson', 'page-00000002.ndjson']);
    await out.afterScan?.();
    expect(ours().has(added[0]!)).toBe(false);
  });

  it('are removed when the extraction fails', async () => {
    server.route('/fails-late', (req) => (req.query.get('page') === '1' ? { body: [{ id: 1 }] } : { status: 400, body: 'bad page' }));
    const before = ours();
    await failure(extract(config('/fails-late', { pagination: { kind: 'page' } })));
    expect([...ours()].filter((n) => !before.has(n))).toEqual([]);
  });
});
