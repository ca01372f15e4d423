/**
 * The SQL catalog on Postgres (postgres.ts behind the sql-dialect seam), against the real
 * test server: the JdbcCatalog/SqlCatalog DDL, namespaces, compare-and-swap under racing
 * connections, and connection errors that name host:port/db but never the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { parsePostgresUri } from '../../src/catalog/postgres.js';
import { rejection } from '../helpers/rejection.js';
import { createTestSchema, PASSWORD_MARK, type TestSchema } from './postgres-db.js';

let db: TestSchema;
const open: Catalog[] = [];
beforeAll(async () => {
  db = await createTestSchema('cat');
});
afterAll(async () => {
  for (const c of open.splice(0)) await c.close();
  await db?.drop();
});

async function catalog(name = 'floe', url = db.url): Promise<Catalog> {
  const c = await openCatalog({ uri: url, name }, '/nowhere');
  open.push(c);
  return c;
}

const id = (ns: string, name: string) => ({ namespace: ns.split('.'), name });

describe('Postgres catalog URIs', () => {
  it('parses the floe, SQLAlchemy and JDBC spellings; the display has no password', () => {
    const a = parsePostgresUri('postgresql://u:p%40ss@db.example:6543/lake?sslmode=require&currentSchema=cat');
    expect(a).toMatchObject({ host: 'db.example', port: 6543, database: 'lake', user: 'u', password: 'p@ss', display: 'db.example:6543/lake?currentSchema=cat' });
    expect(a.params).toEqual({ sslmode: 'require', currentSchema: 'cat' });
    const j = parsePostgresUri('jdbc:postgresql://h/lake?user=u&password=pw');
    expect(j).toMatchObject({ host: 'h', port: 5432, database: 'lake', user: 'u', password: 'pw', params: {} });
    expect(parsePostgresUri('postgresql+psycopg2://u@h:1/d?options=-csearch_path%3Dx').display).toBe('h:1/d?currentSchema=x');
  });

  it('refuses a URL without a database, without echoing it', async () => {
    const e = await rejection(openCatalog({ uri: 'postgresql://u:hunter2@h:5432/', name: 'floe' }, '/'));
    expect(e.kind).toBe('config');
    expect(e.message).not.toContain('hunter2');
  });
});

describe('Postgres catalog schema', () => {
  it('creates the JdbcCatalog/PyIceberg tables (with Java V1 iceberg_type) and floe_location_mappings', async () => {
    await catalog();
    const cols = async (t: string) =>
      (
        await db.query<{ column_name: string; data_type: string; len: number | null; is_nullable: string }>(
          `SELECT column_name, data_type, character_maximum_length AS len, is_nullable FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
          [db.schema, t],
        )
      ).map((c) => `${c.column_name} ${c.data_type}(${c.len})${c.is_nullable === 'NO' ? ' NOT NULL' : ''}`);
    expect(await cols('iceberg_tables')).toEqual([
      'catalog_name character varying(255) NOT NULL',
      'table_namespace character varying(255) NOT NULL',
      'table_name character varying(255) NOT NULL',
      'metadata_location character varying(1000)',
      'previous_metadata_location character varying(1000)',
      'iceberg_type character varying(5)',
    ]);
    expect(await cols('iceberg_namespace_properties')).toEqual([
      'catalog_name character varying(255) NOT NULL',
      'namespace character varying(255) NOT NULL',
      'property_key character varying(255) NOT NULL',
      'property_value character varying(1000) NOT NULL',
    ]);
    expect(await cols('floe_location_mappings')).toHaveLength(5);
    const pk = await db.query<{ cols: string }>(
      `SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) AS cols
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary`,
      [`${db.schema}.iceberg_tables`],
    );
    expect(pk[0]!.cols).toBe('catalog_name,table_namespace,table_name');
  });

  it('creates the tables once when several processes open a new catalog at the same moment', async () => {
    const fresh = await createTestSchema('open');
    try {
      const cats = await Promise.all(Array.from({ length: 4 }, () => openCatalog({ uri: fresh.url, name: 'floe' }, '/')));
      await cats[0]!.createTable(id('a', 't'), '/m0');
      for (const c of cats) expect(await c.listTables()).toEqual([id('a', 't')]);
      await Promise.all(cats.map((c) => c.close()));
    } finally {
      await fresh.drop();
    }
  });

  it('works with a catalog another engine created without iceberg_type (V0), writing no type', async () => {
    const v0 = await createTestSchema('v0');
    try {
      await v0.query(`CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL,
        table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000),
        PRIMARY KEY (catalog_name, table_namespace, table_name))`);
      const c = await openCatalog({ uri: v0.url, name: 'floe' }, '/');
      await c.createTable(id('crm', 'x'), '/x0');
      expect(await c.swapMetadataLocation(id('crm', 'x'), '/x0', '/x1')).toBe(true);
      expect(await v0.query('SELECT table_namespace, table_name, metadata_location, previous_metadata_location FROM iceberg_tables')).toEqual([
        { table_namespace: 'crm', table_name: 'x', metadata_location: '/x1', previous_metadata_location: '/x0' },
      ]);
      await c.close();
    } finally {
      await v0.drop();
    }
  });
});

describe('Postgres catalog operations', () => {
  it('creates namespaces idempotently, with the exists row, and lists them', async () => {
    const c = await catalog('ns');
    await c.createNamespace(['crm'], { owner: 'sales' });
    await c.createNamespace(['crm']);
    await c.createNamespace(['a', 'b_c']);
    expect(await c.listNamespaces()).toEqual([['a', 'b_c'], ['crm']]);
    expect(await c.namespaceExists(['a'])).toBe(true);
    expect(await c.namespaceExists(['a', 'bxc'])).toBe(false); // `_` is escaped in LIKE
    const rows = await db.query(
      `SELECT namespace, property_key, property_value FROM iceberg_namespace_properties WHERE catalog_name = 'ns' ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { namespace: 'a.b_c', property_key: 'exists', property_value: 'true' },
      { namespace: 'crm', property_key: 'exists', property_value: 'true' },
      { namespace: 'crm', property_key: 'owner', property_value: 'sales' },
    ]);
  });

  it('creates, lists, swaps, maps and drops tables; catalogs with other names are separate', async () => {
    const c = await catalog('ops');
    const other = await catalog('other');
    await c.createTable(id('crm', 'contacts'), '/w/0.json');
    expect(await other.listTables()).toEqual([]);
    expect((await rejection(c.createTable(id('crm', 'contacts'), '/w/x.json'))).kind).toBe('already-exists');
    expect(await c.swapMetadataLocation(id('crm', 'contacts'), '/w/0.json', '/w/1.json')).toBe(true);
    expect(await c.swapMetadataLocation(id('crm', 'contacts'), '/w/0.json', '/w/2.json')).toBe(false);
    expect(await c.getTable(id('crm', 'contacts'))).toEqual({ id: id('crm', 'contacts'), metadataLocation: '/w/1.json', previousMetadataLocation: '/w/0.json' });
    const [row] = await db.query(`SELECT iceberg_type FROM iceberg_tables WHERE catalog_name = 'ops'`);
    expect(row).toEqual({ iceberg_type: 'TABLE' });
    await c.setLocationMappings(id('crm', 'contacts'), [{ from: 's3://old/', to: '/new/' }]);
    expect(await c.getLocationMappings(id('crm', 'contacts'))).toEqual([{ from: 's3://old/', to: '/new/' }]);
    await c.dropTable(id('crm', 'contacts'));
    expect(await c.tableExists(id('crm', 'contacts'))).toBe(false);
    expect(await c.getLocationMappings(id('crm', 'contacts'))).toEqual([]);
    const e = await rejection(c.getTable(id('crm', 'contacts')));
    expect(e.kind).toBe('not-found');
    expect(e.message).toContain('crm.contacts');
    expect((await rejection(c.dropTable(id('crm', 'contacts')))).kind).toBe('not-found');
  });

  it('lets exactly one of many racing connections win each compare-and-swap', async () => {
    const cats = await Promise.all(Array.from({ length: 4 }, () => catalog('race')));
    const t = id('race', 'counter');
    await cats[0]!.createTable(t, '/v/0');
    const won: number[] = [];
    await Promise.all(
      cats.map(async (c, w) => {
        for (let i = 0; i < 10; ) {
          const cur = (await c.getTable(t)).metadataLocation;
          const k = Number(cur.split('/')[2]!.split('-')[0]);
          if (await c.swapMetadataLocation(t, cur, `/v/${k + 1}-w${w}`)) (won.push(k + 1), i++);
        }
      }),
    );
    expect(won.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await cats[0]!.getTable(t)).metadataLocation).toMatch(/^\/v\/40-w\d$/);
  });
});

describe('Postgres connection errors', () => {
  it('a wrong password is a config error naming host:port/db and the user, never the password', async () => {
    const u = new URL(db.url);
    u.password = 'wrong_' + PASSWORD_MARK;
    const e = await rejection(openCatalog({ uri: u.toString(), name: 'floe' }, '/'));
    expect(e.kind).toBe('config');
    expect(e.message).toContain(`${db.host}:${db.port}/${db.database}`);
    expect(e.message).toContain(db.user);
    expect(e.message + JSON.stringify(e.context) + (e.hint ?? '')).not.toContain(PASSWORD_MARK);
  });

  it('a missing database is a config error; a refused connection an io error', async () => {
    const u = new URL(db.url);
    u.pathname = '/no_such_db_' + Date.now();
    const missing = await rejection(openCatalog({ uri: u.toString(), name: 'floe' }, '/'));
    expect(missing.kind).toBe('config');
    expect(missing.message).toContain(u.pathname.slice(1));
    expect(missing.message).not.toContain(PASSWORD_MARK);
    u.port = '1';
    const refused = await rejection(openCatalog({ uri: u.toString(), name: 'floe' }, '/'));
    expect(refused.kind).toBe('io');
    expect(refused.message).toContain(`${db.host}:1/`);
    expect(refused.message).not.toContain(PASSWORD_MARK);
  });
});
