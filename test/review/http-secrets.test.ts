/**
 * Secrets of the http source. A first page redirected to another host must not lead the
 * next-page request there with the pipeline's headers (the redirect dropped them; a Link or
 * body next URL on the new host must not bring them back). And secrets that reach a URL
 * percent-encoded: a token with `+`, `/` or `=`
 * (base64) set as a query parameter is sent as `%2B`, `%2F`, `%3D`, a form the redactor,
 * which knows the value as the environment gave it, does not recognise. Failures must mask
 * it whatever the parameter is called. A node:http server on 127.0.0.1 in this file.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, usePrivateTmpdir } from '../helpers/local-http.js';
import { FloeError } from '../../src/errors.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { createRedactor } from '../../src/pipeline/secrets.js';
import { httpSource } from '../../src/sources/http.js';
import { safeUrl } from '../../src/sources/http-request.js';
import { context, useEngine } from '../sources/helpers.js';

// This file's temp folders (the source's floe-http-* pages, projects) live in a private TMPDIR:
// test/sources/http.test.ts counts floe-http-* folders in the shared one while it runs.
usePrivateTmpdir('floe-review-http-');

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;

const engine = useEngine();
let origin = '';
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/page2') {
    const p = url.searchParams.get('page');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(p === '1' ? '[{"id":1}]' : '<html>oops</html>');
    return;
  }
  res.writeHead(400, { 'content-type': 'text/plain' });
  res.end('invalid request');
});
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

const SECRET = 'Zm9v+YmFy/c2VjcmV0==';
const ENCODED = encodeURIComponent(SECRET);
// As the runner builds it: the value of an interpolated variable with a secret-looking name.
const redact = createRedactor([SECRET]);

async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}
const config = (path: string, extra: Record<string, unknown>) =>
  sourceSchema.parse({ kind: 'http', url: `${origin}${path}`, retries: { max: 0, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;

describe('a secret that is percent-encoded in the URL', () => {
  it('is masked in a 4xx failure under a parameter name that does not look secret (params)', async () => {
    const e = await failure(httpSource(config('/api', { params: { appid: SECRET, q: 'a b' } })).extract(context(engine(), { redact })));
    const all = JSON.stringify({ m: e.message, c: e.context });
    expect(all).not.toContain(ENCODED);
    expect(all).not.toContain(SECRET);
    expect(e.message).toContain(`GET ${origin}/api?appid=***&q=a+b returned 400 Bad Request: invalid request (attempt 1; not retried)`);
  });

  it('is masked when written into the url by hand, and in a page error', async () => {
    const e = await failure(httpSource(config(`/page2?sid=${ENCODED}`, { pagination: { kind: 'page' } })).extract(context(engine(), { redact })));
    expect(JSON.stringify({ m: e.message, c: e.context })).not.toContain(ENCODED);
    expect(e.message).toContain(`page 2 (${origin}/page2?sid=***&page=2) is not JSON`);
  });

  it('safeUrl leaves values the redactor does not know as they are', () => {
    expect(safeUrl(`https://api.test/x?q=${encodeURIComponent('a/b=c')}&n=1`, redact)).toBe('https://api.test/x?q=a%2Fb%3Dc&n=1');
    expect(safeUrl(`https://api.test/x?appid=${ENCODED}`, redact)).toBe('https://api.test/x?appid=***');
    // A "+" written by hand in a URL reads as itself too.
    expect(safeUrl(`https://api.test/x?appid=${SECRET.replaceAll('/', '%2F').replaceAll('=', '%3D')}`, redact)).toBe('https://api.test/x?appid=***');
  });
});

describe('a first page redirected to another origin', () => {
  it('does not send the credentials to that origin when its next links point there', async () => {
    const seen: (string | undefined)[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const page = Number(url.searchParams.get('page') ?? '1');
      res.writeHead(200, { 'content-type': 'application/json', link: `</data?page=${page + 1}>; rel="next"` });
      res.end(JSON.stringify({ data: [{ id: page }], next: `/data?page=${page + 1}` }));
    });
    const otherOrigin = await listenLocal(other);
    const moved = createServer((_req, res) => {
      res.writeHead(302, { location: `${otherOrigin}/data` });
      res.end();
    });
    const movedOrigin = await listenLocal(moved);
    try {
      // max_pages: a regression pages on forever over there instead of failing.
      for (const pagination of [{ kind: 'link', max_pages: 3 }, { kind: 'cursor', cursor_path: 'next', max_pages: 3 }]) {
        seen.length = 0;
        const c = sourceSchema.parse({ kind: 'http', url: `${movedOrigin}/start`, headers: { Authorization: `Bearer ${SECRET}` }, records_path: 'data', pagination, retries: { max: 0 } }) as HttpConfig;
        const e = await failure(httpSource(c).extract(context(engine(), { redact })));
        expect(e.message).toContain(`points to another origin (${otherOrigin}) than the source's url (${movedOrigin})`);
        // Only the redirected first request reached the other host, without the header.
        expect(seen).toEqual([undefined]);
      }
    } finally {
      await Promise.all([closeLocal(other), closeLocal(moved)]);
    }
  });
});
