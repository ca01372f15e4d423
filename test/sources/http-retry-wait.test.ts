/**
 * A page request that waits before its retry (an API's `Retry-After`, or the backoff) used to
 * wait in silence: a run rate-limited for minutes looked hung in a cron log. The wait is told
 * while it lasts: a line on stderr when it is 5 s or more, and a `retry` event (`scope: http`)
 * for every retry with --json; the api key in the URL stays hidden in both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';

usePrivateTmpdir('floe-http-retry-wait-');
beforeAll(assertBuilt);
const newProject = useProjects();

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
const api = { ...routedServer<Handler>((h, req, res, url) => h(req, res, url)), origin: '' };
beforeAll(async () => {
  api.origin = await listenLocal(api.server);
});
afterAll(() => closeLocal(api.server));

const TOKEN = 'tk_Wait+Secret/9';
const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** A route that answers 429 with `retry-after` the first time, then the records. */
function limitedOnce(path: string, retryAfter: string): { calls: () => number } {
  let n = 0;
  api.routes.set(path, (_q, res) => {
    n++;
    if (n === 1) json(res, { error: 'slow down' }, 429, { 'retry-after': retryAfter });
    else json(res, [{ id: 1 }, { id: 2 }]);
  });
  return { calls: () => n };
}

const pipeline = (path: string) =>
  ['source:', '  kind: http', `  url: ${api.origin}${path}`, '  params: { api_key: "${API_TOKEN}" }', '  retries: { max: 2, backoff: 10ms }', 'target: { table: raw.t, mode: append }', ''].join('\n');

describe('a page request waiting before its retry', () => {
  it('a Retry-After of 5 s is told on stderr while the run waits, without the api key; the run then commits', async () => {
    const p = await newProject();
    const route = limitedOnce('/limited', '5');
    await p.pipeline('p', pipeline('/limited'));
    const r = await p.floe(['run', 'p'], { API_TOKEN: TOKEN });
    expect(r.code, show(r)).toBe(0);
    expect(route.calls()).toBe(2);
    expect(r.stderr).toContain('floe: p: waiting 5 s before attempt 2 of 3 for page 1 (429 Too Many Requests');
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.stderr).not.toContain(encodeURIComponent(TOKEN));
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.t')).toEqual([{ n: 2 }]);
  }, 60_000);

  it('--json: a retry event per retry (scope http, page, attempt, wait), and no stderr line', async () => {
    const p = await newProject();
    limitedOnce('/limited-json', '0');
    await p.pipeline('p', pipeline('/limited-json'));
    const r = await p.floe(['run', 'p', '--json'], { API_TOKEN: TOKEN });
    expect(r.code, show(r)).toBe(0);
    const retries = events(r.stdout).filter((e) => e.event === 'retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ pipeline: 'p', table: 'raw.t', scope: 'http', page: 1, attempt: 2, max_attempts: 3, wait_ms: 0 });
    expect(String(retries[0]!.reason)).toContain('429 Too Many Requests');
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stderr).not.toContain('waiting');
  }, 60_000);

  it('a short wait (the backoff of a 503) is not told in text output', async () => {
    const p = await newProject();
    let n = 0;
    api.routes.set('/flaky', (_q, res) => (++n === 1 ? json(res, { error: 'busy' }, 503) : json(res, [{ id: 1 }])));
    await p.pipeline('p', pipeline('/flaky'));
    const r = await p.floe(['run', 'p'], { API_TOKEN: TOKEN });
    expect(r.code, show(r)).toBe(0);
    expect(n).toBe(2);
    expect(r.stderr).not.toContain('waiting');
  }, 60_000);
});
