/**
 * Two pipelines writing one identity output. `floe validate` said "pipelines valid" when two
 * identity pipelines named the same identity_map: each run replaced the other's map, and the
 * next run of either resolved against the other's, recording the difference as merges and
 * splits and moving ids back and forth with no data changed (measured: five runs, five
 * identity_changes rows flipping c_56c1… and c_4d2d…). An identity_map or profiles table
 * another pipeline writes is now an error at its file:line:col (exit 2, floe run too); an
 * identity_changes two identity pipelines append to (the default when their maps share a
 * namespace) is a warning.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CRM = `name: crm
source:
  kind: csv
  path: crm.csv
target:
  table: raw.crm
`;

const IDENTITY = (name: string, outputs: string) => `name: ${name}
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email }
outputs:
${outputs}`;

describe('identity outputs written by two pipelines', () => {
  it('are refused for identity_map and profiles, and warned about for identity_changes', async () => {
    const p = await newProject();
    await p.write('crm.csv', 'id,email\n1,ann@x.com\n');
    await p.pipeline('crm', CRM);
    await p.pipeline('a_people', IDENTITY('a_people', '  identity_map: c360.map\n  profiles: c360.people\n'));
    await p.pipeline('b_households', IDENTITY('b_households', '  identity_map: c360.map\n  profiles: c360.households\n'));
    const file = p.path('pipelines/b_households.yaml');
    const shared = await p.floe(['validate']);
    expect(shared.code, show(shared)).toBe(2);
    expect(shared.stderr).toContain(`${file}:8:17: outputs.identity_map: identity_map c360.map is also written by pipeline a_people (its identity_map): each run would replace the other's`);
    // The first claimant is told too: run on its own, it would replace b_households' map.
    expect(shared.stderr).toContain(`${p.path('pipelines/a_people.yaml')}:8:17: outputs.identity_map: identity_map c360.map is also written by pipeline b_households (its identity_map)`);
    for (const name of ['b_households', 'a_people']) {
      const run = await p.floe(['run', name]);
      expect(run.code, show(run)).toBe(2);
      expect(run.stderr).toContain('is also written by pipeline');
    }
    expect(await p.exists('c360.map')).toBe(false);

    // Profiles that an ingest pipeline writes.
    await p.pipeline('bill', CRM.replace('name: crm', 'name: bill').replace('raw.crm', 'raw.bill'));
    await p.pipeline('b_households', IDENTITY('b_households', '  identity_map: c360.households_map\n  profiles: raw.bill\n'));
    const target = await p.floe(['validate']);
    expect(target.code, show(target)).toBe(2);
    expect(target.stderr).toContain(`${file}:9:13: outputs.profiles: profiles raw.bill is also written by pipeline bill (its target)`);
    expect(target.stderr).toContain(`${p.path('pipelines/bill.yaml')}:6:10: target.table: target raw.bill is also written by pipeline b_households (its profiles)`);

    // Only identity_changes shared (both default to c360.identity_changes): valid, with a warning.
    await p.pipeline('b_households', IDENTITY('b_households', '  identity_map: c360.households_map\n  profiles: c360.households\n'));
    const changes = await p.floe(['validate']);
    expect(changes.code, show(changes)).toBe(0);
    expect(changes.stderr).toContain(`${file}:8:17: warning: outputs.identity_map: pipeline a_people also appends its merges, splits and cuts to c360.identity_changes`);
    expect(changes.stderr).toContain(`${p.path('pipelines/a_people.yaml')}:8:17: warning: outputs.identity_map: pipeline b_households also appends its merges, splits and cuts to c360.identity_changes`);
    // Its own identity_changes: nothing to say.
    await p.pipeline('b_households', IDENTITY('b_households', '  identity_map: c360.households_map\n  profiles: c360.households\n  identity_changes: c360.household_changes\n'));
    const own = await p.floe(['validate']);
    expect(own.code, show(own)).toBe(0);
    expect(own.stderr).toBe('');
  });
});
