/**
 * `kind: http` attacked through the built CLI on auth, redirects and paging ends, with a local
 * node:http API (two servers: the API's origin and another one), where a second review found:
 * - a secret of the pipeline sent in the query string came back percent-encoded in an error
 *   body that quotes the request (`not found /items?access_key=tk_Rv7q%2BSecret…`), and was
 *   printed on stderr, in the --json error event and in floe.audit_log; escaped in JSON as
 *   PHP writes a slash (`tk_Rv7q+Secret\/Value==`), the same;
 * - a redirect to another origin whose Location kept the query, api key included, was
 *   followed: the key went to the other origin, though the headers were dropped;
 * - cursor and next-URL paging failed ("paging would never end") on an API whose last page
 *   is empty and hands back the cursor it was sent, or a next link to itself, so such an API
 *   could not be read at all;
 * - a page with records and an `errors` member (a GraphQL partial failure: null where a field
 *   failed) was committed without a word;
 * - an API that kept answering 429 failed with the hint "check that it is up";
 * - a gzip body cut short (whole framing, a truncated stream: fetch decodes it leniently) was
 *   "not JSON (unterminated string …)" and not retried, though a second request reads it;
 * - `{"data": [{…}, {…}, {…}], "meta": {…}}` read without records_path loaded one row holding
 *   the records in a column, without a word;
 * - an NDJSON body failed as "not JSON (unexpected text after the document …)" with no word
 *   that kind: http reads one JSON document per response;
 * - a password written into the url unencoded (`http://user:${API_PASSWORD}@host/` with
 *   `p@ss/w:rd#1`) made the host `ss`: the request went there (a DNS lookup of part of the
 *   password) and the failure printed `GET http://ss/w:rd`;
 * - `timeout: 0s` was valid, and every request then failed ("no complete response within
 *   0 ms", after the retries, with the hint to check that the API is up).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';

usePrivateTmpdir('floe-http-review2-cli-');
beforeAll(assertBuilt);
const newProject = useProjects();

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
const api = { ...routedServer<Handler>((h, req, res, url) => h(req, res, url)), origin: '' };
const elsewhere = { ...routedServer<Handler>((h, req, res, url) => h(req, res, url)), origin: '' };
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
/** Every form of the token that must not be printed. */
const LEAKS = [TOKEN, encodeURIComponent(TOKEN), encodeURIComponent(TOKEN).toLowerCase(), 'tk_Rv7q+Secret\\/Value==', 'Rv7q%2BSecret', 'Rv7q%2bSecret', 'Secret%2FValue'];
const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const pipeline = (path: string, lines: string[] = []) =>
  [
    'source:',
    '  kind: http',
    `  url: ${api.origin}${path}`,
    '  retries: { max: 1, backoff: 10ms }',
    '  timeout: 5s',
    ...lines.map((l) => `  ${l}`),
    'target: { table: raw.t, mode: append }',
    '',
  ].join('\n');

async function runOnce(yaml: string) {
  const p = await newProject();
  await p.pipeline('p', yaml);
  const r = await p.floe(['run', 'p', '--json'], env);
  const out = r.stdout + r.stderr;
  for (const leak of LEAKS) expect(out).not.toContain(leak);
  return { p, r, error: events(r.stdout).find((e) => e.event === 'error')?.message as string | undefined };
}

describe('http source, second review, through the CLI', () => {
  it('an error body that quotes the request keeps a query secret masked, percent-encoded or JSON-escaped, in every output', async () => {
    api.routes.set('/echo', (req, res) => json(res, { error: `not found: ${req.url}` }, 404));
    const query = await runOnce(pipeline('/echo', ['params: { access_key: "${API_TOKEN}" }']));
    expect(query.r.code, show(query.r)).toBe(1);
    expect(query.error).toBe(`pipeline p: GET ${api.origin}/echo?access_key=*** returned 404 Not Found: {"error":"not found: /echo?access_key=***"} (attempt 1; not retried)`);
    const audit = JSON.stringify(await query.p.query('SELECT * FROM floe.audit_log'));
    expect(audit).toContain('returned 404 Not Found');
    for (const leak of LEAKS) expect(audit).not.toContain(leak);

    // A PHP API echoing the header it was sent, json_encode escaping the slash.
    api.routes.set('/php', (req, res) => json(res, `{"error":"bad token ${String(req.headers['x-api-key']).replaceAll('/', '\\/')}"}`, 401));
    const header = await runOnce(pipeline('/php', ['headers: { X-Api-Key: "${API_TOKEN}" }']));
    expect(header.r.code, show(header.r)).toBe(1);
    expect(header.error).toContain('returned 401 Unauthorized: {"error":"bad token ***"}');
  });

  it('a redirect to another origin that keeps a secret in the query is not followed; one without it is', async () => {
    api.routes.set('/moved', (_q, res, u) => {
      res.writeHead(302, { location: `${elsewhere.origin}/items${u.search}` });
      res.end();
    });
    elsewhere.routes.set('/items', (_q, res) => json(res, [{ id: 1 }]));
    const secret = await runOnce(pipeline('/moved', ['params: { api_key: "${API_TOKEN}", q: shoes }']));
    expect(secret.r.code, show(secret.r)).toBe(1);
    expect(secret.error).toBe(
      `pipeline p: GET ${api.origin}/moved?api_key=***&q=shoes failed: redirected (302) to another origin, ${elsewhere.origin}, with a secret of the pipeline in its query parameter "api_key"; floe does not follow it (attempt 1; not retried)`,
    );
    expect(elsewhere.hits.get('/items')).toBeUndefined();
    expect(await secret.p.tables()).not.toContain('raw.t');

    const plain = await runOnce(pipeline('/moved', ['params: { q: shoes }']));
    expect(plain.r.code, show(plain.r)).toBe(0);
    expect(elsewhere.hits.get('/items')?.map((u) => u.search)).toEqual(['?q=shoes']);
  });

  it('an empty last page that hands back the cursor it was sent, or a next link to itself, ends paging; records are read once', async () => {
    // Cursor in a parameter: the API answers past its end with the cursor it was sent.
    api.routes.set('/echo-cursor', (_q, res, u) => {
      const after = u.searchParams.get('after');
      if (after === null) json(res, { data: [{ id: 1 }, { id: 2 }], next: 'c2' });
      else if (after === 'c2') json(res, { data: [{ id: 3 }], next: 'c3' });
      else json(res, { data: [], next: after });
    });
    const cursor = await runOnce(pipeline('/echo-cursor', ['records_path: data', 'pagination: { kind: cursor, param: after, cursor_path: next }']));
    expect(cursor.r.code, show(cursor.r)).toBe(0);
    expect(await cursor.p.query('SELECT id FROM raw.t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(api.hits.get('/echo-cursor')?.map((u) => u.search)).toEqual(['', '?after=c2', '?after=c3']);

    // Next-page URL in the body: the empty page links to itself.
    api.routes.set('/self-link', (_q, res, u) => {
      const page = Number(u.searchParams.get('page') ?? 1);
      json(res, { results: page < 3 ? [{ id: page }] : [], next: `/self-link?page=${Math.min(page + 1, 3)}` });
    });
    const next = await runOnce(pipeline('/self-link', ['records_path: results', 'pagination: { kind: cursor, cursor_path: next }']));
    expect(next.r.code, show(next.r)).toBe(0);
    expect(await next.p.query('SELECT id FROM raw.t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);

    // A page with records that repeats a cursor is still a loop, and fails writing nothing.
    api.routes.set('/loop-cursor', (_q, res, u) => json(res, { data: [{ id: u.searchParams.get('after') ?? '0' }], next: 'c1' }));
    const loop = await runOnce(pipeline('/loop-cursor', ['records_path: data', 'pagination: { kind: cursor, param: after, cursor_path: next }']));
    expect(loop.r.code, show(loop.r)).toBe(1);
    expect(loop.error).toContain('the API returned the cursor "c1" a second time after 2 pages; paging would never end');
    expect(await loop.p.tables()).not.toContain('raw.t');
  });

  it('a page that reports errors beside its records is read, with a warning naming the page and the error', async () => {
    let bodies = 0;
    api.routes.set('/graphql', (req, res) => {
      req.resume();
      req.on('end', () => {
        bodies++;
        json(res, {
          data: { users: [{ id: 1, email: null }, { id: 2, email: 'b@example.com' }] },
          errors: [{ message: 'Not authorized to access User.email', path: ['users', 0, 'email'] }],
        });
      });
    });
    const { p, r } = await runOnce(pipeline('/graphql', ['method: POST', 'body: { query: "{ users { id email } }" }', 'records_path: data.users']));
    expect(r.code, show(r)).toBe(0);
    expect(bodies).toBe(1);
    expect(await p.query('SELECT id, email FROM raw.t ORDER BY id')).toEqual([{ id: 1, email: null }, { id: 2, email: 'b@example.com' }]);
    const warnings = events(r.stdout).filter((e) => e.event === 'warning').map((e) => e.message as string);
    expect(warnings).toEqual([
      `page 1 (${api.origin}/graphql) reports an error beside its 2 records: "errors": [{"message":"Not authorized to access User.email","path":["users",0,"email"]}]; the records were read as sent, and may lack what the error is about (null fields)`,
    ]);

    // An errors member that reports nothing gives no warning.
    api.routes.set('/quiet', (_q, res) => json(res, { data: [{ id: 1 }], errors: [] }));
    const quiet = await runOnce(pipeline('/quiet', ['records_path: data']));
    expect(quiet.r.code, show(quiet.r)).toBe(0);
    expect(events(quiet.r.stdout).filter((e) => e.event === 'warning')).toEqual([]);
  });

  it('retries exhausted on 429 name the rate limit in the hint, not an API that is down', async () => {
    api.routes.set('/busy', (_q, res) => json(res, { error: 'slow down' }, 429, { 'retry-after': '0' }));
    const p = await newProject();
    await p.pipeline('p', pipeline('/busy', ['params: { api_key: "${API_TOKEN}" }']));
    const r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    for (const leak of LEAKS) expect(r.stdout + r.stderr).not.toContain(leak);
    expect(r.stderr).toContain(`pipeline p: GET ${api.origin}/busy?api_key=*** failed after 2 attempts; the last one returned 429 Too Many Requests: {"error":"slow down"}`);
    expect(r.stderr).toContain('hint: The API kept answering 429 Too Many Requests, its rate limit: run again later');
    expect(r.stderr).not.toContain('check that it is up');
  });

  it('a gzip body cut short is retried as a failed attempt, and names the cut when it stays short', async () => {
    const whole = gzipSync(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: i, v: `value ${i}` }))));
    let n = 0;
    const gzip = (res: ServerResponse, body: Buffer) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) });
      res.end(body);
    };
    api.routes.set('/flaky-gzip', (_q, res) => gzip(res, ++n === 1 ? whole.subarray(0, Math.floor(whole.length / 2)) : whole));
    const flaky = await runOnce(pipeline('/flaky-gzip'));
    expect(flaky.r.code, show(flaky.r)).toBe(0);
    expect(await flaky.p.query('SELECT count(*) AS n, max(id) AS last FROM raw.t')).toEqual([{ n: 500, last: 499 }]);
    expect(n).toBe(2);

    api.routes.set('/cut-gzip', (_q, res) => gzip(res, whole.subarray(0, Math.floor(whole.length / 2))));
    const cut = await runOnce(pipeline('/cut-gzip'));
    expect(cut.r.code, show(cut.r)).toBe(1);
    expect(cut.error).toMatch(
      new RegExp(`^pipeline p: GET ${api.origin.replaceAll('.', '\\.')}/cut-gzip failed after 2 attempts; the last one failed: the body ends in the middle of its JSON document \\(.* at character \\d+, its end; content-encoding gzip\\): the response was cut short$`),
    );
    expect(await cut.p.tables()).not.toContain('raw.t');
  });

  it('an object body read as one record warns when a member of it is an array of objects, naming records_path', async () => {
    api.routes.set('/wrapped', (_q, res) => json(res, { data: [{ id: 1 }, { id: 2 }, { id: 3 }], tags: [{ t: 'a' }], meta: { total: 3 } }));
    const wrapped = await runOnce(pipeline('/wrapped'));
    expect(wrapped.r.code, show(wrapped.r)).toBe(0);
    expect(events(wrapped.r.stdout).filter((e) => e.event === 'warning').map((e) => e.message as string)).toEqual([
      `page 1 (${api.origin}/wrapped) is an object, read as one record, and its member "data" is an array of 3 objects: if those are the records, set records_path: data`,
    ]);

    // A single object (a /me endpoint) without such a member gives no warning.
    api.routes.set('/me', (_q, res) => json(res, { id: 7, roles: ['admin'], team: { id: 1 } }));
    const me = await runOnce(pipeline('/me'));
    expect(me.r.code, show(me.r)).toBe(0);
    expect(events(me.r.stdout).filter((e) => e.event === 'warning')).toEqual([]);
    expect(await me.p.query('SELECT id FROM raw.t')).toEqual([{ id: 7 }]);
  });

  it('an NDJSON body fails saying kind: http reads one JSON document per response; other bad bodies do not say so', async () => {
    api.routes.set('/lines', (_q, res) => json(res, '{"id":1}\n{"id":2}\n'));
    const p = await newProject();
    await p.pipeline('p', pipeline('/lines'));
    const r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`page 1 (${api.origin}/lines) is not JSON (unexpected text after the document at character 9; content-type application/json): {"id":1} {"id":2}`);
    expect(r.stderr).toContain('hint: The body looks like newline-delimited JSON (one record per line), which kind: http does not read');

    api.routes.set('/two', (_q, res) => json(res, '{"id":1} x'));
    await p.pipeline('p', pipeline('/two'));
    const other = await p.floe(['run', 'p'], env);
    expect(other.code, show(other)).toBe(1);
    expect(other.stderr).toContain('is not JSON (unexpected text after the document at character 9');
    expect(other.stderr).not.toContain('newline-delimited');
  });

  it('a url that a password with a #, / or @ unencoded has bent is refused before any request, without printing it', async () => {
    const p = await newProject();
    const file = await p.pipeline('p', pipeline('/basic').replace(`url: ${api.origin}`, `url: http://user:\${API_PASSWORD}@${api.origin.slice('http://'.length)}`));
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('url:')) + 1;
    for (const password of ['p@ss/w:rd#1', 'p@ss/w:rd']) {
      // floe validate says it too, at the url's line:col, as floe run does before anything is read.
      for (const command of [['validate'], ['run', 'p']]) {
        const r = await p.floe(command, { API_PASSWORD: password });
        expect(r.code, show(r)).toBe(2);
        expect(r.stderr).toContain(`pipelines/p.yaml:${line}:8: source.url: the url has `);
        expect(r.stderr).toContain('must be percent-encoded: %23, %2F, %3F, %40');
        for (const piece of ['ss/w', 'w:rd', password]) expect(r.stdout + r.stderr).not.toContain(piece);
      }
    }
    expect(api.hits.get('/basic')).toBeUndefined();

    // Encoded, it is the Basic credential it was meant to be.
    let auth: string | undefined;
    api.routes.set('/basic', (q, res) => {
      auth = q.headers.authorization;
      json(res, [{ id: 1 }]);
    });
    const ok = await p.floe(['run', 'p'], { API_PASSWORD: encodeURIComponent('p@ss/w:rd#1') });
    expect(ok.code, show(ok)).toBe(0);
    expect(auth).toBe(`Basic ${Buffer.from('user:p@ss/w:rd#1').toString('base64')}`);
  });

  it('a password whose "/" comes before any "@" (user:2024/abc, read as host user, port 2024) is refused too, without printing it; an "@" a path holds is not', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('/slash').replace(`url: ${api.origin}`, `url: http://user:\${API_PASSWORD}@${api.origin.slice('http://'.length)}`));
    for (const command of [['validate'], ['run', 'p']]) {
      const r = await p.floe(command, { API_PASSWORD: '2024/abc' });
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain("source.url: the url reads as host and port, then a path holding '@' and a host name");
      expect(r.stdout + r.stderr).not.toContain('abc');
    }
    expect(api.hits.get('/slash')).toBeUndefined();
    // Paths that hold an '@' of their own are left alone.
    for (const path of ['/users/@me', '/@types/node', '/users/ann@example.com']) {
      await p.pipeline('p', pipeline(path));
      const r = await p.floe(['validate']);
      expect(r.code, `${path}: ${show(r)}`).toBe(0);
    }
  });

  it('timeout: 0s is a config error at its line:col; nothing is requested', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('/never').replace('  timeout: 5s', '  timeout: 0s'));
    for (const command of [['validate'], ['run', 'p']]) {
      const r = await p.floe(command, env);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain('pipelines/p.yaml:5:12: source.timeout: must be above 0');
    }
    expect(api.hits.get('/never')).toBeUndefined();
  });
});
