/** kind: sqlite from a temp database file: declared-type mapping, dynamic values, incremental, errors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { sqliteSource } from '../../src/sources/sqlite.js';
import { columnTypes, config, context, textRows, useEngine } from './helpers.js';

const engine = useEngine();
let dir: string;
let file: string;

const source = (extra: Record<string, unknown>) => sqliteSource(config({ kind: 'sqlite', connection: file, ...extra }));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'floe-sqlite-src-'));
  file = path.join(dir, 'app.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE types (id INTEGER PRIMARY KEY, big BIGINT, r REAL, f FLOAT, s TEXT, vc VARCHAR(10), b BLOB,
      flag BOOLEAN, d DATE, ts DATETIME, n NUMERIC, dec DECIMAL(10,2), anything);
    CREATE TABLE mixed (id INTEGER PRIMARY KEY, qty INTEGER, at TIMESTAMP);
    CREATE TABLE events (id INTEGER, updated_at TEXT);
    CREATE TABLE odd (id INTEGER PRIMARY KEY, d DATE, t TEXT);
    INSERT INTO odd VALUES (1, '2024-01-01', 'plain'), (2, 'infinity', 'nul' || char(0) || 'inside'), (3, '0001-01-01', 'ok � kept');
    CREATE TABLE bad_text (id INTEGER PRIMARY KEY, t TEXT);
    INSERT INTO bad_text VALUES (1, 'fine'), (2, CAST(x'61ff62' AS TEXT));
    CREATE TABLE blobs (id INTEGER PRIMARY KEY, t TEXT);
    INSERT INTO blobs VALUES (1, x'68c3a9'), (2, x'00ff');
  `);
  const ins = db.prepare('INSERT INTO types VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)');
  ins.run(1, 9007199254740993n, 1.5, 0.1, 'héllo 🦆', 'x', Buffer.from([0, 255]), 1, '2024-02-29', '2024-01-01 12:00:00.123456', 12.5, 19.99, 5n);
  ins.run(2, -9223372036854775808n, -0.5, 1e300, '', '', Buffer.alloc(0), 0, '1999-12-31', '2024-01-01T12:00:00Z', 3, 0.1, 6n);
  ins.run(3, null, null, null, null, null, null, null, null, null, null, null, null);
  const mixed = db.prepare('INSERT INTO mixed VALUES (?,?,?)');
  mixed.run(1, 10n, '2024-01-01 00:00:00');
  mixed.run(2, 20n, '2024-01-02 00:00:00');
  mixed.run(3, 'lots', 'yesterday');
  mixed.run(4, 40n, '2024-01-04 00:00:00');
  const ev = db.prepare('INSERT INTO events VALUES (?,?)');
  for (const [id, at] of [[1n, '2024-01-01 00:00:00'], [9007199254740993n, '2024-01-02 00:00:00'], [9007199254740994n, '2024-01-03 00:00:00']] as const) ev.run(id, at);
  db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite: types and values', () => {
  it('maps declared types by affinity and keeps values exact', async () => {
    const out = await source({ table: 'types' }).extract(context(engine()));
    expect(out.describe).toBe(`sqlite ${file}`);
    expect(await columnTypes(engine(), out.relation)).toEqual({
      id: 'BIGINT', big: 'BIGINT', r: 'DOUBLE', f: 'DOUBLE', s: 'VARCHAR', vc: 'VARCHAR', b: 'BLOB',
      flag: 'BOOLEAN', d: 'DATE', ts: 'TIMESTAMP', n: 'DOUBLE', dec: 'DOUBLE', anything: 'BIGINT',
    });
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', big: '9007199254740993', r: '1.5', f: '0.1', s: 'héllo 🦆', vc: 'x', b: '\\x00\\xFF', flag: 'true', d: '2024-02-29', ts: '2024-01-01 12:00:00.123456', n: '12.5', dec: '19.99', anything: '5' },
      { id: '2', big: '-9223372036854775808', r: '-0.5', f: '1e+300', s: '', vc: '', b: '', flag: 'false', d: '1999-12-31', ts: '2024-01-01 12:00:00', n: '3.0', dec: '0.1', anything: '6' },
      { id: '3', big: null, r: null, f: null, s: null, vc: null, b: null, flag: null, d: null, ts: null, n: null, dec: null, anything: null },
    ]);
  });

  it('makes a column VARCHAR when a later batch holds a value its type cannot', async () => {
    const out = await source({ table: 'mixed', batch_size: 2 }).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'BIGINT', qty: 'VARCHAR', at: 'VARCHAR' });
    const rows = await textRows(engine(), out.relation, 'id');
    expect(rows.map((r) => r.qty)).toEqual(['10', '20', 'lots', '40']);
    expect(rows.map((r) => r.at)).toEqual(['2024-01-01 00:00:00', '2024-01-02 00:00:00', 'yesterday', '2024-01-04 00:00:00']);
  });

  it('reads text "infinity" in a DATE column as text, and keeps NUL and a real U+FFFD in text', async () => {
    const out = await source({ table: 'odd' }).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'BIGINT', d: 'VARCHAR', t: 'VARCHAR' });
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', d: '2024-01-01', t: 'plain' },
      { id: '2', d: 'infinity', t: 'nul\0inside' },
      { id: '3', d: '0001-01-01', t: 'ok \uFFFD kept' },
    ]);
  });

  it('refuses text whose bytes are not UTF-8, and a blob that is not UTF-8 in a text column, naming row and column', async () => {
    const text = await source({ table: 'bad_text' }).extract(context(engine())).catch((e: unknown) => e);
    expect(text).toBeInstanceOf(FloeError);
    expect((text as FloeError).message).toMatch(/row 2 from sqlite .*, column "t": the text is not valid UTF-8 \(0x61ff62/);
    const blob = await source({ table: 'blobs' }).extract(context(engine())).catch((e: unknown) => e);
    expect(blob).toBeInstanceOf(FloeError);
    expect((blob as FloeError).message).toMatch(/row 2 .*column "t" \(TEXT → VARCHAR\): a blob that is not UTF-8 text/);
    const ok = await source({ query: 'SELECT id, t FROM blobs WHERE id = 1' }).extract(context(engine()));
    expect(await textRows(engine(), ok.relation, 'id')).toEqual([{ id: '1', t: 'hé' }]);
  });

  it('types an expression column by its first value', async () => {
    const out = await source({ query: `SELECT id, id * 2 AS twice, 'x' || id AS label, NULL AS empty FROM types WHERE id < 3` }).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'BIGINT', twice: 'BIGINT', label: 'VARCHAR', empty: 'VARCHAR' });
  });

  it('resolves a relative path against the project folder', async () => {
    const out = await sqliteSource(config({ kind: 'sqlite', connection: 'app.db', table: 'events' })).extract(context(engine(), { projectDir: dir }));
    expect(out.rowsRead).toBe(3);
  });
});

describe('sqlite: incremental', () => {
  it('reads rows after an integer watermark beyond 2^53, compared as a number', async () => {
    const out = await source({ table: 'events', incremental: { cursor: 'id' } }).extract(context(engine(), { cursor: { column: 'id', after: '9007199254740993' } }));
    expect((await textRows(engine(), out.relation, 'id')).map((r) => r.id)).toEqual(['9007199254740994']);
  });

  it('reads rows after a text watermark, and from incremental.initial on a first run', async () => {
    const src = source({ table: 'events', incremental: { cursor: 'updated_at', initial: '2024-01-01 00:00:00' } });
    const first = await src.extract(context(engine(), { cursor: { column: 'updated_at', after: null } }));
    expect(first.rowsRead).toBe(2);
    const next = await src.extract(context(engine(), { cursor: { column: 'updated_at', after: '2024-01-02 00:00:00' } }));
    expect(next.rowsRead).toBe(1);
  });
});

describe('sqlite: a bad watermark', () => {
  it('an incremental.initial that is not a number fails naming the cursor (SQLite would compare it as text and read no row)', async () => {
    const src = source({ table: 'events', incremental: { cursor: 'id', initial: 'abc' } });
    const e = await src.extract(context(engine(), { cursor: { column: 'id', after: null } })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('source');
    expect((e as FloeError).message).toBe('pipeline test_pipeline: incremental cursor id: the watermark "abc" is not an integer');
  });
});

describe('sqlite: errors', () => {
  it('names a missing database file', async () => {
    const missing = path.join(dir, 'nope.db');
    const e = await sqliteSource(config({ kind: 'sqlite', connection: missing, table: 't' })).extract(context(engine())).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect(e).toMatchObject({ kind: 'not-found', message: expect.stringContaining(missing) });
  });

  it('names the pipeline and the SQL error of a bad query', async () => {
    const e = await source({ query: 'SELECT * FROM no_such_table' }).extract(context(engine())).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'source', message: expect.stringMatching(/pipeline test_pipeline: .*no such table: no_such_table/) });
  });

  it('refuses a statement that returns no rows', async () => {
    const e = await source({ query: 'DELETE FROM events' }).extract(context(engine())).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'source' });
  });
});
