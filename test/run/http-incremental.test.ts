/**
 * `incremental:` on `kind: http`, end to end through `floe run`: the last committed watermark
 * (the snapshot summary, as for every source kind) goes to the API in `incremental.param`;
 * rows the API hands over at or below it (an API filtering with >=, or ignoring the
 * parameter) are neither written twice nor quarantined again; a run with nothing new commits
 * no snapshot; `--full-refresh` sends no watermark; `lookback` (merge) sends the bound below
 * it; `floe plan` shows what is sent; misconfigurations fail with their exit codes.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePrivateTmpdir } from '../helpers/local-http.js';
import { startServer, type TestServer } from '../sources/helpers/http-server.js';
import { assertBuilt, events, show, useProjects } from './helpers.js';

// Private TMPDIR: test/sources/http.test.ts counts floe-http-* folders in the shared one.
usePrivateTmpdir('floe-http-inc-run-');

beforeAll(assertBuilt);
const newProject = useProjects();

interface Order {
  id: number;
  updated_at: string;
  qty?: string | number;
  note?: string;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

/**
 * An orders API on its own path: `updated_since` keeps the records with updated_at >= it (the
 * usual inclusive filter, or > when `exclusive`; the texts are ISO-8601 UTC of one shape, so
 * text order is time order), unless `honours` is false (an API that ignores the parameter).
 */
function ordersApi(path: string) {
  const api = { records: [] as Order[], honours: true, exclusive: false, sent: [] as (string | null)[] };
  server.route(path, (req) => {
    const since = req.query.get('updated_since');
    api.sent.push(since);
    const kept = (r: Order) => (api.exclusive ? r.updated_at > since! : r.updated_at >= since!);
    return { body: { data: since !== null && api.honours ? api.records.filter(kept) : api.records } };
  });
  return api;
}

const at = (h: number, m = 0) => `2026-01-05T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;

function pipeline(path: string, incremental: string, rest: string[] = ['target: { table: raw.orders, mode: append }']): string {
  return ['source:', '  kind: http', `  url: ${server.origin}${path}`, '  records_path: data', `  incremental: ${incremental}`, ...rest, ''].join('\n');
}

/** The 1-based column of `text` in line `line` of a file. */
const colOf = (file: string, line: number, text: string) => file.split('\n')[line - 1]!.indexOf(text) + 1;

const commitOf = (stdout: string) => events(stdout).find((e) => e.event === 'commit');

describe('an http source with incremental.param', () => {
  it('sends the last committed watermark on the next run and commits only the new rows; a run with nothing new commits no snapshot', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-a');
    await p.pipeline('orders', pipeline('/orders-a', '{ cursor: updated_at, param: updated_since }'));
    api.records = [
      { id: 1, updated_at: at(10) },
      { id: 2, updated_at: at(11) },
    ];
    const first = await p.run(['orders', '--json']);
    expect(commitOf(first.stdout), show(first)).toMatchObject({ rows_read: 2, rows_written: 2 });
    // A first run without incremental.initial sends no bound.
    expect(api.sent).toEqual([null]);
    // DuckDB reads the API's ISO texts as a TIMESTAMP: the watermark is stored as its text, and sent as ISO-8601 (format's default).
    expect((await p.snapshots('raw.orders')).at(-1)?.summary['floe.cursor.value']).toBe('2026-01-05 11:00:00');

    const plan = await p.floe(['plan', 'orders']);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain(`incremental: updated_at > 2026-01-05 11:00:00 (last committed); sent as updated_since=${at(11)}`);

    api.records.push({ id: 3, updated_at: at(12) });
    const second = await p.run(['orders', '--json']);
    // The API filtered: it sent the row at the watermark (>=) and the new one, and only the new one is written.
    expect(commitOf(second.stdout), show(second)).toMatchObject({ rows_read: 2, rows_written: 1 });
    expect(api.sent.at(-1)).toBe(at(11));
    expect(events(second.stdout).find((e) => e.event === 'extract')?.source).toContain(`updated_since=${encodeURIComponent(at(11))}`);
    expect(await p.query('SELECT id FROM raw.orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const snapshots = await p.snapshots('raw.orders');
    expect(snapshots.at(-1)?.summary['floe.cursor.value']).toBe('2026-01-05 12:00:00');

    const third = await p.run(['orders', '--json']);
    expect(api.sent.at(-1)).toBe(at(12));
    expect(commitOf(third.stdout), show(third)).toMatchObject({ rows_read: 1, rows_written: 0 });
    expect(await p.snapshots('raw.orders')).toEqual(snapshots);
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.orders')).toEqual([{ n: 3 }]);

    // An API that filters with > returns no record at all: the table is left as it is, without a warning.
    api.exclusive = true;
    const fourth = await p.run(['orders', '--json']);
    expect(commitOf(fourth.stdout), show(fourth)).toMatchObject({ rows_read: 0, rows_written: 0 });
    expect(events(fourth.stdout).filter((e) => e.event === 'warning')).toEqual([]);
    expect(await p.snapshots('raw.orders')).toEqual(snapshots);
  });

  it('writes no row twice and quarantines no row again when the API ignores the parameter', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-b');
    api.honours = false;
    await p.pipeline(
      'orders',
      pipeline('/orders-b', '{ cursor: updated_at, param: updated_since }', ['columns:', '  qty: { type: long }', 'rejects: { max_ratio: 0.9 }', 'target: { table: raw.orders, mode: append }']),
    );
    api.records = [
      { id: 1, updated_at: at(10), qty: 'oops' },
      { id: 2, updated_at: at(11), qty: 2 },
    ];
    const first = await p.run(['orders', '--json']);
    expect(commitOf(first.stdout), show(first)).toMatchObject({ rows_written: 1, rejects: 1 });

    api.records.push({ id: 3, updated_at: at(12), qty: 3 });
    const second = await p.run(['orders', '--json']);
    expect(api.sent.at(-1)).toBe(at(11));
    expect(commitOf(second.stdout), show(second)).toMatchObject({ rows_read: 3, rows_written: 1, rejects: 0 });
    expect(await p.query('SELECT id FROM raw.orders ORDER BY id')).toEqual([{ id: 2 }, { id: 3 }]);
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.orders__rejects')).toEqual([{ n: 1 }]);

    const snapshots = await p.snapshots('raw.orders');
    const third = await p.run(['orders', '--json']);
    expect(commitOf(third.stdout), show(third)).toMatchObject({ rows_read: 3, rows_written: 0, rejects: 0 });
    expect(await p.snapshots('raw.orders')).toEqual(snapshots);
  });

  it('sends incremental.initial on a first run, and keeps no row at or below it even from an API that ignores it', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-c');
    await p.pipeline('orders', pipeline('/orders-c', `{ cursor: updated_at, param: updated_since, initial: "${at(10, 30)}" }`));
    api.records = [
      { id: 1, updated_at: at(10) },
      { id: 2, updated_at: at(11) },
    ];
    const plan = await p.floe(['plan', 'orders', '--json']);
    expect(plan.code, show(plan)).toBe(0);
    expect(JSON.parse(plan.stdout)[0].incremental).toMatchObject({ lower_bound: at(10, 30), param: { name: 'updated_since', value: at(10, 30) } });
    await p.run(['orders']);
    expect(api.sent).toEqual([at(10, 30)]);
    expect(await p.query('SELECT id FROM raw.orders')).toEqual([{ id: 2 }]);

    const q = await newProject();
    api.honours = false;
    await q.pipeline('orders', pipeline('/orders-c', `{ cursor: updated_at, param: updated_since, initial: "${at(10, 30)}" }`));
    await q.run(['orders']);
    expect(await q.query('SELECT id FROM raw.orders')).toEqual([{ id: 2 }]);
  });

  it('--full-refresh sends no watermark (only incremental.initial, when given) and reloads the table once', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-d');
    await p.pipeline('orders', pipeline('/orders-d', '{ cursor: updated_at, param: updated_since }'));
    api.records = [
      { id: 1, updated_at: at(10) },
      { id: 2, updated_at: at(11) },
    ];
    await p.run(['orders']);
    api.records.push({ id: 3, updated_at: at(12) });
    await p.run(['orders']);
    const full = await p.run(['orders', '--full-refresh', '--json']);
    expect(api.sent).toEqual([null, at(11), null]);
    expect(commitOf(full.stdout), show(full)).toMatchObject({ rows_read: 3, rows_written: 3 });
    expect(await p.query('SELECT id FROM raw.orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect((await p.snapshots('raw.orders')).at(-1)?.summary).toMatchObject({ operation: 'overwrite', 'floe.cursor.value': '2026-01-05 12:00:00' });

    await p.pipeline('orders', pipeline('/orders-d', `{ cursor: updated_at, param: updated_since, initial: "${at(9)}" }`));
    await p.run(['orders', '--full-refresh']);
    expect(api.sent.at(-1)).toBe(at(9));
  });

  it('with lookback (merge) sends the watermark less the lookback, upserts a late row once, and commits nothing when nothing changed', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-e');
    await p.pipeline(
      'orders',
      pipeline('/orders-e', '{ cursor: updated_at, param: updated_since, lookback: 1h }', [
        'columns:',
        '  updated_at: { type: timestamptz }',
        'target: { table: raw.orders, mode: merge, key: [id] }',
      ]),
    );
    api.records = [
      { id: 1, updated_at: at(10), note: 'a' },
      { id: 2, updated_at: at(11), note: 'b' },
    ];
    await p.run(['orders']);
    expect((await p.snapshots('raw.orders')).at(-1)?.summary['floe.cursor.value']).toBe('2026-01-05 11:00:00+00');

    const plan = await p.floe(['plan', 'orders']);
    expect(plan.stdout, show(plan)).toContain(`less lookback 1h); sent as updated_since=${at(10)}`);

    // Committed at the source after the first run, with an updated_at inside the lookback.
    api.records.push({ id: 3, updated_at: at(10, 30), note: 'late' });
    const second = await p.run(['orders', '--json']);
    expect(api.sent).toEqual([null, at(10)]);
    expect(commitOf(second.stdout), show(second)).toMatchObject({ rows_read: 3, rows_written: 1 });
    expect(await p.query('SELECT id, note FROM raw.orders ORDER BY id')).toEqual([
      { id: 1, note: 'a' },
      { id: 2, note: 'b' },
      { id: 3, note: 'late' },
    ]);
    const snapshots = await p.snapshots('raw.orders');
    expect(snapshots.at(-1)?.summary['floe.cursor.value']).toBe('2026-01-05 11:00:00+00');

    const third = await p.run(['orders', '--json']);
    expect(api.sent.at(-1)).toBe(at(10));
    expect(commitOf(third.stdout)?.rows_written ?? 0, show(third)).toBe(0);
    expect(await p.snapshots('raw.orders')).toEqual(snapshots);
  });
});

describe('misconfigured http incremental reads', () => {
  it('lookback with mode: append is a config error at its line', async () => {
    const p = await newProject();
    ordersApi('/orders-f');
    const file = await p.pipeline('orders', pipeline('/orders-f', '{ cursor: updated_at, param: updated_since, lookback: 1h }'));
    const r = await p.floe(['run', 'orders']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:5:${colOf(await readFile(file, 'utf8'), 5, '1h')}: source.incremental.lookback`);
    expect(r.stderr).toContain('lookback only applies with mode: merge (target.mode is append)');
  });

  it('param naming a pagination or params: parameter is a config error at its line, before any request', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-g');
    const file = await p.pipeline(
      'orders',
      pipeline('/orders-g', '{ cursor: updated_at, param: page }', ['  pagination: { kind: page }', 'target: { table: raw.orders, mode: append }']),
    );
    const r = await p.floe(['run', 'orders']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:5:${colOf(await readFile(file, 'utf8'), 5, 'page }')}: source.incremental.param`);
    expect(r.stderr).toContain('"page" is also pagination.param');
    await p.pipeline('orders', pipeline('/orders-g', '{ cursor: updated_at, param: since }', ['  params: { since: "2026-01-01" }', 'target: { table: raw.orders, mode: append }']));
    const v = await p.floe(['validate', 'orders']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr + v.stdout).toContain('"since" is also params.since');
    expect(api.sent).toEqual([]);
  });

  it('a cursor missing from the records is a config error at incremental.cursor; cursors of two kinds fail the run (exit 1); nothing is committed', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-h');
    const file = await p.pipeline('orders', pipeline('/orders-h', '{ cursor: updatedAt, param: updated_since }'));
    api.records = [{ id: 1, updated_at: at(10) }];
    const r = await p.floe(['run', 'orders']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`orders.yaml:5:${colOf(await readFile(file, 'utf8'), 5, 'updatedAt')}: source.incremental.cursor: record 1 of page 1 (${server.origin}/orders-h) has no field "updatedAt", the incremental cursor (its fields: id, updated_at)`);

    await p.pipeline('orders', pipeline('/orders-h', '{ cursor: updated_at, param: updated_since }'));
    api.records = [
      { id: 1, updated_at: at(10) },
      { id: 2, updated_at: 1767607200 as unknown as string },
    ];
    const mixed = await p.floe(['run', 'orders']);
    expect(mixed.code, show(mixed)).toBe(1);
    expect(mixed.stderr).toContain('the incremental cursor "updated_at" of record 2 of page 1');
    expect(mixed.stderr).toContain('is a number (1767607200), but that of record 1 of page 1');
    expect(await p.tables()).not.toContain('raw.orders');
  });

  it('format: unix with an initial that is no date-time is a config error at format', async () => {
    const p = await newProject();
    const api = ordersApi('/orders-i');
    const file = await p.pipeline('orders', pipeline('/orders-i', '{ cursor: updated_at, param: updated_since, format: unix, initial: yesterday }'));
    const r = await p.floe(['run', 'orders']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`orders.yaml:5:${colOf(await readFile(file, 'utf8'), 5, 'unix')}: source.incremental.format: unix cannot write the updated_at bound "yesterday", which is neither a date-time nor a number`);
    expect(api.sent).toEqual([]);
  });
});
