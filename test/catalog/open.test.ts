import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog, parseCatalogUri } from '../../src/catalog/open.js';
import { FloeError } from '../../src/errors.js';
import { rejection } from '../helpers/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('catalog URIs', () => {
  it('resolves relative sqlite paths against the folder of floe.yaml', () => {
    expect(parseCatalogUri('sqlite:./warehouse/catalog.db', '/proj')).toEqual({ kind: 'sqlite', path: '/proj/warehouse/catalog.db' });
    expect(parseCatalogUri('sqlite:warehouse/catalog.db', '/proj')).toEqual({ kind: 'sqlite', path: '/proj/warehouse/catalog.db' });
    expect(parseCatalogUri('sqlite:../shared/c.db', '/proj/sub')).toEqual({ kind: 'sqlite', path: '/proj/shared/c.db' });
    expect(parseCatalogUri('sqlite:/abs/c.db', '/proj')).toEqual({ kind: 'sqlite', path: '/abs/c.db' });
  });

  it('accepts the URLs PyIceberg (SQLAlchemy) and Java (jdbc:) users already have', () => {
    const sqlitePath = (uri: string) => {
      const t = parseCatalogUri(uri, '/proj');
      if (t.kind !== 'sqlite') throw new Error(`${uri} parsed as ${t.kind}`);
      return t.path;
    };
    expect(sqlitePath('sqlite:////tmp/warehouse/pyiceberg_catalog.db')).toBe('/tmp/warehouse/pyiceberg_catalog.db');
    expect(sqlitePath('sqlite:///rel/c.db')).toBe('/proj/rel/c.db');
    expect(sqlitePath('jdbc:sqlite:/abs/c.db')).toBe('/abs/c.db');
    expect(sqlitePath('jdbc:sqlite:file:/abs/c.db')).toBe('/abs/c.db');
    expect(sqlitePath('jdbc:sqlite:file:///abs/c.db')).toBe('/abs/c.db');
    expect(sqlitePath('sqlite::memory:')).toBe(':memory:');
    expect(parseCatalogUri('postgresql://u:secret@h:5432/db', '/proj')).toEqual({ kind: 'postgres', uri: 'postgresql://u:secret@h:5432/db' });
    expect(parseCatalogUri('jdbc:postgresql://h/db', '/proj')).toEqual({ kind: 'postgres', uri: 'postgresql://h/db' });
    expect(parseCatalogUri('postgresql+psycopg2://h/db', '/proj').kind).toBe('postgres');
  });

  it('rejects other URIs without echoing them (they may hold a password)', () => {
    const bad = (uri: string) => {
      try {
        parseCatalogUri(uri, '/proj');
      } catch (e) {
        return e as FloeError;
      }
      throw new Error('expected an error');
    };
    const mysql = bad('mysql://u:secret@h/db');
    expect(mysql.kind).toBe('config');
    expect(mysql.message).toContain('"mysql:"');
    expect(mysql.message).not.toContain('secret');
    expect(bad('sqlite:').kind).toBe('config');
    expect(bad('sqlite://host/c.db').kind).toBe('config');
    expect(bad('catalog.db').kind).toBe('config');
  });
});

describe('openCatalog', () => {
  it('creates the folder, the file and the tables', async () => {
    const c = await openCatalog({ uri: 'sqlite:./deep/er/catalog.db', name: 'floe' }, dir);
    expect(c.name).toBe('floe');
    expect(existsSync(join(dir, 'deep/er/catalog.db'))).toBe(true);
    expect(await c.listTables()).toEqual([]);
    await c.close();
  });

  it('serves an in-memory catalog', async () => {
    const c = await openCatalog({ uri: 'sqlite::memory:', name: 'mem' }, dir);
    await c.createTable({ namespace: ['a'], name: 't' }, '/m.json');
    expect(await c.listTables()).toEqual([{ namespace: ['a'], name: 't' }]);
    await c.close();
  });

  it('names host:port/database but never the password when a Postgres catalog is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const e = await rejection(openCatalog({ uri: 'postgresql://floe:hunter2@127.0.0.1:1/lake', name: 'floe' }, dir));
    expect(e.kind).toBe('io');
    expect(e.message).toContain('127.0.0.1:1/lake');
    expect(e.message).not.toContain('hunter2');
    expect(JSON.stringify(e.context)).not.toContain('hunter2');
  });

  it('rejects an empty catalog name', async () => {
    expect((await rejection(openCatalog({ uri: 'sqlite::memory:', name: ' ' }, dir))).kind).toBe('config');
  });

  it('names the file when it is not a SQLite database', async () => {
    const notDb = join(dir, 'notes.txt');
    writeFileSync(notDb, 'these are not the tables you are looking for\n'.repeat(100));
    const e = await rejection(openCatalog({ uri: `sqlite:${notDb}`, name: 'floe' }, dir));
    expect(e.kind).toBe('io');
    expect(e.message).toContain(notDb);
  });
});
