/**
 * An identity input that stops contributing between runs: its identifier column renamed at
 * the source (the table keeps the old column, now NULL in every row), or the input emptied.
 * Its records then link through nothing, the customers they joined split and change ids, and
 * the run said nothing. It now warns, naming the table and column, or the records dropped;
 * and when an input is taken out of the pipeline (or renamed), naming the records that leave.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const INGEST = (name: string, kind: string, file: string) => `name: ${name}
source:
  kind: ${kind}
  path: ${file}
target:
  table: raw.${name}
  mode: overwrite
  allow_empty: true
`;

const PEOPLE = `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email }
  - table: raw.bill
    source_id: acct
    identifiers: { email: mail, loyalty_id: loyalty }
outputs:
  identity_map: c360.map
  profiles: c360.people
`;

const warnings = (stdout: string) => events(stdout).filter((e) => e.event === 'warning').map((e) => `${e.table}: ${e.message}`);

describe('identity inputs that stop contributing between runs', () => {
  it('warn when an identifier column holds no value, and when an input has no rows', async () => {
    const p = await newProject();
    await p.write('crm.csv', 'id,email\n1,ann@x.com\n2,bob@x.com\n');
    await p.write('bill.jsonl', '{"acct":"A1","mail":"ANN@x.com","loyalty":"L1"}\n{"acct":"A2","mail":"zed@x.com","loyalty":"L2"}\n');
    await p.pipeline('crm', INGEST('crm', 'csv', 'crm.csv'));
    await p.pipeline('bill', INGEST('bill', 'jsonl', 'bill.jsonl'));
    await p.pipeline('people', PEOPLE);
    const first = await p.run(['crm', 'bill', 'people', '--json']);
    expect(warnings(first.stdout)).toEqual([]);
    const before = await p.query(`SELECT customer_id FROM c360.map WHERE source_id IN ('1', 'A1') GROUP BY ALL`);
    expect(before).toHaveLength(1);

    // The source renames mail to email_address: raw.bill keeps mail, NULL in every row.
    await p.write('bill.jsonl', '{"acct":"A1","email_address":"ANN@x.com","loyalty":"L1"}\n{"acct":"A2","email_address":"zed@x.com","loyalty":"L2"}\n');
    const renamed = await p.run(['bill', 'people', '--json']);
    expect(warnings(renamed.stdout)).toEqual([
      `raw.bill: no row of raw.bill has a value in identifier column mail (email): its 2 records link by no email. If the column was renamed at the source, name the new column in ${p.path('pipelines/people.yaml')}`,
    ]);
    expect(await p.query(`SELECT customer_id FROM c360.map WHERE source_id IN ('1', 'A1') GROUP BY ALL`)).toHaveLength(2);

    // raw.crm is emptied: its two records leave the map.
    await p.write('crm.csv', 'id,email\n');
    const emptied = await p.run(['crm', 'people', '--json']);
    expect(warnings(emptied.stdout)).toEqual([
      'raw.crm: raw.crm has no rows: it adds no record to the identity map (the previous map held 2 of its records, which are dropped)',
      `raw.bill: no row of raw.bill has a value in identifier column mail (email): its 2 records link by no email. If the column was renamed at the source, name the new column in ${p.path('pipelines/people.yaml')}`,
    ]);
    expect(await p.query(`SELECT count(*)::INTEGER AS n FROM c360.map WHERE source_table = 'raw.crm'`)).toEqual([{ n: 0 }]);

    // raw.bill is taken out of the pipeline: its two records leave the map.
    await p.pipeline('people', PEOPLE.replace(/  - table: raw\.bill\n(    .*\n)+/, ''));
    const removed = await p.run(['people', '--json']);
    expect(warnings(removed.stdout)).toEqual([
      'raw.crm: raw.crm has no rows: it adds no record to the identity map',
      `raw.bill: the previous identity map holds 2 records of raw.bill, which is not an input of ${p.path('pipelines/people.yaml')}: they leave c360.map (if the table was renamed, its records come back under new customer ids)`,
    ]);
  });
});
