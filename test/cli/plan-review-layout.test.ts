/**
 * `floe plan` of a new table binds its partition spec and sort order to the planned columns,
 * as `floe run` does when it creates the table: day() of a string column and a partition
 * column the source lacks were planned as "create partitioned by ..." (exit 0), and the run
 * then failed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe plan of a new table and its layout', () => {
  it('names a partition field the run cannot create as a problem, as the run fails on it', async () => {
    const p = await newProject();
    await p.write('data/q.csv', 'id,code,ts\n1,abc,2024-01-01 10:00:00\n');
    await p.pipeline('bad', 'name: bad\nsource: { kind: csv, path: data/q.csv }\ntarget: { table: raw.bad, mode: append, partition_by: ["day(code)"] }\n');
    await p.pipeline('missing', 'name: missing\nsource: { kind: csv, path: data/q.csv }\ntarget: { table: raw.missing, mode: append, partition_by: [nosuch] }\n');
    await p.pipeline('good', 'name: good\nsource: { kind: csv, path: data/q.csv }\ntarget: { table: raw.good, mode: append, partition_by: ["day(ts)"], sort_by: [code] }\n');
    for (const [name, problem] of [
      ['bad', "problem: raw.bad: partition column 'code': transform day cannot be applied to a string column"],
      ['missing', "problem: raw.missing: partition column 'nosuch': no such column"],
    ] as const) {
      const plan = await p.floe(['plan', name]);
      expect(plan.code, show(plan)).toBe(1);
      expect(plan.stdout).toContain(problem);
      const run = await p.floe(['run', name]);
      expect(run.code, show(run)).not.toBe(0);
      expect(run.stderr).toContain(problem.replace('problem: ', ''));
    }
    const plan = await p.floe(['plan', 'good']);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).not.toContain('problem');
    await p.run(['good']);
  }, 60_000);
});
