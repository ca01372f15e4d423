/**
 * reconcileColumns meeting a table struct with an input map, and a table map with an input
 * struct (a JSON object DuckDB typed the other way in this batch), at the top and nested:
 * the schema it plans, the problems it names, and what its projection makes of real rows
 * (run in DuckDB, the keys read by readMapKeys).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { schemaFromColumns } from '../../src/engine/infer-schema.js';
import { readMapKeys } from '../../src/ingest/map-keys.js';
import { MAX_FIELDS_FROM_KEYS, reconcileColumns, type SchemaChangePolicy } from '../../src/ingest/reconcile.js';
import { fieldByPath } from '../../src/iceberg/schema.js';
import type { IcebergType, NestedField, Schema } from '../../src/iceberg/types.js';

const f = (id: number, name: string, type: IcebergType): NestedField => ({ id, name, required: false, type });
const struct = (...fields: NestedField[]) => ({ type: 'struct' as const, fields });
const list = (elementId: number, element: IcebergType) => ({ type: 'list' as const, 'element-id': elementId, element, 'element-required': false });
const map = (keyId: number, valueId: number, value: IcebergType) => ({ type: 'map' as const, 'key-id': keyId, key: 'string', 'value-id': valueId, value, 'value-required': false });
const schema = (...fields: NestedField[]): Schema => ({ type: 'struct', 'schema-id': 0, fields });

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
});
afterAll(() => engine.close());

/** Reconciles the rows of `rows` (SQL) with `table` as a write does, and returns the plan and the rows written, as JSON. */
async function write(table: Schema, rows: string, policy: SchemaChangePolicy = 'add_columns', withKeys = true) {
  const incoming = schemaFromColumns(await engine.columns(rows, 'describe'));
  const keys = withKeys ? await readMapKeys(engine, rows, table, incoming, 'read the keys') : undefined;
  const r = reconcileColumns(table, incoming, 'raw.t', policy, 1, 100, keys);
  const out = async () => {
    const got = await engine.all(`SELECT to_json(t)::VARCHAR AS j FROM (SELECT ${r.projection} FROM (${rows}) AS __floe_in) AS t`, 'write');
    return got.map((g) => JSON.parse(String(g.j)) as Record<string, unknown>);
  };
  return { r, incoming, out };
}

describe('table map<string, T>, input struct', () => {
  const table = schema(f(1, 'id', 'long'), f(2, 'attrs', map(3, 4, 'long')));

  it('writes the fields that are not NULL as entries, with no schema change; int fields promote into long values', async () => {
    const { r, out } = await write(table, "SELECT * FROM (VALUES (1, {'a': 1::INT, 'b': 2::INT}), (2, {'a': 3::INT, 'b': NULL}), (3, NULL)) AS v(id, attrs)");
    expect(r.evolved).toBe(false);
    expect(r.schema).toBe(table);
    expect(r.casts).toEqual(['write attrs (input struct<a:int,b:int>) as map<string,long>: each field that is not NULL as an entry']);
    expect(await out()).toEqual([
      { id: 1, attrs: { a: 1, b: 2 } },
      { id: 2, attrs: { a: 3 } },
      { id: 3, attrs: null },
    ]);
  });

  it('under add_columns a wider field widens the map value; under fail its values are written when they fit exactly', async () => {
    const narrow = schema(f(1, 'id', 'long'), f(2, 'attrs', map(3, 4, 'int')));
    const rows = "SELECT 1 AS id, {'a': 1::INT, 'big': 3000000000::BIGINT} AS attrs";
    const { r, out } = await write(narrow, rows);
    expect(r.changes).toEqual(['widen attrs.value: int → long']);
    expect(fieldByPath(r.schema, 'attrs.value')!.id).toBe(4);
    expect(await out()).toEqual([{ id: 1, attrs: { a: 1, big: 3000000000 } }]);
    const strict = await write(narrow, rows, 'fail');
    expect(strict.r.evolved).toBe(false);
    await expect(strict.out()).rejects.toThrow('column "attrs.value" (field "big" of the input\'s struct): the input has type long, the table raw.t has int, and the value 3000000000 does not fit it exactly');
    await expect(write(narrow, "SELECT 1 AS id, {'a': 1::INT, 'f': 1.5::DOUBLE} AS attrs", 'fail')).rejects.toThrow('column "attrs.value" (field "f" of the input\'s struct): the input has type double, the table raw.t has int');
  });

  it("a map's value struct takes the input struct's fields' structs, gaining their new fields", async () => {
    const t = schema(f(1, 'attrs', map(2, 3, struct(f(4, 'n', 'long')))));
    const { r, out } = await write(t, "SELECT {'x': {'n': 1}, 'y': {'n': 2, 'note': 'hi'}} AS attrs");
    expect(r.changes).toEqual(['add column attrs.value.note string']);
    expect(fieldByPath(r.schema, 'attrs.value.note')!.id).toBe(101);
    expect(await out()).toEqual([{ attrs: { x: { n: 1, note: null }, y: { n: 2, note: 'hi' } } }]);
  });

  it('a map without string keys does not take a struct', async () => {
    const t = schema(f(1, 'm', { ...map(2, 3, 'long'), key: 'long' }));
    await expect(write(t, "SELECT {'a': 1::BIGINT} AS m")).rejects.toThrow('column "m": the input has type struct<a:long>, the table raw.t has map<long,long>');
  });
});

describe('table struct, input map<string, T>', () => {
  const table = schema(f(1, 'id', 'long'), f(2, 'attrs', struct(f(3, 'color', 'string'), f(4, 'size', 'string'))));
  const rows = "SELECT * FROM (VALUES (1, MAP {'color': 'red', 'promo': 'p1'}), (2, MAP {'size': 'L'}), (3, NULL), (4, MAP {}::MAP(VARCHAR, VARCHAR))) AS v(id, attrs)";

  it('reads each key into its field and adds the new keys as optional fields with fresh ids (add_columns)', async () => {
    const { r, out } = await write(table, rows);
    expect(r.changes).toEqual(['add column attrs.promo string']);
    expect(fieldByPath(r.schema, 'attrs.promo')).toMatchObject({ id: 101, required: false, type: 'string' });
    expect(fieldByPath(r.schema, 'attrs.color')!.id).toBe(3);
    expect(await out()).toEqual([
      { id: 1, attrs: { color: 'red', size: null, promo: 'p1' } },
      { id: 2, attrs: { color: null, size: 'L', promo: null } },
      { id: 3, attrs: null },
      { id: 4, attrs: { color: null, size: null, promo: null } },
    ]);
  });

  it('leaves new keys out under ignore', async () => {
    const { r, out } = await write(table, rows, 'ignore');
    expect(r.evolved).toBe(false);
    expect((await out())[0]).toEqual({ id: 1, attrs: { color: 'red', size: null } });
  });

  it('names the new keys and the column under fail', async () => {
    await expect(write(table, rows, 'fail')).rejects.toThrow('column "attrs": the input\'s map has key(s) "promo" that raw.t does not have (its struct has color, size)');
  });

  it('without the keys read first, a key that is not a field fails the write when met', async () => {
    const { r, out } = await write(table, rows, 'add_columns', false);
    expect(r.evolved).toBe(false);
    await expect(out()).rejects.toThrow('cannot write to raw.t: column "attrs": the input\'s map has the key "promo", which is not a field of the table raw.t\'s struct');
  });

  it('a key whose values cannot be its field type fails naming the column, the key and both types', async () => {
    const t = schema(f(1, 'attrs', struct(f(2, 'tags', list(3, 'string')), f(4, 'n', 'long'))));
    // Only n is a key of this input: tags (a list) is not checked against long values.
    const { out } = await write(t, "SELECT MAP {'n': 5::BIGINT} AS attrs");
    expect(await out()).toEqual([{ attrs: { tags: null, n: 5 } }]);
    await expect(write(t, "SELECT MAP {'tags': 5::BIGINT} AS attrs")).rejects.toThrow(
      'column "attrs.tags" (key "tags" of the input\'s map<string,long>): the input has type long, the table raw.t has list<string>',
    );
  });

  it("a string map's value into a numeric field is checked on that key's values only", async () => {
    const t = schema(f(1, 'attrs', struct(f(2, 'qty', 'long'), f(3, 'note', 'string'))));
    const { r, out } = await write(t, "SELECT MAP {'qty': NULL, 'note': 'x'}::MAP(VARCHAR, VARCHAR) AS attrs");
    expect(r.casts).toContain('write attrs.qty (input string) as long: only if every value is NULL');
    expect(await out()).toEqual([{ attrs: { qty: null, note: 'x' } }]);
    const bad = await write(t, "SELECT MAP {'qty': '12', 'note': 'x'} AS attrs");
    await expect(bad.out()).rejects.toThrow('column "attrs.qty" (key "qty" of the input\'s map<string,string>): the input has type string, the table raw.t has long, and the value 12 is not NULL');
  });

  it('a key differing from a field only in case, the empty key, and too many new keys fail', async () => {
    await expect(write(table, "SELECT MAP {'Color': 'red'} AS attrs")).rejects.toThrow('the input\'s map has the key "Color", which differs from the field attrs.color only in case');
    await expect(write(table, "SELECT MAP {'': 'x'} AS attrs")).rejects.toThrow('the input\'s map has the empty key ""');
    const many = `SELECT map_from_entries([{'key': 'k' || i, 'value': 'v'} FOR i IN range(${MAX_FIELDS_FROM_KEYS})]) AS attrs`;
    const err = (await write(table, many).then(() => undefined, (e: unknown) => e)) as FloeError;
    expect(err).toBeInstanceOf(FloeError);
    expect(err.message).toContain(`the input's map has ${MAX_FIELDS_FROM_KEYS} keys that the table raw.t's struct does not have; as fields they would make it a struct of ${MAX_FIELDS_FROM_KEYS + 2} fields`);
    expect(err.hint).toContain('floe table evolve raw.t --drop-column attrs --add-column "attrs map<string,string>"');
  });
});

describe('nested', () => {
  it("a list's element struct field and a map's value struct read from maps; the rest of the column is kept", async () => {
    const t = schema(
      f(1, 'items', list(2, struct(f(3, 'sku', 'string'), f(4, 'attrs', struct(f(5, 'color', 'string')))))),
      f(6, 'byday', map(7, 8, struct(f(9, 'n', 'long')))),
    );
    const rows = "SELECT [{'sku': 'a', 'attrs': MAP {'color': 'red', 'k1': 'x'}}, {'sku': 'b', 'attrs': NULL}] AS items, MAP {'mon': MAP {'n': 1::BIGINT, 'm': 2::BIGINT}} AS byday";
    const { r, out } = await write(t, rows);
    expect(r.changes).toEqual(['add column items.element.attrs.k1 string', 'add column byday.value.m long']);
    expect(await out()).toEqual([{ items: [{ sku: 'a', attrs: { color: 'red', k1: 'x' } }, { sku: 'b', attrs: null }], byday: { mon: { n: 1, m: 2 } } }]);
  });

  it('a struct inside a struct column written as a map', async () => {
    const t = schema(f(1, 'ev', struct(f(2, 'name', 'string'), f(3, 'utm', map(4, 5, 'string')))));
    const { r, out } = await write(t, "SELECT {'name': 'click', 'utm': {'source': 'news', 'medium': NULL::VARCHAR}} AS ev");
    expect(r.evolved).toBe(false);
    expect(await out()).toEqual([{ ev: { name: 'click', utm: { source: 'news' } } }]);
  });

  it("a list's element struct written as a map, and maps inside a struct written as a map read into the map's value struct", async () => {
    const t = schema(f(1, 'tags', list(2, map(3, 4, 'string'))), f(5, 'byday', map(6, 7, struct(f(8, 'n', 'long')))));
    const rows = "SELECT [{'a': 'x', 'b': NULL::VARCHAR}, NULL] AS tags, {'mon': MAP {'n': 1::BIGINT}, 'tue': MAP {'n': 2::BIGINT, 'extra': 3::BIGINT}} AS byday";
    const { r, out } = await write(t, rows);
    expect(r.changes).toEqual(['add column byday.value.extra long']);
    expect(await out()).toEqual([{ tags: [{ a: 'x' }, null], byday: { mon: { n: 1, extra: null }, tue: { n: 2, extra: 3 } } }]);
  });
});
