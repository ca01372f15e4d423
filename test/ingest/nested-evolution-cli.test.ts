/**
 * Two runs of a JSON Lines pipeline whose records gain nested data between them: a new
 * struct field (address.zip), a new field of a list's element struct (items.element.note),
 * and new struct and list columns. `floe plan` lists the changes, the run commits them with
 * fresh ids (last-column-id advances, existing ids stay), `schema_changes` names them by
 * path, and rows of the first run read the new fields as NULL. A nested type change that is
 * not a promotion fails naming the path, both types and the input, and commits nothing;
 * `on_schema_change: fail` names a new nested field by its path. Nested fields whose type
 * drifts without a schema change (null everywhere, whole numbers today) are written into the
 * table's type when every value fits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { indexFields } from '../../src/iceberg/schema.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { assertBuilt, duck, events, type Project, type RunResult, sqlString, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const schemaOf = (m: TableMetadata) => m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
const idsByPath = (m: TableMetadata) => Object.fromEntries(indexFields(schemaOf(m)).map((f) => [f.path.join('.'), f.id]));

describe('a JSON Lines source that gains nested fields between runs', () => {
  let p: Project;
  let first: TableMetadata;
  let plan: RunResult;
  let second: RunResult;
  let after: TableMetadata;

  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('users', 'source: { kind: jsonl, path: data/users.jsonl }\ntarget: { table: raw.users }\n');
    await p.pipeline('strict', 'source: { kind: jsonl, path: data/strict.jsonl }\ntarget: { table: raw.strict, on_schema_change: fail }\n');
    await p.write(
      'data/users.jsonl',
      [
        '{"id": 1, "address": {"city": "Paris"}, "items": [{"sku": "a", "qty": 1}]}',
        '{"id": 2, "address": {"city": "Lyon"}, "items": [{"sku": "b", "qty": 2}, {"sku": "c", "qty": 3}]}',
      ].join('\n') + '\n',
    );
    await p.write('data/strict.jsonl', '{"id": 1, "address": {"city": "Paris"}}\n');
    await p.run(['--all']);
    first = await p.metadata('raw.users');

    // The API now sends more: address.zip (keys in another order), items[].note, geo and tags.
    await p.write(
      'data/users.jsonl',
      [
        '{"id": 3, "address": {"zip": "06000", "city": "Nice"}, "items": [{"sku": "d", "qty": 4, "note": "gift"}], "geo": {"lat": 43.7, "lon": 7.26}, "tags": ["new"]}',
        '{"id": 4, "address": {"city": "Metz"}, "items": [], "tags": []}',
      ].join('\n') + '\n',
    );
    await p.write('data/strict.jsonl', '{"id": 2, "address": {"city": "Lyon", "zip": "69000"}}\n');
    plan = await p.floe(['plan', 'users']);
    second = await p.run(['--all', '--json'], 1);
    after = await p.metadata('raw.users');
  });

  it('floe plan lists the nested changes by path', () => {
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('add column address.zip string');
    expect(plan.stdout).toContain('add column items.element.note string');
    expect(plan.stdout).toContain('add column geo struct<lat:double,lon:double>');
    expect(plan.stdout).toContain('add column tags list<string>');
  });

  it('the run commits them, named by path in schema_changes', () => {
    const commit = events(second.stdout).find((e) => e.event === 'commit' && e.pipeline === 'users')!;
    expect(commit.schema_changes).toEqual([
      'add column address.zip string',
      'add column items.element.note string',
      'add column geo struct<lat:double,lon:double>',
      'add column tags list<string>',
    ]);
  });

  it('new fields get fresh optional ids above the old last-column-id; existing ids never change', () => {
    const before = idsByPath(first);
    const now = idsByPath(after);
    for (const [path, id] of Object.entries(before)) expect(now[path], path).toBe(id);
    const added = Object.keys(now).filter((k) => !(k in before));
    expect(added.sort()).toEqual(['address.zip', 'geo', 'geo.lat', 'geo.lon', 'items.element.note', 'tags', 'tags.element'].sort());
    for (const k of added) expect(now[k]!).toBeGreaterThan(first['last-column-id']);
    expect(new Set(Object.values(now)).size).toBe(Object.values(now).length);
    expect(after['last-column-id']).toBe(first['last-column-id'] + added.length);
    for (const f of indexFields(schemaOf(after))) if (added.includes(f.path.join('.')) && f.field) expect(f.required, f.path.join('.')).toBe(false);
    expect(after.schemas).toHaveLength(2);
  });

  it('rows of the first run read the new fields as NULL (floe query)', async () => {
    expect(await p.queryCli('SELECT id, address, items, geo, tags FROM raw.users ORDER BY id')).toEqual([
      { id: 1, address: { city: 'Paris', zip: null }, items: [{ sku: 'a', qty: 1, note: null }], geo: null, tags: null },
      { id: 2, address: { city: 'Lyon', zip: null }, items: [{ sku: 'b', qty: 2, note: null }, { sku: 'c', qty: 3, note: null }], geo: null, tags: null },
      { id: 3, address: { city: 'Nice', zip: '06000' }, items: [{ sku: 'd', qty: 4, note: 'gift' }], geo: { lat: 43.7, lon: 7.26 }, tags: ['new'] },
      { id: 4, address: { city: 'Metz', zip: null }, items: [], geo: null, tags: [] },
    ]);
  });

  it('on_schema_change: fail names the new nested field by its path and commits nothing', async () => {
    const err = events(second.stdout).find((e) => e.event === 'error' && e.pipeline === 'strict')!;
    expect(err.message).toContain('the input has column(s) "address.zip" that raw.strict does not have');
    expect(await p.snapshots('raw.strict')).toHaveLength(1);
  });

  it('a nested type change that is not a promotion fails naming the path, both types and the input; nothing is committed', async () => {
    const pointer = await p.pointer('raw.users');
    await p.write('data/users.jsonl', '{"id": 5, "address": {"city": 75001}, "items": [{"sku": "e", "qty": 1.5}]}\n');
    const r = await p.run(['users'], 1);
    expect(r.stderr).toContain('column "address.city": the input has type long, the table raw.users has string');
    expect(r.stderr).toContain('column "items.element.qty": the input has type double, the table raw.users has long');
    expect(r.stderr).toContain('data/users.jsonl');
    expect(await p.pointer('raw.users')).toBe(pointer);
  });

  it('a nested field null in every record (read as a string) is written NULL into its type; a value there fails naming it', async () => {
    await p.write('data/users.jsonl', '{"id": 6, "address": {"city": "Brest", "zip": null}, "items": [{"sku": "f", "qty": null}], "geo": null, "tags": null}\n');
    const planned = await p.floe(['plan', 'users']);
    expect(planned.stdout).toContain('write items.element.qty (input string) as long: only if every value is NULL');
    expect(planned.stdout).toContain('write geo (input string) as struct<lat:double,lon:double>: only if every value is NULL');
    await p.run(['users']);
    expect(await p.queryCli('SELECT id, address, items, geo, tags FROM raw.users WHERE id = 6')).toEqual([
      { id: 6, address: { city: 'Brest', zip: null }, items: [{ sku: 'f', qty: null, note: null }], geo: null, tags: null },
    ]);
    const pointer = await p.pointer('raw.users');
    await p.write('data/users.jsonl', '{"id": 7, "items": [{"sku": "g", "qty": null}, {"sku": "h", "qty": "12"}]}\n');
    const r = await p.run(['users'], 1);
    expect(r.stderr).toContain('column "items.element.qty": the input has type string, the table raw.users has long, and the value 12 is not NULL');
    expect(await p.pointer('raw.users')).toBe(pointer);
  });

  it('whole numbers in a nested double field (read as long today) are written when they fit exactly; one that does not fails naming it', async () => {
    await p.write('data/users.jsonl', '{"id": 8, "geo": {"lat": 43, "lon": -1}}\n');
    const planned = await p.floe(['plan', 'users']);
    expect(planned.stdout).toContain('write geo.lat (input long) as double: only values that fit exactly');
    await p.run(['users']);
    expect(await p.queryCli('SELECT id, geo FROM raw.users WHERE id = 8')).toEqual([{ id: 8, geo: { lat: 43, lon: -1 } }]);
    expect((await p.metadata('raw.users')).schemas).toHaveLength(2);
    const pointer = await p.pointer('raw.users');
    await p.write('data/users.jsonl', '{"id": 9, "geo": {"lat": 1, "lon": 9007199254740993}}\n');
    const r = await p.run(['users'], 1);
    expect(r.stderr).toContain('column "geo.lon": the input has type long, the table raw.users has double, and the value 9007199254740993 does not fit it exactly');
    expect(await p.pointer('raw.users')).toBe(pointer);
  });
});

describe('nested widening and merge', () => {
  it('a struct field and a list element field widen from int to long, keeping their ids; old rows keep their values', async () => {
    const p = await newProject();
    await p.write('data/b.jsonl', '');
    await duck(`COPY (SELECT 1::INT AS id, {'q': 1::INT, 'f': 1.5::FLOAT} AS s, [{'q': 2::INT}] AS l) TO ${sqlString(p.path('data/a.parquet'))} (FORMAT parquet)`);
    const load = await p.floe(['load', 'raw.w', p.path('data/a.parquet')]);
    expect(load.code, load.stderr).toBe(0);
    const before = idsByPath(await p.metadata('raw.w'));
    await p.pipeline('w', 'source: { kind: jsonl, path: data/b.jsonl }\ntarget: { table: raw.w }\n');
    await p.write('data/b.jsonl', '{"id": 2, "s": {"q": 3000000000, "f": 2.5}, "l": [{"q": 5000000000}]}\n');
    const r = await p.run(['w', '--json']);
    const commit = events(r.stdout).find((e) => e.event === 'commit')!;
    expect(commit.schema_changes).toEqual(['widen id: int → long', 'widen s.q: int → long', 'widen s.f: float → double', 'widen l.element.q: int → long']);
    const after = await p.metadata('raw.w');
    expect(idsByPath(after)).toEqual(before);
    expect(await p.columns('raw.w')).toEqual([
      'id long',
      `s ${JSON.stringify({ type: 'struct', fields: [{ id: before['s.q'], name: 'q', required: false, type: 'long' }, { id: before['s.f'], name: 'f', required: false, type: 'double' }] })}`,
      `l ${JSON.stringify({ type: 'list', 'element-id': before['l.element'], element: { type: 'struct', fields: [{ id: before['l.element.q'], name: 'q', required: false, type: 'long' }] }, 'element-required': false })}`,
    ]);
    expect(await p.queryCli('SELECT id, s, l FROM raw.w ORDER BY id')).toEqual([
      { id: 1, s: { q: 1, f: 1.5 }, l: [{ q: 2 }] },
      { id: 2, s: { q: 3000000000, f: 2.5 }, l: [{ q: 5000000000 }] },
    ]);
  });

  it('a merge pipeline adds nested fields too: updated rows take them, untouched rows read NULL', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: jsonl, path: data/m.jsonl }\ntarget: { table: raw.m, mode: merge, key: [id] }\n');
    await p.write('data/m.jsonl', '{"id": 1, "address": {"city": "Paris"}, "items": [{"sku": "x"}]}\n{"id": 2, "address": {"city": "Lyon"}, "items": [{"sku": "y"}]}\n');
    await p.run(['m']);
    await p.write('data/m.jsonl', '{"id": 2, "address": {"zip": "69000", "city": "Lyon"}, "items": [{"sku": "y", "qty": 4}]}\n{"id": 3, "address": {"city": "Nice", "zip": "06000"}, "items": [{"qty": 1, "sku": "z"}]}\n');
    const r = await p.run(['m', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit')!.schema_changes).toEqual(['add column address.zip string', 'add column items.element.qty long']);
    expect(await p.queryCli('SELECT id, address, items FROM raw.m ORDER BY id')).toEqual([
      { id: 1, address: { city: 'Paris', zip: null }, items: [{ sku: 'x', qty: null }] },
      { id: 2, address: { city: 'Lyon', zip: '69000' }, items: [{ sku: 'y', qty: 4 }] },
      { id: 3, address: { city: 'Nice', zip: '06000' }, items: [{ sku: 'z', qty: 1 }] },
    ]);
  });
});
