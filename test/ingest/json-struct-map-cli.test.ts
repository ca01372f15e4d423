/**
 * A JSON object column that DuckDB types as a struct in one run and as a map in the next (its
 * keys vary from batch to batch: an API's `attributes: {...}`, an event's `utm: {...}`). A
 * later batch is written in the table's existing type when its values fit:
 *
 * - table struct, batch map: each key is read into the struct's field of that name; keys the
 *   table lacks become new optional fields under add_columns, and fail naming the keys, the
 *   column and the input under on_schema_change: fail; a key whose values do not fit its field
 *   fails naming the column, the key and both types;
 * - table map, batch struct: the struct's fields are written as the map's entries (a field
 *   that is NULL in a record is no entry of it), with no schema change.
 *
 * DuckDB types an object as a map when the average share of the records holding each of its
 * keys is at most 0.1 (measured here with 12 records that each have one key of their own),
 * else as a struct.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { usePrivateTmpdir, useRecordsApi } from '../helpers/local-http.js';
import { assertBuilt, events, type Project, useProjects } from '../run/helpers.js';

// Private TMPDIR: test/sources/http.test.ts counts floe-http-* folders in the shared one.
usePrivateTmpdir('floe-json-struct-map-');
beforeAll(assertBuilt);
const newProject = useProjects();
const api = useRecordsApi<object>();

const schemaOf = (m: TableMetadata) => m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
/** `n` records from id `from`, each with one attrs key of its own (`keyOf(i)`): DuckDB types attrs as a map. */
const varying = (from: number, n: number, keyOf: (i: number) => string, value: (i: number) => unknown = (i) => `v${i}`) =>
  Array.from({ length: n }, (_, k) => ({ id: from + k, attrs: { [keyOf(k)]: value(k) } }));

describe('table struct, later batch map', () => {
  let p: Project;
  let first: TableMetadata;

  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines([{ id: 1, attrs: { color: 'red', size: 'L' } }, { id: 2, attrs: { color: 'blue', size: 'M' } }]));
    await p.run(['events']);
    first = await p.metadata('raw.events');
  });

  it('the first run types attrs as a struct', () => {
    expect(schemaOf(first).fields.find((f) => f.name === 'attrs')!.type).toMatchObject({ type: 'struct', fields: [{ name: 'color' }, { name: 'size' }] });
  });

  it('a batch typed as a map is read into the struct: known keys into their fields, new keys added as fields (add_columns)', async () => {
    // color, size, then ten keys of their own: 12 records, each key in one of them.
    const keys = ['color', 'size', ...Array.from({ length: 10 }, (_, i) => `k${i}`)];
    await p.write('data/events.jsonl', lines(varying(10, 12, (i) => keys[i]!)));
    const plan = await p.floe(['plan', 'events']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('add column attrs.k0 string');
    expect(plan.stdout).toContain('write attrs (input map<string,string>) as struct<color:string,size:string,k0:string,');
    const r = await p.run(['events', '--json']);
    const commit = events(r.stdout).find((e) => e.event === 'commit')!;
    expect(commit.schema_changes).toEqual(keys.slice(2).sort().map((k) => `add column attrs.${k} string`));
    const after = await p.metadata('raw.events');
    const attrs = schemaOf(after).fields.find((f) => f.name === 'attrs')!;
    const before = schemaOf(first).fields.find((f) => f.name === 'attrs')!;
    // The column and its fields keep their ids; the new fields get ids above the old last-column-id.
    expect(attrs.id).toBe(before.id);
    const fields = (attrs.type as { fields: { id: number; name: string; required: boolean }[] }).fields;
    expect(fields.slice(0, 2)).toEqual((before.type as { fields: unknown[] }).fields);
    for (const f of fields.slice(2)) {
      expect(f.id).toBeGreaterThan(first['last-column-id']);
      expect(f.required).toBe(false);
    }
    const rows = await p.queryCli('SELECT id, attrs.color AS color, attrs.size AS size, attrs.k0 AS k0, attrs.k9 AS k9 FROM raw.events ORDER BY id');
    expect(rows).toEqual([
      { id: 1, color: 'red', size: 'L', k0: null, k9: null },
      { id: 2, color: 'blue', size: 'M', k0: null, k9: null },
      { id: 10, color: 'v0', size: null, k0: null, k9: null },
      { id: 11, color: null, size: 'v1', k0: null, k9: null },
      { id: 12, color: null, size: null, k0: 'v2', k9: null },
      ...Array.from({ length: 8 }, (_, i) => ({ id: 13 + i, color: null, size: null, k0: null, k9: null })),
      { id: 21, color: null, size: null, k0: null, k9: 'v11' },
    ]);
  });

  it('on_schema_change: fail names the new keys, the column and the input, and commits nothing', async () => {
    await p.pipeline('strict', 'source: { kind: jsonl, path: data/strict.jsonl }\ntarget: { table: raw.strict, on_schema_change: fail }\n');
    await p.write('data/strict.jsonl', lines([{ id: 1, attrs: { color: 'red', size: 'L' } }, { id: 2, attrs: { color: 'blue', size: 'M' } }]));
    await p.run(['strict']);
    const pointer = await p.pointer('raw.strict');
    await p.write('data/strict.jsonl', lines(varying(3, 12, (i) => (i === 0 ? 'color' : i === 1 ? 'promo' : `size${i === 2 ? '' : i}`))));
    const r = await p.run(['strict'], 1);
    expect(r.stderr).toContain('cannot write to raw.strict');
    expect(r.stderr).toMatch(/column "attrs": the input's map has key\(s\) "promo", "size10", "size11", "size3", .* that raw\.strict does not have/);
    expect(r.stderr).toContain('data/strict.jsonl');
    expect(await p.pointer('raw.strict')).toBe(pointer);
  });

  it("a key whose values do not fit its field fails naming the column, the key and both types", async () => {
    await p.pipeline('typed', 'source: { kind: jsonl, path: data/typed.jsonl }\ntarget: { table: raw.typed }\n');
    await p.write('data/typed.jsonl', lines([{ id: 1, attrs: { qty: 1, note: 'a' } }, { id: 2, attrs: { qty: 2, note: 'b' } }]));
    await p.run(['typed']);
    const pointer = await p.pointer('raw.typed');
    // Every value a string: map<string, string>; qty is a long field.
    await p.write('data/typed.jsonl', lines(varying(3, 12, (i) => (i === 0 ? 'qty' : `x${i}`), (i) => `s${i}`)));
    const r = await p.run(['typed'], 1);
    expect(r.stderr).toContain('column "attrs.qty" (key "qty" of the input\'s map<string,string>): the input has type string, the table raw.typed has long, and the value s0 is not NULL');
    expect(await p.pointer('raw.typed')).toBe(pointer);
  });
});

describe('table map, later batch struct', () => {
  it('a batch typed as a struct is written as the map, with no schema change', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines(varying(1, 12, (i) => `k${i}`, (i) => i)));
    await p.run(['events']);
    const first = await p.metadata('raw.events');
    expect(schemaOf(first).fields.find((f) => f.name === 'attrs')!.type).toMatchObject({ type: 'map', key: 'string', value: 'long' });
    // Two records with the same two keys: a struct<k0: long, promo: long>; promo is NULL in the second.
    await p.write('data/events.jsonl', lines([{ id: 20, attrs: { k0: 5, promo: 7 } }, { id: 21, attrs: { k0: 6 } }, { id: 22, attrs: null }]));
    const r = await p.run(['events', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit')!.schema_changes).toEqual([]);
    const after = await p.metadata('raw.events');
    expect(after.schemas).toHaveLength(1);
    expect(after['current-schema-id']).toBe(first['current-schema-id']);
    const rows = await p.queryCli("SELECT id, map_keys(attrs) AS keys, attrs['k0'] AS k0, attrs['promo'] AS promo FROM raw.events WHERE id >= 20 ORDER BY id");
    expect(rows).toEqual([
      { id: 20, keys: ['k0', 'promo'], k0: 5, promo: 7 },
      { id: 21, keys: ['k0'], k0: 6, promo: null },
      { id: 22, keys: null, k0: null, promo: null },
    ]);
  });

  it("a struct field whose type does not fit the map's values fails naming the column, the field and both types", async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines(varying(1, 12, (i) => `k${i}`, (i) => i)));
    await p.run(['events']);
    const pointer = await p.pointer('raw.events');
    await p.write('data/events.jsonl', lines([{ id: 20, attrs: { k0: 5, tags: ['a'] } }]));
    const r = await p.run(['events'], 1);
    expect(r.stderr).toContain('column "attrs.value" (field "tags" of the input\'s struct): the input has type list<string>, the table raw.events has long');
    expect(await p.pointer('raw.events')).toBe(pointer);
  });
});

describe('inside a list', () => {
  it("a list's element struct field typed as a map in the next run is read into the struct", async () => {
    const p = await newProject();
    await p.pipeline('orders', 'source: { kind: jsonl, path: data/orders.jsonl }\ntarget: { table: raw.orders }\n');
    await p.write('data/orders.jsonl', lines([{ id: 1, items: [{ sku: 'a', attrs: { color: 'red' } }] }]));
    await p.run(['orders']);
    await p.write('data/orders.jsonl', lines(Array.from({ length: 12 }, (_, i) => ({ id: 10 + i, items: [{ sku: `s${i}`, attrs: { [i === 0 ? 'color' : `k${i}`]: `v${i}` } }] }))));
    const r = await p.run(['orders', '--json']);
    const changes = events(r.stdout).find((e) => e.event === 'commit')!.schema_changes as string[];
    expect(changes).toHaveLength(11);
    expect(changes).toContain('add column items.element.attrs.k1 string');
    const rows = await p.queryCli('SELECT id, items[1].attrs.color AS color, items[1].attrs.k1 AS k1 FROM raw.orders WHERE id IN (1, 10, 11) ORDER BY id');
    expect(rows).toEqual([
      { id: 1, color: 'red', k1: null },
      { id: 10, color: 'v0', k1: null },
      { id: 11, color: null, k1: 'v1' },
    ]);
  });
});

describe('choosing the type', () => {
  it('a struct column made a map with floe table evolve takes every later batch, struct or map', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines([{ id: 1, attrs: { color: 'red', size: 'L' } }]));
    await p.run(['events']);
    const evolved = await p.floe(['table', 'evolve', 'raw.events', '--drop-column', 'attrs', '--add-column', 'attrs map<string, string>']);
    expect(evolved.code, evolved.stderr).toBe(0);
    await p.write('data/events.jsonl', lines([{ id: 2, attrs: { color: 'blue', size: 'M' } }]));
    await p.run(['events']);
    await p.write('data/events.jsonl', lines(varying(3, 12, (i) => `k${i}`)));
    await p.run(['events']);
    expect((await p.metadata('raw.events')).schemas).toHaveLength(2);
    const rows = await p.queryCli("SELECT id, map_keys(attrs) AS keys FROM raw.events WHERE id <= 4 ORDER BY id");
    expect(rows).toEqual([
      { id: 1, keys: null },
      { id: 2, keys: ['color', 'size'] },
      { id: 3, keys: ['k0'] },
      { id: 4, keys: ['k1'] },
    ]);
  });

  it('a merge pipeline reads a batch typed as a map into the struct too', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: jsonl, path: data/m.jsonl }\ntarget: { table: raw.m, mode: merge, key: [id] }\n');
    await p.write('data/m.jsonl', lines([{ id: 1, attrs: { color: 'red' } }, { id: 2, attrs: { color: 'blue' } }]));
    await p.run(['m']);
    await p.write('data/m.jsonl', lines(varying(2, 12, (i) => (i === 0 ? 'color' : `k${i}`))));
    const r = await p.run(['m', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit')!.schema_changes).toHaveLength(11);
    expect(await p.queryCli('SELECT id, attrs.color AS color, attrs.k1 AS k1 FROM raw.m WHERE id <= 3 ORDER BY id')).toEqual([
      { id: 1, color: 'red', k1: null },
      { id: 2, color: 'v0', k1: null },
      { id: 3, color: null, k1: 'v1' },
    ]);
  });
});

describe('an http source', () => {
  it('an API whose object is a struct in one response and a map in the next writes both into the struct', async () => {
    const p = await newProject();
    await p.pipeline('api', ['source:', '  kind: http', `  url: ${api.origin}/items`, '  records_path: data', 'target: { table: raw.api }', ''].join('\n'));
    api.records = [{ id: 1, utm: { source: 'news', medium: 'email' } }];
    await p.run(['api']);
    api.records = varying(2, 12, (i) => (i === 0 ? 'source' : `c${i}`)).map((r) => ({ id: r.id, utm: r.attrs }));
    const r = await p.run(['api', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit')!.schema_changes).toContain('add column utm.c1 string');
    expect(await p.queryCli('SELECT id, utm.source AS source, utm.medium AS medium, utm.c1 AS c1 FROM raw.api WHERE id <= 3 ORDER BY id')).toEqual([
      { id: 1, source: 'news', medium: 'email', c1: null },
      { id: 2, source: 'v0', medium: null, c1: null },
      { id: 3, source: null, medium: null, c1: 'v1' },
    ]);
  });
});
