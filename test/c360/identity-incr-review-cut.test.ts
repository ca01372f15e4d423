/**
 * max_per_profile across runs, and what `floe identity explain` says of a cut. A household
 * phone shared by three people (limit: 2 emails) is cut in every run the same way, so the ids
 * stay. explain listed the phone on Ann's record as a plain identifier: the cut was marked
 * only on links two of the customer's own records share, and Ann's phone links her to other
 * customers' records only, so nothing said why she is not one customer with them. The
 * identifier is now marked "(cut by max_per_profile)" in the text and `"cut": true` in JSON.
 * The run's note and floe plan count in the singular when there is one ("1 link cut", "1 row
 * now"; they said "1 links", "1 rows").
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
columns:
  phone: { pii: phone }
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
match:
  max_per_profile: { email: 2 }
outputs:
  identity_map: c360.map
  profiles: c360.people
`;

describe('identity max_per_profile cuts across runs', () => {
  it('cut the same link each run, keep the ids, and explain marks the cut identifier', async () => {
    const p = await newProject();
    await p.write('crm.csv', 'id,email,phone\n1,ann@x.com,4155552671\n2,ann@x.com,\n3,bob@x.com,4155552671\n4,cat@x.com,4155552671\n');
    await p.pipeline('crm', CRM);
    await p.pipeline('people', PEOPLE);
    await p.run(['crm', 'people']);
    const ann = freshCustomerId('raw.crm', '1');
    const ids = { 1: ann, 2: ann, 3: freshCustomerId('raw.crm', '3'), 4: freshCustomerId('raw.crm', '4') };
    const map = async () => Object.fromEntries((await p.query('SELECT source_id, customer_id FROM c360.map')).map((r) => [r.source_id, r.customer_id]));
    expect(await map()).toEqual(ids);
    const plan = await p.floe(['plan', 'people']);
    expect(plan.stdout, show(plan)).toContain('input raw.crm (4 rows)');
    expect(plan.stdout).toContain('output identity_changes c360.identity_changes (append; 1 row now)');
    const second = await p.run(['people', '--json']);
    expect(await map()).toEqual(ids);
    const commit = second.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit.note).toBe('4 records → 3 customers (3 ids kept, 0 new), 1 link cut by max_per_profile');

    // Each run records the cut it made (explain reads those of the run that wrote the map).
    expect(await p.query(`SELECT change, customer_id, identifier_kind, identifier_value FROM c360.identity_changes`)).toEqual([
      { change: 'cut', customer_id: ann, identifier_kind: 'phone', identifier_value: '+14155552671' },
      { change: 'cut', customer_id: ann, identifier_kind: 'phone', identifier_value: '+14155552671' },
    ]);

    const text = await p.floe(['identity', 'explain', ann]);
    expect(text.code, show(text)).toBe(0);
    expect(text.stdout).toContain('raw.crm  1   email=ann@x.com, phone=+14155552671 (cut by max_per_profile)\n');
    expect(text.stdout).toContain('raw.crm  2   email=ann@x.com\n');
    const json = await p.floe(['identity', 'explain', ann, '--json', '--mask']);
    expect(json.code, show(json)).toBe(0);
    const e = JSON.parse(json.stdout);
    const phone = e.records[0].identifiers.find((i: { kind: string }) => i.kind === 'phone');
    expect(phone).toEqual({ kind: 'phone', value: expect.not.stringContaining('5552671'), key: expect.not.stringContaining('5552671'), cut: true });
    expect(e.records[1].identifiers).toEqual([{ kind: 'email', value: 'ann@x.com', key: 'ann@x.com' }]);
  });
});
