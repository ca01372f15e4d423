/**
 * A record of a JSON document that is not an object (`[{"a":1},5,{"a":2}]`, `[1]` in place of
 * a record, a bare number between objects): DuckDB's reader fails with "expected records, but
 * got non-record JSON", and floe said only `d.json: a JSON document must be an object or an
 * array of objects`, naming neither the record nor, of several files, which one. Now `floe
 * load` and `kind: json` pipelines name the file and the record's number, as they do for a
 * `null` record, and write nothing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('a JSON record that is not an object is named', () => {
  it('floe load: a number, an array and a string in a document, by file and record number', async () => {
    const p = await newProject();
    for (const [name, text, kind] of [
      ['num.json', '[{"a":1},5,{"a":2}]', 'a number'],
      ['arr.json', '[{"a":1},{"a":2},[1]]', 'an array'],
      ['str.json', '{"a":1}\n{"a":2}\n"x"\n{"a":3}\n', 'a string'],
    ] as const) {
      const file = await p.write(`data/${name}`, text);
      const r = await p.floe(['load', 'raw.t', file]);
      expect(r.code, show(r)).toBe(1);
      const n = name === 'num.json' ? 2 : 3;
      expect(r.stderr).toContain(`${file} (record ${n}): not a JSON object (${kind}); a JSON document must be an object or an array of objects`);
      expect(r.stderr).toContain('hint: Each record is one JSON object');
    }
    expect(await p.tables()).not.toContain('raw.t');
  });

  it('floe load of several files names the one that holds it; a .json.gz too', async () => {
    const p = await newProject();
    const good = await p.write('data/a.json', '[{"a":1}]');
    const bad = p.path('data/b.json.gz');
    await mkdir(p.path('data'), { recursive: true });
    await writeFile(bad, gzipSync('[{"a":1},{"a":2},true]'));
    const r = await p.floe(['load', 'raw.t', good, bad]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${bad} (record 3): not a JSON object (a boolean)`);
    expect(r.stderr).not.toContain(`${good} (record`);
    expect(await p.tables()).not.toContain('raw.t');
  });

  it('a kind: json pipeline names the file and record; the existing table is left as it was', async () => {
    const p = await newProject();
    await p.write('data/in/a.json', '[{"a":1}]');
    await p.pipeline('j', 'source: { kind: json, path: "data/in/*.json" }\ntarget: { table: raw.j }\n');
    expect((await p.floe(['run', 'j'])).code).toBe(0);
    const before = await p.snapshots('raw.j');
    const bad = await p.write('data/in/b.json', '[{"a":2},{"a":3},42]');
    const r = await p.floe(['run', 'j']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`j: ${bad} (record 3): not a JSON object (a number)`);
    expect(await p.snapshots('raw.j')).toEqual(before);
  });
});
