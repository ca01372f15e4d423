/**
 * Identity pipelines against awkward inputs, through the built CLI.
 *
 * Found in review:
 * - rows repeating a source id with the same updated_at: which version became the record
 *   depended on the order DuckDB read the rows in (now: the one with the smallest values);
 * - rows without a source id vanished from the run without a word, and rows with a blank id
 *   ('   ') all collapsed into one record (now: skipped, counted in the identity event and a
 *   warning event);
 * - `match.block_values` compared values as written, while records link by match key: a
 *   blocked 'mary@corp.io' left 'mary+a@' and 'mary+b@' linking each other, a blocked
 *   '415.555.2671' did not block '+14155552671' at all, a blocked 'L00104553' not '104553';
 * - a table listed as two inputs made every row two records, each under its own customer id
 *   in the identity map (now refused by `floe validate`);
 * - a phone or loyalty number held in a DOUBLE column (JSON, spreadsheet exports) was read as
 *   '4155552671.0', which is no phone and matched no loyalty number;
 * - an attribute named like an identifier kind was dropped without a word (now refused);
 * - `floe identity explain` marked links "cut by max_per_profile" that an earlier run cut,
 *   though the run that wrote the map used them; an empty id was "not found" (exit 1) and a
 *   pasted id with blanks around it was not found.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const ENV = { FLOE_AUDIT_LOG: 'off' };

function identityYaml(input: string, extra = ''): string {
  return `name: ident\nkind: identity\ninputs:\n${input}${extra}outputs:\n  identity_map: c360.map\n  profiles: c360.people\n`;
}

async function csvTable(p: Project, name: string, csv: string, columns = ''): Promise<void> {
  await p.write(`data/${name}.csv`, csv);
  await p.pipeline(name, `name: ${name}\nsource: { kind: csv, path: data/${name}.csv${columns} }\ntarget: { table: raw.${name}, mode: overwrite }\n`);
}

describe('identity: source ids', () => {
  it('repeated ids resolve to the same version every time; missing and blank ids are skipped and reported', async () => {
    const p = await newProject();
    await csvTable(
      p,
      'people',
      'id,email,updated_at\n1,zed@corp.io,2024-01-01T00:00:00Z\n1,amy@corp.io,2024-01-01T00:00:00Z\n2,bob@corp.io,2024-01-01T00:00:00Z\n,lost@corp.io,2024-01-01T00:00:00Z\n"   ",blank@corp.io,2024-01-01T00:00:00Z\n"  ",blank2@corp.io,2024-01-01T00:00:00Z\n',
      ', columns: { id: string }',
    );
    await p.pipeline('ident', identityYaml('  - table: raw.people\n    source_id: id\n    identifiers: { email: email }\n    updated_at: updated_at\n'));
    await p.run(['people'], 0, ENV);
    const r = await p.run(['ident', '--json'], 0, ENV);
    const ev = events(r.stdout);
    const identity = ev.find((e) => e.event === 'identity')!;
    expect(identity).toMatchObject({ records: 2, without_id: 3, duplicate_ids: 1 });
    const warning = ev.find((e) => e.event === 'warning' && e.pipeline === 'ident');
    expect(warning?.message).toBe('3 of 6 rows of raw.people have no source id (NULL or blank) and were skipped: they are not in the identity map');
    expect(await p.queryCli('SELECT source_id FROM c360.map ORDER BY source_id')).toEqual([{ source_id: '1' }, { source_id: '2' }]);
    // Equally recent versions of id 1: the smaller values win, whatever the row order.
    expect(await p.queryCli('SELECT email FROM c360.people ORDER BY email')).toEqual([{ email: 'amy@corp.io' }, { email: 'bob@corp.io' }]);
  }, 120_000);
});

describe('identity: blocked values in any spelling', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await csvTable(
      p,
      'people',
      [
        'id,email,phone,loyalty',
        'p1,mary+a@corp.io,(415) 555-2671,L00104553',
        'p2,Mary+B@Corp.io,,',
        'p3,,+1 415-555-2671,',
        'p4,,,104553',
        'p5,N/A, null ,',
        'p6,n/a,000-000-0000,',
        'p7,,+1 111 111 1111,',
        'p8,,1111111111,',
        'p9,  NULL  ,,0000',
        'p10,,,00000',
      ].join('\n') + '\n',
      ', columns: { id: string, loyalty: string, phone: string }',
    );
    await p.pipeline(
      'ident',
      identityYaml(
        '  - table: raw.people\n    source_id: id\n    identifiers: { email: email, phone: phone, loyalty_id: loyalty }\n',
        'match:\n  block_values: { email: ["MARY@corp.io"], phone: ["415.555.2671"], loyalty_id: ["L00104553"] }\n',
      ),
    );
    await p.run(['people'], 0, ENV);
  }, 120_000);

  it('links none of the records: every one is its own customer', async () => {
    const r = await p.run(['ident', '--json'], 0, ENV);
    const identity = events(r.stdout).find((e) => e.event === 'identity')!;
    expect(identity.links).toBe(0);
    expect(identity.customers).toBe(10);
    // mary+a and Mary+B, two spellings of the listed phone, both spellings of the loyalty number.
    expect(identity.blocked.listed).toBe(6);
    const rows = await p.queryCli('SELECT count(DISTINCT customer_id) AS n FROM c360.map');
    expect(rows).toEqual([{ n: 10 }]);
  }, 60_000);

  it('identity explain marks each listed spelling blocked', async () => {
    const [row] = await p.queryCli("SELECT customer_id FROM c360.map WHERE source_id = 'p2'");
    const r = await p.floe(['identity', 'explain', String(row!.customer_id), '--json'], ENV);
    expect(r.code, show(r)).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.records[0].identifiers).toEqual([{ kind: 'email', value: 'mary+b@corp.io', key: 'mary@corp.io', blocked: 'listed' }]);
  }, 60_000);
});

describe('identity explain', () => {
  let p: Project;
  let customer: string;
  beforeAll(async () => {
    p = await newProject();
    await csvTable(p, 'people', 'id,email,phone\nr1,ann@corp.io,+14155552671\nr2,ann.b@corp.io,+14155552671\n', ', columns: { id: string }');
    const input = '  - table: raw.people\n    source_id: id\n    identifiers: { email: email, phone: phone }\n';
    await p.pipeline('ident', identityYaml(input, 'match:\n  max_per_profile: { email: 1 }\n'));
    await p.run(['people', 'ident'], 0, ENV);
    expect(await p.queryCli("SELECT change, identifier_kind, identifier_value FROM c360.identity_changes WHERE change = 'cut'")).toEqual([
      { change: 'cut', identifier_kind: 'phone', identifier_value: '+14155552671' },
    ]);
    // Without the limit the next run links the two records through that phone.
    await p.pipeline('ident', identityYaml(input));
    await p.run(['ident'], 0, ENV);
    const rows = await p.queryCli('SELECT DISTINCT customer_id FROM c360.map');
    expect(rows).toHaveLength(1);
    customer = String(rows[0]!.customer_id);
  }, 180_000);

  it('shows the links of the run that wrote the map, not the cuts of an earlier run', async () => {
    const r = await p.floe(['identity', 'explain', customer, '--json'], ENV);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout).links).toEqual([{ kind: 'phone', key: '+14155552671', records: ['raw.people:r1', 'raw.people:r2'] }]);
  }, 60_000);

  it('takes an id pasted with blanks around it; an empty id is a usage error', async () => {
    const padded = await p.floe(['identity', 'explain', `  ${customer} `], ENV);
    expect(padded.code, show(padded)).toBe(0);
    expect(padded.stdout).toContain(`customer ${customer}: 2 source records`);
    const empty = await p.floe(['identity', 'explain', ' '], ENV);
    expect(empty.code, show(empty)).toBe(2);
    expect(empty.stderr).toContain('give a customer id');
    const unknown = await p.floe(['identity', 'explain', 'c_0000000000000000'], ENV);
    expect(unknown.code, show(unknown)).toBe(1);
    expect(unknown.stderr).toContain('customer c_0000000000000000 is not in c360.map');
  }, 60_000);
});

describe('identity: one input per table', () => {
  it('floe validate refuses a table listed as two inputs (every row would be two records with two customer ids)', async () => {
    const p = await newProject();
    await p.pipeline(
      'ident',
      identityYaml('  - table: raw.people\n    source_id: id\n    identifiers: { email: email }\n  - table: raw.people\n    source_id: id\n    identifiers: { email: email2 }\n'),
    );
    const r = await p.floe(['validate'], ENV);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${p.path('pipelines/ident.yaml')}:7:12:`);
    expect(r.stderr).toContain('table raw.people is already input 0: list each table once');
  }, 60_000);
});

describe('identity: identifier columns that are not text', () => {
  it('a phone or loyalty number held as a floating-point number matches the same number written as text', async () => {
    const p = await newProject();
    await p.write('data/app.jsonl', '{"uid": 1, "phone": 4155552671.0, "loyalty": 104553.0}\n{"uid": 2, "phone": 2125550000.5, "loyalty": 7.25}\n');
    await p.pipeline('app', 'name: app\nsource: { kind: jsonl, path: data/app.jsonl }\ntarget: { table: raw.app, mode: overwrite }\n');
    await csvTable(p, 'crm', 'cid,phone,loyalty\nT1,(415) 555-2671,\nT2,,L00104553\n', ', columns: { cid: string, phone: string, loyalty: string }');
    await p.pipeline(
      'ident',
      identityYaml('  - table: raw.app\n    source_id: uid\n    identifiers: { phone: phone, loyalty_id: loyalty }\n  - table: raw.crm\n    source_id: cid\n    identifiers: { phone: phone, loyalty_id: loyalty }\n'),
    );
    await p.run(['app', 'crm', 'ident'], 0, ENV);
    expect(await p.columns('raw.app')).toEqual(['uid long', 'phone double', 'loyalty double']);
    const rows = await p.queryCli('SELECT source_table, source_id, customer_id FROM c360.map ORDER BY source_table, source_id');
    const of = (id: string) => rows.find((r) => r.source_id === id)!.customer_id;
    expect(of('T1')).toBe(of('1'));
    expect(of('T2')).toBe(of('1'));
    expect(of('2')).not.toBe(of('1'));
    expect(await p.queryCli("SELECT phone, loyalty_id FROM c360.people WHERE source_records = 3")).toEqual([{ phone: '+14155552671', loyalty_id: expect.stringMatching(/^(104553|L00104553)$/) }]);
  }, 120_000);
});

describe('identity: attribute names', () => {
  it('floe validate refuses an attribute named like an identifier kind (its values were dropped without a word)', async () => {
    const p = await newProject();
    await p.pipeline(
      'ident',
      identityYaml('  - table: raw.a\n    source_id: id\n    identifiers: { phone: phone }\n    attributes: { email: contact_email }\n  - table: raw.b\n    source_id: id\n    identifiers: { email: email }\n'),
    );
    const r = await p.floe(['validate'], ENV);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${p.path('pipelines/ident.yaml')}:7:19:`);
    expect(r.stderr).toContain("attribute 'email' has the name of an identifier kind");
  }, 60_000);
});
