/**
 * JSON values whose kind varies between records (`1` in one, `"x"` in another) are typed JSON
 * by DuckDB's reader. They are stored as text at any depth, the same way: a JSON string is
 * its text (`x`, not `"x"`), any other value its JSON (`1`, `{"a":1}`). That holds for a
 * top-level column, a struct's field, a list's element and a map's value, and whichever of
 * struct or map a JSON object is typed as in a batch (docs/SOURCE-TYPES.md), so one field
 * never holds `red` beside `"green"`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
/** Twelve records, each with one attrs key of its own: DuckDB types attrs as a map; its values mix strings and numbers, so MAP(VARCHAR, JSON). */
const mixedMap = (from: number, first: Record<string, unknown>) => {
  const keys = [...Object.keys(first), ...Array.from({ length: 12 - Object.keys(first).length }, (_, i) => `k${i}`)];
  return keys.map((k, i) => ({ id: from + i, attrs: { [k]: k in first ? first[k] : i % 2 ? i : `s${i}` } }));
};

describe('nested JSON values', () => {
  it('a struct field and a list element of mixed kinds are stored as text, strings without quotes', async () => {
    const p = await newProject();
    await p.pipeline('nested', 'source: { kind: jsonl, path: data/n.jsonl }\ntarget: { table: raw.nested }\n');
    await p.write(
      'data/n.jsonl',
      lines([
        { id: 1, s: { a: 'red', b: 1 }, l: ['x', 2, { z: 'q' }], top: 'plain' },
        { id: 2, s: { a: 3, b: 'blue' }, l: [true, 'y'], top: 4 },
      ]),
    );
    await p.run(['nested']);
    const rows = await p.queryCli('SELECT id, s.a AS a, s.b AS b, l, top FROM raw.nested ORDER BY id');
    expect(rows).toEqual([
      { id: 1, a: 'red', b: '1', l: ['x', '2', '{"z":"q"}'], top: 'plain' },
      { id: 2, a: '3', b: 'blue', l: ['true', 'y'], top: '4' },
    ]);
  });

  it('a json document source unquotes nested strings too', async () => {
    const p = await newProject();
    await p.pipeline('doc', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.doc }\n');
    await p.write('data/d.json', JSON.stringify([{ id: 1, s: { a: 'red' } }, { id: 2, s: { a: 5 } }]));
    await p.run(['doc']);
    expect(await p.queryCli('SELECT id, s.a AS a FROM raw.doc ORDER BY id')).toEqual([
      { id: 1, a: 'red' },
      { id: 2, a: '5' },
    ]);
  });
});

describe('struct and map batches of one column store a string alike', () => {
  it('table struct, batch MAP(VARCHAR, JSON): a string key is read into its field as its text', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines([{ id: 1, attrs: { color: 'red', shape: 'round' } }, { id: 2, attrs: { color: 'blue', shape: 'square' } }]));
    await p.run(['events']);
    await p.write('data/events.jsonl', lines(mixedMap(10, { color: 'green', shape: 'oval' })));
    await p.run(['events']);
    expect(await p.queryCli('SELECT id, attrs.color AS color, attrs.shape AS shape, attrs.k1 AS k1 FROM raw.events WHERE id IN (1, 10, 11, 13) ORDER BY id')).toEqual([
      { id: 1, color: 'red', shape: 'round', k1: null },
      { id: 10, color: 'green', shape: null, k1: null },
      { id: 11, color: null, shape: 'oval', k1: null },
      { id: 13, color: null, shape: null, k1: '3' },
    ]);
  });

  it('table map from a MAP(VARCHAR, JSON) batch: strings stored as their text, numbers as their JSON, like a later struct batch', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines(mixedMap(10, { color: 'green', size: 3 })));
    await p.run(['events']);
    await p.write('data/events.jsonl', lines([{ id: 100, attrs: { color: 'red', shape: 'round' } }, { id: 101, attrs: { color: 'blue', shape: 'square' } }]));
    await p.run(['events']);
    expect(await p.queryCli("SELECT id, attrs['color'] AS color, attrs['size'] AS size FROM raw.events WHERE id IN (10, 11, 100) ORDER BY id")).toEqual([
      { id: 10, color: 'green', size: null },
      { id: 11, color: null, size: '3' },
      { id: 100, color: 'red', size: null },
    ]);
  });
});
