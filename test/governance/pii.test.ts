/**
 * PII governance end to end through the built CLI: tags stored as table properties, masks at
 * read (`floe query --mask`), at ingest (`apply: ingest`) and inherited by a sql pipeline's
 * output. The masked outputs are searched for every raw PII value of the input, in the input's
 * spelling and in the normalised one.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, duckRows, type Project, show, sqlString, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CSV = `id,email,phone,name,ssn
1,John.Smith@Example.com,(415) 555-2671,Jonathan,123-45-6789
2,maria.garcia@corp.io,+44 20 7946 0958,Maria,987-65-4321
3,,,,
`;
const RAW = [
  'John.Smith@Example.com', 'john.smith@example.com', 'maria.garcia@corp.io',
  '(415) 555-2671', '+14155552671', '4155552671', '+44 20 7946 0958', '+442079460958', '2079460958',
  'Jonathan', 'Maria', '123-45-6789', '987-65-4321',
];
const SALT = 'a-long-test-salt-value';

const expectNoRaw = (text: string, where: string) => {
  for (const v of RAW) expect(text.includes(v), `${where} contains the raw value ${v}:\n${text}`).toBe(false);
};

/** Every row of every live data file of the table, read straight from the Parquet files, as text. */
async function fileDump(p: Project, table: string): Promise<string> {
  const files = await p.dataFiles(table);
  expect(files.length).toBeGreaterThan(0);
  let out = '';
  for (const f of files) out += JSON.stringify(await duckRows(`SELECT * FROM read_parquet(${sqlString(f.replace(/^file:\/\//, ''))})`));
  return out;
}

describe('PII tags and policies', () => {
  let p: Project;
  const env = { FLOE_PII_SALT: SALT };

  beforeAll(async () => {
    p = await newProject();
    await p.write('data/contacts.csv', CSV);
    await p.pipeline(
      'contacts',
      `name: contacts
source: { kind: csv, path: data/contacts.csv }
columns:
  email: { normalize: email, pii: email }
  phone: { normalize: phone, region: US, pii: { tag: phone, policy: mask } }
  name: { pii: { tag: name, policy: redact } }
  ssn: { pii: { tag: national_id, policy: hash } }
target: { table: raw.contacts, mode: overwrite }
`,
    );
    await p.pipeline(
      'contacts_safe',
      `name: contacts_safe
source: { kind: csv, path: data/contacts.csv }
columns:
  email: { normalize: email, pii: { tag: email, policy: mask, apply: ingest } }
  phone: { normalize: phone, region: US, pii: { tag: phone, policy: hash, apply: ingest } }
  name: { pii: { policy: redact, apply: ingest } }
  ssn: { pii: { policy: mask, apply: ingest } }
target: { table: raw.contacts_safe, mode: merge, key: [id] }
`,
    );
    await p.pipeline(
      'contact_mart',
      `name: contact_mart
source:
  kind: sql
  query: SELECT c.id, c.email, c.phone, c.name, c.ssn, upper(c.email) AS email_upper FROM raw.contacts c ORDER BY c.id
target: { table: mart.contacts, mode: overwrite }
`,
    );
    await p.run(['--all'], 0, env);
  }, 120_000);

  it('stores the tags as table properties', async () => {
    const m = await p.metadata('raw.contacts');
    const pii = Object.fromEntries(Object.entries(m.properties).filter(([k]) => k.startsWith('floe.pii.')));
    expect(pii).toEqual({ 'floe.pii.email': 'email:mask', 'floe.pii.name': 'name:redact', 'floe.pii.phone': 'phone:mask', 'floe.pii.ssn': 'national_id:hash' });
    const safe = await p.metadata('raw.contacts_safe');
    expect(safe.properties['floe.pii.phone']).toBe('phone:hash:ingest');
  });

  it('without --mask the raw values are there (the check below can fail)', async () => {
    const r = await p.floe(['query', 'SELECT * FROM raw.contacts ORDER BY id', '--format', 'csv'], env);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('john.smith@example.com');
    expect(r.stdout).toContain('123-45-6789');
  });

  it('floe query --mask masks every tagged column of every table in the query, in every format', async () => {
    const sql = 'SELECT c.*, s.email AS safe_email FROM raw.contacts c JOIN raw.contacts_safe s USING (id) ORDER BY id';
    for (const format of ['table', 'csv', 'json']) {
      const r = await p.floe(['query', sql, '--mask', '--format', format], env);
      expect(r.code, show(r)).toBe(0);
      expectNoRaw(r.stdout, `query --mask --format ${format}`);
    }
    const rows = JSON.parse((await p.floe(['query', 'SELECT * FROM raw.contacts ORDER BY id', '--mask', '--format', 'json'], env)).stdout);
    const ssnHash = createHash('sha256').update(`${SALT}123-45-6789`).digest('hex');
    expect(rows[0]).toEqual({ id: 1, email: 'j***@example.com', phone: '+1******2671', name: null, ssn: ssnHash });
    expect(rows[2]).toEqual({ id: 3, email: null, phone: null, name: null, ssn: null });
    // a filter on a masked column compares masked values
    const f = await p.floe(['query', "SELECT id FROM raw.contacts WHERE email = 'j***@example.com'", '--mask', '--format', 'json'], env);
    expect(JSON.parse(f.stdout)).toEqual([{ id: 1 }]);
  });

  it('--mask of a hashed column without the salt is a config error naming the variable', async () => {
    const r = await p.floe(['query', 'SELECT ssn FROM raw.contacts', '--mask']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('FLOE_PII_SALT');
    expect(r.stdout).toBe('');
  });

  it('apply: ingest writes the masked values: no raw value in any data file', async () => {
    const dump = await fileDump(p, 'raw.contacts_safe');
    expectNoRaw(dump, 'raw.contacts_safe data files');
    const rows = await p.query('SELECT * FROM raw.contacts_safe ORDER BY id');
    expect(rows[0]).toMatchObject({ email: 'j***@example.com', name: null, ssn: '1***9', phone: createHash('sha256').update(`${SALT}+14155552671`).digest('hex') });
  });

  it('a sql pipeline reading tagged columns writes them masked: no raw value in the curated table', async () => {
    const dump = await fileDump(p, 'mart.contacts');
    expectNoRaw(dump, 'mart.contacts data files');
    expectNoRaw(dump.toLowerCase(), 'mart.contacts data files (lower-cased)');
    const rows = await p.query('SELECT id, email, email_upper FROM mart.contacts ORDER BY id');
    expect(rows[0]).toEqual({ id: 1, email: 'j***@example.com', email_upper: 'J***@EXAMPLE.COM' });
  });

  it('a hash policy without its salt fails the run before anything is written (exit 2)', async () => {
    const q = await newProject();
    await q.write('data/contacts.csv', CSV);
    await q.pipeline('h', 'name: h\nsource: { kind: csv, path: data/contacts.csv }\ncolumns:\n  ssn: { pii: { policy: hash, apply: ingest, salt_env: MY_SALT } }\ntarget: { table: raw.h, mode: overwrite }\n');
    const r = await q.run(['h'], 2);
    expect(r.stderr).toMatch(/raw\.h: column ssn is hashed .* MY_SALT is not set/);
    expect(await q.exists('raw.h')).toBe(false);
  });
});
