/**
 * `floe plan` describes the columns as `floe run` writes them: a column hashed at ingest is a
 * string (and a hash without its salt is a problem, as the run fails), and a merge's
 * delete_column is not a column of the table.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const SALT = { FLOE_PII_SALT: 'a-long-random-salt-for-the-test' };

describe('floe plan and the columns the run writes', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/people.csv', 'id,email,phone\n1,a@x.com,555-1234\n2,b@x.com,555-9999\n');
    await p.pipeline(
      'people',
      'name: people\nsource: { kind: csv, path: data/people.csv }\ntarget: { table: raw.people, mode: append }\n' +
        'columns:\n  id: { type: int, pii: { tag: customer_id, policy: hash, apply: ingest } }\n  phone: { pii: { tag: phone, policy: redact, apply: ingest } }\n',
    );
    await p.write('data/changes.csv', 'id,name,is_deleted\n1,a,false\n2,b,true\n');
    await p.pipeline('changes', 'name: changes\nsource: { kind: csv, path: data/changes.csv }\ntarget: { table: raw.changes, mode: merge, key: [id], delete_column: is_deleted }\n');
    await p.pipeline('nomarker', 'name: nomarker\nsource: { kind: csv, path: data/changes.csv }\ntarget: { table: raw.nomarker, mode: merge, key: [id], delete_column: gone }\n');
  }, 60_000);

  it('plans a column hashed at ingest as the string column the run creates, and plans the next run without a problem', async () => {
    const plan = await p.floe(['plan', 'people', '--json'], SALT);
    expect(plan.code, show(plan)).toBe(0);
    const planned = JSON.parse(plan.stdout)[0].schema as string[];
    await p.run(['people'], 0, SALT);
    expect(planned).toEqual((await p.columns('raw.people')).map((c) => `create column ${c}`));
    expect(planned).toContain('create column id string');
    // The table holds the hashes: the next plan compares the hashed column, not the raw int.
    const again = await p.floe(['plan', 'people', '--json'], SALT);
    expect(again.code, show(again)).toBe(0);
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ schema: ['no schema change'], problems: [] });
  }, 60_000);

  it('names the missing salt as a problem, as the run fails on it', async () => {
    const plan = await p.floe(['plan', 'people']);
    expect(plan.code, show(plan)).toBe(1);
    expect(plan.stdout).toMatch(/problem: .*column id is hashed .*FLOE_PII_SALT is not set/);
    const run = await p.floe(['run', 'people']);
    expect(run.code, show(run)).not.toBe(0);
    expect(run.stderr).toMatch(/FLOE_PII_SALT is not set/);
  }, 60_000);

  it("leaves a merge's delete_column out of the planned table, as the run does", async () => {
    const plan = await p.floe(['plan', 'changes', '--json']);
    expect(plan.code, show(plan)).toBe(0);
    const planned = JSON.parse(plan.stdout)[0].schema as string[];
    await p.run(['changes']);
    expect(await p.columns('raw.changes')).toEqual(['id long', 'name string']);
    expect(planned).toEqual(['create column id long', 'create column name string']);
  }, 60_000);

  it('names a delete_column the input lacks as a problem, as the run fails on it', async () => {
    const plan = await p.floe(['plan', 'nomarker']);
    expect(plan.code, show(plan)).toBe(1);
    expect(plan.stdout).toContain('problem: merge into raw.nomarker: delete_column "gone" is not a column of the input (columns: id, name, is_deleted)');
    const run = await p.floe(['run', 'nomarker']);
    expect(run.code, show(run)).not.toBe(0);
    expect(run.stderr).toContain('delete_column "gone" is not a column of the input');
  }, 60_000);
});
