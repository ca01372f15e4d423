/**
 * Catalog databases that PyIceberg's SqlCatalog wrote (duckdb-iceberg's test fixtures).
 * We always open copies: opening switches the file to WAL mode and may add floe's side table.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { MappedFileIO } from '../../src/io/mapped.js';
import { LocalFileIO } from '../../src/io/local.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/iceberg/duckdb-iceberg');

// [catalog file, catalog_name, namespace, table]
const CASES: [string, string, string, string][] = [
  ['partition_time/pyiceberg_catalog.db', 'default', 'default', 'partition_time'],
  ['add_columns_with_defaults/pyiceberg_catalog.db', 'default', 'default', 'add_columns_with_defaults'],
  ['add_columns_with_defaults_in_struct/pyiceberg_catalog.db', 'default', 'default', 'add_columns_with_defaults_in_struct'],
  ['partition_fixed_length_binary/pyiceberg_catalog.db', 'default', 'default', 'partition_fixed_length_binary'],
  ['partition_timestamp/pyiceberg_catalog.db', 'default', 'default', 'partition_timestamp'],
  ['partition_timestamptz/pyiceberg_catalog.db', 'default', 'default', 'partition_timestamptz'],
  ['map_stats/pyiceberg_catalog.db', 'default', 'default', 'map_stats'],
  ['case_sensitive_names/pyiceberg_catalog.db', 'default', 'default', 'case_sensitive_names'],
  ['null_stats/pyiceberg_catalog.db', 'local', 'default', 'test_nulls'],
  ['column_mapping/catalog.sqlite', 'my_catalog', 'default', 'my_table'],
  ['legacy_bare_deletion_vector/catalog.db', 'persistent', 'default', 'legacy_bare_deletion_vector'],
  ['iceberg_v1_repro/catalog.db', 'repro', 'repro', 'merch_v1'],
];

const work = mkdtempSync(join(tmpdir(), 'floe-fixture-catalogs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(CASES)('PyIceberg catalog %s', (file, catalogName, namespace, table) => {
  it('lists its table, resolves its metadata through a location mapping, and takes a commit', async () => {
    const source = join(FIXTURES, file);
    const before = readFileSync(source);
    const copy = join(work, file.replace(/\//g, '__'));
    copyFileSync(source, copy);

    const catalog = await openCatalog({ uri: `sqlite:${copy}`, name: catalogName }, work);
    try {
      const id = { namespace: [namespace], name: table };
      expect(await catalog.listNamespaces()).toEqual([[namespace]]);
      expect(await catalog.listTables()).toEqual([id]);
      expect(await catalog.listTables([namespace])).toEqual([id]);
      const entry = await catalog.getTable(id);
      // duckdb-iceberg's generator stored paths relative to its repository root, one of
      // them spelled `file://data/…` (a relative path in a URI).
      expect(entry.metadataLocation).toMatch(/^(file:\/\/)?data\/persistent\/.*\.metadata\.json$/);

      const io = new MappedFileIO(new LocalFileIO(), [
        { from: 'data/persistent/', to: FIXTURES + '/' },
        { from: 'file://data/persistent/', to: FIXTURES + '/' },
      ]);
      const metadata = JSON.parse(new TextDecoder().decode(await io.read(entry.metadataLocation))) as Record<string, unknown>;
      expect(metadata['format-version']).toBeTypeOf('number');

      // Another catalog name in the same file sees nothing.
      const other = await openCatalog({ uri: `sqlite:${copy}`, name: 'not-' + catalogName }, work);
      expect(await other.listTables()).toEqual([]);
      await other.close();

      expect(await catalog.swapMetadataLocation(id, entry.metadataLocation, '/new.metadata.json')).toBe(true);
      expect(await catalog.getTable(id)).toMatchObject({ metadataLocation: '/new.metadata.json', previousMetadataLocation: entry.metadataLocation });
    } finally {
      await catalog.close();
    }

    // floe never alters PyIceberg's tables: no iceberg_type column is added to a V0 catalog.
    const db = new Database(copy, { readonly: true });
    const columns = (db.pragma('table_info(iceberg_tables)') as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(['catalog_name', 'table_namespace', 'table_name', 'metadata_location', 'previous_metadata_location']);
    db.close();
    expect(readFileSync(source).equals(before)).toBe(true);
    expect(existsSync(source + '-wal')).toBe(false);
  });
});
