/**
 * Source schema drift between cron runs of a CSV pipeline. File sources infer types from the
 * values at hand: a column empty in today's file reads as text, a double column whose values
 * today are whole numbers reads as long. Such files are written into the table's existing
 * types when every value fits exactly; a value that does not fails the run naming the column,
 * both types and the value, and the table is unchanged. Read back with PyIceberg.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pyicebergRead } from '../interop/oracle.js';
import { assertBuilt, events, type Project, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('CSV type drift between runs', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('t', 'source: { kind: csv, path: data/t.csv }\ntarget: { table: raw.t }\n');
    await p.write('data/t.csv', 'id,score,price,name\n1,1.5,2.25,ann\n2,2.5,3.5,bob\n');
    await p.run(['t']);
    expect(await p.columns('raw.t')).toEqual(['id long', 'score double', 'price double', 'name string']);
  });

  it('a column empty in this file (read as text) is written as NULLs of the table type; the schema is unchanged', async () => {
    await p.write('data/t.csv', 'id,score,price,name\n3,,4.5,cy\n');
    const plan = await p.floe(['plan', 't']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('write score (input string) as double: only if every value is NULL');
    const r = await p.run(['t', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit')).toMatchObject({ rows_written: 3 - 2, schema_changes: [] });
    expect(await p.columns('raw.t')).toEqual(['id long', 'score double', 'price double', 'name string']);
  });

  it('whole numbers in a double column (read as long) are written as doubles', async () => {
    await p.write('data/t.csv', 'id,score,price,name\n4,7,10,dee\n5,-3,9007199254740992,eve\n');
    await p.run(['t']);
    expect(await p.columns('raw.t')).toEqual(['id long', 'score double', 'price double', 'name string']);
    expect(await p.query('SELECT id, score, price FROM raw.t WHERE id >= 3 ORDER BY id')).toEqual([
      { id: 3, score: null, price: 4.5 },
      { id: 4, score: 7, price: 10 },
      { id: 5, score: -3, price: 9007199254740992 },
    ]);
  });

  it('a value that a double cannot hold exactly fails the run naming column, types and value; nothing is committed', async () => {
    const pointer = await p.pointer('raw.t');
    await p.write('data/t.csv', 'id,score,price,name\n6,1,9007199254740993,fay\n');
    const r = await p.run(['t'], 1);
    expect(r.stderr).toContain('column "price": the input has type long, the table raw.t has double, and the value 9007199254740993 does not fit it exactly');
    expect(r.stderr).toContain('(input: csv data/t.csv)');
    expect(await p.pointer('raw.t')).toBe(pointer);
  });

  it('text in a column that had numbers still fails naming the value; the table is unchanged', async () => {
    const pointer = await p.pointer('raw.t');
    await p.write('data/t.csv', 'id,score,price,name\n7,,n/a,gus\n');
    const r = await p.run(['t'], 1);
    expect(r.stderr).toContain('column "price": the input has type string, the table raw.t has double, and the value n/a is not NULL');
    expect(await p.pointer('raw.t')).toBe(pointer);
  });

  it('a fraction in a long column is still refused (long → double is no Iceberg promotion)', async () => {
    await p.write('data/t.csv', 'id,score,price,name\n8.5,1,1,hal\n');
    const r = await p.run(['t'], 1);
    expect(r.stderr).toMatch(/column "id": the input has type double, the table raw\.t has long \(input: csv data\/t\.csv\)/);
  });

  it('PyIceberg reads the same rows and the unchanged schema', async () => {
    const py = await pyicebergRead({ catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse'), table: 'raw.t' });
    expect(py.schema.map((f) => `${f.name} ${f.type}`)).toEqual(['id long', 'score double', 'price double', 'name string']);
    expect(py.rows!.map((r) => [r.id, r.score, r.price, r.name])).toEqual([
      ['1', 1.5, 2.25, 'ann'],
      ['2', 2.5, 3.5, 'bob'],
      ['3', null, 4.5, 'cy'],
      ['4', 7, 10, 'dee'],
      ['5', -3, 9007199254740992, 'eve'],
    ]);
  });
});

describe('a required column', () => {
  it('takes no NULL: the write fails naming the table and column, and nothing is committed', async () => {
    const p = await newProject();
    const c = await p.floe(['table', 'create', 'a.req', '--column', 'id long required', '--column', 'v double']);
    expect(c.code, c.stderr).toBe(0);
    await p.pipeline('r', 'source: { kind: csv, path: data/r.csv }\ntarget: { table: a.req }\n');
    await p.write('data/r.csv', 'id,v\n,1.5\n2,2.5\n');
    const r = await p.run(['r'], 1);
    expect(r.stderr).toContain('cannot write to a.req: column "id" is required, but the input has a NULL in it');
    // An all-empty column (read as text) is no way around it.
    await p.write('data/r.csv', 'id,v\n,1.5\n');
    expect((await p.run(['r'], 1)).stderr).toContain('column "id" is required, but the input has a NULL in it');
    expect(await p.query('SELECT count(*) AS n FROM a.req')).toEqual([{ n: 0 }]);
    await p.write('data/r.csv', 'id,v\n1,1.5\n');
    await p.run(['r']);
    expect(await p.query('SELECT id, v FROM a.req')).toEqual([{ id: 1, v: 1.5 }]);
  });
});

describe('whole numbers into int, decimal and float columns', () => {
  it('are written when they fit exactly (floe load too); the first that does not fails naming it', async () => {
    const p = await newProject();
    expect((await p.floe(['table', 'create', 'a.dec', '--column', 'id int', '--column', 'amt decimal(5,2)', '--column', 'f float'])).code).toBe(0);
    await p.write('d1.csv', 'id,amt,f\n1,999,16777216\n-2147483648,-999,-16777216\n');
    const ok = await p.floe(['load', 'a.dec', p.path('d1.csv')]);
    expect(ok.code, ok.stderr).toBe(0);
    for (const [row, message] of [
      ['1,1000,1', 'column "amt": the input has type long, the table a.dec has decimal(5,2), and the value 1000 does not fit it exactly'],
      ['3000000000,1,1', 'column "id": the input has type long, the table a.dec has int, and the value 3000000000 does not fit it exactly'],
      ['1,1,16777217', 'column "f": the input has type long, the table a.dec has float, and the value 16777217 does not fit it exactly'],
    ] as const) {
      await p.write('d2.csv', `id,amt,f\n${row}\n`);
      const r = await p.floe(['load', 'a.dec', p.path('d2.csv')]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(message);
    }
    expect(await p.query('SELECT id, CAST(amt AS VARCHAR) AS amt, f FROM a.dec ORDER BY id')).toEqual([
      { id: -2147483648, amt: '-999.00', f: -16777216 },
      { id: 1, amt: '999.00', f: 16777216 },
    ]);
  });
});
