/**
 * `incremental.lookback` follows the cursor column's type, not the watermark's text: a non-zero
 * lookback on a text cursor (even one holding digits) is a config error at the lookback's line
 * and column, in `floe run` and `floe plan` alike (exit 2), as is a duration on a numeric
 * cursor; a fractional lookback on a whole-number cursor reads from the first whole number at
 * or above watermark − lookback. Rows read again are compared with the table after the PII
 * transform of `apply: ingest`, so a run with nothing new commits nothing.
 */
import { mkdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, show, useProjects } from './helpers.js';
import { eventOf } from './incremental-lookback-scenario.js';

const newProject = useProjects();

beforeAll(() => assertBuilt());

const merge = 'target: { table: app.items, mode: merge, key: [id] }';
/** 1-based column of the value of `lookback:` in `line`. */
const colOf = (line: string) => line.indexOf('lookback: ') + 1 + 'lookback: '.length;

describe('a lookback that does not fit the cursor type', () => {
  it('a number on a zero-padded TEXT cursor: exit 2 at the lookback for run and plan, nothing read by a wrong bound', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, code TEXT)');
    const put = db.prepare('INSERT INTO items VALUES (?, ?, ?)');
    put.run(1, 'a', '000100');
    put.run(2, 'b', '000200');
    const source = 'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: code, lookback: 50 } }';
    const file = await p.pipeline('items', ['# items', source, merge, ''].join('\n'));
    // A first run has no watermark to go back from.
    await p.run(['items']);
    put.run(3, 'c', '000300');
    put.run(4, 'd', '000180');
    db.close();
    const expected = `${file}:2:${colOf(source)}: source.incremental.lookback: 50 cannot be subtracted from the text cursor code (string)`;
    const r = await p.floe(['run', 'items']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(expected);
    expect(r.stderr).toContain('A text cursor takes no lookback but 0 (ties only)');
    const plan = await p.floe(['plan', 'items']);
    expect(plan.code, show(plan)).toBe(2);
    expect(plan.stderr).toContain(expected);
    expect(await p.query('SELECT id FROM app.items ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    // lookback: 0 (ties only) still fits a text cursor.
    await p.pipeline('items', ['# items', source.replace('lookback: 50', 'lookback: 0'), merge, ''].join('\n'));
    await p.run(['items']);
    expect(await p.query('SELECT id FROM app.items ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  }, 60_000);

  it('a cursor the table holds as a number but the run reads as text fails the run, naming the file, column and type', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, code TEXT)');
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(1, 'a', '000200');
    db.close();
    const source = 'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: code, lookback: 50 } }';
    await p.pipeline('items', [source, 'columns: { code: { type: long } }', merge, ''].join('\n'));
    await p.run(['items']);
    // The type rule removed: the table's long no longer tells how the run reads the cursor.
    const file = await p.pipeline('items', [source, merge, ''].join('\n'));
    const r = await p.floe(['run', 'items']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`pipeline items (${file}): incremental.lookback 50 needs a numeric, date or timestamp cursor, but code is read as VARCHAR (text)`);
  }, 60_000);

  it('a duration on a numeric cursor: exit 2 at the lookback for run and plan alike', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, seq INTEGER)');
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(1, 'a', 1000);
    db.close();
    const source = 'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: seq, lookback: 2h } }';
    const file = await p.pipeline('items', [source, merge, ''].join('\n'));
    await p.run(['items']);
    const expected = `${file}:1:${colOf(source)}: source.incremental.lookback: 2h is a duration, but seq is a number (long)`;
    for (const args of [['run', 'items'], ['plan', 'items'], ['plan', 'items', '--json']]) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(expected);
      expect(r.stderr).toContain('A numeric cursor takes a number: lookback: 1000.');
    }
  }, 60_000);

  it('a number on a timestamp cursor: exit 2 at the lookback', async () => {
    const p = await newProject();
    await p.write('data/items.csv', 'id,v,updated_at\n1,a,2024-01-05 12:00:00\n');
    const source = 'source: { kind: csv, path: data/items.csv, incremental: { cursor: updated_at, lookback: 5 } }';
    const file = await p.pipeline('items', [source, merge, ''].join('\n'));
    await p.run(['items']);
    const r = await p.floe(['run', 'items']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:1:${colOf(source)}: source.incremental.lookback: 5 is a number, but updated_at is a date or timestamp (timestamp)`);
  }, 60_000);
});

describe('a fractional lookback on a whole-number cursor', () => {
  const table = `floe_lookback_frac_${process.pid}`;
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: services().pg });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (id int8 PRIMARY KEY, v text, seq int8 NOT NULL)`);
  });
  afterAll(async () => {
    await client?.query(`DROP TABLE IF EXISTS ${table}`);
    await client?.end();
  });

  it('reads from the first whole number at or above watermark − lookback (postgres bigint)', async () => {
    const p = await newProject();
    const env = { PG_URL: services().pg };
    await p.pipeline('items', [`source: { kind: postgres, connection: "\${PG_URL}", table: ${table}, incremental: { cursor: seq, lookback: 1.5 } }`, merge, ''].join('\n'));
    await client.query(`INSERT INTO ${table} VALUES (1, 'a', 200)`);
    await p.run(['items'], 0, env);
    await client.query(`INSERT INTO ${table} VALUES (2, 'in', 199), (3, 'out', 198)`);
    const r = await p.run(['items', '--json'], 0, env);
    expect(eventOf(r.stdout, 'extract').cursor).toEqual({ column: 'seq', watermark: '200', lower_bound: '199', inclusive: true, lookback: '1.5' });
    expect(await p.query('SELECT id, v FROM app.items ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'in' }]);
    const plan = await p.floe(['plan', 'items'], env);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain('incremental: seq >= 199 (last committed 200 less lookback 1.5)');
  }, 60_000);
});

describe('rows read again with PII applied at ingest', () => {
  it('are compared as the table stores them: a run with nothing new commits nothing', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, email TEXT, name TEXT, seq INTEGER)');
    const put = db.prepare('INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)');
    put.run(1, 'ann@example.com', 'Ann', 100);
    put.run(2, 'bob@example.com', 'Bob', 110);
    await p.pipeline(
      'items',
      [
        'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: seq, lookback: 50 } }',
        'columns:',
        '  email: { pii: { tag: email, policy: mask, apply: ingest } }',
        '  name: { pii: { policy: redact, apply: ingest } }',
        merge,
        '',
      ].join('\n'),
    );
    await p.run(['items']);
    const email = async () => (await p.query('SELECT email FROM app.items WHERE id = 1'))[0]!.email;
    const first = await email();
    const before = (await p.snapshots('app.items')).length;
    const again = await p.run(['items', '--json']);
    expect(eventOf(again.stdout, 'commit').rows_written).toBe(0);
    expect(await p.snapshots('app.items')).toHaveLength(before);
    // A late change inside the lookback is still written (masked).
    put.run(1, 'zoe@other.org', 'Ann', 100);
    db.close();
    await p.run(['items']);
    expect(await p.snapshots('app.items')).toHaveLength(before + 1);
    expect(await email()).not.toBe(first);
  }, 60_000);
});
