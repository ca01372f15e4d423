/**
 * The S3 FileIO against a real S3 API server (moto, provisioned by
 * scripts/provision-services.sh). Never skipped: a missing server fails the file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { s3ClientConfig } from '../../src/io/s3-settings.js';
import { StageCache } from '../../src/io/stage-cache.js';
import { rejection } from '../helpers/rejection.js';
import { createTestBucket, faultProxy, s3Endpoint, TEST_ACCESS_KEY, TEST_SECRET, testSettings } from '../helpers/s3.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

let bucket: string;
let io: S3FileIO;
let raw: S3Client;
const tmp = mkdtempSync(join(tmpdir(), 'floe-s3-test-'));

beforeAll(async () => {
  bucket = await createTestBucket('floe-io-s3');
  io = new S3FileIO(testSettings());
  raw = new S3Client(s3ClientConfig(testSettings()));
});
afterAll(() => {
  io.client.destroy();
  raw.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

const loc = (key: string) => `s3://${bucket}/${key}`;

describe('S3FileIO basics', () => {
  it('writes, reads, stats, checks and deletes an object', async () => {
    await io.write(loc('basic/a.txt'), enc('hello s3'));
    expect(dec(await io.read(loc('basic/a.txt')))).toBe('hello s3');
    expect(await io.exists(loc('basic/a.txt'))).toBe(true);
    const info = await io.stat(loc('basic/a.txt'));
    expect(info).toMatchObject({ location: loc('basic/a.txt'), size: 8 });
    expect(info.lastModified).toBeGreaterThan(Date.parse('2020-01-01'));
    await io.delete(loc('basic/a.txt'));
    expect(await io.exists(loc('basic/a.txt'))).toBe(false);
    // Deleting what is gone is not an error.
    await io.delete(loc('basic/a.txt'));
  });

  it('stores exactly the bytes given, with no checksum framing inside the object', async () => {
    const data = randomBytes(70_000);
    await io.write(loc('bytes/blob.bin'), data);
    const back = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: 'bytes/blob.bin' }));
    expect(Buffer.compare(Buffer.from(await back.Body!.transformToByteArray()), data)).toBe(0);
  });

  it('reads byte ranges with a Range header, short at the end and empty past it', async () => {
    await io.write(loc('range/r.txt'), enc('0123456789'));
    expect(dec(await io.readRange(loc('range/r.txt'), 2, 3))).toBe('234');
    expect(dec(await io.readRange(loc('range/r.txt'), 8, 10))).toBe('89');
    expect((await io.readRange(loc('range/r.txt'), 10, 4)).length).toBe(0);
    expect((await io.readRange(loc('range/r.txt'), 0, 0)).length).toBe(0);
  });

  it('names the location and the endpoint for a missing file, never the secret', async () => {
    const e = await rejection(io.read(loc('nope/missing.avro')));
    expect(e.kind).toBe('not-found');
    expect(e.message).toContain(loc('nope/missing.avro'));
    expect(e.message).toContain(s3Endpoint());
    expect(JSON.stringify({ m: e.message, c: e.context, h: e.hint })).not.toContain(TEST_SECRET);
    const s = await rejection(io.stat(loc('nope/missing.avro')));
    expect(s.kind).toBe('not-found');
  });

  it('reports a missing bucket as not-found naming the location', async () => {
    const e = await rejection(io.read('s3://floe-no-such-bucket-x1/k'));
    expect(e.kind).toBe('not-found');
    expect(e.message).toContain('s3://floe-no-such-bucket-x1/k');
  });

  it('accepts s3a:// and s3n:// and keeps the scheme in listed locations', async () => {
    await io.write(`s3a://${bucket}/schemes/x.txt`, enc('x'));
    expect(dec(await io.read(`s3n://${bucket}/schemes/x.txt`))).toBe('x');
    const listed = [];
    for await (const f of io.list(`s3a://${bucket}/schemes`)) listed.push(f.location);
    expect(listed).toEqual([`s3a://${bucket}/schemes/x.txt`]);
  });
});

describe('create-only writes', () => {
  it('fails the second create with a conflict and keeps the first object', async () => {
    await io.write(loc('meta/v1.metadata.json'), enc('first'), { createOnly: true });
    const e = await rejection(io.write(loc('meta/v1.metadata.json'), enc('second'), { createOnly: true }));
    expect(e.kind).toBe('conflict');
    expect(e.message).toContain(loc('meta/v1.metadata.json'));
    expect(dec(await io.read(loc('meta/v1.metadata.json')))).toBe('first');
  });

  it('head-then-put mode also refuses an existing name', async () => {
    const hp = new S3FileIO(testSettings({ createOnly: 'head-then-put' }));
    await hp.write(loc('meta/hp.json'), enc('a'), { createOnly: true });
    const e = await rejection(hp.write(loc('meta/hp.json'), enc('b'), { createOnly: true }));
    expect(e.kind).toBe('conflict');
    expect(dec(await io.read(loc('meta/hp.json')))).toBe('a');
    hp.client.destroy();
  });

  it('treats a 412 on a retried PUT whose first attempt landed as success when the bytes match', async () => {
    let lost = false;
    const proxy = await faultProxy((method, path) => {
      if (method === 'PUT' && path.includes('lost-response') && !lost) {
        lost = true;
        return 'lose';
      }
      return 'pass';
    });
    const pio = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    try {
      await pio.write(loc('meta/lost-response.json'), enc('mine'), { createOnly: true });
      expect(proxy.seen.filter((s) => s.startsWith('PUT')).length).toBe(2);
      expect(dec(await io.read(loc('meta/lost-response.json')))).toBe('mine');
      // Someone else's object under the name, met by a retried PUT: a real conflict.
      lost = false;
      await io.write(loc('meta/lost-response-2.json'), enc('theirs'), { createOnly: true });
      const e = await rejection(pio.write(loc('meta/lost-response-2.json'), enc('mine'), { createOnly: true }));
      expect(e.kind).toBe('conflict');
      expect(dec(await io.read(loc('meta/lost-response-2.json')))).toBe('theirs');
    } finally {
      pio.client.destroy();
      await proxy.close();
    }
  });
});

describe('retries', () => {
  it('retries injected 503s with backoff and succeeds within max attempts', async () => {
    let failures = 0;
    const proxy = await faultProxy((method) => (method === 'GET' && failures++ < 2 ? '503' : 'pass'));
    const pio = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    try {
      await io.write(loc('retry/r.txt'), enc('eventually'));
      expect(dec(await pio.read(loc('retry/r.txt')))).toBe('eventually');
      expect(proxy.seen.filter((s) => s.startsWith('GET')).length).toBe(3);
    } finally {
      pio.client.destroy();
      await proxy.close();
    }
  });

  it('retries a dropped connection (a network error)', async () => {
    let resets = 0;
    const proxy = await faultProxy((method) => (method === 'HEAD' && resets++ < 1 ? 'reset' : 'pass'));
    const pio = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    try {
      await io.write(loc('retry/reset.txt'), enc('x'));
      expect(await pio.exists(loc('retry/reset.txt'))).toBe(true);
      expect(proxy.seen.filter((s) => s.startsWith('HEAD')).length).toBe(2);
    } finally {
      pio.client.destroy();
      await proxy.close();
    }
  });

  it('gives up after max attempts with an io error naming location, endpoint and status', async () => {
    const proxy = await faultProxy(() => '503');
    const pio = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 2 }));
    try {
      const e = await rejection(pio.read(loc('retry/r.txt')));
      expect(e.kind).toBe('io');
      expect(e.retryable).toBe(true);
      expect(e.message).toContain(loc('retry/r.txt'));
      expect(e.message).toContain(proxy.endpoint);
      expect(e.message).toContain('503');
      expect(proxy.seen.length).toBe(2);
    } finally {
      pio.client.destroy();
      await proxy.close();
    }
  });

  it('reports an unreachable endpoint as io with a hint', async () => {
    const pio = new S3FileIO(testSettings({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }));
    const e = await rejection(pio.read(loc('x')));
    expect(e.kind).toBe('io');
    expect(e.message).toContain('http://127.0.0.1:9');
    expect(e.hint).toMatch(/endpoint/);
    pio.client.destroy();
  });
});

describe('listing', () => {
  it('lists a folder recursively, not its sibling with a longer name', async () => {
    await Promise.all(['t/a', 't/sub/b', 't2/c', 'tx.txt'].map((k) => io.write(loc(`list/${k}`), enc(k))));
    const names = async (p: string) => {
      const out: string[] = [];
      for await (const f of io.list(p)) out.push(f.location.slice(loc('list/').length));
      return out.sort();
    };
    expect(await names(loc('list/t'))).toEqual(['t/a', 't/sub/b']);
    expect(await names(loc('list/t/'))).toEqual(['t/a', 't/sub/b']);
    // No folder of that name: object names in the same folder starting with it.
    expect(await names(loc('list/tx'))).toEqual(['tx.txt']);
    expect(await names(loc('list/none'))).toEqual([]);
  });

  it('pages through a listing (25 keys, pages of 10)', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `many/k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k) => raw.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: Buffer.from('x') }))));
    const paged = new S3FileIO(testSettings(), { listPageSize: 10 });
    const lists: string[] = [];
    paged.client.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'ListObjectsV2Command') lists.push(ctx.commandName);
        return next(args);
      },
      { step: 'initialize', name: 'countLists' },
    );
    const seen: string[] = [];
    for await (const f of paged.list(loc('many'))) {
      expect(f.size).toBe(1);
      seen.push(f.location);
    }
    expect(seen).toEqual(keys.map(loc));
    expect(lists.length).toBe(3);
    paged.client.destroy();
  });
});

describe('staging and uploads', () => {
  it('stages an object into the cache once and reads it from there', async () => {
    await io.write(loc('stage/d.parquet'), enc('parquet bytes'));
    const p1 = await io.localPath(loc('stage/d.parquet'));
    const p2 = await io.localPath(loc('stage/d.parquet'));
    expect(p1).toBe(p2);
    expect(p1.endsWith(`/${bucket}/stage/d.parquet`)).toBe(true);
    expect(readFileSync(p1, 'utf8')).toBe('parquet bytes');
    const e = await rejection(io.localPath(loc('stage/missing.parquet')));
    expect(e.kind).toBe('not-found');
  });

  it('uploads a small local file in one PUT and removes the local copy', async () => {
    const f = join(tmp, 'small.bin');
    writeFileSync(f, 'small');
    await io.putLocalFile(f, loc('up/small.bin'));
    expect(dec(await io.read(loc('up/small.bin')))).toBe('small');
    expect(existsSync(f)).toBe(false);
  });

  it('uploads a file above the threshold in parts, byte for byte', async () => {
    const mp = new S3FileIO(testSettings({ multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 }));
    const data = randomBytes(11 * 1024 * 1024);
    const f = join(tmp, 'big.bin');
    writeFileSync(f, data);
    await mp.putLocalFile(f, loc('up/big.bin'));
    const back = await io.read(loc('up/big.bin'));
    expect(back.length).toBe(data.length);
    expect(Buffer.compare(Buffer.from(back), data)).toBe(0);
    // A multipart object's ETag has a part count suffix.
    const head = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: 'up/big.bin', Range: 'bytes=0-0' }));
    expect(head.ETag).toMatch(/-3"$/);
    const open = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(open.Uploads ?? []).toEqual([]);
    mp.client.destroy();
  }, 60_000);

  it('a failed upload names the location and leaves no object', async () => {
    const proxy = await faultProxy((method) => (method === 'PUT' ? '503' : 'pass'));
    const pio = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 2 }));
    const f = join(tmp, 'fail.bin');
    writeFileSync(f, 'x');
    try {
      const e = await rejection(pio.putLocalFile(f, loc('up/fail.bin')));
      expect(e.kind).toBe('io');
      expect(e.message).toContain(loc('up/fail.bin'));
      expect(await io.exists(loc('up/fail.bin'))).toBe(false);
    } finally {
      pio.client.destroy();
      await proxy.close();
    }
  });
});

describe('credentials', () => {
  it('uses a named profile of the shared credentials file; a missing profile is a non-retryable io error with a hint', async () => {
    const creds = join(tmp, 'credentials');
    writeFileSync(creds, `[floetest]\naws_access_key_id = ${TEST_ACCESS_KEY}\naws_secret_access_key = ${TEST_SECRET}\n`);
    const saved = { f: process.env.AWS_SHARED_CREDENTIALS_FILE, c: process.env.AWS_CONFIG_FILE, k: process.env.AWS_ACCESS_KEY_ID, s: process.env.AWS_SECRET_ACCESS_KEY, imds: process.env.AWS_EC2_METADATA_DISABLED };
    process.env.AWS_SHARED_CREDENTIALS_FILE = creds;
    process.env.AWS_CONFIG_FILE = join(tmp, 'no-config');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const restore = (k: string, v: string | undefined) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
    const withProfile = new S3FileIO(testSettings({ accessKeyId: undefined, secretAccessKey: undefined, profile: 'floetest' }));
    const missing = new S3FileIO(testSettings({ accessKeyId: undefined, secretAccessKey: undefined, profile: 'floe-no-such-profile', maxAttempts: 1 }));
    try {
      await io.write(loc('creds/p.txt'), enc('via profile'));
      expect(dec(await withProfile.read(loc('creds/p.txt')))).toBe('via profile');
      const e = await rejection(missing.read(loc('creds/p.txt')));
      expect(e.kind).toBe('io');
      expect(e.retryable).toBe(false);
      expect(e.message).toContain(loc('creds/p.txt'));
      expect(e.hint).toMatch(/credentials/);
    } finally {
      withProfile.client.destroy();
      missing.client.destroy();
      restore('AWS_SHARED_CREDENTIALS_FILE', saved.f);
      restore('AWS_CONFIG_FILE', saved.c);
      restore('AWS_ACCESS_KEY_ID', saved.k);
      restore('AWS_SECRET_ACCESS_KEY', saved.s);
      restore('AWS_EC2_METADATA_DISABLED', saved.imds);
    }
  });
});

describe('checksum setting', () => {
  it('when_required sends no flexible checksum headers; when_supported does', async () => {
    for (const [checksum, expectHeader] of [
      ['when_required', false],
      ['when_supported', true],
    ] as const) {
      const headers: Record<string, string>[] = [];
      const c = new S3FileIO(testSettings({ checksum }));
      c.client.middlewareStack.add(
        (next) => async (args) => {
          headers.push({ ...((args.request as { headers?: Record<string, string> }).headers ?? {}) });
          return next(args);
        },
        { step: 'finalizeRequest', name: 'captureHeaders' },
      );
      await c.write(loc(`sum/${checksum}.txt`), enc('check me'));
      const names = Object.keys(headers[0] ?? {}).map((h) => h.toLowerCase());
      expect(names.some((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm')).toBe(expectHeader);
      expect(dec(await io.read(loc(`sum/${checksum}.txt`)))).toBe('check me');
      c.client.destroy();
    }
  });
});

describe('StageCache', () => {
  it('evicts least recently used files beyond the bound, sparing recently used ones', async () => {
    let now = 1_000_000;
    const cache = new StageCache({ maxBytes: 10, graceMs: 100, now: () => now });
    const fill = (n: number) => async (p: string) => {
      writeFileSync(p, 'x'.repeat(n));
      return n;
    };
    const a = await cache.get('s3://b/a', fill(4));
    now += 200;
    const b = await cache.get('s3://b/b', fill(4));
    now += 200;
    await cache.get('s3://b/a', fill(4)); // a is now more recent than b
    now += 200;
    await cache.get('s3://b/c', fill(4)); // 12 > 10: evicts b, the least recently used
    expect(cache.has('s3://b/a')).toBe(true);
    expect(cache.has('s3://b/b')).toBe(false);
    expect(existsSync(b)).toBe(false);
    expect(existsSync(a)).toBe(true);
    expect(cache.bytes).toBe(8);
    // Within the grace period nothing is evicted: the bound is overshot instead.
    await cache.get('s3://b/a', fill(4));
    await cache.get('s3://b/d', fill(4));
    expect(cache.bytes).toBe(12);
    expect(cache.has('s3://b/c')).toBe(true);
    cache.dispose();
    expect(existsSync(cache.dir)).toBe(false);
  });

  it('shares one fetch between concurrent requests for the same file', async () => {
    const cache = new StageCache({ maxBytes: 100 });
    let fills = 0;
    const fill = async (p: string) => {
      fills++;
      writeFileSync(p, 'abc');
      return 3;
    };
    const [p1, p2] = await Promise.all([cache.get('k', fill), cache.get('k', fill)]);
    expect(p1).toBe(p2);
    expect(fills).toBe(1);
    cache.dispose();
  });
});
