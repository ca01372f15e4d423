/**
 * A Postgres catalog whose connection drops while the compare-and-swap UPDATE is still running
 * on the server. The server finishes (and commits) a statement whose client has gone, so unless
 * floe ends that orphaned session before it reports the failure, the pointer can move *after*
 * floe has read it back, decided "not committed" and deleted the files of its write: the table
 * would then point at a metadata file whose manifests are gone.
 *
 * The statement is held on the server deterministically: another session keeps the table's
 * catalog row locked (SELECT … FOR UPDATE) while floe's UPDATE arrives, and a TCP proxy in
 * front of the server cuts floe's connection right after forwarding that UPDATE.
 */
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { rejection } from '../helpers/rejection.js';
import { createTestSchema, PASSWORD_MARK, type TestSchema } from '../catalog/postgres-db.js';
import { cuttingProxy, type CuttingProxy } from '../helpers/cutting-proxy.js';

let db: TestSchema;
let proxy: CuttingProxy;
let catalog: Catalog;
beforeAll(async () => {
  db = await createTestSchema('dropswap');
  proxy = await cuttingProxy(db.host, db.port);
  const url = new URL(db.url);
  url.port = String(proxy.port);
  catalog = await openCatalog({ uri: url.toString(), name: 'floe' }, '/nowhere');
});
afterAll(async () => {
  await catalog?.close();
  await proxy?.close();
  await db?.drop();
});

/** Waits (bounded) until no session of this database is still running an UPDATE of the catalog. */
async function noUpdateRunning(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const rows = await db.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE 'UPDATE iceberg_tables%'`,
    );
    if (rows.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('an UPDATE of iceberg_tables was still running after 15 s');
}

describe('a Postgres catalog connection that drops during the compare-and-swap', () => {
  it('reports the outcome only once the server has settled it: the pointer never moves afterwards', async () => {
    const id = { namespace: ['raw'], name: 't' };
    const before = 's3://lake/raw/t/metadata/00000-a.metadata.json';
    const after = 's3://lake/raw/t/metadata/00001-b.metadata.json';
    await catalog.createNamespace(['raw']);
    await catalog.createTable(id, before);

    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SET search_path TO ${db.schema}`);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM iceberg_tables WHERE table_namespace = 'raw' AND table_name = 't' FOR UPDATE`);
      proxy.arm();
      const e = await rejection(catalog.swapMetadataLocation(id, before, after));
      expect(proxy.cuts).toBe(1);
      expect(e.kind).toBe('io');
      expect(e.message).toContain(`lost the connection to the Postgres catalog 127.0.0.1:${proxy.port}/${db.database}`);
      expect(e.message).not.toContain(PASSWORD_MARK);
      // What the commit loop reads back to decide whether its commit landed.
      const seen = (await catalog.getTable(id)).metadataLocation;
      await holder.query('COMMIT');
      await noUpdateRunning();
      const final = (await catalog.getTable(id)).metadataLocation;
      expect(final).toBe(seen);
      expect(final).toBe(before);
    } finally {
      await holder.end();
    }
  }, 60_000);

  it('inside a write transaction: an io error naming host:port/database, no uncaught error, nothing written', async () => {
    const id = { namespace: ['raw'], name: 'u' };
    const cutsBefore = proxy.cuts;
    proxy.arm('INSERT INTO iceberg_tables');
    const e = await rejection(catalog.createTable(id, 's3://lake/raw/u/metadata/00000-c.metadata.json'));
    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(e.kind).toBe('io');
    expect(e.message).toContain(`127.0.0.1:${proxy.port}/${db.database}`);
    expect(e.message).not.toContain(PASSWORD_MARK);
    expect(await catalog.tableExists(id)).toBe(false);
    // The catalog still works on new connections.
    await catalog.createTable(id, 's3://lake/raw/u/metadata/00000-d.metadata.json');
    expect((await catalog.getTable(id)).metadataLocation).toBe('s3://lake/raw/u/metadata/00000-d.metadata.json');
  }, 60_000);

  it('a server that accepts connections but never answers: an io error within the connect timeout, naming host:port', async () => {
    const silent = net.createServer(() => undefined);
    const held: net.Socket[] = [];
    silent.on('connection', (s) => held.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const e = await rejection(openCatalog({ uri: `postgresql://floe:${PASSWORD_MARK}@127.0.0.1:${port}/lake`, name: 'floe' }, '/nowhere'));
      expect(Date.now() - started).toBeLessThan(25_000);
      expect(e.kind).toBe('io');
      expect(e.message).toBe(`cannot connect to the Postgres catalog 127.0.0.1:${port}/lake: no answer within 10 s (timeout)`);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 60_000);
});
