/**
 * A SQLite cursor column declared without a type (`CREATE TABLE t (id, c)`) stores each value
 * as given: numbers stay numbers, and SQLite orders every number below every text. The
 * watermark was bound as text (`'7'`), so no later row of a column of numbers was ever read
 * (8 and 100 were lost). A numeric watermark is now bound as a number; a column of text still
 * compares as text.
 */
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CASES = [
  { name: 'numbers', first: [5, 7], second: [8, 100, 7, 6], written: ['8', '100'] },
  { name: 'text', first: ['b'], second: ['c', 'a', 'b'], written: ['c'] },
];

describe('a SQLite cursor column without a declared type', () => {
  it.each(CASES)('writes every row above the watermark once ($name)', async (c) => {
    const p = await newProject();
    const db = new Database(p.path('src.db'));
    try {
      db.exec('CREATE TABLE t (id, c)');
      await p.pipeline('p', ['source: { kind: sqlite, connection: src.db, table: t, incremental: { cursor: c } }', 'target: { table: raw.t, mode: append }', ''].join('\n'));
      let id = 0;
      const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
      for (const v of c.first) insert.run(++id, v);
      await p.run(['p']);
      for (const v of c.second) insert.run(++id, v);
      const r = await p.run(['p', '--json']);
      const commit = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
      expect(commit?.rows_written, show(r)).toBe(c.written.length);
      await p.run(['p']);
      const rows = await p.query('SELECT id, count(*) OVER (PARTITION BY id)::INT AS n FROM raw.t');
      expect(rows.length).toBe(c.first.length + c.written.length);
      expect(rows.every((x) => x.n === 1)).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);
});
