/**
 * Errors of a `kind: sql` pipeline that only the run can find, since `floe validate` reads no
 * table: a column the query names that its table does not have (misspelt, or renamed since
 * with `floe table evolve`), and a table that is not in the catalog. They named the pipeline
 * and, for the missing table, the line and column inside the query, but not the pipeline
 * file; DuckDB's binder error gave no position at all. Both now name the pipeline file, line
 * and column of the name, as `floe validate` does for what it can see (exit 2).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_AUDIT_LOG: 'off' };

async function withContacts() {
  const p = await newProject();
  await p.write('data/c.csv', 'id,email,amount\n1,ann@example.com,10\n2,bob@example.org,20\n');
  await p.pipeline('contacts', 'name: contacts\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: { pii: email }\ntarget: { table: raw.contacts, mode: overwrite }\n');
  await p.run(['contacts'], 0, env);
  return p;
}

describe('sql pipeline errors found by the run', () => {
  it('names the pipeline file, line and column of a column the table does not have (block and one-line queries)', async () => {
    const p = await withContacts();
    await p.pipeline('cur', 'name: cur\nsource:\n  kind: sql\n  query: |\n    SELECT id,\n           emale AS contact\n    FROM raw.contacts\ntarget: { table: cur.c, mode: overwrite }\n');
    let r = await p.floe(['run', 'cur'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pipelines/cur.yaml:6:12: source.query: DuckDB could not run the query of pipeline cur: Binder Error: Referenced column "emale" not found');
    r = await p.floe(['plan', 'cur'], env);
    expect(r.stdout + r.stderr).toContain('pipelines/cur.yaml:6:12: source.query:');

    await p.pipeline('cur', 'name: cur\nsource: { kind: sql, query: "SELECT id, amount * 2 AS twice, emale FROM raw.contacts" }\ntarget: { table: cur.c, mode: overwrite }\n');
    r = await p.floe(['run', 'cur'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pipelines/cur.yaml:2:62: source.query: DuckDB could not run the query of pipeline cur: Binder Error');
    expect(await p.tables()).toEqual(['raw.contacts']);
  });

  it('names the pipeline file and the query when DuckDB gives no position', async () => {
    const p = await withContacts();
    await p.pipeline('cur', 'name: cur\nsource:\n  kind: sql\n  query: |\n    SELECT id, (email).len AS n\n    FROM raw.contacts\ntarget: { table: cur.c, mode: overwrite }\n');
    const r = await p.floe(['run', 'cur'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`pipelines/cur.yaml:4:10: source.query: DuckDB could not run the query of pipeline cur: Binder Error: Cannot extract field 'len'`);
  });

  it('names the file, line and column of a column renamed in the input table since', async () => {
    const p = await withContacts();
    await p.pipeline('cur', 'name: cur\nsource:\n  kind: sql\n  query: |\n    SELECT id, sum(amount) AS total\n    FROM raw.contacts GROUP BY id\ntarget: { table: cur.c, mode: overwrite }\n');
    await p.run(['cur'], 0, env);
    const ev = await p.floe(['table', 'evolve', 'raw.contacts', '--rename-column', 'amount=amount_usd'], env);
    expect(ev.code, show(ev)).toBe(0);
    const r = await p.floe(['run', 'cur'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pipelines/cur.yaml:5:20: source.query: DuckDB could not run the query of pipeline cur: Binder Error: Referenced column "amount" not found');
  });

  it('names the pipeline file, line and column of a table that is not in the catalog', async () => {
    const p = await withContacts();
    await p.pipeline('cur', 'name: cur\nsource:\n  kind: sql\n  query: |\n    SELECT c.id\n    FROM raw.contacts c\n    JOIN raw.orders o USING (id)\ntarget: { table: cur.c, mode: overwrite }\n');
    const v = await p.floe(['validate', 'cur'], env);
    expect(v.code, show(v)).toBe(0);
    const r = await p.floe(['run', 'cur'], env);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pipelines/cur.yaml:7:10: source.query: pipeline cur (query line 3, column 6): reads raw.orders (not a catalog table)');
  });
});
