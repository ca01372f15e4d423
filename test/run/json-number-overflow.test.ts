/**
 * A number beyond a double's range (`1e400`) in a `json` document, an http response or a JSON
 * file given to `floe load` was stored as Infinity without a word (DuckDB's JSON reader reads
 * it so). Each now fails naming where the number is, and writes nothing; the same text in a
 * string is kept.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const DOC = '[\n  {"id": 1, "x": 1.5, "note": "1e400 in a string is text"},\n  {"id": 2, "x": {"y": [1, -2E+999]}}\n]\n';

let server: Server;
let origin = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/big' ? '{"items": [{"id": 1, "x": 2}, {"id": 2, "x": 1e400}]}' : '{"items": [{"id": 1, "x": "1e400"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('a JSON number beyond a double', () => {
  it('json document: the run fails naming file, line and column, and writes nothing', async () => {
    const p = await newProject();
    const file = await p.write('data/d.json', DOC);
    await p.pipeline('d', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.d }\n');
    const r = await p.floe(['run', 'd']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}:3:28: the number -2E+999 is beyond a double's range`);
    expect(await p.tables()).not.toContain('raw.d');
  });

  it('json document: the same text in a string is kept', async () => {
    const p = await newProject();
    await p.write('data/d.json', '[{"id": 1, "note": "1e400"}]\n');
    await p.pipeline('d', 'source: { kind: json, path: data/d.json }\ntarget: { table: raw.d }\n');
    await p.run(['d']);
    expect(await p.query('SELECT note FROM raw.d')).toEqual([{ note: '1e400' }]);
  });

  it('http: the run fails naming the record and the request, and writes nothing', async () => {
    const p = await newProject();
    await p.pipeline('h', `source: { kind: http, url: "${origin}/big", records_path: items }\ntarget: { table: raw.h }\n`);
    const r = await p.floe(['run', 'h']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/record 2 of .*\/big.* holds the number 1e400, beyond a double's range/);
    expect(await p.tables()).not.toContain('raw.h');
    // A string holding the text is no number.
    await p.pipeline('s', `source: { kind: http, url: "${origin}/text", records_path: items }\ntarget: { table: raw.s }\n`);
    await p.run(['s']);
    expect(await p.query('SELECT x FROM raw.s')).toEqual([{ x: '1e400' }]);
  });

  it('floe load of a .json and a .jsonl file fails naming file, line and column', async () => {
    const p = await newProject();
    const doc = await p.write('data/d.json', DOC);
    const lines = await p.write('data/l.jsonl', '{"id": 1, "x": 2}\n{"id": 2, "x": 1e400}\n');
    for (const [file, where] of [[doc, ':3:28:'], [lines, ':2:16:']] as const) {
      const r = await p.floe(['load', 'raw.l', file]);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toContain(`${file}${where} the number`);
      expect(r.stderr).toContain("beyond a double's range");
    }
    expect(await p.tables()).not.toContain('raw.l');
  });
});
