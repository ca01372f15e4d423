/**
 * A SQLite catalog another engine made is in rollback-journal mode (PyIceberg's SqlCatalog
 * and Java's JdbcCatalog leave it so). floe switched it to WAL on every open, which needs the
 * file to itself: while another process merely read the catalog (an open transaction of a
 * notebook's SQLAlchemy session), even `floe tables` waited the whole busy timeout and failed
 * with "database is locked". Read-only commands now leave the journal mode as they find it,
 * and writers that cannot switch at once use the catalog in its mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { CREATE_LOCATION_MAPPINGS_SQL, CREATE_NAMESPACE_PROPERTIES_SQL, CREATE_TABLES_SQL } from '../../src/catalog/sql.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let path: string;

/** A catalog as PyIceberg leaves it: rollback journal, its two tables, one table entry. */
beforeEach(() => {
  path = join(dir, `catalog-${n++}.db`);
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  db.exec(CREATE_TABLES_SQL.replace(/,\s*iceberg_type VARCHAR\(5\)/, ''));
  db.exec(CREATE_NAMESPACE_PROPERTIES_SQL);
  db.prepare(`INSERT INTO iceberg_tables VALUES ('floe', 'raw', 'p', ?, NULL)`).run(join(dir, 'p/metadata/00000-a.metadata.json'));
  db.close();
});

const journalMode = () => {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('journal_mode', { simple: true });
  } finally {
    db.close();
  }
};

/** Another connection inside a read transaction: it holds the file's shared lock until released. */
function reader(): { release: () => void } {
  const db = new Database(path);
  db.exec('BEGIN');
  db.prepare('SELECT count(*) FROM iceberg_tables').get();
  return {
    release: () => {
      db.exec('COMMIT');
      db.close();
    },
  };
}

describe('a rollback-journal SQLite catalog another process is reading', () => {
  it('a read-only open lists its tables at once and leaves the journal mode as it was', async () => {
    const r = reader();
    try {
      const started = Date.now();
      const catalog = await openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir, { create: false });
      try {
        expect(await catalog.listTables()).toEqual([{ namespace: ['raw'], name: 'p' }]);
      } finally {
        await catalog.close();
      }
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      r.release();
    }
    expect(journalMode()).toBe('delete');
  });

  it('a read-only open of a reader-free catalog does not switch it to WAL either', async () => {
    const catalog = await openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir, { create: false });
    expect(await catalog.tableExists({ namespace: ['raw'], name: 'p' })).toBe(true);
    await catalog.close();
    expect(journalMode()).toBe('delete');
  });

  it('a writing open does not wait for the reader: it reads at once in the catalog\'s mode, and switches to WAL once it is alone', async () => {
    // floe's side table is there already (creating it is a write, which must wait).
    const db = new Database(path);
    db.exec(CREATE_LOCATION_MAPPINGS_SQL);
    db.close();
    const r = reader();
    try {
      const started = Date.now();
      const catalog = await openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir);
      try {
        expect(await catalog.listTables()).toEqual([{ namespace: ['raw'], name: 'p' }]);
      } finally {
        await catalog.close();
      }
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      r.release();
    }
    expect(journalMode()).toBe('delete');
    const alone = await openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir);
    await alone.createNamespace(['more']);
    await alone.close();
    expect(journalMode()).toBe('wal');
  });
});
