/**
 * A numeric cursor column (Postgres `int`, MySQL/MariaDB `INT`, SQLite `integer`) that the pipeline reads as
 * text (`columns: { c: { type: string } }`): the run's watermark is the greatest text (`'123'`
 * of 123 and 1000), and the run keeps the rows whose text is above it, as it does for a file
 * source. The database compared numbers (`c > 123`) and left out 13 and 2, whose text is above
 * `'123'`: no run ever read them. Such a column is now read whole.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const table = `floe_cnt_${process.pid}`;

const first = [123, 1000];
const second = [13, 2, 100];
// The watermark is the greatest text ('123'); above it as text: '13' and '2' (not '100').
const watermark = first.map(String).sort().at(-1)!;
const above = second.filter((v) => String(v) > watermark);

const kinds = {
  postgres: async () => {
    const c = new pg.Client({ connectionString: services().pg });
    await c.connect();
    return { url: services().pg, exec: async (sql: string) => void (await c.query(sql)), close: () => c.end(), insert: async (id: number, v: number) => void (await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [id, v])) };
  },
  sqlite: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'floe-cnt-'));
    const file = path.join(dir, 'src.db');
    const c = new Database(file);
    const close = async () => {
      c.close();
      rmSync(dir, { recursive: true, force: true });
    };
    return { url: file, exec: async (sql: string) => void c.exec(sql), close, insert: async (id: number, v: number) => void c.prepare(`INSERT INTO ${table} VALUES (?, ?)`).run(id, v) };
  },
  mysql: async () => {
    const c = await mysql.createConnection(services().mysql);
    return { url: services().mysql, exec: async (sql: string) => void (await c.query(sql)), close: () => c.end(), insert: async (id: number, v: number) => void (await c.query(`INSERT INTO ${table} VALUES (?, ?)`, [id, v])) };
  },
};

describe.each(Object.keys(kinds) as (keyof typeof kinds)[])('a %s number cursor read as text', (kind) => {
  let db: { url: string; exec(sql: string): Promise<void>; close(): Promise<void>; insert(id: number, v: number): Promise<void> };
  beforeAll(async () => {
    db = await kinds[kind]();
    await db.exec(`DROP TABLE IF EXISTS ${table}`);
    await db.exec(`CREATE TABLE ${table} (id int, c int)`);
  });
  afterAll(async () => {
    await db?.exec(`DROP TABLE IF EXISTS ${table}`);
    await db?.close();
  });

  it('writes every row whose text is above the watermark once', async () => {
    expect(above).toEqual([13, 2]);
    const p = await newProject();
    await p.pipeline('p', [`source: { kind: ${kind}, connection: "\${SRC}", table: ${table}, incremental: { cursor: c } }`, 'columns:', '  c: { type: string }', 'target: { table: raw.t, mode: append }', ''].join('\n'));
    const env = { SRC: db.url };
    let id = 0;
    for (const v of first) await db.insert(++id, v);
    await p.run(['p'], 0, env);
    for (const v of second) await db.insert(++id, v);
    const r = await p.run(['p', '--json'], 0, env);
    const commit = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit?.rows_written, show(r)).toBe(above.length);
    await p.run(['p'], 0, env);
    const rows = await p.query('SELECT c, count(*)::INT AS n FROM raw.t GROUP BY c ORDER BY c');
    expect(rows).toEqual([...first, ...above].map(String).sort().map((c) => ({ c, n: 1 })));
  }, 60_000);
});
