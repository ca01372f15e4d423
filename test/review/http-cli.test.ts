/**
 * `kind: http` pipelines through the built CLI, as a data engineer runs them against a REST
 * API (a node:http server on 127.0.0.1 in this file): a missing `${VAR}` is exit 2 at
 * validate time naming file:line:col; `floe plan` does not call the API; a page that fails
 * halfway through paging leaves the table exactly as it was (no snapshot, same rows), and the
 * next run commits every row once; tokens never reach stderr, percent-encoded or not.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

// This file's temp folders (the source's floe-http-* pages, projects) live in a private TMPDIR:
// test/sources/http.test.ts counts floe-http-* folders in the shared one while it runs.
usePrivateTmpdir('floe-review-http-');

beforeAll(assertBuilt);
const newProject = useProjects();

const TOKEN = 'tk+Zq81/hFw3s3cret==';
let origin = '';
/** Pages of 2 records up to page 4; `failAt` makes that page answer 500 every time. */
let failAt: number | undefined;
let version = 1;
const requests: URL[] = [];
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  requests.push(url);
  const page = Number(url.searchParams.get('page'));
  if (url.pathname === '/echo') {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `unknown key ${url.searchParams.get('appid')} / ${req.headers.authorization}` }));
    return;
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.writeHead(401);
    res.end('{"error":"unauthorized"}');
    return;
  }
  if (page === failAt) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('database unavailable');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: page <= 4 ? [1, 2].map((i) => ({ id: page * 10 + i, v: version })) : [] }));
});
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

const pipeline = (mode: string) =>
  [
    'source:',
    '  kind: http',
    `  url: ${origin}/items`,
    '  headers:',
    '    Authorization: "Bearer ${API_TOKEN}"',
    '  records_path: data',
    '  pagination: { kind: page }',
    '  retries: { max: 1, backoff: 10ms }',
    `target: { table: raw.items, mode: ${mode}${mode === 'merge' ? ', key: [id]' : ''} }`,
    '',
  ].join('\n');
const env = { API_TOKEN: TOKEN };
const ALL = [11, 12, 21, 22, 31, 32, 41, 42];

describe('http pipelines through the CLI', () => {
  it('validate: a missing variable is exit 2 naming file:line:col; set, it is valid; plan calls no API', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('append'));
    const v = await p.floe(['validate'], { API_TOKEN: undefined });
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toContain(`${p.path('pipelines/items.yaml')}:5:28: source.headers.Authorization: environment variable API_TOKEN is not set`);
    const ok = await p.floe(['validate'], env);
    expect(ok.code, show(ok)).toBe(0);
    const before = requests.length;
    const plan = await p.floe(['plan', 'items'], env);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain('items: http (not contacted by plan) → raw.items (append, new table)');
    expect(requests.length).toBe(before);
  });

  it('a page failing halfway leaves a new table uncreated and an existing one unchanged; the next run commits each row once', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('merge'));
    failAt = 3;
    const r1 = await p.floe(['run', 'items'], env);
    expect(r1.code, show(r1)).toBe(1);
    expect(r1.stderr).toContain(`GET ${origin}/items?page=3 failed after 2 attempts; the last one returned 500 Internal Server Error: database unavailable`);
    expect(await p.tables()).not.toContain('raw.items');

    failAt = undefined;
    await p.run(['items'], 0, env);
    expect(await p.query('SELECT id, v FROM raw.items ORDER BY id')).toEqual(ALL.map((id) => ({ id, v: 1 })));
    const snapshots = await p.snapshots('raw.items');

    // The API changed every row; page 4 fails: nothing of pages 1-3 is committed.
    version = 2;
    failAt = 4;
    const r2 = await p.floe(['run', 'items'], env);
    expect(r2.code, show(r2)).toBe(1);
    expect(await p.snapshots('raw.items')).toEqual(snapshots);
    expect(await p.query('SELECT id, v FROM raw.items ORDER BY id')).toEqual(ALL.map((id) => ({ id, v: 1 })));

    failAt = undefined;
    await p.run(['items'], 0, env);
    expect(await p.query('SELECT id, v, count(*) OVER (PARTITION BY id) AS n FROM raw.items ORDER BY id')).toEqual(ALL.map((id) => ({ id, v: 2, n: 1 })));
    version = 1;
  });

  it('a token echoed by a failing API, or percent-encoded in the URL, never reaches the output', async () => {
    const p = await newProject();
    await p.pipeline(
      'echo',
      ['source:', '  kind: http', `  url: ${origin}/echo`, '  params: { appid: "${OWM_TOKEN}" }', '  headers: { Authorization: "Bearer ${OWM_TOKEN}" }', 'target: { table: raw.echo }', ''].join('\n'),
    );
    for (const args of [['run', 'echo'], ['run', 'echo', '--json']]) {
      const r = await p.floe(args, { OWM_TOKEN: TOKEN });
      expect(r.code, show(r)).toBe(1);
      const out = r.stdout + r.stderr;
      expect(out).toContain('returned 400 Bad Request');
      expect(out).toContain(`${origin}/echo?appid=***`);
      for (const leak of [TOKEN, encodeURIComponent(TOKEN), 'hFw3s3cret']) expect(out).not.toContain(leak);
    }
  });
});
