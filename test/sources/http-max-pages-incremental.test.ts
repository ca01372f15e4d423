/**
 * An incremental http pipeline whose read `max_pages` stopped commits the greatest cursor it
 * read. On an API that pages newest first, the rows of the pages left unread are below that
 * watermark, and no later run reads them. The run says so (a warning naming the cursor and
 * max_pages) instead of losing them without a word; a read that ran to its last page does not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer } from '../helpers/local-http.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

// Newest first: page 1 holds ids 6 and 5, page 2 ids 4 and 3, page 3 ids 2 and 1, then nothing.
const api = routedServer<(req: IncomingMessage, res: ServerResponse, url: URL) => void>((h, req, res, url) => h(req, res, url));
let origin = '';
beforeAll(async () => {
  origin = await listenLocal(api.server);
  api.routes.set('/events', (_req, res, url) => {
    const page = Number(url.searchParams.get('page') ?? '1');
    const top = 8 - 2 * page;
    const rows = top > 0 ? [{ id: top }, { id: top - 1 }] : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(rows));
  });
});
afterAll(() => closeLocal(api.server));

const pipeline = (maxPages: string) =>
  ['source:', '  kind: http', `  url: ${origin}/events`, `  pagination: { kind: page${maxPages} }`, '  incremental: { cursor: id }', 'target: { table: raw.e, mode: append }', ''].join('\n');

describe('max_pages with incremental', () => {
  it('warns that rows on the pages not read may never be read', async () => {
    const p = await newProject();
    await p.pipeline('e', pipeline(', max_pages: 2'));
    const r = await p.floe(['run', 'e', '--json']);
    expect(r.code, show(r)).toBe(0);
    const warnings = events(r.stdout).filter((e) => e.event === 'warning').map((e) => String(e.message));
    expect(warnings.some((m) => m.includes('max_pages (2) reached with incremental.cursor id') && m.includes('if the API pages newest first the rows on the pages not read are below it')), warnings.join('\n')).toBe(true);
  }, 60_000);

  it('a read that reaches the last page gives no such warning', async () => {
    const p = await newProject();
    await p.pipeline('e', pipeline(''));
    const r = await p.floe(['run', 'e', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(events(r.stdout).filter((e) => e.event === 'warning' && String(e.message).includes('max_pages'))).toEqual([]);
    const rows = await p.query('SELECT count(*) AS n FROM raw.e');
    expect(Number(rows[0]!.n)).toBe(6);
  }, 60_000);
});
