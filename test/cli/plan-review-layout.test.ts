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

describe('a new table whose format-version floe does not write', () => {
  it('floe validate refuses it at the property (exit 2); floe plan names it as a problem, as the run fails on it', async () => {
    const p = await newProject();
    await p.write('data/q.csv', 'id,code\n1,abc\n');
    for (const v of ['3', '4']) {
      const file = await p.pipeline(`v${v}`, `name: v${v}\nsource: { kind: csv, path: data/q.csv }\ntarget:\n  table: raw.v${v}\n  properties: { format-version: '${v}' }\n`);
      const validate = await p.floe(['validate', `v${v}`]);
      expect(validate.code, show(validate)).toBe(2);
      expect(validate.stderr).toContain(`${file}:5:33: target.properties.format-version: `);
      expect(validate.stderr).toContain(`format-version "${v}": floe creates and writes format 1 and 2 tables`);
      const plan = await p.floe(['plan', `v${v}`]);
      expect(plan.code, show(plan)).not.toBe(0);
      expect(plan.stdout + plan.stderr).toContain(`format-version "${v}"`);
    }
    // The plan itself binds the version as the run does: a v1 table is planned without a problem.
    await p.pipeline('v1', 'name: v1\nsource: { kind: csv, path: data/q.csv }\ntarget:\n  table: raw.v1\n  properties: { format-version: 1 }\n');
    const plan = await p.floe(['plan', 'v1']);
    expect(plan.code, show(plan)).toBe(0);
    await p.run(['v1']);
    expect((await p.metadata('raw.v1'))['format-version']).toBe(1);
  }, 60_000);
});
