/**
 * `floe load` of s3:// inputs that go wrong: an object that vanishes between the listing of
 * a glob and its download, and a store that cannot be reached while the inputs are staged.
 * The error names the input, the exit code is 1, and the table is unchanged.
 */
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../src/io/s3-settings.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';
import { freePort } from '../helpers/s3-auth-server.js';
import { assertBuilt, floeIn, show, STACK_LINE, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';

const tmp = useTmpDirs('floe-s3-inputs-');
let bucket: string;
let client: S3Client;
let proxy: http.Server;
let proxyEndpoint: string;
/** The key whose GET deletes it first, as if another process removed it after the listing. */
let vanishing: string | undefined;

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-s3-inputs');
  client = new S3Client(s3ClientConfig(testSettings()));
  const upstream = new URL(s3Endpoint());
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const key = vanishing && req.method === 'GET' && req.url?.split('?')[0] === `/${bucket}/${vanishing}` ? vanishing : undefined;
      if (key) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      const fwd = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => (res.writeHead(502), res.end()));
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

async function project(endpoint: string): Promise<string> {
  const dir = await tmp();
  await writeFile(path.join(dir, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint, catalog: './catalog.db', maxAttempts: 2 }));
  return dir;
}

const put = (key: string, body: string) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

describe('floe load of s3:// inputs', () => {
  it('an object that vanishes between the listing and its download: exit 1 naming it; the table is unchanged', async () => {
    const dir = await project(proxyEndpoint);
    await put('in/a.csv', 'id,name\n1,a\n');
    const first = await floeIn(dir, ['load', 'raw.t', `s3://${bucket}/in/a.csv`], { env: S3_ENV });
    expect(first.code, show(first)).toBe(0);
    await put('in/b.csv', 'id,name\n2,b\n');
    await put('in/c.csv', 'id,name\n3,c\n');
    vanishing = 'in/c.csv';
    try {
      const r = await floeIn(dir, ['load', 'raw.t', `s3://${bucket}/in/*.csv`], { env: S3_ENV });
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toContain(`s3://${bucket}/in/c.csv`);
      expect(r.stderr).not.toMatch(STACK_LINE);
    } finally {
      vanishing = undefined;
    }
    const q = await floeIn(dir, ['query', 'SELECT id FROM raw.t ORDER BY id', '--format', 'csv'], { env: S3_ENV });
    expect(q.stdout.trim().split('\n'), show(q)).toEqual(['id', '1']);
    const s = await floeIn(dir, ['snapshots', 'raw.t', '--json'], { env: S3_ENV });
    expect(JSON.parse(s.stdout)).toHaveLength(1);
  }, 90_000);

  it('a store that cannot be reached while staging a glob: exit 1, the message names the glob and the endpoint', async () => {
    const port = await freePort();
    const dir = await project(`http://127.0.0.1:${port}`);
    const r = await floeIn(dir, ['load', 'raw.t', `s3://${bucket}/in/*.csv`], { env: S3_ENV });
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`cannot list s3://${bucket}/in/ at http://127.0.0.1:${port}`);
    expect(r.stderr).toContain(`(input: s3://${bucket}/in/*.csv)`);
    expect(r.stderr).not.toContain('(input: )');
    expect(r.stderr).not.toMatch(STACK_LINE);
  }, 60_000);
});
