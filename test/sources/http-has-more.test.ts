/**
 * `pagination.has_more_path` and `cursor_record_path`: an API whose next cursor is the last
 * record's id (Stripe's `starting_after`) and that says in the body whether more pages follow
 * (`has_more`) could not be paged at all (cursor_path reads only the body), and page or offset
 * paging cost a request past the end. Now the cursor can come from the last record, false
 * ends paging after the page, true with no next cursor is an error rather than a silent end, a
 * mistyped path is a config error naming the page's keys, and a value that is not a boolean
 * fails naming the page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceSchema, type HttpPagination } from '../../src/pipeline/schema-source.js';
import { createPager } from '../../src/sources/http-paging.js';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

describe('createPager with has_more_path', () => {
  const base = new URL('https://api.test/items');
  const pagination = (p: Record<string, unknown>): HttpPagination => {
    const parsed = sourceSchema.parse({ kind: 'http', url: base.href, pagination: p });
    return (parsed as Extract<typeof parsed, { kind: 'http' }>).pagination!;
  };

  it('false ends paging before any other rule; true goes on by the kind', () => {
    const cursor = createPager(pagination({ kind: 'cursor', param: 'starting_after', cursor_record_path: 'id', has_more_path: 'has_more' }));
    expect(cursor.next({ records: 2, cursor: 'c2', hasMore: true, url: base }, base)).toMatchObject({ kind: 'next' });
    expect(cursor.next({ records: 2, cursor: 'c4', hasMore: false, url: base }, base)).toEqual({ kind: 'done', reason: '"has_more" is false' });
    const page = createPager(pagination({ kind: 'page', has_more_path: 'meta.more' }));
    expect(page.next({ records: 3, fingerprint: 'a', hasMore: false, url: base }, base)).toMatchObject({ kind: 'done' });
    const offset = createPager(pagination({ kind: 'offset', limit: 3, has_more_path: 'more' }));
    expect(offset.next({ records: 3, fingerprint: 'a', hasMore: true, url: base }, base)).toMatchObject({ kind: 'next' });
    // A short page still ends offset paging once an earlier page was longer; an empty one always.
    expect(offset.next({ records: 0, fingerprint: '', url: base }, base)).toMatchObject({ kind: 'done' });
  });

  it('true without a next cursor is an error, not the end', () => {
    const cursor = createPager(pagination({ kind: 'cursor', param: 'after', cursor_path: 'next', has_more_path: 'has_more' }));
    const s = cursor.next({ records: 2, cursor: null, hasMore: true, url: base }, base);
    expect(s).toMatchObject({ kind: 'error' });
    expect((s as { detail: string }).detail).toBe('page 1 says "has_more" is true but has no next cursor at "next"; the rest of the result cannot be read');
  });

  it('absent from a first page with records is a config error; from a later page the kind decides', () => {
    const first = createPager(pagination({ kind: 'page', has_more_path: 'hasmore' }));
    expect(first.next({ records: 1, fingerprint: 'a', url: base }, base)).toEqual({ kind: 'error', config: true, detail: 'pagination.has_more_path "hasmore" is not in page 1, which has 1 record' });
    const later = createPager(pagination({ kind: 'page', has_more_path: 'has_more' }));
    expect(later.next({ records: 1, fingerprint: 'a', hasMore: true, url: base }, base).kind).toBe('next');
    expect(later.next({ records: 1, fingerprint: 'b', url: base }, base).kind).toBe('next');
  });

  it('is refused on link paging (the Link header says it)', () => {
    expect(() => pagination({ kind: 'link', has_more_path: 'has_more' })).toThrow();
  });
});

usePrivateTmpdir('floe-http-has-more-');
const newProject = useProjects();

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
const api = { ...routedServer<Handler>((h, req, res, url) => h(req, res, url)), origin: '' };
beforeAll(async () => {
  assertBuilt();
  api.origin = await listenLocal(api.server);
});
afterAll(() => closeLocal(api.server));

const json = (res: ServerResponse, body: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Stripe-like: `starting_after=<id of the last record>`, pages of 2, `has_more`; past the end an empty list. */
function stripeLike(path: string, ids: string[], hasMore: (last: boolean) => unknown = (last) => !last): string[] {
  const requests: string[] = [];
  api.routes.set(path, (_q, res, url) => {
    requests.push(url.search);
    const after = url.searchParams.get('starting_after');
    const from = after === null ? 0 : ids.indexOf(after) + 1;
    const data = ids.slice(from, from + 2).map((id) => ({ id, name: `n${id}` }));
    json(res, { object: 'list', url: '/v1/customers', data, has_more: hasMore(from + 2 >= ids.length) });
  });
  return requests;
}

const IDS = ['cus_1', 'cus_2', 'cus_3', 'cus_4', 'cus_5', 'cus_6'];

const pipeline = (path: string, paging = 'cursor_record_path: id, has_more_path: has_more') =>
  [
    'source:',
    '  kind: http',
    `  url: ${api.origin}${path}`,
    '  records_path: data',
    `  pagination: { kind: cursor, param: starting_after, ${paging} }`,
    '  retries: { max: 0, backoff: 10ms }',
    'target: { table: raw.t, mode: append }',
    '',
  ].join('\n');

describe('floe run of an API with has_more', () => {
  it('reads every page by the last record\'s id and stops when has_more is false: each row once, no request past the end', async () => {
    const p = await newProject();
    const requests = stripeLike('/customers', IDS);
    await p.pipeline('p', pipeline('/customers'));
    const r = await p.floe(['run', 'p']);
    expect(r.code, show(r)).toBe(0);
    expect(requests).toEqual(['', '?starting_after=cus_2', '?starting_after=cus_4']);
    expect((await p.query('SELECT id FROM raw.t ORDER BY id')).map((x) => x.id)).toEqual(IDS);
  }, 60_000);

  it('without has_more_path, the record cursor reads until an empty page', async () => {
    const p = await newProject();
    const requests = stripeLike('/customers-plain', IDS);
    await p.pipeline('p', pipeline('/customers-plain', 'cursor_record_path: id'));
    const r = await p.floe(['run', 'p']);
    expect(r.code, show(r)).toBe(0);
    expect(requests).toEqual(['', '?starting_after=cus_2', '?starting_after=cus_4', '?starting_after=cus_6']);
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.t')).toEqual([{ n: 6 }]);
  }, 60_000);

  it('a record cursor the records lack is a config error at page 1 (exit 2), nothing written', async () => {
    const p = await newProject();
    stripeLike('/no-field', IDS);
    await p.pipeline('p', pipeline('/no-field', 'cursor_record_path: customer_id'));
    const r = await p.floe(['run', 'p']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pagination.cursor_record_path "customer_id" is not in the last record of page 1');
    expect(await p.tables()).not.toContain('raw.t');
  }, 60_000);

  it('floe validate refuses cursor paging with neither or both cursor settings, and a record cursor without param', async () => {
    const p = await newProject();
    for (const [paging, message] of [
      ['{ kind: cursor, param: after }', 'cursor paging needs cursor_path'],
      ['{ kind: cursor, param: after, cursor_path: next, cursor_record_path: id }', 'give cursor_path or cursor_record_path, not both'],
      ['{ kind: cursor, cursor_record_path: id }', 'cursor_record_path needs param'],
    ] as const) {
      await p.pipeline('p', ['source:', '  kind: http', `  url: ${api.origin}/x`, `  pagination: ${paging}`, 'target: { table: raw.t }', ''].join('\n'));
      const r = await p.floe(['validate']);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr + r.stdout).toContain(message);
    }
  }, 60_000);

  it('a mistyped has_more_path fails at page 1 naming the keys the page has (exit 2), nothing written', async () => {
    const p = await newProject();
    stripeLike('/typo', IDS);
    await p.pipeline('p', pipeline('/typo', 'cursor_record_path: id, has_more_path: hasMore'));
    const r = await p.floe(['run', 'p']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pagination.has_more_path "hasMore" is not in page 1, which has 2 records');
    expect(r.stderr).toContain('has_more');
    expect(await p.tables()).not.toContain('raw.t');
  }, 60_000);

  it('a has_more that is not a boolean fails naming the page, nothing written', async () => {
    const p = await newProject();
    stripeLike('/text', IDS, (last) => (last ? 'false' : 'true'));
    await p.pipeline('p', pipeline('/text'));
    const r = await p.floe(['run', 'p']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('the value at "has_more" is "true", not true or false');
    expect(await p.tables()).not.toContain('raw.t');
  }, 60_000);
});
