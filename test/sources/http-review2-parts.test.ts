/**
 * The pure parts behind test/sources/http-review2-cli.test.ts: the echoed forms of a secret
 * and the secret stretches of a masked text (http-secrets.ts), where a redirect URL carries a
 * secret, and the pager's end on an empty page that points back to a page read (Link paging
 * too, which the CLI test does not drive), and the hint of a redirect from http: to https: on
 * the same host that would take a query secret along.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/pipeline/secrets.js';
import { createPager, type PageOutcome } from '../../src/sources/http-paging.js';
import { closeLocal, listenLocal } from '../helpers/local-http.js';
import { request } from '../../src/sources/http-request.js';
import { echoedForms, echoRedactor, maskedParts, secretInUrl } from '../../src/sources/http-secrets.js';

const SECRET = 'tk_Rv7q+Secret/Value==';
const redact = createRedactor([SECRET]);

describe('secrets as an API echoes them', () => {
  it('lists the percent-encoded (either hex case, + or %20 for a space) and JSON-escaped forms, not the secret itself', () => {
    expect(echoedForms(SECRET)).toEqual(expect.arrayContaining(['tk_Rv7q%2BSecret%2FValue%3D%3D', 'tk_Rv7q%2bSecret%2fValue%3d%3d', 'tk_Rv7q+Secret\\/Value==']));
    expect(echoedForms(SECRET)).not.toContain(SECRET);
    expect(echoedForms('a b"c')).toEqual(expect.arrayContaining(['a%20b%22c', 'a+b%22c', 'a b\\"c']));
    expect(echoedForms('plainValue1')).toEqual([]);
  });

  it('finds the masked stretches of a text, and the whole text', () => {
    expect(maskedParts(`Bearer ${SECRET}`, redact)).toEqual([`Bearer ${SECRET}`, SECRET]);
    expect(maskedParts(`k=${SECRET};v=${SECRET}!`, redact)).toEqual([`k=${SECRET};v=${SECRET}!`, SECRET, SECRET]);
    expect(maskedParts('nothing here', redact)).toEqual([]);
  });

  it('masks what a request carries, as the API would send it back', () => {
    const url = new URL('https://api.test/items');
    url.searchParams.set('q', SECRET);
    const echo = echoRedactor({ url, method: 'GET', headers: { authorization: `Bearer ${SECRET}` } }, redact);
    expect(echo(`not found: /items?${url.searchParams.toString()}`)).toBe('not found: /items?q=***');
    expect(echo('token tk_Rv7q+Secret\\/Value== expired')).toBe('token *** expired');
  });

  it('names where a redirect URL carries a secret: query, path or user info', () => {
    const at = (u: string) => secretInUrl(new URL(u), redact);
    expect(at(`https://other.test/x?a=1&api_key=${encodeURIComponent(SECRET)}`)).toBe('query parameter "api_key"');
    expect(at(`https://other.test/v1/${encodeURIComponent(SECRET)}/items`)).toBe('path');
    expect(at(`https://u:${encodeURIComponent(SECRET)}@other.test/`)).toBe('user info');
    expect(at('https://bucket.s3.test/f?X-Amz-Signature=abcdef0123&X-Amz-Credential=AKIA')).toBeUndefined();
  });
});

describe('pager: an empty page pointing back to a page read', () => {
  const base = new URL('http://api.test/items');
  const page = (records: number, more: Partial<PageOutcome>): PageOutcome => ({ records, fingerprint: String(records), url: base, ...more });

  it('ends cursor, next-URL and Link paging; with records it is still a loop', () => {
    const cursor = createPager({ kind: 'cursor', param: 'after', cursor_path: 'next', missing_cursor: 'error' });
    expect(cursor.next(page(2, { cursor: 'c1' }), base).kind).toBe('next');
    expect(cursor.next(page(0, { cursor: 'c1' }), base)).toEqual({ kind: 'done', reason: 'an empty page with a cursor already read' });

    const link = createPager({ kind: 'link' });
    link.first(base);
    const s = link.next(page(1, { link: '</items?p=2>; rel="next"' }), base);
    expect(s.kind).toBe('next');
    const second = (s as { url: URL }).url;
    expect(link.next(page(0, { link: '</items?p=2>; rel="next"', url: second }), second)).toEqual({ kind: 'done', reason: 'an empty page whose next link is a page read already' });

    const loop = createPager({ kind: 'link' });
    loop.first(base);
    loop.next(page(1, { link: '</items?p=2>; rel="next"' }), base);
    expect(loop.next(page(3, { link: '</items?p=2>; rel="next"' }), base)).toMatchObject({ kind: 'error', detail: 'the next link of page 2 points to a page already read; paging would never end' });
  });
});

describe('a redirect from http: to https: on the same host with a secret in the query', () => {
  const server = createServer((req, res) => {
    res.writeHead(301, { location: `https://127.0.0.1:1${req.url ?? '/'}` });
    res.end();
  });
  let origin = '';
  beforeAll(async () => {
    origin = await listenLocal(server);
  });
  afterAll(() => closeLocal(server));

  it('is not followed, and the hint says to write https:// in the url', async () => {
    const url = new URL(`${origin}/items`);
    url.searchParams.set('api_key', SECRET);
    const e = await request({ url, method: 'GET', headers: {} }, { pipeline: 'p', timeoutMs: 5000, retries: { max: 0, backoff: 10 }, redact }).then(
      () => undefined,
      (x: unknown) => x as Error & { hint?: string },
    );
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).toBe(`pipeline p: GET ${origin}/items?api_key=*** failed: redirected (301) to another origin, https://127.0.0.1:1, with a secret of the pipeline in its query parameter "api_key"; floe does not follow it (attempt 1; not retried)`);
    expect(e!.hint).toMatch(/^The API moves http: requests to https:; write https:\/\/ in the source url/);
  });
});
