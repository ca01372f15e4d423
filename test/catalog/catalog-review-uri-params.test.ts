/**
 * A SQLite catalog.uri pasted from Spark or PyIceberg often carries the driver's connection
 * parameters: `jdbc:sqlite:file:/lake/catalog.db?busy_timeout=5000`,
 * `sqlite:////lake/catalog.db?check_same_thread=false`. floe read them as part of the file
 * name: it created a new, empty catalog `catalog.db?busy_timeout=5000` beside the real one,
 * `floe tables` said "no tables yet" and `floe load` created its tables there, exit 0. The
 * parameters are now dropped, and a `file:` URI is percent-decoded as SQLite decodes it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog, parseCatalogUri } from '../../src/catalog/open.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-uri-params-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sqlitePath = (uri: string) => {
  const t = parseCatalogUri(uri, '/proj');
  if (t.kind !== 'sqlite') throw new Error(`${uri} parsed as ${t.kind}`);
  return t.path;
};

describe('sqlite catalog.uri with connection parameters', () => {
  it('names the file before the ?, in every spelling', () => {
    expect(sqlitePath('jdbc:sqlite:file:/lake/catalog.db?busy_timeout=5000')).toBe('/lake/catalog.db');
    expect(sqlitePath('jdbc:sqlite:/lake/catalog.db?journal_mode=WAL&busy_timeout=5000')).toBe('/lake/catalog.db');
    expect(sqlitePath('sqlite:////lake/catalog.db?check_same_thread=false')).toBe('/lake/catalog.db');
    expect(sqlitePath('sqlite:///rel/catalog.db?timeout=20')).toBe('/proj/rel/catalog.db');
    expect(sqlitePath('sqlite:./warehouse/catalog.db?mode=rwc')).toBe('/proj/warehouse/catalog.db');
    expect(sqlitePath('sqlite::memory:?cache=shared')).toBe(':memory:');
    // In-memory spellings after the prefix: not a file called ':memory:' in the project.
    expect(sqlitePath('jdbc:sqlite:file::memory:?cache=shared')).toBe(':memory:');
    expect(sqlitePath('sqlite:///:memory:')).toBe(':memory:');
  });

  it('a file: URI is percent-decoded, as SQLite reads it', () => {
    expect(sqlitePath('jdbc:sqlite:file:/my%20lake/cat%C3%A9log.db')).toBe('/my lake/catalog.db'.replace('catalog', 'catélog'));
  });

  it('the catalog behind a pasted Spark URI is the real one: its tables are seen, and no second catalog file appears', async () => {
    const folder = join(dir, 'my lake');
    mkdirSync(folder);
    const real = join(folder, 'catalog.db');
    const setup = await openCatalog({ uri: `sqlite:${real}`, name: 'floe' }, dir);
    await setup.createTable({ namespace: ['raw'], name: 't' }, join(folder, 'raw/t/metadata/00000-a.metadata.json'));
    await setup.close();
    const spark = await openCatalog({ uri: `jdbc:sqlite:file:${folder.replace(/ /g, '%20')}/catalog.db?busy_timeout=5000`, name: 'floe' }, dir, { create: false });
    try {
      expect(await spark.listTables()).toEqual([{ namespace: ['raw'], name: 't' }]);
    } finally {
      await spark.close();
    }
    expect(readdirSync(folder).filter((f) => f.startsWith('catalog.db') && !/-(wal|shm)$/.test(f))).toEqual(['catalog.db']);
    expect(existsSync(join(dir, 'my%20lake'))).toBe(false);
  });
});
