/**
 * `kind: http` attacked through the built CLI with a local node:http API (two servers: the
 * API's origin and another one), where a review found gaps:
 * - a 307/308 redirect to another origin sent the POST body again, secrets in it included,
 *   though the headers were dropped;
 * - cursor, next-URL and Link paging looped until max_pages (or for ever), writing the same
 *   records again, when the API ignored what was sent and handed out a new cursor each time;
 * - a string with half a UTF-16 surrogate pair (`"\ud800"`) passed the page check and then
 *   failed in DuckDB naming a temp file and a line of its own, not the page and record;
 * - a request failing on a later page of cursor paging did not say which page;
 * - a gzip body that does not decompress was called a network error;
 * - a 401 after a redirect to another origin (which drops the headers) gave the credentials
 *   hint, and a redirect to ftp: was retried as a network error;
 * - keys that differ only in case (`Id` and `id`) became the columns `Id` and `id_1`, where
 *   json and jsonl files refuse them;
 * - a 404 past the last page (Django REST framework) said "check the url", and a record that
 *   is an array was "a array";
 * - a header value undici refuses (a control character from a variable) was retried three
 *   times as a "network error" with the hint that the API kept failing;
 * - `pagination: { kind: page, size: 50 }` without size_param (or size_param without size)
 *   was valid, and the size was never sent.
 * Each run also checks that the token reaches no output; one test checks what held already:
 * a 401 that echoes the token keeps it out of the --json events and floe.audit_log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';

usePrivateTmpdir('floe-http-review-cli-');
beforeAll(assertBuilt);
const newProject = useProjects();

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => void;
const serve = () => {
  const s = routedServer<Handler>((h, req, res, url) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => h(req, res, url, body));
  });
  return { ...s, origin: '' };
};
const api = serve();
const elsewhere = serve();
beforeAll(async () => {
  api.origin = await listenLocal(api.server);
  elsewhere.origin = await listenLocal(elsewhere.server);
});
afterAll(async () => {
  await closeLocal(api.server);
  await closeLocal(elsewhere.server);
});

const TOKEN = 'tk_Rv7q+Secret/Value==';
const env = { API_TOKEN: TOKEN };
const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** A pipeline reading `path` of the API with the token in the Authorization header. */
const pipeline = (path: string, lines: string[] = [], target = 'target: { table: raw.t, mode: append }') =>
  [
    'source:',
    '  kind: http',
    `  url: ${api.origin}${path}`,
    '  headers: { Authorization: "Bearer ${API_TOKEN}" }',
    '  retries: { max: 1, backoff: 10ms }',
    '  timeout: 5s',
    ...lines.map((l) => `  ${l}`),
    target,
    '',
  ].join('\n');

async function runOnce(yaml: string) {
  const p = await newProject();
  await p.pipeline('p', yaml);
  const r = await p.floe(['run', 'p', '--json'], env);
  const out = r.stdout + r.stderr;
  for (const leak of [TOKEN, encodeURIComponent(TOKEN)]) expect(out).not.toContain(leak);
  return { p, r, error: events(r.stdout).find((e) => e.event === 'error')?.message as string | undefined };
}

describe('http source under attack, through the CLI', () => {
  it('a 307 to another origin does not carry a POST body that holds a secret; one without a secret is followed', async () => {
    const received: string[] = [];
    elsewhere.routes.set('/moved', (_q, res, _u, body) => {
      received.push(body);
      json(res, [{ id: 1 }]);
    });
    api.routes.set('/search', (_q, res) => {
      res.writeHead(307, { location: `${elsewhere.origin}/moved` });
      res.end();
    });
    const secret = await runOnce(pipeline('/search', ['method: POST', 'body: { api_key: "${API_TOKEN}", q: shoes }']));
    expect(secret.r.code, show(secret.r)).toBe(1);
    expect(secret.error).toContain(`POST ${api.origin}/search failed: redirected (307) to another origin, ${elsewhere.origin}, where floe does not send the request body: it holds a secret of the pipeline`);
    expect(received).toEqual([]);
    expect(await secret.p.tables()).not.toContain('raw.t');

    const plain = await runOnce(pipeline('/search', ['method: POST', 'body: { q: shoes }']));
    expect(plain.r.code, show(plain.r)).toBe(0);
    expect(received).toEqual(['{"q":"shoes"}']);
    expect(await plain.p.query('SELECT id FROM raw.t')).toEqual([{ id: 1 }]);
  });

  it('cursor paging: an API that ignores the cursor and hands out a new one each time fails on page 2, writing nothing', async () => {
    let n = 0;
    api.routes.set('/nonce-cursor', (_q, res) => json(res, { data: [{ id: 1 }, { id: 2 }], next: `opaque-${++n}` }));
    const { p, r, error } = await runOnce(pipeline('/nonce-cursor', ['records_path: data', 'pagination: { kind: cursor, param: after, cursor_path: next }']));
    expect(r.code, show(r)).toBe(1);
    expect(error).toContain('page 2 returned the same 2 records as the page before, though its cursor was new: paging would never end (does the API read the "after" query parameter?)');
    expect(api.hits.get('/nonce-cursor')).toHaveLength(2);
    expect(await p.tables()).not.toContain('raw.t');
  });

  it('next-URL and Link paging: new URLs that keep bringing the same records fail; records that change are read to the end', async () => {
    let n = 0;
    api.routes.set('/nonce-next', (_q, res) => json(res, { results: [{ id: 7 }], next: `/nonce-next?token=${++n}` }));
    const next = await runOnce(pipeline('/nonce-next', ['records_path: results', 'pagination: { kind: cursor, cursor_path: next }']));
    expect(next.r.code, show(next.r)).toBe(1);
    expect(next.error).toContain('page 2 returned the same 1 record as the page before, though its URL was new: paging would never end');
    expect(api.hits.get('/nonce-next')).toHaveLength(2);

    let m = 0;
    api.routes.set('/nonce-link', (_q, res) => json(res, [{ id: 7 }], 200, { link: `</nonce-link?k=${++m}>; rel="next"` }));
    const link = await runOnce(pipeline('/nonce-link', ['pagination: { kind: link }']));
    expect(link.r.code, show(link.r)).toBe(1);
    expect(link.error).toContain('page 2 returned the same 1 record as the page before, though its URL was new: paging would never end');

    // Pages that differ, with an empty page in between twice in a row, are read whole.
    api.routes.set('/link-ok', (_q, res, u) => {
      const k = Number(u.searchParams.get('k') ?? 1);
      const records = k === 2 || k === 3 ? [] : [{ id: k }];
      json(res, records, 200, k < 5 ? { link: `</link-ok?k=${k + 1}>; rel="next"` } : {});
    });
    const ok = await runOnce(pipeline('/link-ok', ['pagination: { kind: link }']));
    expect(ok.r.code, show(ok.r)).toBe(0);
    expect(await ok.p.query('SELECT id FROM raw.t ORDER BY id')).toEqual([{ id: 1 }, { id: 4 }, { id: 5 }]);
  });

  it('half a surrogate pair fails the page naming the record and the URL, not a temp file; whole pairs are read', async () => {
    api.routes.set('/cut-emoji', (_q, res) => json(res, String.raw`{"data":[{"id":1,"s":"ok \ud83d\ude00"},{"id":2,"s":"cut \ud83d"},{"id":3,"s":"\\ud800 is text"}]}`));
    const bad = await runOnce(pipeline('/cut-emoji', ['records_path: data']));
    expect(bad.r.code, show(bad.r)).toBe(1);
    expect(bad.error).toContain(String.raw`record 2 of page 1 (${api.origin}/cut-emoji) has the escape \ud83d, half of a UTF-16 surrogate pair without the other half`);
    expect(bad.error).not.toMatch(/floe-http-|\.ndjson/);

    api.routes.set('/whole-emoji', (_q, res) => json(res, String.raw`{"data":[{"id":1,"s":"ok \ud83d\ude00"},{"id":3,"s":"\\ud800 is text"}]}`));
    const good = await runOnce(pipeline('/whole-emoji', ['records_path: data']));
    expect(good.r.code, show(good.r)).toBe(0);
    expect(await good.p.query('SELECT id, s FROM raw.t ORDER BY id')).toEqual([
      { id: 1, s: 'ok 😀' },
      { id: 3, s: String.raw`\ud800 is text` },
    ]);
  });

  it('incremental cursor paging failing on page 3: the message names the page; table and watermark stay; the rerun reads every new row once', async () => {
    let rows = [1, 2, 3, 4].map((id) => ({ id, v: `a${id}` }));
    let failing = false;
    const sent: (string | null)[] = [];
    api.routes.set('/orders', (_q, res, u) => {
      const since = u.searchParams.get('since');
      if (u.searchParams.get('after') === null) sent.push(since);
      const kept = rows.filter((r) => since === null || r.id > Number(since));
      const at = Number(u.searchParams.get('after') ?? 0);
      if (failing && at === 4) return json(res, { message: 'internal error' }, 500);
      json(res, { data: kept.slice(at, at + 2), next: at + 2 < kept.length ? String(at + 2) : null });
    });
    const p = await newProject();
    await p.pipeline('p', pipeline('/orders', ['records_path: data', 'pagination: { kind: cursor, param: after, cursor_path: next }', 'incremental: { cursor: id, param: since }']));
    expect((await p.floe(['run', 'p'], env)).code).toBe(0);
    const before = await p.snapshots('raw.t');
    expect(before.at(-1)!.summary['floe.cursor.value']).toBe('4');

    rows = [...rows, ...[5, 6, 7, 8, 9, 10].map((id) => ({ id, v: `a${id}` }))];
    failing = true;
    const r = await p.floe(['run', 'p', '--json'], env);
    expect(r.code, show(r)).toBe(1);
    const error = events(r.stdout).find((e) => e.event === 'error')!;
    expect(error.message).toContain(`pipeline p: page 3, GET ${api.origin}/orders?since=4&after=4 failed after 2 attempts; the last one returned 500 Internal Server Error`);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(await p.snapshots('raw.t')).toEqual(before);

    failing = false;
    expect((await p.floe(['run', 'p'], env)).code).toBe(0);
    expect(sent).toEqual([null, '4', '4']);
    expect(await p.query('SELECT id, count(*)::INTEGER AS n FROM raw.t GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((id) => ({ id, n: 1 })));
    expect((await p.snapshots('raw.t')).at(-1)!.summary['floe.cursor.value']).toBe('10');
  });

  it('a 401 after a redirect to another origin says the headers stayed behind; a redirect to another scheme fails at once', async () => {
    const auths: (string | undefined)[] = [];
    elsewhere.routes.set('/v2/items', (q, res) => {
      auths.push(q.headers.authorization);
      json(res, { message: 'Bad credentials' }, 401);
    });
    api.routes.set('/v1/items', (_q, res) => {
      res.writeHead(301, { location: `${elsewhere.origin}/v2/items` });
      res.end();
    });
    const p = await newProject();
    await p.pipeline('p', pipeline('/v1/items'));
    const r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(auths).toEqual([undefined]);
    expect(r.stderr).toContain(`GET ${elsewhere.origin}/v2/items returned 401 Unauthorized (redirected there from ${api.origin}, another origin, without the pipeline's headers): {"message":"Bad credentials"} (attempt 1; not retried)`);
    expect(r.stderr).toContain(`hint: floe sends the pipeline's headers (credentials included) only to the origin of the source url. If the API lives at ${elsewhere.origin}, set the source url there.`);
    expect(r.stderr).not.toContain(TOKEN);

    api.routes.set('/to-ftp', (_q, res) => {
      res.writeHead(302, { location: 'ftp://files.example.com/export.json' });
      res.end();
    });
    const ftp = await runOnce(pipeline('/to-ftp'));
    expect(ftp.r.code, show(ftp.r)).toBe(1);
    expect(ftp.error).toContain(`GET ${api.origin}/to-ftp failed: redirected (302) to a ftp: URL, which floe does not follow (only http: and https:) (attempt 1; not retried)`);
    expect(api.hits.get('/to-ftp')).toHaveLength(1);
  });

  it('keys that differ only in case, in one record or on two pages, fail naming page and record, as in json files', async () => {
    api.routes.set('/one-record', (_q, res) => json(res, [{ id: 1, email: 'a@x' }, { Id: 2, id: 3 }]));
    const one = await runOnce(pipeline('/one-record'));
    expect(one.r.code, show(one.r)).toBe(1);
    expect(one.error).toContain(`page 1 (${api.origin}/one-record) record 2: the record has keys "Id" and "id", which name one column: column names are case-insensitive`);
    expect(await one.p.tables()).not.toContain('raw.t');

    api.routes.set('/two-pages', (_q, res, u) => {
      const page = Number(u.searchParams.get('page'));
      json(res, { data: page === 1 ? [{ id: 1, email: 'a@x' }] : page === 2 ? [{ id: 2, Email: 'b@x' }] : [] });
    });
    const two = await runOnce(pipeline('/two-pages', ['records_path: data', 'pagination: { kind: page }']));
    expect(two.r.code, show(two.r)).toBe(1);
    expect(two.error).toContain(`page 1 (${api.origin}/two-pages?page=1) record 1 has key "email" and page 2 (${api.origin}/two-pages?page=2) record 1 has key "Email", which name one column`);

    // A column that only looks renamed (x and x_1, spelled so by the API) is read as it is.
    api.routes.set('/x-1', (_q, res) => json(res, [{ id: 1, x: 'a', x_1: 'b' }]));
    const ok = await runOnce(pipeline('/x-1'));
    expect(ok.r.code, show(ok.r)).toBe(0);
    expect(await ok.p.query('SELECT id, x, x_1 FROM raw.t')).toEqual([{ id: 1, x: 'a', x_1: 'b' }]);
  });

  it('a 404 past the last page of page paging says why; records that are arrays or null are named in plain words', async () => {
    // Django REST framework's PageNumberPagination: page 3 of a 2-page result is a 404.
    api.routes.set('/drf', (_q, res, u) => {
      const page = Number(u.searchParams.get('page') ?? 1);
      if (page > 2) return json(res, { detail: 'Invalid page.' }, 404);
      json(res, { results: [{ id: page }], next: page < 2 ? `${api.origin}/drf?page=${page + 1}` : null });
    });
    const p = await newProject();
    await p.pipeline('p', pipeline('/drf', ['records_path: results', 'pagination: { kind: page }']));
    const r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`page 3, GET ${api.origin}/drf?page=3 returned 404 Not Found: {"detail":"Invalid page."} (attempt 1; not retried)`);
    expect(r.stderr).toContain("hint: The pages before page 3 were read: an API that answers 404 past its last page (Django REST framework's page numbers do) cannot be paged by number; follow the next page URL it gives instead (pagination: { kind: cursor, cursor_path: next }).");
    // Following that advice reads both pages.
    await p.pipeline('p', pipeline('/drf', ['records_path: results', 'pagination: { kind: cursor, cursor_path: next }']));
    expect((await p.floe(['run', 'p'], env)).code).toBe(0);
    expect(await p.query('SELECT id FROM raw.t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);

    api.routes.set('/arrays', (_q, res) => json(res, [[1, 2]]));
    expect((await runOnce(pipeline('/arrays'))).error).toContain(`record 1 of page 1 (${api.origin}/arrays) is an array, not an object`);
    api.routes.set('/nulls', (_q, res) => json(res, { data: [{ id: 1 }, null] }));
    expect((await runOnce(pipeline('/nulls', ['records_path: data']))).error).toContain(`record 2 of page 1 (${api.origin}/nulls) is null, not an object`);
  });

  it('a header value with a control character (a bad variable) fails at once as not sent, not as a network error retried', async () => {
    api.routes.set('/ctl', (_q, res) => json(res, [{ id: 1 }]));
    const p = await newProject();
    await p.pipeline('p', pipeline('/ctl'));
    const r = await p.floe(['run', 'p'], { API_TOKEN: `${TOKEN}\x01` });
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`GET ${api.origin}/ctl failed: the request could not be sent: invalid authorization header (UND_ERR_INVALID_ARG) (attempt 1; not retried)`);
    expect(r.stderr).toContain('hint: Check the headers of the source and the values of the environment variables they read: a value may not hold a control character or a line break.');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(api.hits.get('/ctl')).toBeUndefined();
  });

  it('page paging with size but no size_param, or the other way round, is a config error at its line:col, not ignored', async () => {
    const p = await newProject();
    for (const [setting, message] of [
      ['size: 50', 'source.pagination.size: size needs size_param, the query parameter the API reads the page size from; without it size would be ignored'],
      ['size_param: per_page', 'source.pagination.size_param: size_param needs size, the page size to send in it; without size nothing would be sent'],
    ] as const) {
      const file = await p.pipeline('p', pipeline('/never', [`pagination: { kind: page, ${setting} }`]));
      const line = pipeline('/never', [`pagination: { kind: page, ${setting} }`]).split('\n').findIndex((l) => l.includes(setting));
      // The column of the value, as floe's diagnostics point at it.
      const col = pipeline('/never', [`pagination: { kind: page, ${setting} }`]).split('\n')[line]!.indexOf(setting) + setting.indexOf(': ') + 3;
      const r = await p.floe(['validate'], env);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(`${file}:${line + 1}:${col}: ${message}`);
    }
    await p.pipeline('p', pipeline('/never', ['pagination: { kind: page, size_param: per_page, size: 50 }']));
    expect((await p.floe(['validate'], env)).code).toBe(0);
    expect(api.hits.get('/never')).toBeUndefined();
  });

  it('a 401 echoing the token: exit 1, the URL and status named, the token in neither output, --json events nor floe.audit_log', async () => {
    api.routes.set('/private', (q, res) => json(res, { error: `token ${String(q.headers.authorization)} expired` }, 401));
    const { p, r, error } = await runOnce(pipeline('/private', ['params: { q: "${API_TOKEN}" }']));
    expect(r.code, show(r)).toBe(1);
    expect(error).toBe(`pipeline p: GET ${api.origin}/private?q=*** returned 401 Unauthorized: {"error":"token *** expired"} (attempt 1; not retried)`);
    const audit = JSON.stringify(await p.query('SELECT * FROM floe.audit_log'));
    expect(audit).toContain('returned 401 Unauthorized');
    for (const leak of [TOKEN, encodeURIComponent(TOKEN)]) expect(audit).not.toContain(leak);
  });

  it('a gzip body that does not decompress is named as such, not as a network error', async () => {
    api.routes.set('/bad-gzip', (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('{"data": "this is not gzip"}');
    });
    const { r, error } = await runOnce(pipeline('/bad-gzip'));
    expect(r.code, show(r)).toBe(1);
    expect(error).toContain(`GET ${api.origin}/bad-gzip failed after 2 attempts; the last one failed: the compressed response body could not be decoded (Z_DATA_ERROR`);
    expect(error).not.toContain('network error');
  });
});
