/**
 * A key twice in one JSON record (`{"a": 1, "a": 2}`, at any depth) fails the run or the load
 * naming the user's file, the line (blank and rejected lines counted; the record number for a
 * JSON document) and the key, as keys that differ only in case do (json-keys.ts). It is not a
 * reject: the line is valid JSON (DuckDB's json_valid takes it) whose data is ambiguous, and
 * floe does not pick one of the values (the http source refuses such a page the same way).
 * DuckDB's own message counted records, not lines, and after a rejected line named floe's
 * private copy of the file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanJsonLines } from '../../src/sources/jsonl-lines.js';
import { useEngine } from '../sources/helpers.js';
import { assertBuilt, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('a key twice in one JSON record', () => {
  it('JSON Lines after a blank and a rejected line: the user file, its line and the key; nothing is written', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/ev.jsonl }\ntarget: { table: raw.ev }\nrejects: { max_ratio: 0.9 }\n');
    await p.write('data/ev.jsonl', '{"id": 1, "a": 1}\n\nnot json\n{"id": 2, "a": 1}\n{"id": 3, "a": 1, "a": 2}\n');
    const r = await p.run(['ev'], 1);
    expect(r.stderr).toContain(`${p.path('data/ev.jsonl')}:5: the record has the key "a" twice`);
    expect(r.stderr).not.toMatch(/floe-jsonl|in line \d/);
    const tables = await p.floe(['tables']);
    expect(tables.stdout).not.toContain('raw.ev');
  });

  it('JSON Lines, in a nested object: its line and the key', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/ev.jsonl }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.jsonl', '\n{"id": 1, "attrs": {"x": 1}}\n{"id": 2, "attrs": {"x": 1, "x": 2}}\n');
    const r = await p.run(['ev'], 1);
    expect(r.stderr).toContain(`${p.path('data/ev.jsonl')}:3: the record has the key "x" twice`);
  });

  it('a JSON document: the record number', async () => {
    const p = await newProject();
    await p.pipeline('d', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.d }\n');
    await p.write('data/d.json', '[{"id": 1, "a": 1},\n {"id": 2, "a": 1, "a": 2}]\n');
    const r = await p.run(['d'], 1);
    expect(r.stderr).toContain(`${p.path('data/d.json')} (record 2): the record has the key "a" twice`);
  });

  it('JSON documents: the second file, its record and the nested key; nothing is written', async () => {
    const p = await newProject();
    await p.pipeline('d', 'source: { kind: json, path: data/*.json }\ntarget: { table: raw.d }\n');
    await p.write('data/a.json', '[{"id": 1, "n": {"a": 1}}]\n');
    await p.write('data/b.json', '[{"id": 2, "n": {"a": 1}}, {"id": 3, "n": {"b": 1, "a": 2, "b": 3}}]\n');
    const r = await p.run(['d'], 1);
    expect(r.stderr).toContain(`${p.path('data/b.json')} (record 2): the record has the key "b" twice`);
    expect(await p.exists('raw.d')).toBe(false);
  });

  it('floe load of JSON Lines: the file, its line and the key', async () => {
    const p = await newProject();
    const file = await p.write('data/ev.jsonl', '{"id": 1, "a": 1}\n\n{"id": 2, "a": 1, "a": 2}\n');
    const r = await p.floe(['load', 'raw.ev', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:3: the record has the key "a" twice`);
  });

  it('floe load of a JSON document: the file and the record number', async () => {
    const p = await newProject();
    const file = await p.write('data/d.json', '[{"id": 1, "n": {"a": 1}}, {"id": 2, "n": {"a": 1}}, {"id": 3, "n": {"a": 1, "a": 2}}]');
    const r = await p.floe(['load', 'raw.d', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file} (record 3): the record has the key "a" twice`);
  });
});

describe('the line check finds the first record with a key twice', () => {
  const engine = useEngine();
  it('colons and key-like text inside strings are not duplicates; a key twice in a list element is', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'floe-dupkeys-'));
    try {
      const file = path.join(dir, 'a.jsonl');
      const lines = [
        '{"t": "12:30:00", "u": "http://x:8080/a", "n": 1}',
        '{"s": "{\\"a\\": 1, \\"a\\": 2}", "k" : "x\\":y"}',
        '{"k:1": "a\\u003ab", "x": ["\\u003A", {"y": "\\\\u003a"}]}',
        '',
        '{"a": {"b": 1}, "c": [{"d": 1}, {"d": 1, "e": 2, "d": 2}]}',
        '{"z": 1, "z": 2}',
      ];
      await writeFile(file, lines.join('\n') + '\n');
      const scan = await scanJsonLines(engine(), file);
      expect(scan.records).toBe(5);
      expect(scan.duplicateKey).toEqual({ line: 5, key: 'd' });
      await writeFile(file, lines.slice(0, 4).join('\n') + '\n');
      expect((await scanJsonLines(engine(), file)).duplicateKey).toBeUndefined();
      // A colon written as an escape in the value kept does not hide the repeated key.
      await writeFile(file, '{"a": "\\u003a", "a": 2}\n');
      expect((await scanJsonLines(engine(), file)).duplicateKey).toEqual({ line: 1, key: 'a' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
