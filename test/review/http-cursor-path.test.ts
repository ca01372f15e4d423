/**
 * A mistyped `cursor_path` used to end paging after page 1 without a word: the path was read
 * as absent, and absent meant "last page". Now a first page with records that lacks the path
 * is a config error (exit 2) naming the pipeline file, the path, the page URL (secrets
 * masked) and the body's top-level keys; null or "" still ends paging, absent from a later
 * page ends it too, and `missing_cursor: end` accepts an API that leaves the cursor out of its
 * last page (here a one-page answer, Microsoft Graph style).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

usePrivateTmpdir('floe-review-http-cursor-');
beforeAll(assertBuilt);
const newProject = useProjects();

const KEY = 'k3y-s3cr3t-value';
type Handler = (url: URL) => unknown;
const { server, routes } = routedServer<Handler>((h, _req, res, url) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(h(url)));
});
let origin = '';
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

// Three pages by `after`; the last says so with a null cursor.
routes.set('/items', (url) => {
  const after = url.searchParams.get('after');
  if (after === null) return { data: [{ id: 1 }, { id: 2 }], meta: { next_cursor: 'p2' } };
  if (after === 'p2') return { data: [{ id: 3 }], meta: { next_cursor: 'p3' } };
  return { data: [{ id: 4 }], meta: { next_cursor: null } };
});
// Leaves the cursor out of its last page: here the only one.
routes.set('/graph', () => ({ value: [{ id: 7 }, { id: 8 }] }));
// Has the cursor on page 1 and leaves it out of page 2.
routes.set('/omits', (url) => (url.searchParams.get('c') === null ? { rows: [{ id: 1 }], next: 'x' } : { rows: [{ id: 2 }] }));

const pipeline = (path: string, records: string, pagination: string) =>
  ['source:', '  kind: http', `  url: ${origin}${path}`, '  params: { api_key: "${API_KEY}" }', `  records_path: ${records}`, `  pagination: ${pagination}`, 'target: { table: raw.items }', ''].join('\n');
const env = { API_KEY: KEY };

describe('http cursor_path absent from a page', () => {
  it('a mistyped path is exit 2 naming the file, the path, the masked URL and the keys; nothing is written', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('/items', 'data', '{ kind: cursor, param: after, cursor_path: meta.next_curosr }'));
    const r = await p.floe(['run', 'items'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`pipeline items (pipelines/items.yaml): pagination.cursor_path "meta.next_curosr" is not in page 1, which has 2 records (its top-level keys: data, meta); the page: GET ${origin}/items?api_key=***\n`);
    expect(r.stderr).toContain('missing_cursor: end');
    expect(r.stderr + r.stdout).not.toContain(KEY);
    expect(await p.tables()).not.toContain('raw.items');

    // Spelled right: every page, up to the null cursor.
    await p.pipeline('items', pipeline('/items', 'data', '{ kind: cursor, param: after, cursor_path: meta.next_cursor }'));
    await p.run(['items'], 0, env);
    expect(await p.query('SELECT id FROM raw.items ORDER BY id')).toEqual([1, 2, 3, 4].map((id) => ({ id })));
  });

  it('a path absent from a later page ends paging; missing_cursor: end accepts a first page without it', async () => {
    const p = await newProject();
    await p.pipeline('omits', pipeline('/omits', 'rows', '{ kind: cursor, param: c, cursor_path: next }'));
    await p.run(['omits'], 0, env);
    expect(await p.query('SELECT id FROM raw.items ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);

    const q = await newProject();
    await q.pipeline('graph', pipeline('/graph', 'value', '{ kind: cursor, cursor_path: "@odata.nextLink" }'));
    const r = await q.floe(['run', 'graph'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pagination.cursor_path "@odata.nextLink" is not in page 1, which has 2 records');
    expect(r.stderr).toContain('(its top-level keys: value)');
    await q.pipeline('graph', pipeline('/graph', 'value', '{ kind: cursor, cursor_path: "@odata.nextLink", missing_cursor: end }'));
    await q.run(['graph'], 0, env);
    expect(await q.query('SELECT id FROM raw.items ORDER BY id')).toEqual([{ id: 7 }, { id: 8 }]);
  });
});
