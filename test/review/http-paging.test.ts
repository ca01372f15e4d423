/**
 * Pagination of the http source as a data engineer meets it: an offset API that caps the
 * limit below what was asked (ask 20, get 10) must still be read to the end, not stop after
 * its first "short" page; a result that fits in one page costs one request more, never a
 * missing row. Also the pure pager rule, the loops that must fail instead of never ending, and
 * cursor paging without `param`, where the body holds the next page's URL (`next`,
 * `nextRecordsUrl`, `links.next`).
 * A node:http server on 127.0.0.1 in this file.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { FloeError } from '../../src/errors.js';
import { type HttpPagination, type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { httpSource } from '../../src/sources/http.js';
import { createPager } from '../../src/sources/http-paging.js';
import type { Extracted } from '../../src/sources/source.js';
import { context, textRows, useEngine } from '../sources/helpers.js';

// This file's temp folders (the source's floe-http-* pages, projects) live in a private TMPDIR:
// test/sources/http.test.ts counts floe-http-* folders in the shared one while it runs.
usePrivateTmpdir('floe-review-http-');

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;

const engine = useEngine();
const { server, routes, hits } = routedServer<(url: URL, res: ServerResponse) => void>((h, _req, res, url) => h(url, res));
let origin = '';
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const config = (path: string, extra: Record<string, unknown> = {}) =>
  sourceSchema.parse({ kind: 'http', url: `${origin}${path}`, retries: { max: 0, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;
// Each test's temp pages go when it ends (test/sources/http.test.ts counts floe-http-* folders).
const extracted: Extracted[] = [];
afterEach(async () => {
  for (const x of extracted.splice(0)) await x.afterScan?.();
});
async function ids(c: HttpConfig): Promise<number[]> {
  const out = await httpSource(c).extract(context(engine()));
  extracted.push(out);
  return (await textRows(engine(), out.relation, 'id')).map((r) => Number(r.id));
}
async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
/** An offset API over `total` records that never sends more than `cap` per page. */
const offsetApi = (total: number, cap: number) => (url: URL, res: ServerResponse) => {
  const offset = Number(url.searchParams.get('offset'));
  const limit = Math.min(cap, Number(url.searchParams.get('limit')));
  json(res, { items: range(total).slice(offset, offset + limit).map((id) => ({ id })) });
};

describe('offset pagination', () => {
  it('reads every record of an API that caps the limit below the one asked', async () => {
    routes.set('/capped', offsetApi(25, 10));
    expect(await ids(config('/capped', { records_path: 'items', pagination: { kind: 'offset', limit: 20 } }))).toEqual(range(25));
    expect(hits.get('/capped')!.map((u) => u.searchParams.get('offset'))).toEqual(['0', '10', '20']);
  });

  it('reads a capped API whose records end on a page boundary, until the empty page', async () => {
    routes.set('/capped-even', offsetApi(20, 10));
    expect(await ids(config('/capped-even', { records_path: 'items', pagination: { kind: 'offset', limit: 50 } }))).toEqual(range(20));
    expect(hits.get('/capped-even')!.map((u) => u.searchParams.get('offset'))).toEqual(['0', '10', '20']);
  });

  it('a result smaller than one page costs one request more; a short page after a full one ends at once', async () => {
    routes.set('/small', offsetApi(7, 100));
    expect(await ids(config('/small', { records_path: 'items', pagination: { kind: 'offset', limit: 100 } }))).toEqual(range(7));
    expect(hits.get('/small')!.map((u) => u.searchParams.get('offset'))).toEqual(['0', '7']);
    routes.set('/tail', offsetApi(150, 100));
    expect(await ids(config('/tail', { records_path: 'items', pagination: { kind: 'offset', limit: 100 } }))).toEqual(range(150));
    expect(hits.get('/tail')!.map((u) => u.searchParams.get('offset'))).toEqual(['0', '100']);
  });

  it('an API that ignores the offset is an error, also when its one page is short', async () => {
    routes.set('/deaf', (_url, res) => json(res, [{ id: 1 }, { id: 2 }]));
    const e = await failure(ids(config('/deaf', { pagination: { kind: 'offset', limit: 100 } })));
    expect(e.message).toContain('returned the same 2 records as the page before; does the API read the "offset" query parameter? (An API that repeats its last page past the end');
    expect(hits.get('/deaf')).toHaveLength(2);
  });

  it('the pager: empty ends; short ends only after a larger page', () => {
    const parsed = sourceSchema.parse({ kind: 'http', url: 'https://api.test/x', pagination: { kind: 'offset', limit: 20 } }) as HttpConfig;
    const pager = createPager(parsed.pagination as HttpPagination);
    const first = pager.first(new URL('https://api.test/x'));
    const step = (records: number, fingerprint: string) => pager.next({ records, fingerprint, url: first }, first);
    expect(step(10, 'a')).toMatchObject({ kind: 'next' });
    expect(step(10, 'b')).toMatchObject({ kind: 'next' });
    expect(step(4, 'c')).toMatchObject({ kind: 'done', reason: 'a page of fewer than 20 records' });
    const again = createPager(parsed.pagination as HttpPagination);
    expect(again.next({ records: 0, fingerprint: '', url: first }, first)).toMatchObject({ kind: 'done', reason: 'empty page' });
  });
});

describe('loops and ends', () => {
  it('cursor: an empty page that still has a next cursor is read past; an empty cursor ends', async () => {
    routes.set('/sparse', (url, res) => {
      const c = url.searchParams.get('c');
      if (c === null) json(res, { data: [{ id: 1 }], next: 'b' });
      else if (c === 'b') json(res, { data: [], next: 'c' });
      else json(res, { data: [{ id: 3 }], next: '' });
    });
    expect(await ids(config('/sparse', { records_path: 'data', pagination: { kind: 'cursor', param: 'c', cursor_path: 'next' } }))).toEqual([1, 3]);
  });

  it('link: a relative next link that comes back to the first page fails naming it, after reading each page once', async () => {
    routes.set('/ring', (url, res) => {
      const page = Number(url.searchParams.get('page') ?? '1');
      json(res, [{ id: page }], { link: `<?page=${page === 3 ? 1 : page + 1}>; rel="next"` });
    });
    const e = await failure(ids(config('/ring?page=1', { pagination: { kind: 'link' } })));
    expect(e.message).toContain('the next link of page 3 points to a page already read; paging would never end');
    expect(hits.get('/ring')).toHaveLength(3);
  });
});

describe('cursor pagination without param: the next page URL in the body', () => {
  it('follows an absolute next URL (Django REST framework style) until it is null', async () => {
    routes.set('/drf', (url, res) => {
      const page = Number(url.searchParams.get('page') ?? '1');
      json(res, { count: 5, next: page < 3 ? `${origin}/drf?page=${page + 1}&page_size=2` : null, results: range(5).slice((page - 1) * 2, page * 2).map((id) => ({ id })) });
    });
    expect(await ids(config('/drf', { records_path: 'results', pagination: { kind: 'cursor', cursor_path: 'next' } }))).toEqual(range(5));
    expect(hits.get('/drf')!.map((u) => u.search)).toEqual(['', '?page=2&page_size=2', '?page=3&page_size=2']);
  });

  it('follows a relative URL, a path (nextRecordsUrl) or a query (links.next), at a nested path', async () => {
    routes.set('/query', (_url, res) => json(res, { records: [{ id: 1 }], nextRecordsUrl: '/sf/01gD0000002HU6KIAW-2000' }));
    // The answering URL is /query; its next is a path on the same origin.
    routes.set('/sf/01gD0000002HU6KIAW-2000', (_url, res) => json(res, { records: [{ id: 2 }], done: true }));
    expect(await ids(config('/query', { records_path: 'records', pagination: { kind: 'cursor', cursor_path: 'nextRecordsUrl' } }))).toEqual([1, 2]);

    routes.set('/jsonapi', (url, res) => {
      const c = url.searchParams.get('page[cursor]');
      json(res, { data: [{ id: c === null ? 1 : 2 }], links: { next: c === null ? '?page[cursor]=abc%3D' : null } });
    });
    expect(await ids(config('/jsonapi', { records_path: 'data', pagination: { kind: 'cursor', cursor_path: 'links.next' } }))).toEqual([1, 2]);
    expect(hits.get('/jsonapi')!.map((u) => u.searchParams.get('page[cursor]'))).toEqual([null, 'abc=']);
  });

  it('a next URL seen before, on another origin, or a bare token fails naming what to change', async () => {
    routes.set('/again', (_url, res) => json(res, { data: [{ id: 1 }], next: '/again?p=2' }));
    const loop = await failure(ids(config('/again', { records_path: 'data', pagination: { kind: 'cursor', cursor_path: 'next' } })));
    expect(loop.message).toContain('the next page URL at "next" of page 2 points to a page already read; paging would never end');

    routes.set('/away', (_url, res) => json(res, { data: [{ id: 1 }], next: 'https://elsewhere.test/items?page=2' }));
    const away = await failure(ids(config('/away', { records_path: 'data', pagination: { kind: 'cursor', cursor_path: 'next' } })));
    expect(away.message).toContain(`points to another origin (https://elsewhere.test) than the source's url (${origin}); floe does not send the pipeline's headers there`);

    routes.set('/token', (_url, res) => json(res, { data: [{ id: 1 }], next: 'eyJpZCI6MTB9' }));
    const token = await failure(ids(config('/token', { records_path: 'data', pagination: { kind: 'cursor', cursor_path: 'next' } })));
    expect(token.message).toContain('the value at "next" of page 1, "eyJpZCI6MTB9", is not a URL; give pagination.param to send it as a query parameter');
    expect(hits.get('/token')).toHaveLength(1);
  });
});

describe('paths whose keys hold dots', () => {
  it('reads Microsoft Graph paging: records in value, the next page at the one key @odata.nextLink', async () => {
    routes.set('/graph', (url, res) => {
      const skip = url.searchParams.get('$skiptoken');
      json(res, {
        '@odata.context': `${origin}/$metadata#users`,
        value: [{ id: skip === null ? 1 : 2 }],
        ...(skip === null ? { '@odata.nextLink': `${origin}/graph?$skiptoken=X'4453'` } : {}),
      });
    });
    expect(await ids(config('/graph', { records_path: 'value', pagination: { kind: 'cursor', cursor_path: '@odata.nextLink' } }))).toEqual([1, 2]);
    expect(hits.get('/graph')).toHaveLength(2);
  });

  it('prefers the nested reading, and finds a dotted key below a nested one', async () => {
    routes.set('/dots', (_url, res) => json(res, { a: { b: [{ id: 1 }], 'b.c': [{ id: 9 }] }, 'a.b': [{ id: 7 }], meta: { 'x.y': [{ id: 5 }] } }));
    expect(await ids(config('/dots', { records_path: 'a.b' }))).toEqual([1]);
    expect(await ids(config('/dots', { records_path: 'a.b.c' }))).toEqual([9]);
    expect(await ids(config('/dots', { records_path: 'meta.x.y' }))).toEqual([5]);
  });
});
