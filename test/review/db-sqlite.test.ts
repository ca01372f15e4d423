/**
 * Review of kind: sqlite as a data engineer copying an application's SQLite file would meet
 * it: a column that turns out to hold other values after some rows were staged, and
 * timestamps written with zone offsets as the incremental cursor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, useProjects } from '../run/helpers.js';
import { sqliteSource } from '../../src/sources/sqlite.js';
import { columnTypes, config, context, textRows, useEngine } from '../sources/helpers.js';

const engine = useEngine();
let dir: string;
let file: string;

const source = (extra: Record<string, unknown>) => sqliteSource(config({ kind: 'sqlite', connection: file, ...extra }));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'floe-rv-sqlite-'));
  file = path.join(dir, 'app.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE late (id INTEGER PRIMARY KEY, flag BOOLEAN, at DATETIME, r REAL, b BLOB, n INTEGER);
    CREATE TABLE stamps (id INTEGER PRIMARY KEY, at DATETIME);
    CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE, padded TEXT COLLATE RTRIM);
    INSERT INTO codes VALUES (1, 'B', 'a'), (2, 'Z', 'a  '), (3, 'a', 'b'), (4, 'b', NULL);
  `);
  const late = db.prepare('INSERT INTO late VALUES (?,?,?,?,?,?)');
  late.run(1, 1, '2024-01-01T10:00:00+02:00', 2.0, Buffer.from('hé'), 7);
  late.run(2, 0, '2024-01-02 00:00:00.5', 0.1, Buffer.from('x'), 8);
  late.run(3, 'yes', 'soon', 'n/a', 'text', 'many');
  late.run(4, 1, '2024-01-03T00:00:00Z', 3.0, Buffer.from('y'), 9);
  const stamps = db.prepare('INSERT INTO stamps VALUES (?,?)');
  // An app writing local time with its offset: 11:59-02:00 is 13:59 UTC, after 12:00 UTC.
  for (const [id, at] of [[1, '2024-01-05 12:00:00'], [2, '2024-01-05 11:59:00-02:00'], [3, '2024-01-05T12:00:00.000001Z'], [4, '2024-01-05 11:00:00'], [5, '2024-01-05 13:30:00+01:00'], [6, null]] as const) {
    stamps.run(id, at);
  }
  db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite review: a column retyped after rows were staged', () => {
  it('stages the same text whatever the batch size: no row keeps a converted form', async () => {
    const whole = await source({ table: 'late' }).extract(context(engine()));
    const batched = await source({ table: 'late', batch_size: 2 }).extract(context(engine()));
    const types = { id: 'BIGINT', flag: 'VARCHAR', at: 'VARCHAR', r: 'VARCHAR', b: 'VARCHAR', n: 'VARCHAR' };
    expect(await columnTypes(engine(), whole.relation)).toEqual(types);
    expect(await columnTypes(engine(), batched.relation)).toEqual(types);
    const expected = [
      { id: '1', flag: '1', at: '2024-01-01T10:00:00+02:00', r: '2', b: 'hé', n: '7' },
      { id: '2', flag: '0', at: '2024-01-02 00:00:00.5', r: '0.1', b: 'x', n: '8' },
      { id: '3', flag: 'yes', at: 'soon', r: 'n/a', b: 'text', n: 'many' },
      { id: '4', flag: '1', at: '2024-01-03T00:00:00Z', r: '3', b: 'y', n: '9' },
    ];
    expect(await textRows(engine(), whole.relation, 'id')).toEqual(expected);
    expect(await textRows(engine(), batched.relation, 'id')).toEqual(expected);
    expect(batched.rowsRead).toBe(4);
  });
});

describe('sqlite review: a DATETIME cursor holding zone offsets', () => {
  it('reads every row whose instant is above the watermark, whatever its text form', async () => {
    const out = await source({ table: 'stamps', incremental: { cursor: 'at' } }).extract(context(engine(), { cursor: { column: 'at', after: '2024-01-05 12:00:00' } }));
    const rows = await textRows(engine(), out.relation, 'id');
    // Rows at or just below the watermark may come back (the runner drops them); every row above it must.
    const above = rows.filter((r) => r.at! > '2024-01-05 12:00:00').map((r) => r.id);
    expect(above).toEqual(['2', '3', '5']);
    expect(rows.map((r) => r.id)).not.toContain('4');
    // The NULL row comes too: the runner counts it in its warning and leaves it out.
    expect(rows.filter((r) => r.at === null).map((r) => r.id)).toEqual(['6']);
  });

  it('compares a text cursor byte by byte, whatever the column collation', async () => {
    const read = async (column: string, after: string) => {
      const out = await source({ table: 'codes', incremental: { cursor: column } }).extract(context(engine(), { cursor: { column, after } }));
      return (await textRows(engine(), out.relation, 'id')).map((r) => r.id);
    };
    // NOCASE puts 'a' and 'b' below 'Z'; DuckDB, which keeps the watermark, puts them above.
    expect(await read('code', 'Z')).toEqual(['3', '4']);
    // RTRIM makes 'a  ' equal to 'a'. (Row 4's NULL comes along for the runner to count.)
    expect(await read('padded', 'a')).toEqual(['2', '3', '4']);
  });
});

describe('sqlite review: floe run with NULL cursors', () => {
  beforeAll(assertBuilt);
  const newProject = useProjects();

  it('a later run says how many rows with a NULL cursor it left out, as for files', async () => {
    const p = await newProject();
    const db = new Database(p.path('app.db'));
    db.exec(`CREATE TABLE ev (id INTEGER PRIMARY KEY, seq INTEGER); INSERT INTO ev VALUES (1, 1), (2, NULL);`);
    await p.pipeline('ev', 'source: { kind: sqlite, connection: app.db, table: ev, incremental: { cursor: seq } }\ntarget: { table: raw.ev }\n');
    await p.run(['ev']);
    expect(await p.query('SELECT id FROM raw.ev ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    db.exec(`INSERT INTO ev VALUES (3, 5), (4, NULL)`);
    db.close();
    const r = await p.run(['ev', '--json']);
    const warning = events(r.stdout).find((e) => e.event === 'warning');
    expect(warning, r.stdout).toMatchObject({ pipeline: 'ev', rows_not_read: 2 });
    expect(warning!.message).toContain('2 row(s) with a NULL seq were not read');
    expect(await p.query('SELECT id FROM raw.ev ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });
});
