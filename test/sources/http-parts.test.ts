/** The pure parts of the http source: Retry-After, Link headers, the JSON scanner, paging decisions, printable URLs. */
import { describe, expect, it } from 'vitest';
import { sourceSchema } from '../../src/pipeline/schema-source.js';
import type { HttpPagination } from '../../src/pipeline/schema-source.js';
import { nextLinkUrl, parseRetryAfter } from '../../src/sources/http.js';
import { JsonSyntaxError, oneLine, scalarText, scanJson } from '../../src/sources/http-json.js';
import { createPager, type Step } from '../../src/sources/http-paging.js';
import { backoffDelay, MAX_WAIT_MS, retryBudget, retryWait, safeUrl } from '../../src/sources/http-request.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });
  it('reads an HTTP date relative to now, a past date as 0', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    // The obsolete RFC 850 form is still a valid HTTP date (RFC 9110 §5.6.7).
    expect(parseRetryAfter('Wednesday, 01-May-24 12:01:00 GMT', now)).toBe(60_000);
  });
  it('gives null for absent or malformed values', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('2024-05-01T12:00:30Z', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('nextLinkUrl', () => {
  it('finds rel="next" among several links, as GitHub sends them', () => {
    const h = '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=9>; rel="last"';
    expect(nextLinkUrl(h)).toBe('https://api.github.com/repositories/1/issues?page=2');
    const reversed = '<https://x.test/?page=1>; rel="prev", <https://x.test/?page=3>; rel="next"';
    expect(nextLinkUrl(reversed)).toBe('https://x.test/?page=3');
  });
  it('takes unquoted rel, any case, several relation types and extra parameters', () => {
    expect(nextLinkUrl('</items?after=abc>; rel=next')).toBe('/items?after=abc');
    expect(nextLinkUrl('<https://x.test/p2>; title="a; b, c"; REL="Next Last"')).toBe('https://x.test/p2');
    expect(nextLinkUrl('<https://x.test/p2> ;rel = "next"')).toBe('https://x.test/p2');
  });
  it('keeps commas and semicolons inside the URL', () => {
    expect(nextLinkUrl('<https://x.test/q?a=1,2;b=3>; rel="next"')).toBe('https://x.test/q?a=1,2;b=3');
  });
  it('gives null without a next link', () => {
    expect(nextLinkUrl(null)).toBeNull();
    expect(nextLinkUrl('')).toBeNull();
    expect(nextLinkUrl('<https://x.test/p1>; rel="prev"')).toBeNull();
    expect(nextLinkUrl('<https://x.test/p1>; rel="nextpage"')).toBeNull();
    expect(nextLinkUrl('<https://x.test/p1>')).toBeNull();
    expect(nextLinkUrl('<https://x.test/p1; rel="next"')).toBeNull();
  });
  it('uses only the first rel parameter of a link (RFC 8288 §3.3)', () => {
    expect(nextLinkUrl('<https://x.test/a>; rel="prev"; rel="next"')).toBeNull();
  });
});

describe('scanJson', () => {
  const text = '{"data": {"items": [{"id": 1}, {"id": 12345678901234567890, "p": 10.0}], "n": null}, "next": "a\\"b"}';
  it('finds values at dot paths with their spans and array elements', () => {
    const [items, next, missing, root] = scanJson(text, [['data', 'items'], ['next'], ['data', 'nope'], []]);
    expect(items?.kind).toBe('array');
    expect(items?.items?.map((s) => text.slice(s.start, s.end))).toEqual(['{"id": 1}', '{"id": 12345678901234567890, "p": 10.0}']);
    expect(next && scalarText(text, next)).toBe('a"b');
    expect(missing).toBeUndefined();
    expect(root?.kind).toBe('object');
    expect(root?.start).toBe(0);
    expect(root?.end).toBe(text.length);
  });
  it('lets the last of repeated keys win, as JSON.parse does', () => {
    const t = '{"a": 1, "a": [2]}';
    expect(scanJson(t, [['a']])[0]?.kind).toBe('array');
  });
  it('does not descend into arrays or scalars', () => {
    expect(scanJson('{"a": [{"b": 1}]}', [['a', 'b']])[0]).toBeUndefined();
    expect(scanJson('{"a": "b"}', [['a', 'b']])[0]).toBeUndefined();
  });
  it('keeps numbers exactly as written', () => {
    const t = '{"c": 12345678901234567890}';
    const [c] = scanJson(t, [['c']]);
    expect(c && scalarText(t, c)).toBe('12345678901234567890');
  });
  it('rejects malformed documents with a position', () => {
    for (const bad of ['{', '{"a" 1}', '[1,]', '[1 2]', '{"a": tru}', '"x\ny"', '"\\x"', '"\\u12"', '01', '{} {}', '<html>', "{'a': 1}", 'NaN']) {
      expect(() => scanJson(bad, [[]]), bad).toThrow(JsonSyntaxError);
    }
    try {
      scanJson('{"a": 1,}', [[]]);
    } catch (e) {
      expect((e as JsonSyntaxError).offset).toBe(8);
    }
  });
  it('accepts every kind of value and whitespace', () => {
    const t = ' \t\r\n[true, false, null, -1.5e+3, 0, "\\u00e9\\n", {}, [], {"x": [[]]}] ';
    const [root] = scanJson(t, [[]]);
    expect(root?.items?.map((s) => s.kind)).toEqual(['boolean', 'boolean', 'null', 'number', 'number', 'string', 'object', 'array', 'object']);
  });
  it('reports a document nested too deeply as malformed, not as a crash', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(() => scanJson(deep, [[]])).toThrow(JsonSyntaxError);
  });
});

describe('oneLine', () => {
  it('removes line breaks and indentation outside strings only', () => {
    const pretty = '{\n  "a": "x  y",\n  "b": [\r\n    1,\n    2\n  ],\n  "c": "q\\"  \\\\"\n}';
    const line = oneLine(pretty);
    expect(line).not.toMatch(/[\r\n]/);
    expect(JSON.parse(line)).toEqual(JSON.parse(pretty));
    expect(line).toContain('"x  y"');
  });
  it('keeps a value without line breaks as it is', () => {
    expect(oneLine('{"a": 1,  "b": 2}')).toBe('{"a": 1,  "b": 2}');
  });
});

describe('safeUrl', () => {
  it('drops user info and the fragment, masks secret-looking query values', () => {
    expect(safeUrl('https://me:pw@api.test/v1/items?page=2&access_token=abc&api_key=k1&sig=s&cursor=x#frag')).toBe(
      'https://api.test/v1/items?page=2&access_token=***&api_key=***&sig=***&cursor=x',
    );
    expect(safeUrl('http://127.0.0.1:8080/a?X-Api-Key=zz')).toBe('http://127.0.0.1:8080/a?X-Api-Key=***');
  });
});

describe('backoffDelay', () => {
  it('doubles from the configured backoff and is capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(100, n))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(60_000, 10)).toBe(MAX_WAIT_MS);
  });
});

describe('retryWait', () => {
  const budget = retryBudget(3, 100);
  it('has a budget of 5 minutes, or the whole backoff schedule when longer', () => {
    expect(budget).toBe(MAX_WAIT_MS);
    expect(retryBudget(5, 60_000)).toBe((1 + 2 + 4) * 60_000 + 2 * MAX_WAIT_MS);
  });
  it('uses the backoff without Retry-After, the server\'s wait with it', () => {
    expect(retryWait(3, 100, null, budget)).toBe(400);
    expect(retryWait(1, 100, 1000, budget)).toBe(1000);
    expect(retryWait(1, 100, 0, budget)).toBe(0);
  });
  it('caps a server-asked wait at 5 minutes and at the budget left', () => {
    expect(retryWait(1, 100, 3_600_000, budget)).toBe(MAX_WAIT_MS);
    expect(retryWait(2, 100, 3_600_000, 20_000)).toBe(20_000);
    expect(retryWait(2, 100, 60_000, 0)).toBe(0);
  });
});

describe('createPager', () => {
  const base = new URL('https://api.test/items?sort=id');
  const pagination = (p: Record<string, unknown>): HttpPagination => {
    const parsed = sourceSchema.parse({ kind: 'http', url: base.href, pagination: p });
    return (parsed as Extract<typeof parsed, { kind: 'http' }>).pagination!;
  };
  const urlOf = (s: Step) => (s.kind === 'next' ? s.url.href : s.kind);

  it('page: counts from start with the size, stops on an empty page', () => {
    const pager = createPager(pagination({ kind: 'page', start: 1, size_param: 'per_page', size: 2 }));
    const first = pager.first(base);
    expect(first.href).toBe('https://api.test/items?sort=id&page=1&per_page=2');
    const s2 = pager.next({ records: 2, fingerprint: 'a', url: first }, first);
    expect(urlOf(s2)).toBe('https://api.test/items?sort=id&page=2&per_page=2');
    // A short page is not the end: the API may cap the size.
    const s3 = pager.next({ records: 1, fingerprint: 'b', url: first }, (s2 as { url: URL }).url);
    expect(urlOf(s3)).toBe('https://api.test/items?sort=id&page=3&per_page=2');
    expect(pager.next({ records: 0, fingerprint: '', url: first }, first)).toMatchObject({ kind: 'done' });
  });
  it('page: the same records twice in a row are an error; max_pages stops', () => {
    const pager = createPager(pagination({ kind: 'page' }));
    const first = pager.first(base);
    expect(pager.next({ records: 3, fingerprint: 'x', url: first }, first).kind).toBe('next');
    const s = pager.next({ records: 3, fingerprint: 'x', url: first }, first);
    expect(s).toMatchObject({ kind: 'error' });
    expect((s as { detail: string }).detail).toContain('"page" query parameter');
    const capped = createPager(pagination({ kind: 'page', max_pages: 2 }));
    expect(capped.next({ records: 1, fingerprint: '1', url: first }, first).kind).toBe('next');
    expect(capped.next({ records: 1, fingerprint: '2', url: first }, first)).toMatchObject({ kind: 'done', reason: 'max_pages (2) reached' });
  });
  it('offset: advances by the records received, stops on a short page', () => {
    const pager = createPager(pagination({ kind: 'offset', limit: 3 }));
    const first = pager.first(base);
    expect(first.href).toBe('https://api.test/items?sort=id&offset=0&limit=3');
    expect(urlOf(pager.next({ records: 3, fingerprint: 'a', url: first }, first))).toBe('https://api.test/items?sort=id&offset=3&limit=3');
    expect(urlOf(pager.next({ records: 5, fingerprint: 'b', url: first }, first))).toBe('https://api.test/items?sort=id&offset=8&limit=3');
    expect(pager.next({ records: 2, fingerprint: 'c', url: first }, first).kind).toBe('done');
  });
  it('cursor: sets the parameter, stops without a cursor, fails on a repeated one', () => {
    const pager = createPager(pagination({ kind: 'cursor', param: 'after', cursor_path: 'meta.next' }));
    const first = pager.first(base);
    expect(first.href).toBe(base.href);
    expect(urlOf(pager.next({ records: 1, cursor: 'c1', url: first }, first))).toBe('https://api.test/items?sort=id&after=c1');
    expect(pager.next({ records: 1, cursor: 'c2', url: first }, first).kind).toBe('next');
    expect(pager.next({ records: 1, cursor: 'c1', url: first }, first)).toMatchObject({ kind: 'error' });
    for (const cursor of [null, '']) expect(createPager(pagination({ kind: 'cursor', param: 'a', cursor_path: 'n' })).next({ records: 1, cursor, url: first }, first).kind).toBe('done');
  });
  it('cursor: a path absent from a first page with records is a config error; from an empty or later page, or with missing_cursor: end, the end', () => {
    const first = base;
    for (const param of ['a', undefined]) {
      const p = { kind: 'cursor' as const, cursor_path: 'next_cursor', ...(param ? { param } : {}) };
      expect(createPager(pagination(p)).next({ records: 2, cursor: undefined, url: first }, first)).toEqual({
        kind: 'error',
        config: true,
        detail: 'pagination.cursor_path "next_cursor" is not in page 1, which has 2 records',
      });
      expect(createPager(pagination(p)).next({ records: 0, cursor: undefined, url: first }, first).kind).toBe('done');
      expect(createPager(pagination({ ...p, missing_cursor: 'end' })).next({ records: 2, cursor: undefined, url: first }, first).kind).toBe('done');
      const later = createPager(pagination(p));
      expect(later.next({ records: 2, cursor: param ? 'c1' : '/items?c=1', url: first }, first).kind).toBe('next');
      expect(later.next({ records: 2, cursor: undefined, url: first }, first).kind).toBe('done');
    }
  });
  it('link: resolves relative links against the answering URL, refuses loops and other origins', () => {
    const pager = createPager(pagination({ kind: 'link' }));
    const first = pager.first(base);
    expect(urlOf(pager.next({ records: 1, link: '</items?page=2>; rel="next"', url: first }, first))).toBe('https://api.test/items?page=2');
    expect(pager.next({ records: 1, link: '<https://api.test/items?sort=id>; rel="next"', url: first }, first)).toMatchObject({ kind: 'error' });
    const other = pager.next({ records: 1, link: '<https://evil.test/items?page=3>; rel="next"', url: first }, first);
    expect((other as { detail: string }).detail).toContain('another origin (https://evil.test)');
    expect(pager.next({ records: 1, link: '<https://api.test/x>; rel="prev"', url: first }, first).kind).toBe('done');
  });
  it('no pagination: one request', () => {
    const pager = createPager(undefined);
    expect(pager.first(base)).toBe(base);
    expect(pager.next({ records: 10, url: base }, base).kind).toBe('done');
  });
});
