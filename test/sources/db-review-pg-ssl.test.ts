/**
 * `sslmode` in a `kind: postgres` URL means what it means to libpq (psql, JDBC, floe's own
 * Postgres catalog): `require` encrypts without checking the certificate, `prefer` falls back
 * to a plain connection on a server without TLS. node-postgres read both as `verify-full`, so
 * the provisioned server's self-signed certificate failed the run ("self-signed certificate")
 * and the driver printed a warning to stderr.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { postgresSource } from '../../src/sources/postgres.js';
import { config, context, PASSWORD_MARK, setupOnce, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();
const db = usePgSchema('floe_ssl', `CREATE TABLE t (id int); INSERT INTO t VALUES (1);`);

/** A proxy to the test server that answers a TLS request with 'N', as a server without TLS does. */
let proxy: net.Server | undefined;
let proxyPort = 0;
setupOnce(async () => {
  const ssl = await db.admin.query('SHOW ssl');
  if (ssl.rows[0]?.ssl !== 'on') throw new Error('the test PostgreSQL server has ssl = off; these tests need its TLS (the Debian default)');
  const upstream = new URL(db.url);
  proxy = net.createServer((client) => {
    let first = true;
    const server = net.connect(Number(upstream.port), upstream.hostname);
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
    client.on('data', (chunk: Buffer) => {
      if (first && chunk.length >= 8 && chunk.readInt32BE(4) === 80877103) {
        first = false;
        client.write('N');
        if (chunk.length > 8) server.write(chunk.subarray(8));
        return;
      }
      first = false;
      server.write(chunk);
    });
    server.pipe(client);
    client.on('close', () => server.destroy());
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve())));

const withParams = (url: string, params: string, port?: number) => {
  const u = new URL(url);
  if (port) u.port = String(port);
  return `${u.toString()}${u.search ? '&' : '?'}${params}`;
};
const tlsQuery = (schema: string) => `SELECT s.ssl::text AS tls, (SELECT count(*) FROM ${schema}.t) AS n FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`;

describe('postgres: sslmode as libpq reads it', () => {
  it('sslmode=require connects over TLS to a server with a self-signed certificate', async () => {
    const out = await postgresSource(config({ kind: 'postgres', connection: withParams(db.url, 'sslmode=require'), query: tlsQuery(db.schema) })).extract(context(engine()));
    expect(await textRows(engine(), out.relation, 'tls')).toEqual([{ tls: 'true', n: '1' }]);
  });

  it('sslmode=prefer uses TLS where the server has it, and a plain connection where it has not', async () => {
    const tls = await postgresSource(config({ kind: 'postgres', connection: withParams(db.url, 'sslmode=prefer'), query: tlsQuery(db.schema) })).extract(context(engine()));
    expect(await textRows(engine(), tls.relation, 'tls')).toEqual([{ tls: 'true', n: '1' }]);
    const plain = await postgresSource(config({ kind: 'postgres', connection: withParams(db.url, 'sslmode=prefer', proxyPort), query: tlsQuery(db.schema) })).extract(context(engine()));
    expect(await textRows(engine(), plain.relation, 'tls')).toEqual([{ tls: 'false', n: '1' }]);
  });

  it('sslmode=require on a server without TLS fails naming the database, without the password', async () => {
    const err = await postgresSource(config({ kind: 'postgres', connection: withParams(db.url, 'sslmode=require', proxyPort), table: `${db.schema}.t` }))
      .extract(context(engine()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as Error).message).toContain(`could not connect to PostgreSQL at 127.0.0.1:${proxyPort}/`);
    expect((err as Error).message).not.toContain(PASSWORD_MARK);
  });

  it('sslmode=verify-full still checks the certificate', async () => {
    const err = await postgresSource(config({ kind: 'postgres', connection: withParams(db.url, 'sslmode=verify-full'), table: `${db.schema}.t` }))
      .extract(context(engine()))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as Error).message).toMatch(/certificate/);
  });
});
