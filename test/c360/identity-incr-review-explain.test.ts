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
});
