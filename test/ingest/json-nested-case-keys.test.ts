/**
 * Keys of a nested JSON object that differ only in case (`{"A": 1}` and `{"a": 2}` at one
 * path) are refused like top-level ones, naming the file, the line (or record), the path and
 * both keys, instead of DuckDB's 'Duplicate name "a" in struct auto-detected in JSON, try
 * ignore_errors=true', which names neither file nor line (json-keys.ts explainNestedCaseKeys).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('nested keys that differ only in case', () => {
  it('JSON Lines, in two records: both lines (blank and rejected lines counted), the path and both keys; nothing is written', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/ev.jsonl }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.jsonl', '{"id": 1, "items": [{"x": {"Q": 1}}]}\n\nnot json\n{"id": 2, "items": [{"x": {"q": 2}}]}\n');
    const r = await p.run(['ev'], 1);
    expect(r.stderr).toContain(`${p.path('data/ev.jsonl')}:1 has key "Q" in items.element.x and ${p.path('data/ev.jsonl')}:4 has key "q", which name one struct field: field names are case-insensitive`);
    expect(r.stderr).not.toContain('ignore_errors');
    const tables = await p.floe(['tables']);
    expect(tables.stdout).not.toContain('raw.ev');
  });

  it('JSON Lines, in one object: its line', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/ev.jsonl }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.jsonl', '{"id": 1, "attrs": {"size": 1}}\n{"id": 2, "attrs": {"Size": 1, "size": 2}}\n');
    const r = await p.run(['ev'], 1);
    expect(r.stderr).toContain(`${p.path('data/ev.jsonl')}:2: the record has keys "Size" and "size" in attrs, which name one struct field`);
  });

  it('a JSON document: the record numbers', async () => {
    const p = await newProject();
    await p.pipeline('d', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.d }\n');
    await p.write('data/d.json', JSON.stringify([{ id: 1, attrs: { A: 'x' } }, { id: 2, attrs: { a: 'y' } }]));
    const r = await p.run(['d'], 1);
    expect(r.stderr).toContain(`${p.path('data/d.json')} (record 1) has key "A" in attrs and ${p.path('data/d.json')} (record 2) has key "a", which name one struct field`);
  });

  it('a json source holding JSON Lines (with CRLF): the record numbers; with a byte-order mark the file is refused first, naming it', async () => {
    const p = await newProject();
    await p.pipeline('d', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.d }\n');
    await p.write('data/d.json', '{"id": 1, "attrs": {"A": "x"}}\r\n{"id": 2, "attrs": {"a": "y"}}\r\n');
    const r = await p.run(['d'], 1);
    expect(r.stderr).toContain(`${p.path('data/d.json')} (record 1) has key "A" in attrs and ${p.path('data/d.json')} (record 2) has key "a", which name one struct field`);
    // DuckDB's JSON reader does not take the mark: the run stops before reading (sources/json-read.ts).
    await p.write('data/d.json', '\uFEFF{"id": 1, "attrs": {"A": "x"}}\r\n{"id": 2, "attrs": {"a": "y"}}\r\n');
    const bom = await p.run(['d'], 1);
    expect(bom.stderr).toContain(`${p.path('data/d.json')}:1: the file starts with a UTF-8 byte order mark`);
  });
});
