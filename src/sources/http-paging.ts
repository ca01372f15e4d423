/**
 * Pagination of the http source, as pure decisions: given what a page held, which URL comes
 * next, or that paging is over. No IO here, so every rule is testable without a server.
 *
 * - page: `param` counts up from `start` (with `size_param=size` when both are set); an empty
 *   page ends paging. A short page does not: many APIs cap the page size below what was asked.
 * - offset: `param` advances by the records received, `limit_param=limit` on every request.
 *   An empty page is the last, and so is a page with fewer than `limit` records when an
 *   earlier page held more: many APIs cap the limit (ask 1000, get 100 per page), so a short
 *   first page, or a run of equally short ones, may be the cap rather than the end, and the
 *   next offset is read to find out (one request more when the whole result is one page).
 * - cursor: the value at `cursor_path` of each body goes into `param`; null or "" ends
 *   paging. With `cursor_record_path` instead, the value at that path of the page's last
 *   record does (Stripe's `starting_after`), and an empty page ends paging. Absent from a first page that has records, the path is taken for a typo and
 *   paging fails (a config error), unless `missing_cursor: end` says the API leaves the
 *   cursor out of its last page (Microsoft Graph, Airtable, HubSpot do); absent from a later
 *   page it ends paging, the path having been found before. Without `param` the value is the next page's URL, as many APIs put it in
 *   the body (`next`, `links.next`, `nextRecordsUrl`): absolute, or relative to the page
 *   (starting with `/` or `?`), followed like a Link header's.
 * - link: the `rel="next"` target of the `Link` header (RFC 8288), resolved against the URL
 *   the response came from; no such link ends paging.
 * - `has_more_path` (page, offset, cursor): a boolean in the body saying whether more pages
 *   follow (Stripe's `has_more`). false ends paging after the page, before any other rule (no
 *   extra request for an empty page); true goes on by the kind's rules, and a cursor page that
 *   says true without a next cursor is an error, not a silent end. Absent (or null) from a
 *   first page with records, the path is taken for a typo (a config error); absent from a later
 *   page, the kind's rules decide.
 *
 * Loops are errors, not silent stops: a cursor or next URL seen before (after a page with
 * records; an empty page that points back to a page already read is the end, as asking again
 * gives the same empty page: APIs that answer past their end with the cursor they were sent,
 * or with a next link to the page itself, end that way), or a page whose
 * records are identical to the previous page's, which is what an API that ignores the paging
 * parameter sends (page, offset), or that ignores the cursor and hands out a new one each time
 * (cursor, link; a non-empty page). `max_pages` stops paging after that many pages.
 */
import type { HttpPagination } from '../pipeline/schema-source.js';

export interface PageOutcome {
  /** Records in the page. */
  records: number;
  /** The next cursor (cursor paging): text, null for JSON null, undefined when absent. */
  cursor?: string | null;
  /** The value at has_more_path: undefined when absent (or null, or no path configured). */
  hasMore?: boolean;
  /** The response's Link header. */
  link?: string | null;
  /** A digest of the page's records (page and offset paging compare consecutive pages). */
  fingerprint?: string;
  /** The URL the response came from, after redirects. */
  url: URL;
}

/** `config`: the pipeline's settings are wrong (a config error), not the API's answer. */
export type Step = { kind: 'next'; url: URL } | { kind: 'done'; reason: string } | { kind: 'error'; detail: string; config?: boolean };

export interface Pager {
  /** The URL of the first request, from the configured URL and params. */
  first(base: URL): URL;
  /** What follows the page just read from `requested`. */
  next(page: PageOutcome, requested: URL): Step;
}

const withParam = (url: URL, name: string, value: string | number): URL => {
  const u = new URL(url);
  u.searchParams.set(name, String(value));
  return u;
};

export function createPager(p: HttpPagination | undefined): Pager {
  const pager = kindPager(p);
  if (p === undefined || p.kind === 'link' || p.has_more_path === undefined) return pager;
  const path = p.has_more_path;
  let read = 0;
  return {
    first: pager.first,
    next: (page, requested) => {
      read++;
      if (page.hasMore === undefined && read === 1 && page.records > 0) {
        return { kind: 'error', config: true, detail: `pagination.has_more_path "${path}" is not in page 1, which has ${page.records} record${page.records === 1 ? '' : 's'}` };
      }
      if (page.hasMore === false) return { kind: 'done', reason: `"${path}" is false` };
      const step = pager.next(page, requested);
      if (page.hasMore === true && p.kind === 'cursor' && step.kind === 'done' && !step.reason.startsWith('max_pages')) {
        const where = p.cursor_record_path !== undefined ? `at "${p.cursor_record_path}" of its last record` : `at "${p.cursor_path}"`;
        return { kind: 'error', detail: `page ${read} says "${path}" is true but has no next ${p.param === undefined ? 'page URL' : 'cursor'} ${where}; the rest of the result cannot be read` };
      }
      return step;
    },
  };
}

function kindPager(p: HttpPagination | undefined): Pager {
  let pages = 0;
  let previous: string | undefined;
  const seen = new Set<string>();
  /** The configured origin, the only one followed links may lead to (set by `first`). */
  let origin: string | undefined;
  const start = (base: URL): URL => {
    origin = base.origin;
    seen.add(base.href);
    return base;
  };
  const maxed = (): Step | undefined => {
    pages++;
    return p?.max_pages !== undefined && pages >= p.max_pages ? { kind: 'done', reason: `max_pages (${p.max_pages}) reached` } : undefined;
  };
  /** Page and offset: the same records twice in a row mean the parameter is ignored. */
  const repeated = (page: PageOutcome, param: string): Step | undefined => {
    const same = page.fingerprint !== undefined && page.fingerprint === previous;
    previous = page.fingerprint;
    return same ? { kind: 'error', detail: `page ${pages} returned the same ${page.records} records as the page before; does the API read the "${param}" query parameter? (An API that repeats its last page past the end cannot be paged this way; max_pages bounds the read.)` } : undefined;
  };
  /**
   * Cursor and link: a page with the same records as the page before, under a cursor or link
   * never seen, is an API that ignores what was sent and hands out a new token each time
   * (opaque cursors made with a random nonce do): paging would never end. Empty pages are not
   * compared, since an API may answer several in a row before the next records. Asked once
   * the next cursor or URL is known to be new (a repeated one is named as such first).
   */
  const repeatedUnder = (page: PageOutcome, what: 'cursor' | 'URL', hint = ''): Step | undefined => {
    if (page.records === 0 || page.fingerprint === undefined) {
      previous = undefined;
      return undefined;
    }
    const same = page.fingerprint === previous;
    previous = page.fingerprint;
    return same ? { kind: 'error', detail: `page ${pages} returned the same ${page.records} record${page.records === 1 ? '' : 's'} as the page before, though its ${what} was new: paging would never end${hint}` } : undefined;
  };

  switch (p?.kind) {
    case undefined:
      return { first: (base) => base, next: () => ({ kind: 'done', reason: 'no pagination' }) };
    case 'page': {
      let n = p.start;
      return {
        first: (base) => {
          const u = withParam(base, p.param, n);
          return p.size_param !== undefined && p.size !== undefined ? withParam(u, p.size_param, p.size) : u;
        },
        next: (page, requested) => {
          if (page.records === 0) return { kind: 'done', reason: 'empty page' };
          const stop = maxed() ?? repeated(page, p.param);
          if (stop) return stop;
          return { kind: 'next', url: withParam(requested, p.param, ++n) };
        },
      };
    }
    case 'offset': {
      let offset = 0;
      let largest = 0;
      return {
        first: (base) => withParam(withParam(base, p.param, 0), p.limit_param, p.limit),
        next: (page, requested) => {
          if (page.records === 0) return { kind: 'done', reason: 'empty page' };
          if (page.records < p.limit && page.records < largest) return { kind: 'done', reason: `a page of fewer than ${p.limit} records` };
          largest = Math.max(largest, page.records);
          const stop = maxed() ?? repeated(page, p.param);
          if (stop) return stop;
          // By the records received, not by `limit`: an API that sends more than asked is not re-read.
          offset += page.records;
          return { kind: 'next', url: withParam(requested, p.param, offset) };
        },
      };
    }
    case 'cursor': {
      const param = p.param;
      /** A cursor absent from a first page with records: a mistyped cursor_path, unless the API omits it on its last page. */
      const absent = (page: PageOutcome): Step | undefined =>
        page.cursor === undefined && pages === 0 && page.records > 0 && p.missing_cursor !== 'end'
          ? {
              kind: 'error',
              config: true,
              detail: p.cursor_record_path !== undefined
                ? `pagination.cursor_record_path "${p.cursor_record_path}" is not in the last record of page 1`
                : `pagination.cursor_path "${p.cursor_path}" is not in page 1, which has ${page.records} record${page.records === 1 ? '' : 's'}`,
            }
          : undefined;
      if (param === undefined) {
        return {
          first: start,
          next: (page) => {
            const ref = page.cursor;
            const typo = absent(page);
            if (typo) return typo;
            if (ref === undefined || ref === null || ref === '') return { kind: 'done', reason: 'no next page URL' };
            const stop = maxed();
            if (stop) return stop;
            // A bare token resolves as a relative path too; refusing it names the missing `param` instead of requesting a wrong URL.
            if (!/^(https?:\/\/|\/|\?)/i.test(ref)) {
              return { kind: 'error', detail: `the value at "${p.cursor_path}" of page ${pages}, ${JSON.stringify(ref.length > 60 ? `${ref.slice(0, 60)}…` : ref)}, is not a URL; give pagination.param to send it as a query parameter` };
            }
            return follow(ref, page, `the next page URL at "${p.cursor_path}"`);
          },
        };
      }
      return {
        first: (base) => base,
        next: (page, requested) => {
          const typo = absent(page);
          if (typo) return typo;
          if (page.cursor === undefined || page.cursor === null || page.cursor === '') return { kind: 'done', reason: 'no next cursor' };
          const stop = maxed();
          if (stop) return stop;
          // An empty page that hands back a cursor already sent is the end: that cursor gives the same empty page again.
          if (seen.has(page.cursor) && page.records === 0) return { kind: 'done', reason: 'an empty page with a cursor already read' };
          if (seen.has(page.cursor)) return { kind: 'error', detail: `the API returned the cursor ${JSON.stringify(page.cursor)} a second time after ${pages} pages; paging would never end` };
          seen.add(page.cursor);
          const again = repeatedUnder(page, 'cursor', ` (does the API read the "${param}" query parameter?)`);
          if (again) return again;
          return { kind: 'next', url: withParam(requested, param, page.cursor) };
        },
      };
    }
    case 'link':
      return {
        first: start,
        next: (page) => {
          const ref = nextLinkUrl(page.link);
          if (ref === null) return { kind: 'done', reason: 'no next link' };
          const stop = maxed();
          if (stop) return stop;
          return follow(ref, page, 'the next link');
        },
      };
  }

  /** A next-page reference resolved against the page it came from: same origin, never seen before. */
  function follow(ref: string, page: PageOutcome, what: string): Step {
    let url: URL;
    try {
      url = new URL(ref, page.url);
    } catch {
      return { kind: 'error', detail: `${what} of page ${pages} is not a URL` };
    }
    // The pipeline's headers (credentials included) are only ever sent to the configured
    // origin. Compared with that origin, not the page's: a first page redirected to another
    // host (the redirect dropped the headers) must not lead the next request there with them.
    const allowed = origin ?? page.url.origin;
    if (url.origin !== allowed) return { kind: 'error', detail: `${what} of page ${pages} points to another origin (${url.origin}) than the source's url (${allowed}); floe does not send the pipeline's headers there` };
    if (seen.has(url.href) && page.records === 0) return { kind: 'done', reason: `an empty page whose ${what.replace(/^the /, '')} is a page read already` };
    if (seen.has(url.href)) return { kind: 'error', detail: `${what} of page ${pages} points to a page already read; paging would never end` };
    seen.add(url.href);
    const again = repeatedUnder(page, 'URL');
    if (again) return again;
    return { kind: 'next', url };
  }
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

/**
 * The target of the `rel="next"` link in a Link header (RFC 8288 §3), as written (a URI
 * reference, possibly relative), or null. Handles several links per header, quoted and
 * unquoted parameters, several relation types in one `rel` (`rel="next last"`) and any case.
 */
export function nextLinkUrl(header: string | null | undefined): string | null {
  if (!header) return null;
  let i = 0;
  const ws = () => {
    while (header[i] === ' ' || header[i] === '\t') i++;
  };
  for (;;) {
    const lt = header.indexOf('<', i);
    if (lt < 0) return null;
    const gt = header.indexOf('>', lt + 1);
    if (gt < 0) return null;
    const target = header.slice(lt + 1, gt).trim();
    i = gt + 1;
    let rel: string | undefined;
    for (;;) {
      ws();
      if (header[i] !== ';') break;
      i++;
      ws();
      TOKEN.lastIndex = i;
      const name = TOKEN.exec(header)?.[0];
      if (name === undefined) break;
      i = TOKEN.lastIndex;
      ws();
      let value = '';
      if (header[i] === '=') {
        i++;
        ws();
        if (header[i] === '"') {
          i++;
          while (i < header.length && header[i] !== '"') {
            if (header[i] === '\\') i++;
            value += header[i] ?? '';
            i++;
          }
          i++;
        } else {
          TOKEN.lastIndex = i;
          value = TOKEN.exec(header)?.[0] ?? '';
          i += value.length;
        }
      }
      // Only the first rel parameter counts (RFC 8288 §3.3).
      if (name.toLowerCase() === 'rel' && rel === undefined) rel = value;
    }
    if (rel !== undefined && rel.toLowerCase().split(/\s+/).includes('next')) return target;
  }
}
