/**
 * `floe validate` reports, at its line:col, two declared columns that would share a name after
 * renames: it said "1 pipeline valid" and `floe run` then failed (exit 2) with an unlocated
 * "two columns would both be named ...". Swapped names are fine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe validate and renamed columns', () => {
  it('reports each clash at its line:col, and the run is refused as a config error', async () => {
    const p = await newProject();
    await p.write('data/x.csv', 'id,id2,a,b\n1,2,3,4\n');
    const file = await p.pipeline(
      'c',
      'name: c\nsource: { kind: csv, path: data/x.csv }\ntarget: { table: raw.c, mode: append }\ncolumns:\n  id: { type: long }\n  id2: { rename: id }\n  a: { rename: z }\n  b: { rename: z }\n',
    );
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toContain(`${file}:6:18: columns.id2.rename: columns id and id2 would both be named "id" after renames`);
    expect(v.stderr).toContain(`${file}:8:16: columns.b.rename: columns a and b would both be named "z" after renames`);
    expect(v.stderr).toContain('2 errors');
    const run = await p.floe(['run', 'c']);
    expect(run.code, show(run)).toBe(2);
    expect(run.stderr).toContain(`${file}:6:18`);
    expect(await p.tables()).not.toContain('raw.c');
  }, 60_000);

  it('accepts two columns that swap names', async () => {
    const p = await newProject();
    await p.write('data/x.csv', 'a,b\n1,2\n');
    await p.pipeline('s', 'name: s\nsource: { kind: csv, path: data/x.csv }\ntarget: { table: raw.s, mode: append }\ncolumns:\n  a: { rename: b }\n  b: { rename: a }\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(0);
    await p.run(['s']);
    expect(await p.query('SELECT a, b FROM raw.s')).toEqual([{ a: 2, b: 1 }]);
  }, 60_000);
});
