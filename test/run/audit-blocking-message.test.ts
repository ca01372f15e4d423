/**
 * A run whose audit keeps `main` in place says which checks failed and which could not be
 * evaluated, and leaves out warn-level checks (they never block). It used to count every
 * failed or errored result as "N check(s) failed", warn-level errors included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, type RunResult, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('the error of a run whose checks kept main in place', () => {
  let p: Project;
  let run: RunResult;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/c.csv', 'id,name\n1,a\n1,b\n');
    await p.pipeline(
      'c',
      [
        'source: { kind: csv, path: data/c.csv }',
        'target: { table: crm.c }',
        'checks:',
        '  - unique: [id]',
        '  - sql: "SELECT count(*) FROM {{ this }} WHERE colour = 1"',
        '    name: colour_error',
        '  - sql: "SELECT count(*) FROM {{ this }} WHERE shade = 1"',
        '    name: shade_warn',
        '    severity: warn',
        '',
      ].join('\n'),
    );
    run = await p.floe(['run', 'c']);
  });

  it('names the failed check and the one that could not be evaluated, not the warning', () => {
    expect(run.code, show(run)).toBe(3);
    expect(run.stderr).toMatch(/main was not moved: 1 check failed: unique\(id\) \(.*\); 1 could not be evaluated: colour_error \(/);
    expect(run.stderr).not.toMatch(/shade_warn/);
    expect(run.stderr).not.toMatch(/check\(s\)/);
  });
});
