import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { rejection } from '../helpers/rejection.js';

const crm = (name: string) => ({ namespace: ['crm'], name });

let dir: string;
let dbPath: string;
const open: Catalog[] = [];
async function catalog(name = 'floe'): Promise<Catalog> {
  const c = await openCatalog({ uri: `sqlite:${dbPath}`, name }, dir);
  open.push(c);
  return c;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'floe-sql-'));
  dbPath = join(dir, 'catalog.db');
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQL catalog schema', () => {
  it('creates the JdbcCatalog/PyIceberg tables (with Java V1 iceberg_type) and floe_location_mappings', async () => {
    await catalog();
    const db = new Database(dbPath, { readonly: true });
    const cols = (t: string) => (db.pragma(`table_info(${t})`) as { name: string; type: string; notnull: number; pk: number }[]).map(
      (c) => `${c.name} ${c.type}${c.notnull ? ' NOT NULL' : ''}${c.pk ? ` PK${c.pk}` : ''}`,
    );
    expect(cols('iceberg_tables')).toEqual([
      'catalog_name VARCHAR(255) NOT NULL PK1',
      'table_namespace VARCHAR(255) NOT NULL PK2',
      'table_name VARCHAR(255) NOT NULL PK3',
      'metadata_location VARCHAR(1000)',
      'previous_metadata_location VARCHAR(1000)',
      'iceberg_type VARCHAR(5)',
    ]);
    expect(cols('iceberg_namespace_properties')).toEqual([
      'catalog_name VARCHAR(255) NOT NULL PK1',
      'namespace VARCHAR(255) NOT NULL PK2',
      'property_key VARCHAR(255) NOT NULL PK3',
      'property_value VARCHAR(1000) NOT NULL',
    ]);
    expect(cols('floe_location_mappings')).toHaveLength(5);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('opens the same file twice without recreating anything', async () => {
    const a = await catalog();
    await a.createTable(crm('t'), '/w/crm/t/metadata/0.json');
    const b = await catalog();
    expect(await b.listTables()).toEqual([crm('t')]);
  });
});

describe('namespaces', () => {
  it('creates (idempotently, with the exists property) and lists them', async () => {
    const c = await catalog();
    await c.createNamespace(['crm'], { owner: 'sales' });
    await c.createNamespace(['crm']);
    await c.createNamespace(['a', 'b']);
    expect(await c.listNamespaces()).toEqual([['a', 'b'], ['crm']]);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare(`SELECT namespace, property_key, property_value FROM iceberg_namespace_properties ORDER BY 1, 2`).all()).toEqual([
      { namespace: 'a.b', property_key: 'exists', property_value: 'true' },
      { namespace: 'crm', property_key: 'exists', property_value: 'true' },
      { namespace: 'crm', property_key: 'owner', property_value: 'sales' },
    ]);
    db.close();
  });

  it('exists when it has properties, a table, or a child namespace; LIKE wildcards are escaped', async () => {
    const c = await catalog();
    await c.createNamespace(['a_b', 'c']);
    expect(await c.namespaceExists(['a_b', 'c'])).toBe(true);
    expect(await c.namespaceExists(['a_b'])).toBe(true);
    expect(await c.namespaceExists(['axb'])).toBe(false);
    expect(await c.namespaceExists(['a'])).toBe(false);
    // A table row alone (as a non-strict JdbcCatalog writes it) makes its namespace exist.
    const db = new Database(dbPath);
    db.prepare(`INSERT INTO iceberg_tables VALUES ('floe', 'web', 'events', '/m.json', NULL, NULL)`).run();
    db.close();
    expect(await c.namespaceExists(['web'])).toBe(true);
    expect(await c.listNamespaces()).toEqual([['a_b', 'c'], ['web']]);
  });

  it('keeps catalogs sharing a database apart by catalog_name', async () => {
    const a = await catalog('one');
    const b = await catalog('two');
    await a.createTable(crm('t'), '/m.json');
    expect(await b.listTables()).toEqual([]);
    expect(await b.namespaceExists(['crm'])).toBe(false);
    expect(await b.tableExists(crm('t'))).toBe(false);
  });
});

describe('tables', () => {
  it('creates, lists, gets, and creates the namespace on the fly', async () => {
    const c = await catalog();
    await c.createTable(crm('contacts'), 'file:///w/crm/contacts/metadata/00000-a.metadata.json');
    await c.createTable({ namespace: ['billing'], name: 'accounts' }, '/w/billing/accounts/metadata/00000-b.metadata.json');
    await c.createTable({ namespace: ['a', 'b'], name: 't' }, '/w/a/b/t/m.json');
    expect(await c.listTables()).toEqual([{ namespace: ['a', 'b'], name: 't' }, { namespace: ['billing'], name: 'accounts' }, crm('contacts')]);
    expect(await c.listTables(['crm'])).toEqual([crm('contacts')]);
    expect(await c.listTables(['nope'])).toEqual([]);
    expect(await c.getTable(crm('contacts'))).toEqual({
      id: crm('contacts'),
      metadataLocation: 'file:///w/crm/contacts/metadata/00000-a.metadata.json',
      previousMetadataLocation: null,
    });
    expect(await c.tableExists(crm('contacts'))).toBe(true);
    expect(await c.tableExists(crm('other'))).toBe(false);
    expect(await c.namespaceExists(['billing'])).toBe(true);
    expect(await c.listNamespaces()).toEqual([['a', 'b'], ['billing'], ['crm']]);
  });

  it('refuses to create a table twice, and names an unknown table', async () => {
    const c = await catalog();
    await c.createTable(crm('contacts'), '/a.json');
    const dup = await rejection(c.createTable(crm('contacts'), '/b.json'));
    expect(dup.kind).toBe('already-exists');
    expect(dup.message).toContain('crm.contacts');
    expect((await c.getTable(crm('contacts'))).metadataLocation).toBe('/a.json');

    const missing = await rejection(c.getTable(crm('nope')));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toContain('crm.nope');
    expect(missing.hint).toContain('floe tables');
    expect((await rejection(c.createTable({ namespace: ['crm'], name: 'a/b' }, '/x.json'))).kind).toBe('config');
  });

  it('drops a table with its location mappings; dropping an unknown table is not-found', async () => {
    const c = await catalog();
    await c.createTable(crm('t'), '/a.json');
    await c.setLocationMappings(crm('t'), [{ from: 's3a://b/', to: '/data/' }]);
    await c.dropTable(crm('t'));
    expect(await c.tableExists(crm('t'))).toBe(false);
    expect(await c.getLocationMappings(crm('t'))).toEqual([]);
    // The namespace outlives its last table, as in PyIceberg and Java.
    expect(await c.namespaceExists(['crm'])).toBe(true);
    expect((await rejection(c.dropTable(crm('t')))).kind).toBe('not-found');
    await c.createTable(crm('t'), '/b.json');
    expect(await c.getLocationMappings(crm('t'))).toEqual([]);
  });
});

describe('commit: compare-and-swap of the metadata pointer', () => {
  it('swaps when the expected location is current and records the previous one', async () => {
    const c = await catalog();
    await c.createTable(crm('t'), '/m/0.json');
    expect(await c.swapMetadataLocation(crm('t'), '/m/0.json', '/m/1.json')).toBe(true);
    expect(await c.getTable(crm('t'))).toMatchObject({ metadataLocation: '/m/1.json', previousMetadataLocation: '/m/0.json' });
  });

  it('returns false when another connection moved the pointer first', async () => {
    const a = await catalog();
    const b = await catalog();
    await a.createTable(crm('t'), '/m/0.json');
    const seenByB = (await b.getTable(crm('t'))).metadataLocation;
    expect(await a.swapMetadataLocation(crm('t'), '/m/0.json', '/m/1-a.json')).toBe(true);
    expect(await b.swapMetadataLocation(crm('t'), seenByB, '/m/1-b.json')).toBe(false);
    expect((await b.getTable(crm('t'))).metadataLocation).toBe('/m/1-a.json');
    expect(await b.swapMetadataLocation(crm('t'), '/m/1-a.json', '/m/2-b.json')).toBe(true);
    expect(await a.getTable(crm('t'))).toMatchObject({ metadataLocation: '/m/2-b.json', previousMetadataLocation: '/m/1-a.json' });
  });

  it('returns false for a table that does not exist', async () => {
    const c = await catalog();
    expect(await c.swapMetadataLocation(crm('ghost'), '/a.json', '/b.json')).toBe(false);
  });

  it('serialises concurrent async callers on one connection', async () => {
    const c = await catalog();
    await c.createTable(crm('t'), '/m/0.json');
    const results = await Promise.all([1, 2, 3, 4].map((i) => c.swapMetadataLocation(crm('t'), '/m/0.json', `/m/1-${i}.json`)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('location mappings', () => {
  it('stores, replaces and returns them per table', async () => {
    const c = await catalog();
    await c.createTable(crm('t'), '/a.json');
    await c.createTable(crm('u'), '/b.json');
    expect(await c.getLocationMappings(crm('t'))).toEqual([]);
    await c.setLocationMappings(crm('t'), [
      { from: 's3a://hyperparam-iceberg/', to: '/data/hp/' },
      { from: 'data/persistent/', to: '/fixtures/' },
    ]);
    expect(await c.getLocationMappings(crm('t'))).toEqual([
      { from: 'data/persistent/', to: '/fixtures/' },
      { from: 's3a://hyperparam-iceberg/', to: '/data/hp/' },
    ]);
    expect(await c.getLocationMappings(crm('u'))).toEqual([]);
    await c.setLocationMappings(crm('t'), [{ from: 'x/', to: '/y/' }]);
    expect(await c.getLocationMappings(crm('t'))).toEqual([{ from: 'x/', to: '/y/' }]);
    await c.setLocationMappings(crm('t'), []);
    expect(await c.getLocationMappings(crm('t'))).toEqual([]);
    expect((await rejection(c.setLocationMappings(crm('ghost'), [{ from: 'a', to: 'b' }]))).kind).toBe('not-found');
  });
});

describe('catalogs that Java JdbcCatalog wrote with the V1 (views) schema', () => {
  it('lists and commits only tables, never views', async () => {
    // What JdbcCatalog 1.9/1.10 leaves behind with jdbc.schema-version=V1: V0 DDL + ALTER.
    const db = new Database(dbPath);
    db.exec(`CREATE TABLE iceberg_tables(catalog_name VARCHAR(255) NOT NULL,table_namespace VARCHAR(255) NOT NULL,
      table_name VARCHAR(255) NOT NULL,metadata_location VARCHAR(1000),previous_metadata_location VARCHAR(1000),
      PRIMARY KEY (catalog_name, table_namespace, table_name))`);
    db.exec(`ALTER TABLE iceberg_tables ADD COLUMN iceberg_type VARCHAR(5)`);
    db.exec(`CREATE TABLE iceberg_namespace_properties(catalog_name VARCHAR(255) NOT NULL,namespace VARCHAR(255) NOT NULL,
      property_key VARCHAR(255),property_value VARCHAR(1000),PRIMARY KEY (catalog_name, namespace, property_key))`);
    db.exec(`INSERT INTO iceberg_tables VALUES ('spark', 'db', 'events', '/t.json', NULL, 'TABLE'),
      ('spark', 'db', 'recent', '/v.json', NULL, 'VIEW'), ('spark', 'db', 'legacy', '/l.json', NULL, NULL)`);
    db.close();

    const c = await catalog('spark');
    const dbId = (name: string) => ({ namespace: ['db'], name });
    expect(await c.listTables(['db'])).toEqual([dbId('events'), dbId('legacy')]);
    expect(await c.tableExists(dbId('recent'))).toBe(false);
    expect((await rejection(c.getTable(dbId('recent')))).kind).toBe('not-found');
    expect(await c.swapMetadataLocation(dbId('recent'), '/v.json', '/v2.json')).toBe(false);
    // A view's name: a config error naming the view (a create that lost a race is already-exists).
    expect((await rejection(c.createTable(dbId('recent'), '/x.json'))).kind).toBe('config');
    await c.createTable(dbId('fresh'), '/f.json');

    const check = new Database(dbPath, { readonly: true });
    expect(check.prepare(`SELECT table_name, iceberg_type FROM iceberg_tables WHERE table_name IN ('fresh', 'recent') ORDER BY 1`).all()).toEqual([
      { table_name: 'fresh', iceberg_type: 'TABLE' },
      { table_name: 'recent', iceberg_type: 'VIEW' },
    ]);
    check.close();
  });
});
