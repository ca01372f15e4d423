/**
 * A JSON Lines number beyond a double's range (`1e400`) was stored as Infinity without a word:
 * JSON.parse and DuckDB's reader both make it so. The line check now makes such a line a
 * reject naming the key path, like any other bad line: the run fails naming file and line,
 * or, under `rejects:`, quarantines the line and writes the others.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const LINES = ['{"id":1,"x":1.5}', '{"id":2,"x":1e400}', '{"id":3,"x":{"y":[1,-2E+999]},"z":1e300}', '{"id":4,"x":2,"note":"1e400 in a string is text"}', ''].join('\n');

describe('jsonl: a number beyond a double', () => {
  it('fails the run naming file, line and key path, and writes nothing', async () => {
    const p = await newProject();
    const file = await p.write('data/j.jsonl', LINES);
    await p.pipeline('j', 'source: { kind: jsonl, path: data/j.jsonl }\ntarget: { table: raw.j }\n');
    const r = await p.floe(['run', 'j']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}:2: the number at x is beyond a double's range`);
    expect(await p.tables()).not.toContain('raw.j');
  });

  it('under rejects: quarantines each such line with its key path and writes the rest', async () => {
    const p = await newProject();
    await p.write('data/j.jsonl', LINES);
    await p.pipeline('j', 'source: { kind: jsonl, path: data/j.jsonl }\ntarget: { table: raw.j }\nrejects: { max_ratio: 0.6 }\n');
    await p.run(['j']);
    expect(await p.query('SELECT id FROM raw.j ORDER BY id')).toEqual([{ id: 1 }, { id: 4 }]);
    expect(await p.query('SELECT line, reason FROM raw.j__rejects ORDER BY line')).toEqual([
      { line: 2, reason: "the number at x is beyond a double's range (about ±1.8e308)" },
      { line: 3, reason: "the number at x.y[1] is beyond a double's range (about ±1.8e308)" },
    ]);
  });
});
