/**
 * A text cursor column (Postgres `text`, MySQL/MariaDB `VARCHAR`, SQLite `TEXT`) that the
 * pipeline reads as other values: `type: long` on `'000123'`, or `normalize: email`. The
 * watermark is the greatest value as read (`123`, `bob@x.com`), and compared with the
 * column's text on the server every later row sorted below it (`'1000' < '123'`,
 * `'000124' < '123'`, `'Carl@x.com' < 'bob@x.com'`): no run ever read them. Such a column is
 * now read whole, and the run keeps the rows above the watermark, once.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const prefix = `floe_ctt_${process.pid}`;

interface Db {
  kind: 'postgres' | 'mysql' | 'sqlite';
  create(table: string): Promise<void>;
  insert(table: string, id: number, value: string): Promise<void>;
  drop(table: string): Promise<void>;
  connection: (p: Project) => string;
  close(): Promise<void>;
}

const dbs: Record<string, () => Promise<Db>> = {
  postgres: async () => {
    const c = new pg.Client({ connectionString: services().pg });
    await c.connect();
    return {
      kind: 'postgres',
      create: async (t) => void (await c.query(`CREATE TABLE ${t} (id int, c text)`)),
      insert: async (t, id, v) => void (await c.query(`INSERT INTO ${t} VALUES ($1, $2)`, [id, v])),
      drop: async (t) => void (await c.query(`DROP TABLE IF EXISTS ${t}`)),
      connection: () => services().pg,
      close: () => c.end(),
    };
  },
  mysql: async () => {
    const c = await mysql.createConnection(services().mysql);
    return {
      kind: 'mysql',
      create: async (t) => void (await c.query(`CREATE TABLE ${t} (id int, c VARCHAR(40))`)),
      insert: async (t, id, v) => void (await c.query(`INSERT INTO ${t} VALUES (?, ?)`, [id, v])),
      drop: async (t) => void (await c.query(`DROP TABLE IF EXISTS ${t}`)),
      connection: () => services().mysql,
      close: () => c.end(),
    };
  },
  sqlite: async () => {
    let db: Database.Database | undefined;
    return {
      kind: 'sqlite',
      create: async () => {},
      insert: async (t, id, v) => void db!.prepare(`INSERT INTO ${t} VALUES (?, ?)`).run(id, v),
      drop: async () => {},
      connection: (p) => {
        db?.close();
        db = new Database(p.path('src.db'));
        db.exec(`CREATE TABLE IF NOT EXISTS ${prefix} (id INTEGER, c TEXT)`);
        return p.path('src.db');
      },
      close: async () => void db?.close(),
    };
  },
};

const CASES = [
  { name: 'long', rule: '{ type: long }', first: ['000123', '99'], second: ['000124', '1000', '200', '123', '100'], above: ['000124', '1000', '200'], stored: (v: string) => String(Number(v)) },
  { name: 'email', rule: '{ normalize: email }', first: ['bob@x.com'], second: ['Carl@x.com', 'Bob@x.com', 'AL@x.com'], above: ['Carl@x.com'], stored: (v: string) => v.toLowerCase() },
];

describe.each(Object.keys(dbs))('a %s text cursor read as other values', (kind) => {
  let db: Db;
  beforeAll(async () => {
    db = await dbs[kind]!();
  });
  afterAll(async () => {
    for (const c of CASES) await db?.drop(`${prefix}_${c.name}`);
    await db?.close();
  });

  it.each(CASES)('writes every row above the watermark once ($name)', async (c) => {
    const p = await newProject();
    const connection = db.connection(p);
    const table = kind === 'sqlite' ? prefix : `${prefix}_${c.name}`;
    await db.drop(table);
    await db.create(table);
    await p.pipeline(
      'p',
      [`source: { kind: ${kind}, connection: "\${SRC}", table: ${table}, incremental: { cursor: c } }`, 'columns:', `  c: ${c.rule}`, 'target: { table: raw.t, mode: append }', ''].join('\n'),
    );
    const env = { SRC: connection };
    let id = 0;
    for (const v of c.first) await db.insert(table, ++id, v);
    await p.run(['p'], 0, env);
    for (const v of c.second) await db.insert(table, ++id, v);
    const r = await p.run(['p', '--json'], 0, env);
    const commit = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit?.rows_written, show(r)).toBe(c.above.length);
    // A third run has nothing new.
    await p.run(['p'], 0, env);
    const rows = await p.query('SELECT CAST(c AS VARCHAR) AS c, count(*)::INT AS n FROM raw.t GROUP BY c');
    const want = [...c.first, ...c.above].map(c.stored);
    expect(rows.map((x) => String(x.c)).sort()).toEqual([...want].sort());
    expect(rows.every((x) => x.n === 1)).toBe(true);
  }, 60_000);
});
