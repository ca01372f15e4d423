/**
 * Bounded waits on a Postgres catalog. A connection that goes silent mid-command (a network
 * path that drops packets, a server that stopped answering) used to hang floe for good: no
 * statement ever timed out. A commit waiting for a row lock held elsewhere waited without end
 * too, where the SQLite catalog gives up after its 10 s busy timeout. Now a statement without
 * an answer fails after JDBC's `socketTimeout=` (default 60 s) and a lock wait after the lock
 * timeout (default 10 s, `options=-c lock_timeout=…` to change), each naming host:port/db.
 */
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openPostgres } from '../../src/catalog/postgres.js';
import { rejection } from '../helpers/rejection.js';
import { createTestSchema, PASSWORD_MARK, type TestSchema } from '../catalog/postgres-db.js';

/** A TCP proxy whose open connections can be frozen: nothing more is forwarded either way. */
async function freezingProxy(host: string, port: number) {
  const pairs: { client: net.Socket; up: net.Socket; frozen: boolean }[] = [];
  const server = net.createServer((client) => {
    const up = net.connect(port, host);
    const pair = { client, up, frozen: false };
    pairs.push(pair);
    const end = () => (client.destroy(), up.destroy());
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    up.on('data', (d: Buffer) => pair.frozen || client.write(d));
    client.on('data', (d: Buffer) => pair.frozen || up.write(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => pairs.forEach((p) => (p.frozen = true)),
    close: async () => {
      for (const p of pairs) p.client.destroy(), p.up.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let db: TestSchema;
const opened: Catalog[] = [];
beforeAll(async () => {
  db = await createTestSchema('timeouts');
});
afterAll(async () => {
  for (const c of opened) await c.close();
  await db?.drop();
});

function urlWith(params: Record<string, string>, port?: number): string {
  const u = new URL(db.url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  if (port !== undefined) u.port = String(port);
  return u.toString();
}

async function catalogAt(url: string): Promise<Catalog> {
  const c = await openCatalog({ uri: url, name: 'floe' }, '/nowhere');
  opened.push(c);
  return c;
}

describe('Postgres catalog timeouts', () => {
  it('sessions wait at most 10 s for a lock by default; catalog.uri options may change that', async () => {
    const plain = await openPostgres(db.url);
    const own = await openPostgres(urlWith({ options: '-c lock_timeout=1500' }));
    try {
      expect(await plain.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '10s' }]);
      expect(await own.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '1500ms' }]);
    } finally {
      await plain.close();
      await own.close();
    }
  });

  it('a commit whose row another session keeps locked fails as busy at the lock timeout; the pointer stays', async () => {
    const catalog = await catalogAt(urlWith({ options: '-c lock_timeout=500' }));
    const id = { namespace: ['raw'], name: 'locked' };
    await catalog.createNamespace(['raw']);
    await catalog.createTable(id, 's3://lake/raw/locked/metadata/00000-a.metadata.json');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SET search_path TO ${db.schema}`);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM iceberg_tables WHERE table_name = 'locked' FOR UPDATE`);
      const e = await rejection(catalog.swapMetadataLocation(id, 's3://lake/raw/locked/metadata/00000-a.metadata.json', 's3://lake/raw/locked/metadata/00001-b.metadata.json'));
      expect(e.kind).toBe('io');
      expect(e.retryable).toBe(true);
      expect(e.message).toMatch(/^cannot commit raw\.locked: the Postgres catalog 127\.0\.0\.1:\d+\/\w+\?currentSchema=\w+ stayed locked by another writer \(55P03\)$/);
      await holder.query('ROLLBACK');
      expect((await catalog.getTable(id)).metadataLocation).toBe('s3://lake/raw/locked/metadata/00000-a.metadata.json');
    } finally {
      await holder.end();
    }
  });

  it('a connection that goes silent mid-command fails after socketTimeout, naming host:port/db; new connections work', async () => {
    const proxy = await freezingProxy(db.host, db.port);
    try {
      const catalog = await catalogAt(urlWith({ socketTimeout: '1' }, proxy.port));
      const id = { namespace: ['raw'], name: 'silent' };
      await catalog.createNamespace(['raw']);
      await catalog.createTable(id, 's3://lake/raw/silent/metadata/00000-a.metadata.json');
      proxy.freeze();
      const started = Date.now();
      const e = await rejection(catalog.getTable(id));
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(e.kind).toBe('io');
      expect(e.message).toContain(`lost the connection to the Postgres catalog 127.0.0.1:${proxy.port}/${db.database}`);
      expect(e.message).toContain('no answer to a statement within 1 s (timeout)');
      expect(e.message).not.toContain(PASSWORD_MARK);
      expect((await catalog.getTable(id)).metadataLocation).toBe('s3://lake/raw/silent/metadata/00000-a.metadata.json');
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a socketTimeout that is not a number of seconds is a config error', async () => {
    const e = await rejection(openCatalog({ uri: urlWith({ socketTimeout: '5m' }), name: 'floe' }, '/nowhere'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe('catalog.uri: socketTimeout=5m is not a number of seconds');
  });
});
