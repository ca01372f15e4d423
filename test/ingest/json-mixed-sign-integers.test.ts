/**
 * DuckDB's JSON reader types integers whose first value is positive and a later one negative
 * (`7`, then `-3`) as HUGEINT, at any depth, which a table stores as decimal(38, 0). A feed
 * whose numbers were all positive on the first run (a `long` column) failed the day one was
 * negative (`the input has type decimal(38,0), the table has long`), and a first batch with
 * such a mix made the columns decimal(38, 0) for good. Such columns are read as 64-bit
 * integers when every value fits; a value beyond 64 bits keeps the exact decimal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const typesOf = async (p: Awaited<ReturnType<typeof newProject>>, table: string) => {
  const m = await p.metadata(table);
  const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
  return JSON.stringify(schema.fields.map((f) => [f.name, f.type]));
};

describe('JSON integers of both signs', () => {
  it('jsonl: a later batch with a negative after a positive appends to the long columns, top-level and nested', async () => {
    const p = await newProject();
    await p.pipeline('n', 'source: { kind: jsonl, path: data/*.jsonl }\ntarget: { table: raw.n, mode: append }\n');
    await p.write('data/a.jsonl', '{"id": 1, "a": 5, "s": {"x": 5}, "l": [5]}\n');
    await p.run(['n']);
    const before = await typesOf(p, 'raw.n');
    await p.write('data/a.jsonl', '{"id": 2, "a": 7, "s": {"x": 7}, "l": [7, -3]}\n{"id": 3, "a": -3, "s": {"x": -3}, "l": [1]}\n');
    const r = await p.run(['n']);
    expect(r.stderr, show(r)).not.toContain('decimal');
    expect(await typesOf(p, 'raw.n')).toBe(before);
    expect(before).not.toContain('decimal');
    const rows = await p.query('SELECT id, a, s.x AS x, l FROM raw.n ORDER BY id');
    expect(rows.map((x) => [Number(x.id), Number(x.a), Number(x.x), (x.l as unknown[]).map(Number)])).toEqual([
      [1, 5, 5, [5]],
      [2, 7, 7, [7, -3]],
      [3, -3, -3, [1]],
    ]);
  }, 60_000);

  it('a first batch with the mix creates long columns; floe load and a JSON document too', async () => {
    const p = await newProject();
    await p.pipeline('d', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.d }\n');
    await p.write('data/d.json', '[{"id": 1, "a": 7, "m": {"k": 7}}, {"id": 2, "a": -3, "m": {"k": -3}}]\n');
    await p.run(['d']);
    expect(await typesOf(p, 'raw.d')).toBe(JSON.stringify([['id', 'long'], ['a', 'long'], ['m', { type: 'struct', fields: [{ id: 4, name: 'k', required: false, type: 'long' }] }]]));
    const file = await p.write('data/e.jsonl', '{"id": 1, "a": 9}\n{"id": 2, "a": -9}\n');
    const l = await p.floe(['load', 'raw.e', file]);
    expect(l.code, show(l)).toBe(0);
    expect(await typesOf(p, 'raw.e')).toBe(JSON.stringify([['id', 'long'], ['a', 'long']]));
  }, 60_000);

  it('a value beyond 64 bits keeps the exact decimal', async () => {
    const p = await newProject();
    await p.pipeline('b', 'source: { kind: jsonl, path: data/b.jsonl }\ntarget: { table: raw.b }\n');
    await p.write('data/b.jsonl', '{"a": 7}\n{"a": -3}\n{"a": 18446744073709551615}\n');
    await p.run(['b']);
    expect(await typesOf(p, 'raw.b')).toBe(JSON.stringify([['a', 'decimal(38, 0)']]));
    const rows = await p.query('SELECT CAST(a AS VARCHAR) AS a FROM raw.b ORDER BY a');
    expect(rows.map((x) => x.a).sort()).toEqual(['-3', '18446744073709551615', '7']);
  }, 60_000);
});
