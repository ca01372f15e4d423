/**
 * State in snapshot summaries (run ids, incremental cursors, --full-refresh), sql pipelines
 * in dependency order, and the --json event stream of `floe run`.
 */
import { mkdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('run ids', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/orders.csv', 'id,amount\n1,10\n2,20\n');
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
  });

  it('--run-id is stored in the snapshot summary with the pipeline name', async () => {
    await p.run(['orders', '--run-id', 'airflow__2024-06-01T00:00:00']);
    const snaps = await p.snapshotsCli('raw.orders');
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.summary['floe.run-id']).toBe('airflow__2024-06-01T00:00:00');
    expect(snaps[0]!.summary['floe.pipeline']).toBe('orders');
  });

  it('the same --run-id again is a no-op: status skipped, no new snapshot, no new rows', async () => {
    const pointer = await p.pointer('raw.orders');
    const r = await p.run(['orders', '--run-id', 'airflow__2024-06-01T00:00:00', '--json']);
    const evs = events(r.stdout);
    const skip = evs.find((e) => e.event === 'skip')!;
    expect(skip, r.stdout).toBeDefined();
    expect(skip).toMatchObject({ pipeline: 'orders', table: 'raw.orders', rows_read: 0, rows_written: 0 });
    expect(skip.note).toContain('airflow__2024-06-01T00:00:00');
    expect(evs.some((e) => e.event === 'commit')).toBe(false);
    expect(evs.at(-1)).toMatchObject({ event: 'end', status: 'ok' });
    expect(await p.pointer('raw.orders')).toBe(pointer);
    expect(await p.query('SELECT count(*) AS n FROM raw.orders')).toEqual([{ n: 2 }]);

    const text = await p.run(['orders', '--run-id', 'airflow__2024-06-01T00:00:00']);
    expect(text.stdout).toMatch(/orders\s+raw\.orders\s+skipped/);
  });

  it('without --run-id each run gets a fresh id; a new --run-id runs', async () => {
    await p.run(['orders']);
    await p.run(['orders', '--run-id', 'airflow__2024-06-02T00:00:00']);
    const ids = (await p.snapshots('raw.orders')).map((s) => s.summary['floe.run-id']);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe('airflow__2024-06-01T00:00:00');
    expect(ids[1]).toMatch(UUID);
    expect(ids[2]).toBe('airflow__2024-06-02T00:00:00');
    expect(await p.query('SELECT count(*) AS n FROM raw.orders')).toEqual([{ n: 6 }]);
  });
});

describe('a retried run id', () => {
  it('re-running --all with the same --run-id after a failure runs only the pipeline that failed', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id,v\n1,a\n');
    await p.write('data/b.csv', 'id,v\n1,not-a-number\n');
    await p.pipeline('a', 'source: { kind: csv, path: data/a.csv }\ntarget: { table: t.a }\n');
    await p.pipeline('b', 'source: { kind: csv, path: data/b.csv }\ncolumns:\n  v: { type: int }\ntarget: { table: t.b }\n');
    await p.run(['--all', '--run-id', 'dag_run_7'], 1);
    await p.write('data/b.csv', 'id,v\n1,5\n');
    const retry = await p.run(['--all', '--run-id', 'dag_run_7', '--json']);
    const evs = events(retry.stdout);
    expect(evs.find((e) => e.pipeline === 'a' && e.event === 'skip'), retry.stdout).toBeDefined();
    expect(evs.find((e) => e.pipeline === 'b' && e.event === 'commit'), retry.stdout).toBeDefined();
    expect(await p.query('SELECT (SELECT count(*) FROM t.a) AS a, (SELECT count(*) FROM t.b) AS b')).toEqual([{ a: 1, b: 1 }]);
    expect((await p.snapshots('t.b')).map((s) => s.summary['floe.run-id'])).toEqual(['dag_run_7']);
  });
});

describe('incremental cursor and --full-refresh', () => {
  it('reads only rows above the stored cursor; --full-refresh reads everything again', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE users (id INTEGER, name TEXT, updated_at TEXT)');
    const add = db.prepare('INSERT INTO users VALUES (?, ?, ?)');
    add.run(1, 'ann', '2024-01-01 10:00:00');
    add.run(2, 'bob', '2024-01-02 10:00:00');
    add.run(3, 'cy', '2024-01-03 10:00:00');
    await p.pipeline(
      'users',
      [
        'source: { kind: sqlite, connection: data/app.db, table: users, incremental: { cursor: updated_at } }',
        'columns:',
        '  updated_at: { type: timestamp }',
        'target: { table: app.users, mode: merge, key: [id] }',
        '',
      ].join('\n'),
    );
    const commitOf = (stdout: string) => events(stdout).find((e) => e.event === 'commit')!;

    expect(commitOf((await p.run(['users', '--json'])).stdout).rows_read).toBe(3);
    let last = (await p.snapshots('app.users')).at(-1)!.summary;
    expect(last['floe.cursor.column']).toBe('updated_at');
    expect(last['floe.cursor.value']).toMatch(/^2024-01-03[ T]10:00:00/);

    add.run(2, 'bobby', '2024-01-04 10:00:00');
    add.run(4, 'dee', '2024-01-04 11:00:00');
    db.close();
    expect(commitOf((await p.run(['users', '--json'])).stdout).rows_read).toBe(2);
    last = (await p.snapshots('app.users')).at(-1)!.summary;
    expect(last['floe.cursor.value']).toMatch(/^2024-01-04[ T]11:00:00/);

    const before = (await p.snapshots('app.users')).length;
    expect(commitOf((await p.run(['users', '--json'])).stdout).rows_read).toBe(0);
    expect(await p.snapshots('app.users')).toHaveLength(before);

    expect(commitOf((await p.run(['users', '--full-refresh', '--json'])).stdout).rows_read).toBe(5);
    expect(await p.query('SELECT id, name FROM app.users ORDER BY id')).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: 'bobby' },
      { id: 3, name: 'cy' },
      { id: 4, name: 'dee' },
    ]);
  });
});

describe('incremental cursor on a typed column', () => {
  it('a text cursor converted by a type rule is compared consistently: a run with nothing new writes nothing', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE events (id INTEGER, updated_at TEXT)');
    db.prepare('INSERT INTO events VALUES (?, ?), (?, ?)').run(1, '2024-01-01T10:00:00Z', 2, '2024-01-03T10:00:00Z');
    db.close();
    await p.pipeline(
      'events',
      [
        'source: { kind: sqlite, connection: data/app.db, table: events, incremental: { cursor: updated_at } }',
        'columns:',
        '  updated_at: { type: timestamptz }',
        'target: { table: app.events, mode: append }',
        '',
      ].join('\n'),
    );
    await p.run(['events']);
    const again = await p.run(['events', '--json']);
    const commit = events(again.stdout).find((e) => e.event === 'commit')!;
    // The filter pushed down to SQLite compares text and may re-read the last row; the
    // runner compares in the column's final type and drops it.
    expect(commit.rows_written, again.stdout).toBe(0);
    expect(await p.query('SELECT id, count(*) AS n FROM app.events GROUP BY id ORDER BY id')).toEqual([
      { id: 1, n: 1 },
      { id: 2, n: 1 },
    ]);
  });
});

describe('sql pipelines', () => {
  let p: Project;
  let r: Awaited<ReturnType<Project['run']>>;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/orders.csv', 'customer,amount\n1,10\n2,20\n1,5\n');
    // Names sort against the dependency order: a_totals reads z_orders' table, b_count reads a_totals'.
    await p.pipeline('z_orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
    await p.pipeline(
      'a_totals',
      'source:\n  kind: sql\n  query: SELECT customer, sum(amount)::BIGINT AS total FROM raw.orders GROUP BY customer\ntarget: { table: mart.totals, mode: overwrite }\n',
    );
    await p.pipeline('b_count', 'source:\n  kind: sql\n  query: SELECT count(*) AS customers FROM mart.totals\ntarget: { table: mart.counts, mode: overwrite }\n');
    await p.pipeline('c_alone', "source:\n  kind: sql\n  query: SELECT 42 AS answer\ntarget: { table: mart.answer, mode: overwrite }\n");
    r = await p.run(['--all', '--concurrency', '2', '--json']);
  });

  it('a pipeline reading another one\'s table runs after it, in one run --all', async () => {
    const evs = events(r.stdout);
    const at = (type: string, pipeline: string) => evs.findIndex((e) => e.event === type && e.pipeline === pipeline);
    for (const name of ['z_orders', 'a_totals', 'b_count', 'c_alone']) expect(at('commit', name), `${name} committed\n${r.stdout}`).toBeGreaterThanOrEqual(0);
    expect(at('start', 'a_totals')).toBeGreaterThan(at('commit', 'z_orders'));
    expect(at('start', 'b_count')).toBeGreaterThan(at('commit', 'a_totals'));
    expect(await p.query('SELECT customer, total FROM mart.totals ORDER BY customer')).toEqual([
      { customer: 1, total: 15 },
      { customer: 2, total: 20 },
    ]);
    expect(await p.query('SELECT customers FROM mart.counts')).toEqual([{ customers: 2 }]);
    expect(await p.query('SELECT answer FROM mart.answer')).toEqual([{ answer: 42 }]);
  });

  it('--json: only NDJSON events on stdout, each parseable, start/extract/commit per pipeline and one end', async () => {
    const evs = events(r.stdout);
    for (const e of evs) {
      expect(typeof e.event).toBe('string');
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
    expect(evs.filter((e) => e.event === 'start')).toHaveLength(4);
    expect(evs.filter((e) => e.event === 'extract')).toHaveLength(4);
    expect(evs.filter((e) => e.event === 'commit')).toHaveLength(4);
    expect(evs.filter((e) => e.event === 'end')).toHaveLength(1);
    expect(evs.at(-1)).toMatchObject({ event: 'end', status: 'ok', pipelines: 4, failed: 0 });
    // progress (DESIGN §3): each pipeline says when it starts writing, after its extract and before its commit.
    for (const name of ['z_orders', 'a_totals', 'b_count', 'c_alone']) {
      const at = (type: string) => evs.findIndex((e) => e.event === type && e.pipeline === name);
      expect(evs.filter((e) => e.event === 'progress' && e.pipeline === name && e.phase === 'write'), name).toHaveLength(1);
      expect(at('progress')).toBeGreaterThan(at('extract'));
      expect(evs.findIndex((e) => e.event === 'progress' && e.pipeline === name && e.phase === 'write')).toBeLessThan(at('commit'));
    }
    const commit = evs.find((e) => e.event === 'commit' && e.pipeline === 'z_orders')!;
    expect(commit).toMatchObject({ table: 'raw.orders', rows_read: 3, rows_written: 3, rejects: 0, schema_changes: [] });
    // The snapshot id is an exact long, the one on the table.
    expect(String(commit.snapshot_id)).toBe((await p.snapshots('raw.orders')).at(-1)!['snapshot-id']);
    expect(r.stderr).toBe('');
  });

  it('when an upstream pipeline fails, the pipelines reading its table are not run; exit 1', async () => {
    const totals = await p.pointer('mart.totals');
    await p.write('data/orders.csv', 'customer,amount\n1,10\n2,lots\n');
    await p.pipeline('z_orders', 'source: { kind: csv, path: data/orders.csv }\ncolumns:\n  amount: { type: long }\ntarget: { table: raw.orders }\n');
    const failed = await p.run(['--all', '--json'], 1);
    const evs = events(failed.stdout);
    expect(evs.find((e) => e.event === 'error' && e.pipeline === 'z_orders'), failed.stdout).toBeDefined();
    expect(evs.some((e) => e.event === 'start' && (e.pipeline === 'a_totals' || e.pipeline === 'b_count'))).toBe(false);
    expect(evs.find((e) => e.event === 'commit' && e.pipeline === 'c_alone')).toBeDefined();
    expect(evs.at(-1)).toMatchObject({ event: 'end', status: 'failed' });
    expect(await p.pointer('mart.totals')).toBe(totals);

    const text = await p.run(['--all'], 1);
    expect(text.stdout).toMatch(/a_totals\s+mart\.totals\s+skipped/);
    expect(text.stderr).toContain('not run: upstream pipeline z_orders failed');
  });
});

describe('a cycle between sql pipelines', () => {
  it('is a validate error (exit 2) naming the cycle, and run refuses it with exit 2', async () => {
    const p = await newProject();
    await p.pipeline('one', 'source:\n  kind: sql\n  query: SELECT * FROM mart.two\ntarget: { table: mart.one, mode: overwrite }\n');
    await p.pipeline('two', 'source:\n  kind: sql\n  query: SELECT * FROM mart.one\ntarget: { table: mart.two, mode: overwrite }\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toMatch(/pipelines[/\\]one\.yaml:3:\d+: .*cycle: one → two → one/);
    const r = await p.run(['--all'], 2);
    expect(r.stderr).toContain('cycle');
    expect(await p.tables()).toEqual([]);
  });
});

describe('incremental file sources', () => {
  it('a csv source with incremental.cursor keeps only rows above the last committed cursor', async () => {
    const p = await newProject();
    await p.pipeline(
      'events',
      'source:\n  kind: csv\n  path: data/events_*.csv\n  incremental: { cursor: updated_at }\ncolumns:\n  updated_at: { type: timestamp }\ntarget: { table: raw.events, mode: append }\n',
    );
    await p.write('data/events_1.csv', 'id,updated_at\n1,2024-06-01 10:00:00\n2,2024-06-01 11:00:00\n');
    await p.run(['events']);
    let snaps = await p.snapshots('raw.events');
    expect(snaps.at(-1)!.summary['floe.cursor.value']).toBe('2024-06-01 11:00:00');
    // The export is cumulative: the old rows come again with the new ones, and one late row.
    await p.write('data/events_2.csv', 'id,updated_at\n1,2024-06-01 10:00:00\n2,2024-06-01 11:00:00\n3,2024-06-01 12:00:00\n4,2024-06-01 10:30:00\n');
    await p.run(['events']);
    expect(await p.query('SELECT id FROM raw.events ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    snaps = await p.snapshots('raw.events');
    expect(snaps.at(-1)!.summary['floe.cursor.value']).toBe('2024-06-01 12:00:00');
    // Nothing newer: a run brings no rows and keeps the cursor.
    await p.run(['events']);
    expect(await p.query('SELECT count(*) AS n FROM raw.events')).toEqual([{ n: 3 }]);
    // --full-refresh reads every row of both exports again (6) and, the pipeline being an
    // append, replaces the table's rows with them in one overwrite snapshot; appended, the 3
    // rows already there would have stayed beside them (9).
    await p.run(['events', '--full-refresh']);
    expect(await p.query('SELECT count(*) AS n FROM raw.events')).toEqual([{ n: 6 }]);
    expect((await p.snapshots('raw.events')).at(-1)!.summary.operation).toBe('overwrite');
  });

  it('jsonl and parquet sources accept incremental too (floe validate)', async () => {
    const p = await newProject();
    await p.pipeline('a', 'source: { kind: jsonl, path: data/a.jsonl, incremental: { cursor: ts } }\ntarget: { table: raw.a }\n');
    await p.pipeline('b', 'source: { kind: parquet, path: data/b.parquet, incremental: { cursor: ts, initial: 5 } }\ntarget: { table: raw.b }\n');
    const r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(0);
  });
});
