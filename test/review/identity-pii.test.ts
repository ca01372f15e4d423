/**
 * PII tags through an identity pipeline. Found in review: the profiles table copied raw emails,
 * phones and names out of tagged input columns but carried no tag, so
 * `floe query --mask "SELECT * FROM c360.people"` printed every golden record's raw values,
 * and identity_changes.identifier_value and the run's `cut` events printed the cut phone numbers. `floe identity explain`
 * had no way to show a customer without raw identifiers: it now takes --mask.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const ENV = { FLOE_AUDIT_LOG: 'off' };
const RAW = ['ann.lee@corp.io', 'ann.lee.work@corp.io', '+14155552671', 'Annabel', 'Lee-Smith', 'LOY-77'];

describe('identity outputs carry the PII tags of their inputs', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/crm.csv', 'id,email,phone,first_name,last_name\nc1,ann.lee@corp.io,+14155552671,Annabel,Lee-Smith\n');
    await p.write('data/shop.jsonl', '{"sid":"s1","contact":{"email":"ann.lee.work@corp.io","phone":"+14155552671"},"loyalty":"LOY-77"}\n');
    await p.pipeline(
      'crm',
      'name: crm\nsource: { kind: csv, path: data/crm.csv }\ncolumns:\n  email: { pii: email }\n  phone: { pii: phone }\n  first_name: { pii: { tag: name, policy: redact } }\n  last_name: { pii: name }\ntarget: { table: raw.crm, mode: overwrite }\n',
    );
    await p.pipeline('shop', 'name: shop\nsource: { kind: jsonl, path: data/shop.jsonl }\ncolumns:\n  contact: { pii: text }\n  loyalty: { pii: none }\ntarget: { table: raw.shop, mode: overwrite }\n');
    await p.pipeline(
      'ident',
      'name: ident\nkind: identity\ninputs:\n' +
        '  - table: raw.crm\n    source_id: id\n    identifiers: { email: email, phone: phone }\n    attributes: { first_name: first_name, last_name: last_name }\n' +
        '  - table: raw.shop\n    source_id: sid\n    identifiers: { email: contact.email, phone: contact.phone, loyalty_id: loyalty }\n' +
        'match:\n  max_per_profile: { email: 1 }\n' +
        'outputs:\n  identity_map: c360.map\n  profiles: c360.people\n',
    );
    await p.run(['--all'], 0, ENV);
  }, 180_000);

  it('tags the profile columns fed by tagged input columns, with the strictest policy', async () => {
    const props = (await p.metadata('c360.people')).properties;
    const tags = Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('floe.pii.')));
    expect(tags).toEqual({
      'floe.pii.email': 'email:mask',
      'floe.pii.phone': 'phone:mask',
      'floe.pii.first_name': 'name:redact',
      'floe.pii.last_name': 'name:mask',
      'floe.pii.loyalty_id': 'text:none',
    });
    expect((await p.metadata('c360.identity_changes')).properties['floe.pii.identifier_value']).toBe('text:mask');
  });

  it('floe query --mask prints no raw value of the profiles or the cut keys', async () => {
    const plain = await p.floe(['query', 'SELECT * FROM c360.people', '--format', 'csv'], ENV);
    expect(plain.stdout).toContain('ann.lee'); // the profiles hold raw values: the masks matter
    for (const sql of ['SELECT * FROM c360.people', 'SELECT * FROM c360.identity_changes']) {
      const r = await p.floe(['query', sql, '--mask', '--format', 'csv'], ENV);
      expect(r.code, show(r)).toBe(0);
      for (const v of RAW.filter((x) => x !== 'LOY-77')) expect(r.stdout, `${sql} shows ${v}`).not.toContain(v);
    }
    const cut = await p.floe(['query', "SELECT identifier_value FROM c360.identity_changes WHERE change = 'cut'", '--mask', '--format', 'json'], ENV);
    expect(JSON.parse(cut.stdout)).toEqual([{ identifier_value: '+***1' }]);
  }, 60_000);

  it("the run's cut event masks a key of a tagged kind (run logs are outputs too)", async () => {
    const r = await p.run(['ident', '--json'], 0, ENV);
    const cut = events(r.stdout).find((e) => e.event === 'cut');
    expect(cut).toMatchObject({ kind: 'phone', value: '+1******2671', over_kind: 'email' });
    for (const v of RAW) expect(r.stdout).not.toContain(v);
  }, 60_000);

  it('floe identity explain --mask shows the tagged identifiers masked; without it, raw', async () => {
    const [row] = await p.queryCli("SELECT customer_id FROM c360.map WHERE source_id = 'c1'");
    const id = String(row!.customer_id);
    const raw = await p.floe(['identity', 'explain', id], ENV);
    expect(raw.code, show(raw)).toBe(0);
    expect(raw.stdout).toContain('ann.lee@corp.io');
    for (const args of [['--mask'], ['--mask', '--json']]) {
      const r = await p.floe(['identity', 'explain', id, ...args], ENV);
      expect(r.code, show(r)).toBe(0);
      for (const v of ['ann.lee@corp.io', 'ann.lee.work@corp.io', '+14155552671']) expect(r.stdout, `${args.join(' ')} shows ${v}`).not.toContain(v);
      expect(r.stdout).toContain('a***@corp.io');
      expect(r.stdout).toContain('+1******2671');
    }
  }, 60_000);
});
