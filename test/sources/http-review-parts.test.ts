/**
 * The pure parts behind test/sources/http-review-cli.test.ts: the pager's check for a page
 * that repeats the one before under a new cursor or URL, and the search for half a UTF-16
 * surrogate pair in a record's text.
 */
import { describe, expect, it } from 'vitest';
import { loneSurrogateAt } from '../../src/sources/http-json.js';
import { createPager, type PageOutcome } from '../../src/sources/http-paging.js';

const base = new URL('http://api.test/items');
const page = (records: number, fingerprint: string, more: Partial<PageOutcome> = {}): PageOutcome => ({ records, fingerprint, url: base, ...more });

describe('pager: the same records under a new cursor or URL', () => {
  it('cursor with param: fails on the second identical page, names the parameter', () => {
    const pager = createPager({ kind: 'cursor', param: 'after', cursor_path: 'next', missing_cursor: 'error' });
    const first = pager.first(base);
    const s1 = pager.next(page(2, 'A', { cursor: 'c1' }), first);
    expect(s1).toEqual({ kind: 'next', url: new URL('http://api.test/items?after=c1') });
    expect(pager.next(page(2, 'A', { cursor: 'c2' }), first)).toEqual({
      kind: 'error',
      detail: 'page 2 returned the same 2 records as the page before, though its cursor was new: paging would never end (does the API read the "after" query parameter?)',
    });
  });

  it('cursor with param: a repeated cursor is still named as such; empty pages in a row and different pages go on', () => {
    const again = createPager({ kind: 'cursor', param: 'after', cursor_path: 'next', missing_cursor: 'error' });
    again.next(page(1, 'A', { cursor: 'c1' }), base);
    expect(again.next(page(1, 'A', { cursor: 'c1' }), base)).toMatchObject({ kind: 'error', detail: expect.stringContaining('the cursor "c1" a second time') });

    const ok = createPager({ kind: 'cursor', param: 'after', cursor_path: 'next', missing_cursor: 'error' });
    const steps = [page(1, 'A', { cursor: '1' }), page(0, 'E', { cursor: '2' }), page(0, 'E', { cursor: '3' }), page(1, 'A', { cursor: '4' }), page(1, 'B', { cursor: null })].map((p) => ok.next(p, base).kind);
    expect(steps).toEqual(['next', 'next', 'next', 'next', 'done']);
  });

  it('next URL and link: the same records from a new URL fail; a URL read before is named as such', () => {
    const next = createPager({ kind: 'cursor', cursor_path: 'next', missing_cursor: 'error' });
    next.first(base);
    expect(next.next(page(1, 'A', { cursor: '/items?n=1' }), base).kind).toBe('next');
    expect(next.next(page(1, 'A', { cursor: '/items?n=2' }), base)).toEqual({ kind: 'error', detail: 'page 2 returned the same 1 record as the page before, though its URL was new: paging would never end' });

    const link = createPager({ kind: 'link' });
    link.first(base);
    expect(link.next(page(1, 'A', { link: '</items?n=1>; rel="next"' }), base).kind).toBe('next');
    expect(link.next(page(1, 'A', { link: '</items?n=1>; rel="next"' }), base)).toMatchObject({ detail: 'the next link of page 2 points to a page already read; paging would never end' });
  });
});

describe('loneSurrogateAt', () => {
  it('finds a high half without its low half, and a low half alone', () => {
    expect(loneSurrogateAt(String.raw`{"s":"a\ud800b"}`)).toBe(7);
    expect(loneSurrogateAt(String.raw`{"s":"a\ud800"}`)).toBe(7);
    expect(loneSurrogateAt(String.raw`{"s":"\udc00"}`)).toBe(6);
    expect(loneSurrogateAt(String.raw`{"s":"\ud83d\ud83d\ude00"}`)).toBe(6);
    expect(loneSurrogateAt(String.raw`{"s":"\ud83d","t":"\ude00"}`)).toBe(6);
    expect(loneSurrogateAt(String.raw`{"k\uDBFF":1}`)).toBe(3);
  });

  it('leaves whole pairs, other escapes and an escaped backslash before "u" alone', () => {
    expect(loneSurrogateAt(String.raw`{"s":"\ud83d\ude00 \u00e9 \n \" \\"}`)).toBe(-1);
    expect(loneSurrogateAt(String.raw`{"s":"\\ud800","t":"\\\ud83d\ude00"}`)).toBe(-1);
    expect(loneSurrogateAt('{"s":"plain"}')).toBe(-1);
  });
});
