/**
 * A Postgres catalog's `sslmode`, `sslrootcert`, `sslcert` and `sslkey` mean what they mean to
 * libpq (psql, JDBC, PyIceberg). The catalog ignored sslrootcert, so `verify-ca` with the
 * server's CA failed ("self-signed certificate") where psql connects; `sslmode=bogus` was
 * read as `require` (psql: invalid sslmode value); and `prefer` on a server without TLS failed
 * instead of connecting in plain text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { openPostgres } from '../../src/catalog/postgres.js';
import { createTestSchema, PASSWORD_MARK, type TestSchema } from './postgres-db.js';

let db: TestSchema;
let dir: string;
let caFile: string;
let proxy: net.Server | undefined;
let proxyPort = 0;

/** The server's certificate, read with the PostgreSQL SSLRequest handshake (it is self-signed: its own CA). */
async function serverCertificate(host: string, port: number): Promise<string> {
  const socket = net.connect(port, host);
  await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  socket.write(request);
  const answer = await new Promise<Buffer>((ok) => socket.once('data', ok));
  if (answer.toString() !== 'S') throw new Error('the test PostgreSQL server has no TLS; these tests need it (the Debian default)');
  const secure = tls.connect({ socket, rejectUnauthorized: false });
  await new Promise<void>((ok, fail) => secure.once('secureConnect', ok).once('error', fail));
  const raw = secure.getPeerCertificate().raw;
  secure.destroy();
  return `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

beforeAll(async () => {
  db = await createTestSchema('ssl');
  dir = mkdtempSync(join(tmpdir(), 'floe-catalog-ssl-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, await serverCertificate(db.host, db.port));
  // A proxy that answers the TLS request with 'N', as a server without TLS does.
  proxy = net.createServer((client) => {
    let first = true;
    const server = net.connect(db.port, db.host);
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
afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
});

const uri = (params: string, port = db.port, host = db.host) => {
  const u = new URL(db.url);
  u.port = String(port);
  u.hostname = host;
  return `${u.toString()}&${params}`;
};

/** Whether the catalog's own connection is encrypted. */
async function tlsOf(catalogUri: string): Promise<boolean> {
  const conn = await openPostgres(catalogUri);
  try {
    const [row] = await conn.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return row!.ssl;
  } finally {
    await conn.close();
  }
}

const failure = (catalogUri: string) => openPostgres(catalogUri).then(() => undefined, (e: unknown) => e as FloeError);

describe('Postgres catalog: TLS settings in catalog.uri as libpq reads them', () => {
  it('sslmode=verify-ca checks the server against sslrootcert, and connects', async () => {
    expect(await tlsOf(uri(`sslmode=verify-ca&sslrootcert=${encodeURIComponent(caFile)}`))).toBe(true);
  });

  it('sslmode=require with sslrootcert verifies the certificate (as verify-ca) and connects', async () => {
    expect(await tlsOf(uri(`sslmode=require&sslrootcert=${encodeURIComponent(caFile)}`))).toBe(true);
  });

  it('sslmode=verify-full checks the host name against sslrootcert: localhost connects, 127.0.0.1 is refused as a config error', async () => {
    expect(await tlsOf(uri(`sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`, db.port, 'localhost'))).toBe(true);
    const err = await failure(uri(`sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`, db.port, '127.0.0.1'));
    expect(err).toBeInstanceOf(FloeError);
    expect(err!.kind).toBe('config');
    expect(err!.message).toContain('TLS certificate was refused');
    expect(err!.message).not.toContain(PASSWORD_MARK);
  });

  it('sslmode=verify-ca without sslrootcert, or with a file that is not there, is a config error naming it', async () => {
    const none = await failure(uri('sslmode=verify-ca'));
    expect(none!.kind).toBe('config');
    expect(none!.message).toContain('sslrootcert');
    const missing = await failure(uri(`sslmode=verify-ca&sslrootcert=${encodeURIComponent(join(dir, 'nope.pem'))}`));
    expect(missing!.kind).toBe('config');
    expect(missing!.message).toContain(join(dir, 'nope.pem'));
  });

  it('an unknown sslmode is a config error, not an encrypted connection', async () => {
    const err = await failure(uri('sslmode=bogus'));
    expect(err).toBeInstanceOf(FloeError);
    expect(err!.kind).toBe('config');
    expect(err!.message).toContain('invalid sslmode value "bogus"');
  });

  it('sslmode=prefer connects in plain text to a server without TLS, and over TLS to one with it', async () => {
    expect(await tlsOf(uri('sslmode=prefer'))).toBe(true);
    expect(await tlsOf(uri('sslmode=prefer', proxyPort, '127.0.0.1'))).toBe(false);
    expect(await tlsOf(uri('sslmode=allow', proxyPort, '127.0.0.1'))).toBe(false);
    const err = await failure(uri('sslmode=require', proxyPort, '127.0.0.1'));
    expect(err).toBeInstanceOf(FloeError);
  });
});
