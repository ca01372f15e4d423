/**
 * A bucket in another region than storage.s3.region. AWS answers such requests with 301
 * PermanentRedirect (with an `x-amz-bucket-region` header; a HEAD has no body), or, at the
 * bucket's regional endpoint, with 400 AuthorizationHeaderMalformed naming the expected region.
 * A small local server gives those answers exactly; floe must name the bucket, both regions
 * and the setting to change, not only "PermanentRedirect (HTTP 301)".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { DEFAULT_S3_SETTINGS } from '../../src/io/s3-settings.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';
import { rejection } from '../helpers/rejection.js';

type Mode = 'redirect' | 'malformed' | 'redirect-without-region';
let mode: Mode = 'redirect';
let server: http.Server;
let endpoint: string;
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      if (mode === 'malformed') {
        const body =
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code>' +
          "<Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message>" +
          '<Region>eu-west-1</Region></Error>';
        res.writeHead(400, { 'content-type': 'application/xml', 'content-length': req.method === 'HEAD' ? 0 : Buffer.byteLength(body) });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      const body =
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>' +
        '<Endpoint>lake.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>lake</Bucket></Error>';
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/xml', 'content-length': req.method === 'HEAD' ? 0 : Buffer.byteLength(body) };
      if (mode === 'redirect') headers['x-amz-bucket-region'] = 'eu-west-1';
      res.writeHead(301, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function io(): S3FileIO {
  return new S3FileIO({ ...DEFAULT_S3_SETTINGS, endpoint, pathStyle: true, region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 'SECRET_MARK_r3g', maxAttempts: 3 });
}

describe('an S3 bucket in another region than storage.s3.region', () => {
  it('read, check, write and list name the bucket, its region and the setting; nothing is retried', async () => {
    mode = 'redirect';
    const s3 = io();
    try {
      const loc = 's3://lake/wh/raw/t/metadata/00000-a.metadata.json';
      const calls: [string, () => Promise<unknown>][] = [
        ['read', () => s3.read(loc)],
        ['check', () => s3.exists(loc)],
        ['write', () => s3.write(loc, new Uint8Array([1]))],
        [
          'list',
          async () => {
            for await (const _ of s3.list('s3://lake/wh/raw/t/')) void _;
          },
        ],
      ];
      for (const [op, call] of calls) {
        const before = requests.length;
        const e = await rejection(call());
        expect(requests.length - before, op).toBe(1);
        expect(e.kind).toBe('io');
        expect(e.retryable).toBe(false);
        expect(e.message).toContain(`cannot ${op} s3://lake/wh/raw/t/`);
        expect(e.message).toContain(`at ${endpoint}: bucket lake is in region eu-west-1, not us-east-1`);
        expect(e.hint).toContain('storage.s3.region: eu-west-1');
        expect(e.message + (e.hint ?? '')).not.toContain('SECRET_MARK');
      }
    } finally {
      s3.client.destroy();
    }
  });

  it('a signature for the wrong region (400 AuthorizationHeaderMalformed) names the expected region', async () => {
    mode = 'malformed';
    const s3 = io();
    try {
      const e = await rejection(s3.read('s3://lake/wh/x.json'));
      expect(e.message).toContain('bucket lake is in region eu-west-1, not us-east-1 (AuthorizationHeaderMalformed (HTTP 400))');
      expect(e.hint).toContain('storage.s3.region: eu-west-1');
    } finally {
      s3.client.destroy();
    }
  });

  it('a redirect that does not say the region still says what it means', async () => {
    mode = 'redirect-without-region';
    const s3 = io();
    try {
      const e = await rejection(s3.exists('s3://lake/wh/x.json'));
      expect(e.message).toContain('the store sends requests for bucket lake to another endpoint');
      expect(e.hint).toMatch(/storage\.s3\.region and storage\.s3\.endpoint/);
    } finally {
      s3.client.destroy();
    }
  });

  it('floe load exits 1 with that message', async () => {
    assertBuilt('test/review/s3-region.test.ts');
    mode = 'redirect';
    const dir = mkdtempSync(join(tmpdir(), 'floe-s3-region-'));
    try {
      writeFileSync(join(dir, 'a.csv'), 'id,name\n1,a\n');
      writeFileSync(
        join(dir, 'floe.yaml'),
        `warehouse: s3://lake/wh\ncatalog: { uri: "sqlite:./catalog.db" }\nstorage:\n  s3: { endpoint: "${endpoint}", path_style: true, region: us-east-1, access_key_id: k, secret_access_key: SECRET_MARK_r3g, max_attempts: 2 }\n`,
      );
      const r = await collect(spawnFloe(['load', 'raw.t', 'a.csv'], dir));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('bucket lake is in region eu-west-1, not us-east-1');
      expect(r.stderr).toContain('hint: Set storage.s3.region: eu-west-1 in floe.yaml');
      expect(r.stderr).not.toContain('SECRET_MARK');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
