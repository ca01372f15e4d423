/**
 * The http source against response bodies a real API sends, from a data engineer's review:
 * a body in another charset (named by its Content-Type) is decoded as such, bytes that are not
 * valid in the body's encoding fail the page instead of becoming U+FFFD in the table, gzip is
 * read, a page larger than the body limit fails naming the limit (declared or streamed), and a
 * `200 OK` page whose records are missing or empty but whose body carries an `error`/`errors`
 * member fails the run instead of ending the read early.
 *
 * A node:http server on 127.0.0.1 in this file (bytes, not strings, so encodings are exact).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { FloeError } from '../../src/errors.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { httpSource } from '../../src/sources/http.js';
import { charsetOf, decodeBody, invalidUtf8At, request } from '../../src/sources/http-request.js';
import type { Extracted } from '../../src/sources/source.js';
import { context, textRows, useEngine } from '../sources/helpers.js';

// This file's temp folders (the source's floe-http-* pages, projects) live in a private TMPDIR:
// test/sources/http.test.ts counts floe-http-* folders in the shared one while it runs.
usePrivateTmpdir('floe-review-http-');

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;
type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const engine = useEngine();
const { server, routes, hits } = routedServer<Handler>((h, req, res, url) => h(req, res, url));
let origin = '';
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

const send = (status: number, headers: Record<string, string>, body: Buffer | string): Handler => (_req, res) => {
  res.writeHead(status, headers);
  res.end(body);
};
const config = (path: string, extra: Record<string, unknown> = {}) =>
  sourceSchema.parse({ kind: 'http', url: `${origin}${path}`, retries: { max: 1, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;

// Each test's temp pages go when it ends (test/sources/http.test.ts counts floe-http-* folders).
const extracted: Extracted[] = [];
afterEach(async () => {
  for (const x of extracted.splice(0)) await x.afterScan?.();
});
async function extract(c: HttpConfig): Promise<Extracted> {
  const out = await httpSource(c).extract(context(engine()));
  extracted.push(out);
  return out;
}
async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

describe('encodings', () => {
  it('decodes a body by the charset its Content-Type names', async () => {
    routes.set('/latin1', send(200, { 'content-type': 'application/json; charset=ISO-8859-1' }, Buffer.from('[{"id":1,"name":"Müller","city":"Besançon"}]', 'latin1')));
    const out = await extract(config('/latin1'));
    expect(await textRows(engine(), out.relation, 'id')).toEqual([{ id: '1', name: 'Müller', city: 'Besançon' }]);
  });

  it('fails on bytes that are not UTF-8 when no charset is named, naming the URL and the byte', async () => {
    const body = Buffer.concat([Buffer.from('[{"id":1,"name":"M'), Buffer.from([0xfc]), Buffer.from('ller"}]')]);
    routes.set('/not-utf8', send(200, { 'content-type': 'application/json' }, body));
    const e = await failure(extract(config('/not-utf8')));
    expect(e.kind).toBe('source');
    expect(e.message).toContain(`GET ${origin}/not-utf8 failed: the response body is not valid utf-8 at byte 18 (content-type application/json)`);
    expect(e.hint).toContain('charset=iso-8859-1');
    // Not retried: the same bytes would come back.
    expect(hits.get('/not-utf8')).toHaveLength(1);
  });

  it('fails on a charset it cannot decode, naming it', async () => {
    routes.set('/klingon', send(200, { 'content-type': 'application/json; charset=x-klingon' }, '[]'));
    const e = await failure(extract(config('/klingon')));
    expect(e.message).toContain('names charset "x-klingon" (content-type application/json; charset=x-klingon), which floe cannot decode');
  });

  it('reads a gzip-encoded body', async () => {
    routes.set('/gz', send(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync('{"data":[{"id":1,"v":"ä"},{"id":2,"v":"b"}]}')));
    const out = await extract(config('/gz', { records_path: 'data' }));
    expect(await textRows(engine(), out.relation, 'id')).toEqual([{ id: '1', v: 'ä' }, { id: '2', v: 'b' }]);
  });

  it('charsetOf, invalidUtf8At and decodeBody', () => {
    expect(charsetOf('application/json; charset="UTF-8"')).toBe('utf-8');
    expect(charsetOf('application/json;charset=latin1; foo=bar')).toBe('latin1');
    expect(charsetOf('application/json')).toBeUndefined();
    expect(charsetOf(null)).toBeUndefined();
    expect(invalidUtf8At(Buffer.from('aé€😀'))).toBe(-1);
    expect(invalidUtf8At(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(invalidUtf8At(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // a surrogate
    expect(invalidUtf8At(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2); // cut short
    expect(decodeBody(Buffer.from('\ufeff[1]'), null)).toBe('[1]');
    expect(decodeBody(Buffer.from([0x5b, 0xe9, 0x5d]), 'text/plain; charset=windows-1252')).toBe('[é]');
  });
});

describe('page size', () => {
  const req = (path: string) => ({ url: new URL(`${origin}${path}`), method: 'GET' as const, headers: {} });
  const opts = { pipeline: 'p', timeoutMs: 5000, retries: { max: 2, backoff: 5 }, redact: (t: string) => t, maxBodyBytes: 1000 };

  it('a body above the limit fails naming the limit, whether its length is declared or streamed', async () => {
    routes.set('/big-declared', send(200, { 'content-type': 'application/json' }, `[${'1,'.repeat(600)}1]`));
    routes.set('/big-chunked', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 20; i++) res.write(`${i === 0 ? '[' : ','}${'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'}`);
      res.end(']');
    });
    for (const path of ['/big-declared', '/big-chunked']) {
      const e = await failure(request(req(path), opts));
      expect(e.message).toContain(`GET ${origin}${path} failed: the response body is larger than 1000 bytes, more than floe reads as one page (attempt 1; not retried)`);
      expect(e.hint).toContain('smaller pages');
      expect(hits.get(path)).toHaveLength(1);
    }
    // At the limit it is read.
    routes.set('/fits', send(200, {}, `[${' '.repeat(998)}]`));
    expect((await request(req('/fits'), opts)).text).toHaveLength(1000);
  });
});

describe('an error inside a 200 answer', () => {
  it('a later page without records but with an error member fails the read, not ends it', async () => {
    routes.set('/flaky', (_req, res, url) => {
      const page = Number(url.searchParams.get('page'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(page < 3 ? { data: [{ id: page }] } : page === 3 ? { error: { code: 503, message: 'backend timeout' } } : { data: [] }));
    });
    const e = await failure(extract(config('/flaky', { records_path: 'data', pagination: { kind: 'page' } })));
    expect(e.kind).toBe('source');
    expect(e.message).toContain(`page 3 (${origin}/flaky?page=3) has no records and reports an error: "error": {"code":503,"message":"backend timeout"}`);
    expect(e.hint).toContain('nothing was written');
  });

  it('an empty records list beside a non-empty errors list fails; empty error members and records beside errors do not', async () => {
    routes.set('/gql', send(200, { 'content-type': 'application/json' }, '{"data": {"items": []}, "errors": [{"message": "rate limited"}]}'));
    const e = await failure(extract(config('/gql', { records_path: 'data.items' })));
    expect(e.message).toContain('has no records and reports an error: "errors": [{"message": "rate limited"}]');

    routes.set('/quiet', (_req, res, url) => {
      const page = Number(url.searchParams.get('page'));
      res.writeHead(200, { 'content-type': 'application/json' });
      // Members that report nothing, a page whose records come with per-record errors, then the end.
      const bodies = [
        { data: [{ id: 1 }], error: null, errors: [] },
        { data: [{ id: 2 }], errors: [{ id: 9, reason: 'not found' }] },
        { data: [], error: false, errors: {} },
      ];
      res.end(JSON.stringify(bodies[page - 1] ?? { data: [] }));
    });
    const out = await extract(config('/quiet', { records_path: 'data', pagination: { kind: 'page' } }));
    expect((await textRows(engine(), out.relation, 'id')).map((r) => r.id)).toEqual(['1', '2']);
  });

  it('without records_path an object body is still one record, error member or not', async () => {
    routes.set('/one', send(200, { 'content-type': 'application/json' }, '{"id": 1, "error": "E42"}'));
    const out = await extract(config('/one'));
    expect(await textRows(engine(), out.relation, 'id')).toEqual([{ id: '1', error: 'E42' }]);
  });
});

describe('records DuckDB could not take', () => {
  it('a record naming a field twice fails the page naming the key, not a later read of a temp file', async () => {
    routes.set('/dup', send(200, { 'content-type': 'application/json' }, '{"meta": {"n": 1}, "data": [{"id": 1, "a": 1}, {"id": 2, "a": 1, "b": {"c": 1, "c": 2}}]}'));
    const e = await failure(extract(config('/dup', { records_path: 'data' })));
    expect(e.kind).toBe('source');
    expect(e.message).toContain(`page 1 (${origin}/dup) has an object with the key "c" twice (at character 79)`);
    expect(e.message).not.toContain('floe-http-');
  });

  it('a key repeated outside the records is left alone, the last one winning as in JSON.parse', async () => {
    routes.set('/dup-meta', send(200, { 'content-type': 'application/json' }, '{"data": [{"id": 1}], "meta": {"n": 1, "n": 2}, "data": [{"id": 2}]}'));
    const out = await extract(config('/dup-meta', { records_path: 'data' }));
    expect(await textRows(engine(), out.relation, 'id')).toEqual([{ id: '2' }]);
  });

  it('records that are all empty objects fail naming the URL; one empty record among others is a row of NULLs', async () => {
    routes.set('/hollow', send(200, { 'content-type': 'application/json' }, '{"data": {}, "list": [{}, { }]}'));
    const e = await failure(extract(config('/hollow', { records_path: 'data' })));
    expect(e.message).toContain(`the 1 record of GET ${origin}/hollow is an empty object, with no field to make a column of`);
    expect(e.hint).toContain('records_path');
    const e2 = await failure(extract(config('/hollow', { records_path: 'list' })));
    expect(e2.message).toContain(`the 2 records of GET ${origin}/hollow are all empty objects`);
    routes.set('/sparse', send(200, { 'content-type': 'application/json' }, '[{}, {"id": 2}]'));
    const out = await extract(config('/sparse'));
    expect(await textRows(engine(), out.relation, 'id')).toEqual([{ id: '2' }, { id: null }]);
  });
});

describe('a large page', () => {
  it('is written to its NDJSON file in chunks without losing or splitting a record', async () => {
    // About 5 MB: more than one 4 MB chunk of lines.
    const n = 40_000;
    const pad = 'x'.repeat(100);
    routes.set('/large', send(200, { 'content-type': 'application/json' }, `{"data":[${Array.from({ length: n }, (_, i) => `{"id":${i + 1},"pad":"${pad}"}`).join(',\n  ')}]}`));
    const out = await extract(config('/large', { records_path: 'data' }));
    expect(out.rowsRead).toBe(n);
    const rows = await engine().all(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d, min(id)::INTEGER AS lo, max(id)::INTEGER AS hi, min(length(pad))::INTEGER AS p FROM "${out.relation}"`, 'count');
    expect(rows).toEqual([{ n, d: n, lo: 1, hi: n, p: 100 }]);
  });
});
