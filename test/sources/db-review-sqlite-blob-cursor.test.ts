/**
 * A SQLite BLOB cursor: the watermark is DuckDB's text of the blob (`A\xFF`), bound as text, and
 * SQLite puts every blob above every text, so each incremental run read the whole table again
 * (the run then dropped the rows at or below the watermark; only rows_read showed it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteSource } from '../../src/sources/sqlite.js';
import { config, context, textRows, useEngine } from './helpers.js';

const engine = useEngine();
const dir = mkdtempSync(path.join(tmpdir(), 'floe-blob-cursor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite: a BLOB cursor', () => {
  it("reads only the rows above the watermark, given as DuckDB's text of the blob", async () => {
    const file = path.join(dir, 'b.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER, b BLOB)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    for (const [id, hex] of [[1, '0001'], [2, '41ff'], [3, '4200'], [4, '0002'], [5, '415c27']] as const) insert.run(id, Buffer.from(hex, 'hex'));
    db.close();
    const source = sqliteSource(config({ kind: 'sqlite', connection: file, table: 't', incremental: { cursor: 'b' } }));
    const out = await source.extract(context(engine(), { cursor: { column: 'b', after: 'A\\xFF' } }));
    expect(out.rowsRead).toBe(1);
    expect((await textRows(engine(), out.relation, 'id')).map((r) => r.id)).toEqual(['3']);
    const low = await source.extract(context(engine(), { cursor: { column: 'b', after: 'A\\x5C' } }));
    expect((await textRows(engine(), low.relation, 'id')).map((r) => r.id)).toEqual(['2', '3', '5']);
  });
});
