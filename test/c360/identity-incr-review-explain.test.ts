/**
 * `floe identity explain` of an id a later run merged away. It said only "customer ... is not
 * in c360.map" with a hint to list ids, as for an id that never existed: a customer id taken
 * from last week's report led nowhere. It now names the run that merged the id's records and
 * the customer holding them now, following later merges (exit 1 still: the id is not in the map).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { freshCustomerId } from '../../src/c360/identity/stable-ids.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CRM = `name: crm
source:
  kind: csv
  path: crm.csv
target:
  table: raw.crm
  mode: overwrite
`;

const PEOPLE = `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email, phone: phone }
outputs:
  identity_map: c360.map
  profiles: c360.people
`;

describe('identity explain of an id merged away', () => {
  it('names the run that merged it and the customer that holds its records now', async () => {
    const p = await newProject();
    await p.pipeline('crm', CRM);
    await p.pipeline('people', PEOPLE);
    // Ann (1), Bob (2) and Cat (3, 6, 7, 8) are three customers.
    let rows = 'id,email,phone\n1,ann@x.com,\n2,bob@x.com,4155552671\n3,cat@x.com,4155552672\n6,cat@x.com,\n7,cat@x.com,\n8,cat@x.com,\n';
    await p.write('crm.csv', rows);
    await p.run(['crm', 'people']);
    const [ann, bob, cat] = ['1', '2', '3'].map((id) => freshCustomerId('raw.crm', id));
    // Record 4 joins Ann and Bob: the merge keeps the smaller of their ids.
    rows += '4,ann@x.com,4155552671\n';
    await p.write('crm.csv', rows);
    await p.run(['crm', 'people']);
    const [kept, gone] = [ann!, bob!].sort();
    // Record 5 joins them to Cat, whose four records keep Cat's id.
    rows += '5,ann@x.com,4155552672\n';
    await p.write('crm.csv', rows);
    await p.run(['crm', 'people']);
    expect(await p.query('SELECT DISTINCT customer_id FROM c360.map')).toEqual([{ customer_id: cat }]);

    const runs = await p.query(`SELECT previous_customer_id, run_id FROM c360.identity_changes WHERE change = 'merge' ORDER BY changed_at`);
    expect(runs.map((r) => r.previous_customer_id)).toEqual([gone, kept]);
    const first = await p.floe(['identity', 'explain', gone!, '--json']);
    expect(first.code, show(first)).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain(`floe: customer ${gone} is not in c360.map; the last change to it in identity_changes: run ${runs[0]!.run_id} (`);
    expect(first.stderr).toContain(`merged its records into ${kept} (1 record), now in ${cat}\n  hint: floe identity explain ${cat}\n`);
    const second = await p.floe(['identity', 'explain', kept!]);
    expect(second.code, show(second)).toBe(1);
    expect(second.stderr).toContain(`run ${runs[1]!.run_id} (`);
    expect(second.stderr).toContain(`merged its records into ${cat} (3 records)\n  hint: floe identity explain ${cat}\n`);
    // An id no run ever gave out: as before.
    const unknown = await p.floe(['identity', 'explain', 'c_0000000000000000']);
    expect(unknown.code, show(unknown)).toBe(1);
    expect(unknown.stderr).toBe('floe: customer c_0000000000000000 is not in c360.map\n  hint: List customer ids with: floe query "SELECT customer_id FROM c360.map LIMIT 10"\n');
  });

  it('traces an id through its own pipeline\'s runs when another identity pipeline shares identity_changes', async () => {
    const p = await newProject();
    await p.pipeline('crm', CRM);
    // Both pipelines read raw.crm, so both give its records the same ids; both append to the
    // default c360.identity_changes (validate warns).
    await p.pipeline('a_people', PEOPLE.replace('name: people', 'name: a_people').replace('{ email: email, phone: phone }', '{ email: email }'));
    await p.pipeline('b_households', PEOPLE.replace('name: people', 'name: b_households').replace('{ email: email, phone: phone }', '{ phone: phone }').replace('c360.map', 'c360.household_map').replace('c360.people', 'c360.households'));
    await p.write('crm.csv', 'id,email,phone\n1,a@x.com,\n2,b@x.com,\n3,c@x.com,\n');
    await p.run(['crm', 'a_people']);
    await p.run(['b_households']);
    const [r1, r2, r3] = ['1', '2', '3'].map((id) => freshCustomerId('raw.crm', id));
    expect(r1! > r2! && r1! > r3!).toBe(true);
    // a_people joins 1 and 2 by email (keeping r2); then b_households joins 1 and 3 by phone (keeping r3).
    await p.write('crm.csv', 'id,email,phone\n1,a@x.com,415-555-2671\n2,a@x.com,\n3,c@x.com,415-555-2671\n');
    await p.run(['crm', 'a_people']);
    await p.run(['b_households']);
    const r = await p.floe(['identity', 'explain', r1!, '--pipeline', 'a_people']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`merged its records into ${r2} (1 record)\n  hint: floe identity explain ${r2}\n`);
    const b = await p.floe(['identity', 'explain', r1!, '--pipeline', 'b_households']);
    expect(b.code, show(b)).toBe(1);
    expect(b.stderr).toContain(`merged its records into ${r3} (1 record)\n  hint: floe identity explain ${r3}\n`);
  });
});
