/**
 * PII tags after the table changes under them, through the built CLI: a tagged column renamed
 * with `floe table evolve --rename-column` stays masked by `floe query --mask` and in a sql
 * pipeline's output (it used to come out raw, its tag still naming the old column), and a tag
 * floe cannot read fails the read with exit 2 instead of leaving its column unmasked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CSV = 'id,email,phone\n1,John.Smith@Example.com,(415) 555-2671\n2,maria.garcia@corp.io,+44 20 7946 0958\n';
const RAW = ['john.smith@example.com', 'maria.garcia@corp.io', '+14155552671', '+442079460958'];

describe('PII tags across table evolution', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/contacts.csv', CSV);
    await p.pipeline(
      'contacts',
      'name: contacts\nsource: { kind: csv, path: data/contacts.csv }\ncolumns:\n  email: { normalize: email, pii: email }\n  phone: { normalize: phone, region: US, pii: phone }\ntarget: { table: raw.contacts, mode: overwrite }\n',
    );
    await p.run(['contacts']);
    const r = await p.floe(['table', 'evolve', 'raw.contacts', '--rename-column', 'email=mail']);
    expect(r.code, show(r)).toBe(0);
  }, 120_000);

  it('a renamed tagged column is still masked by floe query --mask', async () => {
    const plain = await p.floe(['query', 'SELECT * FROM raw.contacts ORDER BY id', '--format', 'json']);
    expect(plain.stdout).toContain('john.smith@example.com'); // the table still holds raw values
    const r = await p.floe(['query', 'SELECT * FROM raw.contacts ORDER BY id', '--mask', '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { id: 1, mail: 'j***@example.com', phone: '+1******2671' },
      { id: 2, mail: 'm***@corp.io', phone: '+4*******0958' },
    ]);
  });

  it('a sql pipeline over the renamed column writes it masked', async () => {
    await p.pipeline('mart', 'name: mart\nsource: { kind: sql, query: "SELECT id, mail, phone FROM raw.contacts" }\ntarget: { table: mart.contacts, mode: overwrite }\n');
    await p.run(['mart']);
    const rows = JSON.stringify(await p.queryCli('SELECT * FROM mart.contacts ORDER BY id'));
    for (const v of RAW) expect(rows).not.toContain(v);
    expect(rows).toContain('j***@example.com');
  }, 120_000);

  it('a tag floe cannot read fails --mask (exit 2) naming the property, and prints no row', async () => {
    const set = await p.floe(['table', 'evolve', 'raw.contacts', '--set-property', 'floe.pii.phone=phone:obscure']);
    expect(set.code, show(set)).toBe(0);
    const r = await p.floe(['query', 'SELECT * FROM raw.contacts', '--mask', '--format', 'json']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain("table raw.contacts: property floe.pii.phone = 'phone:obscure' is not a PII tag");
    expect(r.stdout).toBe('');
  });
});
