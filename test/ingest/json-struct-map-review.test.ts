/**
 * Struct ↔ map reconciliation (reconcile.ts) at its edges: doubles written into a map's string
 * values, the hints and plan lines of nested type changes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';
import { f, list, map, schema, struct, useReconcileWrite } from '../helpers/reconcile-write.js';

const write = useReconcileWrite();

describe("doubles into a map's string values", () => {
  const table = schema(f(1, 'id', 'long'), f(2, 'attrs', map(3, 4, 'string')));
  // What a batch of mixed values stores for these JSON numbers (DuckDB's JSON text of them).
  const doubles = "{'a': 1e-7::DOUBLE, 'b': 1.5e300::DOUBLE, 'c': 'nan'::DOUBLE, 'd': '-inf'::DOUBLE, 'e': 2.5::DOUBLE, 'f': -0.0::DOUBLE, 'g': NULL::DOUBLE}";
  const text = { a: '1e-7', b: '1.5e300', c: 'NaN', d: '-Infinity', e: '2.5', f: '-0.0' };

  it("a struct's double fields are written as their JSON text, not as CAST prints them (1e-07, 1.5e+300, nan)", async () => {
    const { r, out } = await write(table, `SELECT 1 AS id, ${doubles} AS attrs`, 'fail');
    expect(r.evolved).toBe(false);
    // floe plan's lines: each cast once, not once per field.
    expect(r.casts).toEqual([
      'write attrs.value (input double) as string: each value as its JSON text',
      'write attrs (input struct<a:double,b:double,c:double,d:double,e:double,f:double,g:double>) as map<string,string>: each field that is not NULL as an entry',
    ]);
    expect(await out()).toEqual([{ id: 1, attrs: text }]);
  });

  it('an integer between 2^63 and 2^64 (DuckDB reads it as decimal(38, 0)) is its digits', async () => {
    const { r, out } = await write(table, "SELECT 1 AS id, {'big': 10000000000000000000::DECIMAL(38, 0), 'neg': -5::DECIMAL(38, 0), 'n': 4::BIGINT} AS attrs", 'fail');
    expect(r.evolved).toBe(false);
    expect(await out()).toEqual([{ id: 1, attrs: { big: '10000000000000000000', neg: '-5', n: '4' } }]);
    // A decimal with a fraction is not a JSON reader's: it still needs the table's type.
    await expect(write(table, "SELECT 1 AS id, {'p': 1.50::DECIMAL(9, 2)} AS attrs", 'fail')).rejects.toThrow('the input has type decimal(9,2), the table raw.t has string');
  });

  it('so are the values of a map of doubles, and of a list of them', async () => {
    const { out } = await write(table, `SELECT 1 AS id, map_from_entries(list_filter(map_entries(CAST(${doubles} AS MAP(VARCHAR, DOUBLE))), lambda e: e.value IS NOT NULL)) AS attrs`, 'fail');
    expect(await out()).toEqual([{ id: 1, attrs: text }]);
    const nested = schema(f(1, 'id', 'long'), f(2, 'items', list(3, map(4, 5, 'string'))));
    const l = await write(nested, `SELECT 1 AS id, [${doubles}, NULL] AS items`, 'fail');
    expect(await l.out()).toEqual([{ id: 1, items: [text, null] }]);
  });
});

const hintOf = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(FloeError);
  return { message: (e as FloeError).message, hint: (e as FloeError).hint ?? '' };
};

describe("the hint for a nested type change names columns floe table evolve can drop", () => {
  it("a map's value: the map column, once however many of the input struct's fields do not fit", async () => {
    const table = schema(f(1, 'id', 'long'), f(2, 'attrs', map(3, 4, 'string')));
    const e = await hintOf(write(table, "SELECT 1 AS id, {'a': ['x'], 'b': ['y']} AS attrs", 'fail'));
    expect(e.message).toContain('column "attrs.value" (field "a" of the input\'s struct): the input has type list<string>, the table raw.t has string');
    expect(e.hint).toContain('floe table evolve raw.t --drop-column attrs;');
    expect(e.hint).not.toContain('attrs.value');
  });

  it("a list's element and a map's value inside a struct: the list, the struct's field", async () => {
    const table = schema(f(1, 'items', list(2, 'long')), f(3, 'o', { type: 'struct', fields: [f(4, 'tags', map(5, 6, 'long'))] }));
    const e = await hintOf(write(table, "SELECT [{'sku': 'a'}] AS items, {'tags': MAP {'k': [1]}} AS o", 'fail'));
    expect(e.hint).toContain('floe table evolve raw.t --drop-column items --drop-column o.tags;');
  });
});

describe('the hint to store a struct as a map names the column floe table evolve can drop, with its whole type', () => {

  it("a list's element struct whose batch has keys that differ only in case: the list, as a list of maps", async () => {
    const table = schema(f(1, 'id', 'long'), f(2, 'items', list(3, struct(f(4, 'sku', 'string')))));
    const e = await hintOf(write(table, "SELECT 1 AS id, [MAP {'sku': 'a', 'Q': 'x'}, MAP {'q': 'y'}] AS items"));
    expect(e.message).toContain('column "items.element": the input\'s map has the keys "Q" and "q", which differ only in case');
    expect(e.hint).toContain('floe table evolve raw.t --drop-column items --add-column "items list<map<string,string>>"');
  });

  it("a map's value struct: the map, as a map of maps", async () => {
    const table = schema(f(1, 'prefs', map(2, 3, struct(f(4, 'theme', 'string')))));
    const e = await hintOf(write(table, "SELECT MAP {'u1': MAP {'theme': 'dark', 'Q': 'x', 'q': 'y'}} AS prefs"));
    expect(e.hint).toContain('floe table evolve raw.t --drop-column prefs --add-column "prefs map<string,map<string,string>>"');
  });

  it('a top-level struct column: the column, as a map (unchanged)', async () => {
    const table = schema(f(1, 'attrs', struct(f(2, 'color', 'string'))));
    const e = await hintOf(write(table, "SELECT MAP {'Q': 'x', 'q': 'y'} AS attrs"));
    expect(e.hint).toContain('floe table evolve raw.t --drop-column attrs --add-column "attrs map<string,string>"');
  });
});

describe('the CLI', () => {
  const newProject = useProjects();
  beforeAll(assertBuilt);

  it('a JSON number is stored as the same text in a map table whether its batch was read as mixed values or as a struct', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    const numbers = ['1e-07', '1.5e+300', '2.5', '-0.0'];
    // Twelve records with a key of their own each, values of two kinds: map<string, string>.
    const mixed = [...numbers.map((n, i) => `{"id": ${i}, "attrs": {"n${i}": ${n}}}`), ...Array.from({ length: 8 }, (_, i) => `{"id": ${10 + i}, "attrs": {"s${i}": "x"}}`)];
    await p.write('data/events.jsonl', mixed.join('\n') + '\n');
    await p.run(['events']);
    // The same numbers in a batch whose objects all have the same keys: a struct of doubles.
    await p.write('data/events.jsonl', `{"id": 100, "attrs": {${numbers.map((n, i) => `"n${i}": ${n}`).join(', ')}}}\n`);
    const r = await p.run(['events', '--json']);
    expect(events(r.stdout).find((x) => x.event === 'commit'), show(r)).toMatchObject({ rows_written: 1, schema_changes: [] });
    const rows = await p.queryCli("SELECT id, attrs FROM raw.events WHERE id < 4 OR id = 100 ORDER BY id");
    const first = Object.assign({}, ...rows.slice(0, 4).map((x) => x.attrs as object));
    expect(first).toEqual({ n0: '1e-7', n1: '1.5e300', n2: '2.5', n3: '-0.0' });
    expect(rows[4]).toEqual({ id: 100, attrs: first });
  });
});
