/**
 * `normalize: name` takes `case:` (preserve, title, upper, lower), as the pipeline format's
 * column rules promise "optional case"; the normaliser had the option, the pipeline format no
 * field for it. `case` beside another normaliser is refused at its line:col.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (rule: string) => `source: { kind: csv, path: data/people.csv }\ncolumns:\n  name: { ${rule} }\ntarget: { table: crm.people }\n`;

describe('normalize: name with case', () => {
  it('title, upper and lower are applied; preserve (the default) keeps the typing; whitespace is collapsed in every case', async () => {
    const p = await newProject();
    await p.write('data/people.csv', "id,name\n1,\"  mary-jane   o'brien \"\n2,ANN SMITH\n3,Ronald McDonald\n4,\n");
    const expected: Record<string, (string | null)[]> = {
      title: ["Mary-Jane O'Brien", 'Ann Smith', 'Ronald McDonald', null],
      upper: ["MARY-JANE O'BRIEN", 'ANN SMITH', 'RONALD MCDONALD', null],
      lower: ["mary-jane o'brien", 'ann smith', 'ronald mcdonald', null],
      preserve: ["mary-jane o'brien", 'ANN SMITH', 'Ronald McDonald', null],
    };
    for (const [c, names] of Object.entries(expected)) {
      await p.pipeline('people', pipeline(c === 'preserve' ? 'normalize: name' : `normalize: name, case: ${c}`));
      await p.run(['people', '--full-refresh']);
      expect((await p.query('SELECT name FROM crm.people ORDER BY id')).map((r) => r.name), c).toEqual(names);
    }
  }, 120_000);

  it('case with another normaliser, or an unknown case, is refused by floe validate at its line:col', async () => {
    const p = await newProject();
    await p.write('data/people.csv', 'id,name\n1,a@b.io\n');
    const file = await p.pipeline('people', pipeline('normalize: email, case: upper'));
    let r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:3:`);
    expect(r.stderr).toContain('case only applies with normalize: name');
    await p.pipeline('people', pipeline('normalize: name, case: camel'));
    r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/case.*preserve.*title.*upper.*lower/);
  }, 60_000);
});
