/**
 * The SQLite catalog file as a demanding user gets it wrong: a folder where the file should
 * be, a path under a file, a file that is not SQLite, and a catalog another process keeps
 * locked in a long write transaction. Each fails with an error naming the file; the slips in
 * catalog.uri are configuration errors (exit 2).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { SqlCatalog } from '../../src/catalog/sql.js';
import { openSqlite } from '../../src/catalog/sqlite.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';
import { rejection } from '../helpers/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-review-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a SQLite catalog path that is not a file', () => {
  it('a folder: a config error naming it as a folder', async () => {
    const folder = join(dir, 'catalog.db');
    mkdirSync(folder);
    const e = await rejection(openCatalog({ uri: `sqlite:${folder}`, name: 'floe' }, dir));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`the SQLite catalog ${folder} is a folder, not a database file`);
    expect(e.hint).toContain('catalog.uri');
  });

  it('under a file: a config error naming the file that is in the way', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const path = join(file, 'sub', 'catalog.db');
    const e = await rejection(openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`cannot open the SQLite catalog ${path}: ${file} is a file, not a folder`);
  });

  it('a missing folder is created, as before', async () => {
    const path = join(dir, 'new', 'deeper', 'catalog.db');
    const c = await openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir);
    await c.createNamespace(['raw']);
    expect(await c.listNamespaces()).toEqual([['raw']]);
    await c.close();
  });

  it('floe exits 2 on a folder, naming it, without a stack trace', async () => {
    assertBuilt('test/review/catalog-sqlite.test.ts');
    const project = join(dir, 'proj');
    mkdirSync(join(project, 'cat.db'), { recursive: true });
    writeFileSync(join(project, 'floe.yaml'), 'catalog: { uri: "sqlite:./cat.db" }\n');
    const r = await collect(spawnFloe(['tables'], project));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the SQLite catalog ${join(project, 'cat.db')} is a folder`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe('a SQLite catalog locked by another process', () => {
  it('a long write transaction elsewhere: a retryable io error naming the file once the busy timeout passes; nothing written', async () => {
    const path = join(dir, 'locked.db');
    const setup = await openCatalog({ uri: `sqlite:${path}`, name: 'floe' }, dir);
    await setup.createNamespace(['raw']);
    await setup.close();
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare(`UPDATE iceberg_namespace_properties SET property_value = property_value`).run();
    const conn = await openSqlite(path, { busyTimeoutMs: 300 });
    const catalog = await SqlCatalog.open(conn, 'floe');
    try {
      const started = Date.now();
      const e = await rejection(catalog.createTable({ namespace: ['raw'], name: 't' }, join(dir, 't/metadata/00000-a.metadata.json')));
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(e.kind).toBe('io');
      expect(e.retryable).toBe(true);
      expect(e.message).toBe(`cannot create table raw.t: the SQLite catalog ${path} stayed locked by another writer (SQLITE_BUSY)`);
      holder.exec('ROLLBACK');
      expect(await catalog.tableExists({ namespace: ['raw'], name: 't' })).toBe(false);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await catalog.close();
    }
  });
});
