/**
 * engine/read-view-name.ts: where views of catalog tables go in one DuckDB session, in the
 * orders other commands create them (`floe check` makes one view per table as it goes).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { viewTarget } from '../../src/engine/read-view-name.js';
import { FloeError } from '../../src/errors.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine();
});
afterEach(() => engine.close());

async function view(name: string[], value: string): Promise<void> {
  const target = await viewTarget(engine, name, name.join('.'));
  const sql = `SELECT ${value === '' ? 'NULL' : `'${value}'`} AS v`;
  await engine.run(`CREATE OR REPLACE VIEW ${target.sql} AS ${sql}`, 'test view');
  target.created(sql);
}
const read = async (name: string) => (await engine.all(`SELECT v FROM ${name}`, 'read')).map((r) => r.v);

describe('views of catalog tables in one session', () => {
  it('a flat table made before a nested one with the same first level still reads after the database is attached', async () => {
    await view(['a', 't'], 'flat a.t');
    await view(['a', 'u'], 'flat a.u');
    expect(await read('a.t')).toEqual(['flat a.t']);
    await view(['a', 'b', 't'], 'nested a.b.t');
    expect(await read('a.t')).toEqual(['flat a.t']);
    expect(await read('"a"."u"')).toEqual(['flat a.u']);
    expect(await read('a.b.t')).toEqual(['nested a.b.t']);
    // Made after the database exists, a flat view goes straight into it.
    await view(['a', 'w'], 'flat a.w');
    expect(await read('a.w')).toEqual(['flat a.w']);
    const placed = await engine.all(`SELECT database_name AS d, schema_name AS s, view_name AS v FROM duckdb_views() WHERE NOT internal ORDER BY 1, 2, 3`, 'list');
    expect(placed).toEqual([
      { d: 'a', s: 'b', v: 't' },
      { d: 'a', s: 'main', v: 't' },
      { d: 'a', s: 'main', v: 'u' },
      { d: 'a', s: 'main', v: 'w' },
    ]);
  });

  it('re-creating the same table’s view is fine; another table under the same DuckDB name is refused', async () => {
    await view(['a', 'b', 't'], 'one');
    await view(['a', 'b', 't'], 'two');
    expect(await read('a.b.t')).toEqual(['two']);
    await view(['a', 't'], 'flat');
    const clash = await view(['a', 'main', 't'], 'x').catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(FloeError);
    expect((clash as FloeError).kind).toBe('unsupported');
    expect((clash as FloeError).message).toContain('tables a.t and a.main.t are one name to DuckDB');
    // Names differing only in case are one name too.
    const upper = await view(['A', 'B', 'T'], 'y').catch((e: unknown) => e);
    expect((upper as FloeError).message).toContain('tables a.b.t and A.B.T are one name to DuckDB');
  });

  it('names DuckDB cannot express fail naming the table', async () => {
    for (const [name, words] of [
      [['a', 'b', 'c', 't'], 'table a.b.c.t: its namespace a.b.c is 3 levels deep'],
      [['temp', 'x', 't'], 'table temp.x.t: DuckDB reserves the name temp'],
      [['Main', 'x', 't'], 'table Main.x.t: DuckDB reserves the name Main'],
    ] as const) {
      const e = await view([...name], 'x').catch((x: unknown) => x);
      expect(e, name.join('.')).toBeInstanceOf(FloeError);
      expect((e as FloeError).message).toContain(words);
    }
    // Nothing was attached under a reserved name: the session still works.
    expect(await engine.all('SELECT 1 AS one', 'probe')).toEqual([{ one: 1 }]);
  });
});
