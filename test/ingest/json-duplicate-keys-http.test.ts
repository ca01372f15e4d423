/**
 * http source: keys of a nested object that differ only in case (`{"A": 1}` in one record,
 * `{"a": 2}` in another, or both in one object) fail naming the page, its URL, the record,
 * the path and both keys, as the jsonl and json sources do (json-keys.ts), instead of DuckDB's
 * 'Duplicate name "a" in struct auto-detected in JSON, try ignore_errors=true'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { httpSource } from '../../src/sources/http.js';
import { context, useEngine } from '../sources/helpers.js';
import { startServer, type TestServer } from '../sources/helpers/http-server.js';

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;

const engine = useEngine();
let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

const config = (url: string, extra: Record<string, unknown> = {}) =>
  sourceSchema.parse({ kind: 'http', url, retries: { max: 0, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;

async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

describe('http source, nested keys that differ only in case', () => {
  it('in two records on two pages: both pages and records, the path and both keys', async () => {
    server.route('/case-pages', (req) => {
      const page = Number(req.query.get('page'));
      const body = page === 1 ? [{ id: 1, attrs: { A: 1 } }, { id: 2, attrs: {} }] : page === 2 ? [{ id: 3, attrs: {} }, { id: 4, attrs: { a: 2 } }] : [];
      return { body };
    });
    const e = await failure(httpSource(config(`${server.origin}/case-pages`, { pagination: { kind: 'page' } })).extract(context(engine())));
    expect(e.message).toMatch(/page 1 \(http:\/\/[^ ]*\/case-pages\?page=1\) record 1 has key "A" in attrs and page 2 \(http:\/\/[^ ]*\/case-pages\?page=2\) record 2 has key "a", which name one struct field/);
    expect(e.message).not.toContain('ignore_errors');
  });

  it('in one object: its page and record', async () => {
    server.route('/case-one', () => ({ body: '[{"id": 1, "attrs": {"x": 1}}, {"id": 2, "attrs": {"Size": 1, "size": 2}}]' }));
    const e = await failure(httpSource(config(`${server.origin}/case-one`)).extract(context(engine())));
    expect(e.message).toMatch(/page 1 \(http:\/\/[^ ]*\/case-one\) record 2: the record has keys "Size" and "size" in attrs, which name one struct field/);
  });
});
