/**
 * `incremental:` on `kind: http`, at the source: the bound the runner hands over goes to the
 * API in `incremental.param` (formatted by `incremental.format`), on every page the pager
 * builds and with POST too; nothing is sent without a bound; each record's cursor is checked
 * (missing, not a number or text, mixed kinds) naming the pipeline file's line:col or the
 * page and record; `param` naming a parameter floe already sets is a schema error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { usePrivateTmpdir } from '../helpers/local-http.js';
import { FloeError } from '../../src/errors.js';
import { type Source as SourceConfig, sourceSchema } from '../../src/pipeline/schema-source.js';
import { httpSource } from '../../src/sources/http.js';
import { formatBound } from '../../src/sources/http-incremental.js';
import type { CursorState, Extracted } from '../../src/sources/source.js';
import { context, textRows, useEngine } from './helpers.js';
import { startServer, type TestServer } from './helpers/http-server.js';

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;

// Private TMPDIR: test/sources/http.test.ts counts floe-http-* folders in the shared one.
usePrivateTmpdir('floe-http-inc-src-');

const engine = useEngine();
let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'floe-http-inc-'));
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(path: string, extra: Record<string, unknown> = {}): HttpConfig {
  return sourceSchema.parse({ kind: 'http', url: `${server.origin}${path}`, records_path: 'data', retries: { max: 0, backoff: '5ms' }, timeout: '5s', ...extra }) as HttpConfig;
}

const extracted: Extracted[] = [];
afterEach(async () => {
  for (const out of extracted.splice(0)) await out.afterScan?.();
});

async function extract(c: HttpConfig, cursor: CursorState | undefined, pipelineFile?: string): Promise<Extracted> {
  const out = await httpSource(c).extract(context(engine(), { cursor, projectDir: dir, ...(pipelineFile ? { pipelineFile } : {}) }));
  extracted.push(out);
  return out;
}

async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

/** A pipeline file on disk, for the line:col in messages; its `source:` is what the test passes as config. */
function pipelineFile(name: string, incremental: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, ['source:', '  kind: http', '  url: http://127.0.0.1/x', '  records_path: data', `  incremental: ${incremental}`, 'target: { table: raw.x }', ''].join('\n'));
  return file;
}

describe('the bound sent to the API', () => {
  it('goes into incremental.param on the first request and on every page the pager builds', async () => {
    server.route('/paged', (req) => {
      const page = Number(req.query.get('page'));
      return { body: { data: page <= 2 ? [{ id: page, updated_at: `2026-01-0${page + 5}T00:00:00Z` }] : [] } };
    });
    const c = config('/paged', { pagination: { kind: 'page' }, incremental: { cursor: 'updated_at', param: 'updated_since' } });
    const out = await extract(c, { column: 'updated_at', after: '2026-01-05T10:00:00Z' });
    const seen = server.seen('/paged');
    expect(seen.map((r) => [r.query.get('page'), r.query.get('updated_since')])).toEqual([
      ['1', '2026-01-05T10:00:00Z'],
      ['2', '2026-01-05T10:00:00Z'],
      ['3', '2026-01-05T10:00:00Z'],
    ]);
    expect(out.describe).toContain('?updated_since=2026-01-05T10%3A00%3A00Z');
    expect((await textRows(engine(), out.relation, 'id')).map((r) => r.id)).toEqual(['1', '2']);
  });

  it('is sent in the query string with POST, the body unchanged', async () => {
    server.route('/search', () => ({ body: { data: [{ id: 1, seq: 7 }] } }));
    const c = config('/search', { method: 'POST', body: { filter: { status: 'open' } }, incremental: { cursor: 'seq', param: 'since_seq' } });
    await extract(c, { column: 'seq', after: '6' });
    const [req] = server.seen('/search');
    expect(req!.method).toBe('POST');
    expect(req!.query.get('since_seq')).toBe('6');
    expect(JSON.parse(req!.body)).toEqual({ filter: { status: 'open' } });
  });

  it('is not sent without a bound (a first run without initial), nor without param', async () => {
    server.route('/first', () => ({ body: { data: [{ id: 1, updated_at: '2026-01-05T10:00:00Z' }] } }));
    await extract(config('/first', { incremental: { cursor: 'updated_at', param: 'updated_since' } }), { column: 'updated_at', after: null });
    await extract(config('/first', { incremental: { cursor: 'updated_at' } }), { column: 'updated_at', after: '2026-01-01T00:00:00Z' });
    expect(server.seen('/first').map((r) => [...r.query.keys()])).toEqual([[], []]);
  });

  it('is written as format says', async () => {
    server.route('/fmt', () => ({ body: { data: [{ id: 1, updated_at: '2026-01-05T10:00:00Z' }] } }));
    // The form a cursor typed timestamptz is stored in.
    const after = '2026-01-05 10:00:00.123456+00';
    for (const format of ['text', 'iso8601', 'unix', 'unix_ms'] as const) {
      await extract(config('/fmt', { incremental: { cursor: 'updated_at', param: 'since', format } }), { column: 'updated_at', after });
    }
    expect(server.seen('/fmt').map((r) => r.query.get('since'))).toEqual([after, '2026-01-05T10:00:00.123456Z', '1767607200', '1767607200123']);
  });
});

describe('formatBound', () => {
  const where = { pipeline: 'p' };
  it('writes instants in UTC, fractions only when there are any, epochs rounded down', () => {
    expect(formatBound('2026-01-05 12:00:00+02', 'iso8601', where, 'c')).toBe('2026-01-05T10:00:00Z');
    expect(formatBound('2026-01-05T10:00:00.500Z', 'iso8601', where, 'c')).toBe('2026-01-05T10:00:00.5Z');
    // A date is ISO-8601 already, and a number cannot be told apart from epoch seconds or milliseconds: both as they are.
    expect(formatBound('2026-01-05', 'iso8601', where, 'c')).toBe('2026-01-05');
    expect(formatBound('1767607200', 'iso8601', where, 'c')).toBe('1767607200');
    expect(formatBound('INV-0042', 'iso8601', where, 'c')).toBe('INV-0042');
    expect(formatBound('2026-01-05', 'unix', where, 'c')).toBe('1767571200');
    expect(formatBound('2026-01-05T10:00:00.999Z', 'unix', where, 'c')).toBe('1767607200');
    expect(formatBound('1969-12-31T23:59:59.5Z', 'unix', where, 'c')).toBe('-1');
    expect(formatBound('1767607200', 'unix', where, 'c')).toBe('1767607200');
    expect(formatBound(' 2026-01-05 10:00:00 ', 'text', where, 'c')).toBe('2026-01-05 10:00:00');
  });

  it('refuses a bound unix cannot write, naming format in the pipeline file', () => {
    const file = pipelineFile('fmt', '{ cursor: seq, param: since, format: unix }');
    let e: unknown;
    try {
      formatBound('INV-0042', 'unix', { pipeline: 'p', file, projectDir: dir }, 'seq');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('config');
    expect((e as FloeError).message).toBe('fmt.yaml:5:53: source.incremental.format: unix cannot write the seq bound "INV-0042", which is neither a date-time nor a number');
    expect(() => formatBound('abc', 'unix_ms', where, 'c')).toThrow('pipeline p: source.incremental.format: unix_ms cannot write the c bound "abc"');
  });
});

describe('the records\' cursors', () => {
  it('a cursor missing from the first record is a config error at incremental.cursor, naming the record and its fields', async () => {
    server.route('/typo', () => ({ body: { data: [{ id: 1, updatedAt: '2026-01-05T10:00:00Z' }] } }));
    const file = pipelineFile('typo', '{ cursor: updated_at, param: since }');
    const e = await failure(extract(config('/typo', { incremental: { cursor: 'updated_at', param: 'since' } }), { column: 'updated_at', after: null }, file));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`typo.yaml:5:26: source.incremental.cursor: record 1 of page 1 (${server.origin}/typo) has no field "updated_at", the incremental cursor (its fields: id, updatedAt)`);
  });

  it('a record of a later page without the cursor fails the run, naming page and record', async () => {
    server.route('/later', (req) => {
      const page = Number(req.query.get('page'));
      return { body: { data: page === 1 ? [{ id: 1, seq: 1 }] : page === 2 ? [{ id: 2, seq: 2 }, { id: 3 }] : [] } };
    });
    const e = await failure(extract(config('/later', { pagination: { kind: 'page' }, incremental: { cursor: 'seq' } }), { column: 'seq', after: null }));
    expect(e.kind).toBe('source');
    expect(e.message).toBe(`pipeline test_pipeline: record 2 of page 2 (${server.origin}/later?page=2) has no field "seq", the incremental cursor (its fields: id), while earlier records have it`);
  });

  it('a cursor that is an object or a boolean is a config error; null is let through', async () => {
    server.route('/object', () => ({ body: { data: [{ id: 1, meta: null }, { id: 2, meta: { updated: '2026-01-05' } }] } }));
    const file = pipelineFile('object', '{ cursor: meta }');
    const e = await failure(extract(config('/object', { incremental: { cursor: 'meta' } }), { column: 'meta', after: null }, file));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`object.yaml:5:26: source.incremental.cursor: the "meta" of record 2 of page 1 (${server.origin}/object) is an object: {"updated":"2026-01-05"}; a cursor is a number or a text (a date-time, an id)`);
    server.route('/bool', () => ({ body: { data: [{ id: 1, done: true }] } }));
    expect((await failure(extract(config('/bool', { incremental: { cursor: 'done' } }), { column: 'done', after: null }))).message).toContain('is a boolean: true');
  });

  it('masks the pipeline\'s secrets in the record it quotes', async () => {
    server.route('/echo', () => ({ body: { data: [{ id: 1, seen: { 'x-api-key': 'sekrit-123' } }] } }));
    const e = await failure(extract(config('/echo', { headers: { 'x-api-key': 'sekrit-123' }, incremental: { cursor: 'seen' } }), { column: 'seen', after: null }));
    expect(e.message).toContain('is an object: {"x-api-key":"***"}');
    expect(e.message).not.toContain('sekrit');
  });

  it('cursors of two kinds (numbers, then text) fail the run, naming both records', async () => {
    server.route('/mixed', () => ({ body: { data: [{ id: 1, seq: 5 }, { id: 2, seq: '6' }] } }));
    const e = await failure(extract(config('/mixed', { incremental: { cursor: 'seq' } }), { column: 'seq', after: null }));
    expect(e.kind).toBe('source');
    expect(e.message).toBe(
      `pipeline test_pipeline: the incremental cursor "seq" of record 2 of page 1 (${server.origin}/mixed) is a string ("6"), but that of record 1 of page 1 (${server.origin}/mixed) is a number: mixed, they would be compared as text`,
    );
  });

  it('records are not checked when the run is not incremental (floe plan, no cursor in the context)', async () => {
    server.route('/plain', () => ({ body: { data: [{ id: 1 }] } }));
    const out = await extract(config('/plain', { incremental: { cursor: 'seq' } }), undefined);
    expect(out.rowsRead).toBe(1);
  });
});

describe('incremental.param beside the other query parameters', () => {
  const issues = (extra: Record<string, unknown>) => {
    const r = sourceSchema.safeParse({ kind: 'http', url: 'https://api.example.com/orders?status=open', incremental: { cursor: 'updated_at', param: 'since' }, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('may not be a pagination parameter, a params: entry or a parameter of the url', () => {
    expect(issues({})).toEqual([]);
    expect(issues({ pagination: { kind: 'page', param: 'since' } })).toEqual(['incremental.param: "since" is also pagination.param: the watermark would overwrite it, or it the watermark; name the API\'s filter parameter here']);
    expect(issues({ pagination: { kind: 'offset', limit_param: 'since' } })).toEqual(['incremental.param: "since" is also pagination.limit_param: the watermark would overwrite it, or it the watermark; name the API\'s filter parameter here']);
    expect(issues({ pagination: { kind: 'page', size_param: 'since', size: 10 } })[0]).toContain('is also pagination.size_param');
    expect(issues({ pagination: { kind: 'cursor', param: 'since', cursor_path: 'next' } })[0]).toContain('is also pagination.param');
    expect(issues({ params: { since: '2020-01-01', status: 'open' } })).toEqual(['incremental.param: "since" is also params.since: the watermark would overwrite it, or it the watermark; name the API\'s filter parameter here']);
    expect(issues({ url: 'https://api.example.com/orders?since=2020-01-01' })[0]).toContain('"since" is also the query string of url');
    // The page paging's default param is `page`.
    expect(sourceSchema.safeParse({ kind: 'http', url: 'https://api.example.com/o', pagination: { kind: 'page' }, incremental: { cursor: 'c', param: 'page' } }).success).toBe(false);
  });

  it('format is one of iso8601 (the default), unix, unix_ms, text', () => {
    const parsed = sourceSchema.parse({ kind: 'http', url: 'https://api.example.com/o', incremental: { cursor: 'c', param: 'since' } }) as HttpConfig;
    expect(parsed.incremental?.format).toBe('iso8601');
    expect(sourceSchema.safeParse({ kind: 'http', url: 'https://api.example.com/o', incremental: { cursor: 'c', format: 'epoch' } }).success).toBe(false);
  });
});
