/**
 * A JSON `null` where a record should be. DuckDB's JSON reader reads it as a row whose every
 * column is NULL, so `floe load` of `{"a":1}\nnull\n{"a":2}` (JSON Lines) or `[{"a":1},null,{"a":2}]`
 * wrote 3 rows, exit 0, and so did `kind: json` pipelines, with and without `records_path`,
 * where `42` or `[1]` in that place is refused. Each is now refused naming the file and line
 * (JSON Lines) or record, and nothing is written; a `kind: jsonl` pipeline still quarantines
 * such a line under `rejects:`, and an http page with a `null` record still fails. A `null`
 * inside a record (`[1, null]`, `"a": null`, `", null,"` in a string) is data, as before.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const LINES = '{"a":1}\nnull\n{"a":2}\n';
const DOC = '[{"a":1},null,{"a":2}]';

let server: Server;
let origin = '';
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"items": [{"a": 1}, null, {"a": 2}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('floe load: a null record is refused', () => {
  it('a JSON Lines file, as a line holding 42 is: file and line, no table', async () => {
    const p = await newProject();
    const file = await p.write('data/nullrec.jsonl', LINES);
    const r = await p.floe(['load', 'raw.t', file]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}:2: not a JSON object (null); each line must be one object: null`);
    expect(await p.tables()).not.toContain('raw.t');
  });

  it('a .jsonl.gz file, and a null line with spaces and CRLF at the end of the file', async () => {
    const p = await newProject();
    const file = p.path('data/n.jsonl.gz');
    await mkdir(p.path('data'));
    await writeFile(file, gzipSync('{"a":1}\r\n\r\n  null \r\n'));
    const r = await p.floe(['load', 'raw.t', file]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}:3: not a JSON object (null)`);
    expect(await p.tables()).not.toContain('raw.t');
  });

  it('a JSON document: file and record number; an existing table is left as it was', async () => {
    const p = await newProject();
    const good = await p.write('data/good.json', '[{"a":0}]');
    expect((await p.floe(['load', 'raw.t', good])).code).toBe(0);
    const before = await p.snapshots('raw.t');
    for (const [name, text] of [['withnull.json', DOC], ['pretty.json', '[\n  {"a": 1},\n  null\n]\n']] as const) {
      const file = await p.write(`data/${name}`, text);
      const r = await p.floe(['load', 'raw.t', file]);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toContain(`${file} (record 2): not a JSON object (null); a JSON document must be an object or an array of objects`);
    }
    const gz = p.path('data/withnull.json.gz');
    await writeFile(gz, gzipSync(DOC));
    const r = await p.floe(['load', 'raw.t', gz]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${gz} (record 2): not a JSON object (null)`);
    expect(await p.snapshots('raw.t')).toEqual(before);
    expect(await p.query('SELECT a FROM raw.t')).toEqual([{ a: 0 }]);
  });

  it('a null inside a record is data: nested arrays, values, strings', async () => {
    const p = await newProject();
    const doc = await p.write('data/nested.json', '[{"a":[1,null],"s":"x, null, y","n":null},\n{"a":[null],"s":"[null]","n":2}]');
    const r = await p.floe(['load', 'raw.d', doc]);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT s, n FROM raw.d ORDER BY s')).toEqual([
      { s: '[null]', n: 2 },
      { s: 'x, null, y', n: null },
    ]);
    const lines = await p.write('data/nested.jsonl', '{"a":[1,null]}\n{"a":null}\n');
    const l = await p.floe(['load', 'raw.l', lines]);
    expect(l.code, show(l)).toBe(0);
    expect(await p.query('SELECT count(*) AS n FROM raw.l')).toEqual([{ n: 2 }]);
  });
});

describe('pipelines: a null record is refused or quarantined', () => {
  it('kind: json fails naming the record, with or without rejects:, and writes nothing', async () => {
    const p = await newProject();
    const file = await p.write('data/d.json', DOC);
    await p.pipeline('j', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.j }\nrejects: { max_count: 10 }\n');
    const r = await p.floe(['run', 'j']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file} (record 2): not a JSON object (null)`);
    expect(await p.tables()).not.toContain('raw.j');
  });

  it('kind: json with records_path: a null element of the array fails naming it', async () => {
    const p = await newProject();
    const file = await p.write('data/d.json', '{"data": {"items": [{"a": 1}, null, {"a": 2}]}}');
    await p.pipeline('j', 'source: { kind: json, path: data/d.json, records_path: data.items }\ntarget: { table: raw.j }\n');
    const r = await p.floe(['run', 'j']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}: record 2 of records_path "data.items" is not a JSON object (null)`);
    expect(await p.tables()).not.toContain('raw.j');
  });

  it('kind: jsonl with records_path: a null element, or a null document, fails naming its line', async () => {
    const p = await newProject();
    const file = await p.write('data/d.jsonl', '{"items": [{"a": 1}]}\n\n{"items": [{"a": 2}, null]}\n');
    await p.pipeline('l', 'source: { kind: jsonl, path: data/d.jsonl, records_path: items }\ntarget: { table: raw.l }\nrejects: { max_count: 10 }\n');
    const r = await p.floe(['run', 'l']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}:3: record 2 of records_path "items" is not a JSON object (null)`);
    await p.write('data/d.jsonl', '{"items": [{"a": 1}]}\nnull\n');
    const doc = await p.floe(['run', 'l']);
    expect(doc.code, show(doc)).toBe(1);
    expect(doc.stderr).toContain(`${file}:2: not a JSON object (null)`);
    expect(await p.tables()).not.toContain('raw.l');
  });

  it('kind: jsonl quarantines a null line under rejects:, as before', async () => {
    const p = await newProject();
    const file = await p.write('data/d.jsonl', LINES);
    await p.pipeline('l', 'source: { kind: jsonl, path: data/d.jsonl }\ntarget: { table: raw.l }\nrejects: { max_count: 10 }\n');
    await p.run(['l']);
    expect(await p.query('SELECT a FROM raw.l ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await p.query('SELECT source, line, reason FROM raw.l__rejects')).toEqual([
      { source: file, line: 2, reason: 'not a JSON object (null); each line must be one object' },
    ]);
  });

  it('kind: http fails on a null element of the records array, as before', async () => {
    const p = await newProject();
    await p.pipeline('h', `source: { kind: http, url: "${origin}/items", records_path: items }\ntarget: { table: raw.h }\n`);
    const r = await p.floe(['run', 'h']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/record 2 of page 1 .* is null, not an object/);
    expect(await p.tables()).not.toContain('raw.h');
  });
});
