/**
 * The http source against bad answers, where the review of the extraction side found gaps: a
 * server that echoes the Authorization header must not print the Basic credential floe made
 * from the URL's user and password; records past DuckDB's 20,480-record sample keep their
 * keys and values; a field whose values have several JSON types is text, without quotes; a
 * refused connection says why even when fetch gives no error code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { httpSource } from '../../src/sources/http.js';
import { columnTypes, context, textRows, useEngine } from './helpers.js';
import { startServer, type TestServer } from './helpers/http-server.js';

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

describe('http source, bad answers', () => {
  it('a 401 body echoing the Authorization header does not show the Basic credential made from the URL', async () => {
    server.route('/echo-auth', (req) => ({ status: 401, body: { error: `bad credentials: ${String(req.headers.authorization)}` } }));
    const url = server.origin.replace('http://', 'http://robot:pw_Echo_7781@') + '/echo-auth';
    const e = await failure(httpSource(config(url)).extract(context(engine())));
    const token = Buffer.from('robot:pw_Echo_7781').toString('base64');
    expect(server.seen('/echo-auth')[0]!.headers.authorization).toBe(`Basic ${token}`);
    expect(e.message).toContain('401');
    expect(e.message).not.toContain(token);
    expect(e.message).not.toContain('pw_Echo_7781');
    expect(e.message).toContain('bad credentials: ***');
  });

  it('records past the reader sample keep a key first seen there and a value of another type', async () => {
    const items = Array.from({ length: 21_000 }, (_, i) => `{"id":${i}}`);
    items.push('{"id":"late-id","late_key":"kept"}');
    server.route('/long-page', () => ({ body: `[${items.join(',')}]` }));
    const out = await httpSource(config(`${server.origin}/long-page`)).extract(context(engine()));
    try {
      expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'VARCHAR', late_key: 'VARCHAR' });
      const rows = await engine().all(`SELECT id, late_key FROM "${out.relation}" WHERE late_key IS NOT NULL OR id IN ('0', '20999')`, 'read');
      expect(rows.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual([
        { id: '0', late_key: null },
        { id: '20999', late_key: null },
        { id: 'late-id', late_key: 'kept' },
      ]);
      const n = await engine().all(`SELECT count(*)::INTEGER AS n, count(id)::INTEGER AS ids FROM "${out.relation}"`, 'count');
      expect(n).toEqual([{ n: 21_001, ids: 21_001 }]);
    } finally {
      await out.afterScan?.();
    }
  });

  it('a field that is a number in one record and a string in another is text without JSON quotes', async () => {
    server.route('/mixed', () => ({ body: [{ k: 1, v: 10 }, { k: 2, v: 'ten' }, { k: 3, v: { n: 10 } }] }));
    const out = await httpSource(config(`${server.origin}/mixed`)).extract(context(engine()));
    try {
      expect(await textRows(engine(), out.relation, 'k')).toEqual([
        { k: '1', v: '10' },
        { k: '2', v: 'ten' },
        { k: '3', v: '{"n":10}' },
      ]);
    } finally {
      await out.afterScan?.();
    }
  });

  it('a request fetch refuses without an error code says why', async () => {
    // Port 1 is on fetch's list of bad ports: no socket is opened, and the cause has no code.
    const e = await failure(httpSource(config('http://127.0.0.1:1/x')).extract(context(engine())));
    expect(e.message).toMatch(/network error \(bad port\)/);
  });
});
