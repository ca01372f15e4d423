/**
 * An incremental Postgres pipeline (the real server from scripts/provision-services.sh) run
 * three times, with new and updated rows between runs, ends with exactly the source's rows:
 * merge leaves no duplicate, the cursor comes back from the snapshot summary, and a repeated
 * run id does nothing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_MARK, services } from '../sources/helpers.js';
import { assertBuilt, type Project, useProjects } from './helpers.js';

const newProject = useProjects();
const table = `floe_incr_${process.pid}`;

describe('incremental Postgres pipeline, three runs', () => {
  let p: Project;
  let client: pg.Client;
  const env = () => ({ CRM_DATABASE_URL: services().pg });
  const sourceRows = async () =>
    (await client.query(`SELECT id::int AS id, email, amount::text AS amount FROM ${table} ORDER BY id`)).rows as Record<string, unknown>[];
  const tableRows = async () =>
    (await p.query('SELECT id, email, CAST(amount AS VARCHAR) AS amount FROM crm.customers ORDER BY id')).map((r) => ({ ...r, id: Number(r.id) }));

  beforeAll(async () => {
    assertBuilt();
    client = new pg.Client({ connectionString: services().pg });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (id int8 PRIMARY KEY, email text, amount numeric(10,2), updated_at timestamptz NOT NULL)`);
    await client.query(
      `INSERT INTO ${table} VALUES (1, 'a@x.com', 10.50, '2024-01-01T00:00:00Z'), (2, 'b@x.com', 20.00, '2024-01-02T00:00:00Z')`,
    );
    p = await newProject();
    await p.pipeline(
      'customers',
      [
        'source:',
        '  kind: postgres',
        '  connection: "${CRM_DATABASE_URL}"',
        `  table: ${table}`,
        '  incremental: { cursor: updated_at }',
        'target: { table: crm.customers, mode: merge, key: [id] }',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    await client?.query(`DROP TABLE IF EXISTS ${table}`);
    await client?.end();
  });

  it('ends each run with exactly the source rows, reading only what changed', async () => {
    let r = await p.run(['customers', '--json'], 0, env());
    expect(await tableRows()).toEqual(await sourceRows());

    // Run 2: one update and one new row.
    await client.query(`UPDATE ${table} SET email = 'a2@x.com', amount = 11.00, updated_at = '2024-02-01T00:00:00Z' WHERE id = 1`);
    await client.query(`INSERT INTO ${table} VALUES (3, 'c@x.com', 30.00, '2024-02-02T00:00:00Z')`);
    r = await p.run(['customers', '--json'], 0, env());
    const commit2 = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit2.rows_read).toBe(2); // the cursor came back from the table: only the changed rows
    expect(await tableRows()).toEqual(await sourceRows());

    // Run 3: two more updates of the same row and a new one.
    await client.query(`UPDATE ${table} SET amount = 12.00, updated_at = '2024-03-01T00:00:00Z' WHERE id = 2`);
    await client.query(`UPDATE ${table} SET amount = 13.00, updated_at = '2024-03-02T00:00:00Z' WHERE id = 2`);
    await client.query(`INSERT INTO ${table} VALUES (4, 'd@x.com', 40.00, '2024-03-03T00:00:00Z')`);
    await p.run(['customers', '--run-id', 'nightly-3'], 0, env());
    const rows = await tableRows();
    expect(rows).toEqual(await sourceRows());
    expect(new Set(rows.map((x) => x.id)).size).toBe(rows.length);

    const last = (await p.snapshots('crm.customers')).at(-1)!;
    expect(last.summary['floe.cursor.column']).toBe('updated_at');
    expect(last.summary['floe.cursor.value']).toMatch(/^2024-03-03 00:00:00/);
    expect(last.summary['floe.run-id']).toBe('nightly-3');
    expect(JSON.stringify(last.summary)).not.toContain(PASSWORD_MARK);
  });

  it('a repeated run id does nothing', async () => {
    await client.query(`INSERT INTO ${table} VALUES (5, 'e@x.com', 50.00, '2024-04-01T00:00:00Z')`);
    const before = (await p.snapshots('crm.customers')).length;
    const r = await p.run(['customers', '--run-id', 'nightly-3', '--json'], 0, env());
    expect(r.stdout).toMatch(/"event":"skip"/);
    expect((await p.snapshots('crm.customers')).length).toBe(before);
    expect((await tableRows()).map((x) => x.id)).toEqual([1, 2, 3, 4]);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD_MARK);
  });
});
