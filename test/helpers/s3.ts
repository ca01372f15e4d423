/**
 * The S3 test server (moto), which scripts/provision-services.sh starts and names in
 * .cache/services.env as FLOE_TEST_S3_ENDPOINT. A missing entry or a server that does not
 * answer fails the tests: they never skip. Each test file uses its own bucket.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_S3_SETTINGS, s3ClientConfig, type S3Settings } from '../../src/io/s3-settings.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV_FILE = path.join(ROOT, '.cache/services.env');
const PROVISION = 'run scripts/provision-services.sh';

/** moto accepts any credentials; these mark the key so tests can prove it stays out of messages. */
export const TEST_ACCESS_KEY = 'floetestkey';
export const TEST_SECRET = 'floe_s3_secret_MARK_9z';

export function s3Endpoint(): string {
  if (!existsSync(ENV_FILE)) throw new Error(`${ENV_FILE} is missing: ${PROVISION}`);
  const line = readFileSync(ENV_FILE, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('FLOE_TEST_S3_ENDPOINT='));
  const url = line?.slice('FLOE_TEST_S3_ENDPOINT='.length).trim();
  if (!url) throw new Error(`${ENV_FILE} lacks FLOE_TEST_S3_ENDPOINT: ${PROVISION}`);
  return url;
}

export function testSettings(over: Partial<S3Settings> = {}): S3Settings {
  return {
    ...DEFAULT_S3_SETTINGS,
    endpoint: s3Endpoint(),
    pathStyle: true,
    accessKeyId: TEST_ACCESS_KEY,
    secretAccessKey: TEST_SECRET,
    // Keep retried tests quick; the retry tests set their own.
    maxAttempts: 3,
    ...over,
  };
}

/** A fresh bucket named after the test file, unique per run. */
export async function createTestBucket(prefix: string): Promise<string> {
  const bucket = `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const client = new S3Client(s3ClientConfig(testSettings()));
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    throw new Error(`cannot create bucket ${bucket} at ${s3Endpoint()} (${PROVISION}): ${(e as Error).message}`);
  } finally {
    client.destroy();
  }
  return bucket;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of the S3 server. `fault(method, path, n)` decides per request:
 * 'pass' forwards it; '503' answers 503 SlowDown without forwarding; 'lose' forwards it and
 * then answers 503, as if the response was lost after the store applied the request; 'reset'
 * drops the connection without an answer (a network error).
 */
export async function faultProxy(fault: (method: string, path: string, n: number) => 'pass' | '503' | 'lose' | 'reset'): Promise<FaultProxy> {
  const upstream = new URL(s3Endpoint());
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const n = seen.push(`${req.method} ${req.url}`);
    const action = fault(req.method ?? '', req.url ?? '', n);
    const slowDown = () => {
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>');
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (action === '503') return slowDown();
      if (action === 'reset') return req.socket.destroy();
      const fwd = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            if (action === 'lose') return slowDown();
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      fwd.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
