/**
 * sql checks and PII governance, at evaluation: a check reads only the rows under check
 * ({{ this }}, {{ batch }}) and catalog tables (ns.table), never files or DuckDB's catalog,
 * and a value it returns is quoted only when it derives from no PII-tagged column.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlaceholders } from '../../src/checks/validate-sql.js';
import { NOW, one, useEngine } from './helpers.js';

const engine = useEngine();
let dir: string;
const RAW = 'zed.private@example.com';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'floe-sql-gov-'));
  await engine().run(`CREATE TABLE t AS SELECT * FROM (VALUES (1, '${RAW}', 'gold', 10), (2, 'amy@example.org', 'tin', 20)) AS v(id, email, tier, amount)`, 'create test table');
  await engine().run(`CREATE SCHEMA crm`, 'create schema');
  await engine().run(`CREATE VIEW crm.accounts AS SELECT * FROM (VALUES (1, 'acme', 'boss@acme.test')) AS v(id, name, owner)`, 'create view');
  // The checked table by name, as prepareCheckViews makes it: a view of the rows under check.
  await engine().run(`CREATE VIEW crm.c AS SELECT * FROM t`, 'create view');
  await engine().run(`COPY t TO '${path.join(dir, 'raw.parquet')}' (FORMAT parquet)`, 'write a file');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const withheld = async () => new Set(['email']);
const run = (query: string, expect: string | number = 0) => one(engine(), 't', { sql: { query, expect }, severity: 'warn' }, { table: 'crm.c', withheld, now: NOW });

describe('what a sql check may read', () => {
  it('refuses files, DuckDB catalog functions and schemas, bare names and other statements, before running, naming the check, table and position', async () => {
    const file = path.join(dir, 'raw.parquet');
    const cases: [string, RegExp][] = [
      [`SELECT count(*) FROM read_parquet('${file}') WHERE email = '${RAW}'`, /check sql on crm\.c: reads the table function read_parquet\(\): a sql check may not read files.*\(query line 1, column 22\)/],
      [`SELECT count(*) FROM '${file}'`, /reads '.*raw\.parquet' \(not a catalog table: a file\): a sql check may not read files/],
      [`SELECT count(*) FROM {{ this }}\nWHERE id IN (SELECT 1 FROM duckdb_views())`, /reads the table function duckdb_views\(\).*hash salts included\) \(query line 2, column 28\)/],
      [`SELECT count(*) FROM information_schema.views`, /reads information_schema\.views \(DuckDB's own catalog, not a floe table\)/],
      [`SELECT count(*) FROM t`, /reads 't' \(not a catalog table: a file or a DuckDB table\)/],
      [`SELECT count(*) FROM glob('${dir}/*')`, /reads the table function glob\(\)/],
    ];
    for (const [query, message] of cases) {
      const r = await run(query);
      expect(r.status, query).toBe('error');
      expect(r.message, query).toMatch(message);
      expect(r.message).toContain('(A sql check reads {{ this }}, {{ batch }} and catalog tables by name');
      expect(r.message).not.toContain(RAW);
    }
    // A COPY is refused before it runs: no file is written.
    const out = path.join(dir, 'leak.csv');
    const r = await run(`COPY (SELECT * FROM {{ this }}) TO '${out}'`);
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/a statement other than SELECT: a check runs one SELECT query/);
    await expect(rm(out)).rejects.toThrow(/ENOENT/);
  });

  it('still runs queries over {{ this }}, {{ batch }}, catalog tables, CTEs and range()', async () => {
    expect((await run('SELECT count(*) FROM {{ this }} WHERE amount < 0')).status).toBe('pass');
    expect((await run('SELECT count(*) FROM {{this}} t JOIN crm.accounts a USING (id)', 1)).status).toBe('pass');
    expect((await run('WITH x AS (SELECT id FROM {{ batch }}) SELECT count(*) FROM x, range(2)', 4)).status).toBe('pass');
    const failed = await run('SELECT count(*) FROM {{ this }} WHERE amount > 5');
    expect([failed.status, failed.observed, failed.message]).toEqual(['warn', 2, 'the query returned 2, expected 0']);
    const rows = await run('SELECT id, tier FROM {{ this }} WHERE amount > 15');
    expect([rows.status, rows.observed, rows.message]).toEqual(['warn', 1, 'the query returned 1 row, expected 0']);
  });

  it('placeholders keep the query length, so positions are those of the query as written', () => {
    const { text, names } = withPlaceholders('SELECT * FROM {{ this }} JOIN {{batch}} USING (id)');
    expect(text).toBe('SELECT * FROM ________.t JOIN _______.b USING (id)');
    expect([...names]).toEqual([['________.t', 'this'], ['_______.b', 'batch']]);
  });
});

describe('values a sql check quotes', () => {
  it('withholds a value derived from a PII-tagged column, in the message and observed', async () => {
    for (const query of ['SELECT max(email) FROM {{ this }}', "SELECT lower(email) || '!' FROM {{ this }} WHERE id = 1", 'SELECT (SELECT min(email) FROM crm.c) AS x']) {
      const r = await run(query, 'x');
      expect(r.status, query).toBe('warn');
      expect(r.observed, query).toBeNull();
      expect(r.message, query).toBe('the query returned a value derived from a PII column (value withheld), expected x');
    }
  });

  it('withholds the values DuckDB quotes in an error when the check reads a tagged column', async () => {
    const r = await run('SELECT count(*) FROM {{ this }} WHERE CAST(email AS INTEGER) > 0');
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/Conversion Error.*'…'.*\(quoted values withheld: the check reads PII-tagged columns\)/);
    expect(r.message).not.toContain(RAW);
    // Without tagged columns the value is shown, as before.
    const plain = await one(engine(), 't', { sql: 'SELECT count(*) FROM {{ this }} WHERE CAST(tier AS INTEGER) > 0' }, { table: 'crm.c', withheld: async () => new Set(), now: NOW });
    expect(plain.message).toMatch(/Could not convert string 'gold' to INT32/);
  });

  it('withholds a value from another table (its tags are unknown to the check) and quotes untagged ones and counts', async () => {
    const other = await run('SELECT max(owner) FROM crm.accounts', 'x');
    expect([other.observed, other.message]).toEqual([null, 'the query returned a value derived from a PII column (value withheld), expected x']);
    const tier = await run('SELECT max(tier) FROM {{ this }}', 'x');
    expect([tier.observed, tier.message]).toEqual(['tin', 'the query returned tin, expected x']);
    const count = await run('SELECT count(DISTINCT email) FROM {{ this }}', 2);
    expect([count.status, count.observed, count.message]).toEqual(['pass', 2, 'the query returned 2']);
    const joined = await run('SELECT count(*) FROM {{ this }} t JOIN crm.accounts a ON a.owner = t.email', 0);
    expect([joined.status, joined.observed]).toEqual(['pass', 0]);
  });
});
