/**
 * A csv pipeline over a glob stops on an integer a double would round (csv-integers.ts
 * guardCsvDoubles); its message named the column and not the file, so in a glob of many files
 * the value could not be found. It names the file the value is in.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('csv pipeline: an integer a double rounds', () => {
  it('names the file that holds it, and writes nothing', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id,big\n1,5\n');
    await p.write('data/b.csv', 'id,big\n2,99999999999999999999\n');
    await p.write('data/c.csv', 'id,big\n3,7\n');
    await p.pipeline('bg', 'source: { kind: csv, path: data/*.csv }\ntarget: { table: raw.bg }\n');
    const r = await p.floe(['run', 'bg']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('CSV column "big" holds a number of 2^53 or more, which a double may round');
    expect(r.stderr).toContain(`(the value is in ${p.path('data/b.csv')})`);
    expect(r.stderr).not.toContain(p.path('data/a.csv'));
    expect(await p.tables()).not.toContain('raw.bg');
  });
});
