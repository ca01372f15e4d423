/**
 * PII governance of `kind: sql` pipelines through the built CLI: output columns derived from
 * tagged columns inherit the tags (recorded as applied at write: the values were read through
 * the masks), and a query that reads files (the warehouse's own data files above all) or
 * DuckDB's catalog is refused at `floe validate` and `floe run` with file:line:col.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { checkSqlPipelineQuery } from '../../src/governance/sql-pipeline.js';
import { assertBuilt, duckRows, type Project, show, sqlString, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CSV = `id,email,phone,name,country
1,John.Smith@Example.com,(415) 555-2671,Jonathan,US
2,maria.garcia@corp.io,+44 20 7946 0958,Maria,GB
3,,,,US
`;
const RAW = ['John.Smith@Example.com', 'john.smith@example.com', 'maria.garcia@corp.io', '(415) 555-2671', '+14155552671', '+442079460958', 'Jonathan', 'Maria'];
const ENV = { FLOE_PII_SALT: 'a-long-test-salt-value' };

const expectNoRaw = (text: string, where: string) => {
  for (const v of RAW) expect(text.toLowerCase().includes(v.toLowerCase()), `${where} contains the raw value ${v}:\n${text}`).toBe(false);
};

const piiProps = async (p: Project, table: string) => Object.fromEntries(Object.entries((await p.metadata(table)).properties).filter(([k]) => k.startsWith('floe.pii.')));

const CONTACTS = `name: contacts
source: { kind: csv, path: data/contacts.csv }
columns:
  email: { normalize: email, pii: email }
  phone: { normalize: phone, region: US, pii: phone }
  name: { pii: { tag: name, policy: redact } }
target: { table: raw.contacts, mode: overwrite }
`;

describe('sql pipeline outputs inherit the tags of the columns they copy', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/contacts.csv', CSV);
    await p.pipeline('contacts', CONTACTS);
    await p.pipeline(
      'contact_mart',
      `name: contact_mart
source:
  kind: sql
  query: |
    SELECT c.id,
           c.email AS contact,
           lower(c.email) || ' (' || c.country || ')' AS label,
           CASE WHEN c.country = 'US' THEN c.phone END AS us_phone,
           coalesce(c.name, 'unknown') AS display_name,
           c.country,
           (SELECT count(email) FROM raw.contacts) AS with_email
    FROM raw.contacts c
    ORDER BY c.id
columns:
  us_phone: { rename: phone_us }
target: { table: mart.contacts, mode: overwrite }
`,
    );
    // A second hop: a curated table read by another sql pipeline passes its tags on.
    await p.pipeline('contact_list', 'name: contact_list\nsource: { kind: sql, query: "SELECT id, contact AS mail FROM mart.contacts" }\ntarget: { table: mart.contact_list, mode: overwrite }\n');
    await p.run(['--all'], 0, ENV);
  }, 120_000);

  it('tags the derived columns, applied at write; untagged inputs and counts stay untagged', async () => {
    expect(await piiProps(p, 'mart.contacts')).toEqual({
      'floe.pii.contact': 'email:mask:ingest',
      'floe.pii.label': 'email:mask:ingest',
      'floe.pii.phone_us': 'phone:mask:ingest',
      'floe.pii.display_name': 'name:redact:ingest',
    });
    expect(await piiProps(p, 'mart.contact_list')).toEqual({ 'floe.pii.mail': 'email:mask:ingest' });
  });

  it('floe query --mask shows the copied column masked, and no raw value is stored', async () => {
    const r = await p.floe(['query', 'SELECT id, contact, label, phone_us, display_name, with_email FROM mart.contacts ORDER BY id', '--mask', '--format', 'json'], ENV);
    expect(r.code, show(r)).toBe(0);
    expectNoRaw(r.stdout, 'query --mask');
    const rows = JSON.parse(r.stdout);
    expect(rows[0]).toEqual({ id: 1, contact: 'j***@example.com', label: 'j***@example.com (US)', phone_us: '+1******2671', display_name: 'unknown', with_email: 2 });
    expect(rows[1]).toMatchObject({ id: 2, contact: 'm***@corp.io', phone_us: null });
    const list = JSON.parse((await p.floe(['query', 'SELECT * FROM mart.contact_list ORDER BY id', '--mask', '--format', 'json'], ENV)).stdout);
    expect(list[0]).toEqual({ id: 1, mail: 'j***@example.com' });
    for (const table of ['mart.contacts', 'mart.contact_list']) {
      let dump = '';
      for (const f of await p.dataFiles(table)) dump += JSON.stringify(await duckRows(`SELECT * FROM read_parquet(${sqlString(f.replace(/^file:\/\//, ''))})`));
      expect(dump).toContain('***');
      expectNoRaw(dump, `${table} data files`);
    }
  });

  it('a declared pii: rule can make an inherited column stricter, not looser', async () => {
    const q = await newProject();
    await q.write('data/contacts.csv', CSV);
    await q.pipeline('contacts', CONTACTS);
    await q.pipeline(
      'm',
      'name: m\nsource: { kind: sql, query: "SELECT id, email AS a, email AS b FROM raw.contacts" }\ncolumns:\n  a: { pii: none }\n  b: { pii: redact }\ntarget: { table: mart.m, mode: overwrite }\n',
    );
    await q.run(['--all'], 0, ENV);
    expect(await piiProps(q, 'mart.m')).toEqual({ 'floe.pii.a': 'email:mask:ingest', 'floe.pii.b': 'text:redact' });
    const rows = JSON.parse((await q.floe(['query', 'SELECT a, b FROM mart.m ORDER BY id', '--mask', '--format', 'json'], ENV)).stdout);
    expect(rows[0]).toEqual({ a: 'j***@example.com', b: null });
  }, 120_000);
});

describe('a sql pipeline may not read files or DuckDB catalog functions', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/contacts.csv', CSV);
    await p.pipeline('contacts', CONTACTS);
    await p.run(['contacts'], 0, ENV);
  }, 120_000);

  /** The 1-based line and column of `needle` in `text`. */
  const at = (text: string, needle: string) => {
    const i = text.indexOf(needle);
    const before = text.slice(0, i);
    return `${before.split('\n').length}:${i - before.lastIndexOf('\n')}`;
  };

  it("refuses read_parquet of the warehouse's own files at validate and at run, at file:line:col, writing nothing", async () => {
    const glob = p.path('warehouse/raw/contacts/data/*.parquet');
    const yaml = `name: leak
source:
  kind: sql
  query: |
    SELECT id,
           email
    FROM read_parquet('${glob}')
target: { table: mart.leak, mode: overwrite }
`;
    const file = await p.pipeline('leak', yaml);
    const where = `${file}:${at(yaml, 'read_parquet')}`;
    for (const args of [['validate'], ['run', 'leak']]) {
      const r = await p.floe(args, ENV);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(`${where}: source.query: reads the table function read_parquet(): a sql pipeline may not read files`);
      expectNoRaw(r.stdout + r.stderr, args.join(' '));
    }
    expect(await p.exists('mart.leak')).toBe(false);
    // Without the check DuckDB would read the raw values: the file really is there.
    const raw = await duckRows(`SELECT email FROM read_parquet(${sqlString(glob)}) ORDER BY id`);
    expect(raw[0]).toEqual({ email: 'john.smith@example.com' });
    await p.write('pipelines/leak.yaml', 'name: leak\nsource: { kind: sql, query: SELECT 1 AS x }\ntarget: { table: mart.leak, mode: overwrite }\n');
  }, 120_000);

  it('refuses replacement scans, other file readers and catalog functions, in any YAML style', async () => {
    const wh = p.path('warehouse/raw/contacts/data/x.parquet');
    const cases: [string, string, RegExp][] = [
      [`query: "SELECT * FROM raw.contacts c JOIN '${wh}' f USING (id)"`, `'${wh}'`, /reads '.*x\.parquet' \(not a catalog table: a file\)/],
      [`query: SELECT * FROM read_csv('${p.path('data/contacts.csv')}')`, 'read_csv', /reads the table function read_csv\(\): a sql pipeline may not read files/],
      ['query: >-\n    SELECT v.sql\n    FROM duckdb_views() v', 'duckdb_views', /duckdb_views\(\): a sql pipeline reads only catalog tables .*hash salts/],
      ['query: SELECT * FROM information_schema.views', 'information_schema', /information_schema\.views \(DuckDB's own catalog/],
      ["query: |\n    SELECT 1 AS x;\n    COPY raw.contacts TO 'leak.csv'", '|', /a sql pipeline runs one SELECT/],
    ];
    for (const [query, needle, message] of cases) {
      const yaml = `name: bad\nsource:\n  kind: sql\n  ${query}\ntarget: { table: mart.bad, mode: overwrite }\n`;
      const file = await p.pipeline('bad', yaml);
      const r = await p.floe(['validate', 'bad'], ENV);
      expect(r.code, `${query}\n${show(r)}`).toBe(2);
      expect(r.stderr, query).toMatch(message);
      expect(r.stderr, query).toContain(`${file}:${at(yaml, needle)}:`);
    }
    expect(await p.exists('mart.bad')).toBe(false);
    await p.write('pipelines/bad.yaml', 'name: bad\nsource: { kind: sql, query: SELECT 1 AS x }\ntarget: { table: mart.bad, mode: overwrite }\n');
  }, 120_000);

  it('a query over catalog tables, CTEs and range() still validates and runs', async () => {
    await p.pipeline('ok', 'name: ok\nsource:\n  kind: sql\n  query: |\n    WITH c AS (SELECT id FROM raw.contacts)\n    SELECT c.id, r.range AS k FROM c, range(2) r ORDER BY 1, 2\ntarget: { table: mart.ok, mode: overwrite }\n');
    expect((await p.floe(['validate', 'ok'], ENV)).code).toBe(0);
    await p.run(['ok'], 0, ENV);
    expect(await p.query('SELECT count(*) AS n FROM mart.ok')).toEqual([{ n: 6 }]);
  }, 120_000);
});

describe('the run-time check (for callers that did not load the project)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('names the pipeline and the line and column in its query', async () => {
    const query = "SELECT id\nFROM raw.contacts JOIN read_parquet('/w/raw/contacts/data/a.parquet') f USING (id)";
    await expect(checkSqlPipelineQuery(engine, query, 'leak', ['raw.contacts'])).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringMatching(/^pipeline leak \(query line 2, column 24\): reads the table function read_parquet\(\)/),
    });
    await expect(checkSqlPipelineQuery(engine, 'SELECT id FROM raw.contacts', 'ok', ['raw.contacts'])).resolves.toBeUndefined();
    // PIVOT does not serialise, so what it reads cannot be checked: refused, with the rewrite to use.
    await expect(checkSqlPipelineQuery(engine, 'SELECT * FROM (PIVOT raw.contacts ON country USING count(*))', 'p', ['raw.contacts'])).rejects.toMatchObject({
      message: expect.stringContaining('write the pivot as conditional aggregates'),
    });
    // A qualified name that is not one of the tables floe opened (main., a DuckDB temp table) is refused too.
    await expect(checkSqlPipelineQuery(engine, 'SELECT * FROM main.x', 'p', ['raw.contacts'])).rejects.toMatchObject({ message: expect.stringContaining('main.x (not a catalog table)') });
  });
});
