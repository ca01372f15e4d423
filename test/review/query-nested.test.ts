/**
 * `floe query` over tables in nested namespaces (`a.b.t`): DuckDB reads a three-part name as
 * database.schema.table, so each first namespace level becomes an attached in-memory
 * database (engine/read-view-name.ts). Joins with flat tables that share the first level,
 * quoted names, --mask and --as-of, and the names DuckDB cannot express.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-query-nested-');
let project: string;
let beforeSecond: string;

async function ok(args: string[]): Promise<string> {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r.stdout;
}
const json = async (sql: string, ...more: string[]) => JSON.parse(await ok(['query', sql, '--format', 'json', ...more])) as Record<string, unknown>[];

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  const csv = async (name: string, text: string) => {
    const p = path.join(project, name);
    await writeFile(p, text);
    return p;
  };
  const nested = await csv('nested.csv', 'id,region\n1,eu\n2,us\n3,eu\n');
  const flat = await csv('flat.csv', 'id,name\n1,one\n2,two\n4,four\n');
  const pii = await csv('pii.csv', 'id,email\n1,ann@example.com\n');
  await ok(['load', 'sales.names', flat]);
  await ok(['load', 'sales.eu.orders', nested]);
  beforeSecond = new Date().toISOString();
  // The second load's commit is a new process's, so well after beforeSecond.
  await ok(['load', 'sales.eu.orders', await csv('more.csv', 'id,region\n5,eu\n')]);
  // A flat table named like the nested namespace, made after beforeSecond: a query of
  // sales.eu.orders must not open it (it has no snapshot at beforeSecond).
  await ok(['load', 'sales.eu', flat]);
  await ok(['load', 'sales-eu.my orders.t', nested]);
  await ok(['load', 'crm.people.contacts', pii]);
  await ok(['table', 'evolve', 'crm.people.contacts', '--set-property', 'floe.pii.email=email:mask']);
  await ok(['load', 'a.b.c.deep', flat]);
  await ok(['load', 'memory.x.t', flat]);
  await ok(['load', 'x.t', nested]);
  await ok(['load', 'system.x.t', flat]);
});

describe('floe query: tables in two-level namespaces', () => {
  it('reads a.b.t, with a filter on it', async () => {
    expect(await json('SELECT id, region FROM sales.eu.orders ORDER BY id')).toEqual([
      { id: 1, region: 'eu' },
      { id: 2, region: 'us' },
      { id: 3, region: 'eu' },
      { id: 5, region: 'eu' },
    ]);
    expect(await json(`SELECT count(*) AS n FROM sales.eu.orders WHERE region = 'eu'`)).toEqual([{ n: 3 }]);
  });

  it('joins a nested table with a flat table whose namespace is its first level, either order, quoted or not', async () => {
    const want = [
      { id: 1, region: 'eu', name: 'one' },
      { id: 2, region: 'us', name: 'two' },
    ];
    expect(await json('SELECT o.id, o.region, n.name FROM sales.eu.orders o JOIN sales.names n USING (id) ORDER BY o.id')).toEqual(want);
    expect(await json('SELECT o.id, o.region, n.name FROM "sales"."names" n JOIN "sales"."eu"."orders" o ON o.id = n.id ORDER BY o.id')).toEqual(want);
    // The flat table alone still reads (its view moved with the first level).
    expect(await json('SELECT count(*) AS n FROM sales.names')).toEqual([{ n: 3 }]);
  });

  it('reads names that need quoting', async () => {
    expect(await json('SELECT count(*) AS n FROM "sales-eu"."my orders"."t" WHERE region = \'eu\'')).toEqual([{ n: 2 }]);
  });

  it('--as-of reads the nested table as it was', async () => {
    expect(await json('SELECT count(*) AS n FROM sales.eu.orders', '--as-of', beforeSecond)).toEqual([{ n: 3 }]);
    expect(await json('SELECT count(*) AS n FROM "sales"."eu"."orders"', '--as-of', beforeSecond)).toEqual([{ n: 3 }]);
    expect(await json('SELECT o.id FROM sales.eu.orders o JOIN sales.names USING (id) ORDER BY 1', '--as-of', beforeSecond)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('--mask applies the PII policy of a nested table', async () => {
    expect(await json('SELECT id, email FROM crm.people.contacts', '--mask')).toEqual([{ id: 1, email: 'a***@example.com' }]);
    expect(await json('SELECT email FROM crm.people.contacts')).toEqual([{ email: 'ann@example.com' }]);
  });

  it('--explain plans a nested table, and not a flat table whose name is a prefix of it', async () => {
    const plan = await json(`SELECT * FROM sales.eu.orders WHERE id = 5`, '--explain');
    expect(plan).toHaveLength(1);
    expect(plan).toMatchObject([{ table: 'sales.eu.orders', data_files_kept: 1, data_files_total: 2 }]);
    // Both, when both are named.
    const both = await json(`SELECT * FROM sales.eu.orders o JOIN sales.eu e USING (id)`, '--explain');
    expect(both.map((p) => p.table).sort()).toEqual(['sales.eu', 'sales.eu.orders']);
  });

  it('a first level that is DuckDB’s own database name (memory) reads too', async () => {
    expect(await json('SELECT count(*) AS n FROM memory.x.t')).toEqual([{ n: 3 }]);
  });
});

describe('floe query: nested names that are not in the catalog', () => {
  it('a missing table in a namespace DuckDB has not seen is not-found naming it (DuckDB said the catalog does not exist)', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM nope.deeper.t']), 1, ['table nope.deeper.t does not exist in catalog "floe"']);
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM sales.names JOIN sales.nope.t USING (id)']), 1, ['table sales.nope.t does not exist in catalog "floe"']);
  });

  it('a missing table next to a nested one is not-found naming it', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM sales.eu.orders JOIN sales.eu.nope USING (id)']), 1, ['table sales.eu.nope does not exist in catalog "floe"']);
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM sales.eu.orders JOIN sales.us.orders USING (id)']), 1, ['table sales.us.orders does not exist in catalog "floe"']);
  });
});

describe('floe query: nested names DuckDB cannot express', () => {
  it('three namespace levels: unsupported, naming the table', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM a.b.c.deep']), 1, ['table a.b.c.deep', 'at most three parts']);
  });

  it('a first level DuckDB reserves (system): unsupported, naming the table', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM system.x.t']), 1, ['table system.x.t', 'DuckDB reserves the name system']);
  });

  it('memory.x.t and x.t in one query are one name to DuckDB: an error naming both', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM memory.x.t, x.t']), 1, ['memory.x.t', 'x.t', 'one name to DuckDB']);
    expect(await json('SELECT count(*) AS n FROM x.t')).toEqual([{ n: 3 }]);
  });
});
