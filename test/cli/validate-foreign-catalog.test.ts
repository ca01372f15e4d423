/**
 * `floe validate` of an identity pipeline reads the catalog to check the inputs' columns. A
 * catalog another engine made (PyIceberg's SQL catalog has iceberg_tables and
 * iceberg_namespace_properties, nothing of floe's) is only read: validate adds no table to it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREATE_NAMESPACE_PROPERTIES_SQL, CREATE_TABLES_SQL } from '../../src/catalog/sql.js';
import { assertBuilt, floeIn, IDENTITY_PIPELINE, show, useTmpDirs } from './helpers.js';

beforeAll(assertBuilt);
const tmp = useTmpDirs('floe-validate-foreign-');

function tablesOf(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe('floe validate against a catalog another engine made', () => {
  it('reads it and creates none of floe’s own tables in it', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'warehouse'), { recursive: true });
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
    await writeFile(path.join(dir, 'pipelines', 'people.yaml'), IDENTITY_PIPELINE);
    const file = path.join(dir, 'warehouse', 'catalog.db');
    const db = new Database(file);
    db.exec(CREATE_TABLES_SQL);
    db.exec(CREATE_NAMESPACE_PROPERTIES_SQL);
    db.close();
    const before = tablesOf(file);
    expect(before).toEqual(['iceberg_namespace_properties', 'iceberg_tables']);

    const r = await floeIn(dir, ['validate']);
    expect(r.code, show(r)).toBe(0);
    expect(tablesOf(file)).toEqual(before);
  });
});
