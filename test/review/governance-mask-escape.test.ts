/**
 * `floe query --mask` must never print or write a raw PII value, whatever the SQL does. Every
 * result below (stdout, and the file of --out) is scanned for every raw value of the table and
 * for the hash salt.
 *
 * Found in review: a time-travel read (--snapshot TAG/ID, --as-of) used the snapshot's schema
 * but masked by the current one, so a tagged column renamed or dropped since came out raw; and
 * read_parquet(), a replacement scan of the table's data files (FROM 'warehouse/...parquet'),
 * read_csv of the source, duckdb_views() (which printed the hash salt inside the view SQL),
 * information_schema.views and COPY all ran under --mask, bypassing the masks.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, duckRows, type Project, show, sqlString, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const SALT = 'pepper-f00d-salt-7731';
const ENV = { FLOE_PII_SALT: SALT, FLOE_AUDIT_LOG: 'off' };
const CSV = 'id,email,phone,ssn,full_name\n1,John.Smith@Corp.io,+14155552671,123-45-6789,Johnathan Smith\n2,maria.garcia@corp.io,+442079460958,987-65-4321,Maria Garcia\n';
/** Every raw value the masked columns hold, as stored and in the forms a query could spell them. */
const RAW = ['John.Smith@Corp.io', 'john.smith@corp.io', 'JOHN.SMITH@CORP.IO', 'maria.garcia@corp.io', 'MARIA.GARCIA@CORP.IO', '+14155552671', '4155552671', '+442079460958', '2079460958', '123-45-6789', '987-65-4321', 'Johnathan', 'Maria Garcia', SALT];

function expectNoRaw(text: string, what: string): void {
  for (const v of RAW) expect(text.includes(v), `${what} contains the raw value ${v}:\n${text}`).toBe(false);
}

describe('floe query --mask: no raw PII value escapes', () => {
  let p: Project;
  let first: string;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/contacts.csv', CSV);
    await p.write('data/orders.csv', 'order_id,id,total\n10,1,5.00\n11,2,7.50\n');
    await p.pipeline(
      'contacts',
      'name: contacts\nsource: { kind: csv, path: data/contacts.csv }\ncolumns:\n  email: { pii: email }\n  phone: { pii: phone }\n  ssn: { pii: { tag: national_id, policy: hash } }\n  full_name: { pii: { tag: name, policy: redact } }\ntarget: { table: raw.contacts, mode: overwrite }\n',
    );
    await p.pipeline('orders', 'name: orders\nsource: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders, mode: overwrite }\n');
    await p.run(['--all'], 0, ENV);
    first = (await p.snapshotsCli('raw.contacts'))[0]!['snapshot-id'];
    for (const args of [
      ['snapshot', 'tag', 'raw.contacts', 'before'],
      ['snapshot', 'branch', 'raw.contacts', 'dev'],
      ['table', 'evolve', 'raw.contacts', '--rename-column', 'email=mail', '--drop-column', 'ssn'],
    ]) {
      const r = await p.floe(args, ENV);
      expect(r.code, show(r)).toBe(0);
    }
  }, 180_000);

  const allowed: [string, string[]][] = [
    ['SELECT * FROM raw.contacts', []],
    ['SELECT upper(mail) AS u, lower(mail) AS l, substr(phone, 1, 20) AS s, full_name FROM raw.contacts', []],
    ["SELECT string_agg(mail, ',') AS a, string_agg(phone, ',') AS b FROM raw.contacts", []],
    ['WITH c AS (SELECT * FROM raw.contacts) SELECT c.*, o.total FROM c JOIN raw.orders o USING (id)', []],
    ['SELECT (SELECT max(mail) FROM raw.contacts) AS m, * FROM (SELECT phone FROM raw.contacts) t', []],
    ['SUMMARIZE raw.contacts', []],
    ['SELECT * FROM raw.contacts', ['--snapshot', 'before']],
    ['SELECT * FROM raw.contacts', ['--snapshot', 'dev']],
    ['SELECT * FROM raw.contacts', ['--as-of', '2999-01-01T00:00:00Z']],
    ['SELECT * FROM raw.contacts', ['--format', 'csv']],
  ];
  for (const [sql, extra] of allowed) {
    it(`masks ${sql} ${extra.join(' ')}`, async () => {
      const r = await p.floe(['query', sql, '--mask', ...extra], ENV);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/\*\*\*/);
      expectNoRaw(r.stdout + r.stderr, `${sql} ${extra.join(' ')}`);
    }, 60_000);
  }

  it('masks a time-travel read by snapshot id: the column renamed since and the column dropped since', async () => {
    const r = await p.floe(['query', 'SELECT * FROM raw.contacts ORDER BY id', '--mask', '--snapshot', first, '--format', 'json'], ENV);
    expect(r.code, show(r)).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.map((x) => x.email)).toEqual(['J***@Corp.io', 'm***@corp.io']);
    expect(rows.map((x) => String(x.ssn))).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(rows.map((x) => x.full_name)).toEqual([null, null]);
    expectNoRaw(r.stdout, 'the time-travel read');
  });

  it('writes masked --out files (csv, json, parquet)', async () => {
    for (const ext of ['csv', 'json', 'parquet']) {
      const out = p.path(`data/masked.${ext}`);
      const r = await p.floe(['query', 'SELECT * FROM raw.contacts', '--mask', '--snapshot', 'before', '--out', out], ENV);
      expect(r.code, show(r)).toBe(0);
      const text = ext === 'parquet' ? JSON.stringify(await duckRows(`SELECT * FROM read_parquet(${sqlString(out)})`)) : await readFile(out, 'utf8');
      expect(text).toContain('***');
      expectNoRaw(text, `--out ${ext}`);
    }
  });

  // Absolute paths, so that without the check each of these would really read the files.
  const refused = (): [string, RegExp][] => {
    const wh = sqlString(p.path('warehouse/raw/contacts/data/*.parquet'));
    const src = p.path('data/contacts.csv');
    return [
      [`SELECT * FROM read_parquet(${wh})`, /read_parquet\(\)/],
      [`SELECT * FROM ${wh}`, /not a catalog table/],
      [`SELECT * FROM read_csv(${sqlString(src)})`, /read_csv\(\)/],
      ['SELECT d.sql FROM duckdb_views() d, raw.contacts c', /duckdb_views\(\)/],
      ['SELECT v.view_definition FROM information_schema.views v, raw.contacts c', /information_schema\.views/],
      [`SELECT * FROM query(${sqlString(`SELECT * FROM read_parquet(${wh})`)}), raw.contacts`, /query\(\)/],
      [`SELECT * FROM (WITH "${src}" AS (SELECT 1) SELECT * FROM "${src}"), "${src}", raw.contacts`, /not a catalog table/],
      [`COPY (SELECT * FROM read_parquet(${wh})) TO ${sqlString(p.path('leak.csv'))}`, /only SELECT statements/],
    ];
  };
  it('refuses reads past the masks: files, catalog functions, other statements (exit 2, nothing printed)', async () => {
    for (const [sql, message] of refused()) {
      const r = await p.floe(['query', sql, '--mask'], ENV);
      expect(r.code, `${sql}\n${show(r)}`).toBe(2);
      expect(r.stderr, sql).toMatch(message);
      expect(r.stdout, sql).toBe('');
      expectNoRaw(r.stdout + r.stderr, sql);
    }
  }, 120_000);

  it('without --mask the same file reads raw (so the refusals above are what keeps the values in)', async () => {
    const r = await p.floe(['query', `SELECT * FROM read_csv(${sqlString(p.path('data/contacts.csv'))})`], ENV);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('John.Smith@Corp.io');
  });
});
