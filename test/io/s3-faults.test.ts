/**
 * The S3 FileIO under injected faults (test/helpers/s3-fault-proxy.ts in front of moto):
 * each fault kind on each operation is retried and reported; a create-only PUT whose
 * answer was lost after it landed is recognised as floe's own; an answer cut off while its
 * body is read is retried, never returned short; 10% of failing requests over a batch of
 * writes, reads and listings change nothing in the outcome. Plus the retry policy itself
 * (which errors are retried, the waits, the attempt budget), without a server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { isRetryableS3Error, S3_RETRY_CAP_MS, s3RetryWaitMs, setS3RetryObserver, withS3Retries, type S3RetryEvent } from '../../src/io/s3-retry.js';
import { DEFAULT_S3_SETTINGS, s3ClientConfig, type S3Settings } from '../../src/io/s3-settings.js';
import { StageCache } from '../../src/io/stage-cache.js';
import { rejection } from '../helpers/rejection.js';
import { createTestBucket, testSettings } from '../helpers/s3.js';
import { FAULTS, s3FaultProxy, type Fault } from '../helpers/s3-fault-proxy.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sdkError = (status: number | undefined, name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : { $metadata: {} }), ...extra });

let bucket: string;
let direct: S3FileIO;
const tmp = mkdtempSync(join(tmpdir(), 'floe-s3-faults-'));

beforeAll(async () => {
  bucket = await createTestBucket('floe-io-s3-faults');
  direct = new S3FileIO(testSettings());
});
afterAll(() => {
  direct.client.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

const loc = (key: string) => `s3://${bucket}/${key}`;

describe('the retry policy', () => {
  it('retries 5xx, 429, throttling codes and network errors; never 4xx, credentials or floe errors', () => {
    for (const e of [
      sdkError(500, 'InternalError'),
      sdkError(503, 'SlowDown'),
      sdkError(429, 'TooManyRequests'),
      sdkError(400, 'RequestTimeout'),
      sdkError(undefined, 'Error', { code: 'ECONNRESET' }),
      sdkError(undefined, 'Error', { code: 'ECONNREFUSED' }),
      sdkError(undefined, 'Error', { code: 'ERR_STREAM_PREMATURE_CLOSE' }),
      sdkError(undefined, 'TimeoutError'),
      new Error('socket hang up'),
    ]) {
      expect(isRetryableS3Error(e), `${e.name} ${e.message}`).toBe(true);
    }
    for (const e of [
      sdkError(403, 'SignatureDoesNotMatch'),
      sdkError(403, 'InvalidAccessKeyId'),
      sdkError(404, 'NoSuchKey'),
      sdkError(404, 'NoSuchBucket'),
      sdkError(412, 'PreconditionFailed'),
      sdkError(400, 'InvalidArgument'),
      sdkError(undefined, 'CredentialsProviderError'),
      sdkError(undefined, 'Error', { code: 'ENOTFOUND' }),
    ]) {
      expect(isRetryableS3Error(e), `${e.name} ${e.message}`).toBe(false);
    }
  });

  it('waits with full jitter below an exponential ceiling, capped', () => {
    expect(s3RetryWaitMs(1, () => 0.999)).toBe(99);
    expect(s3RetryWaitMs(3, () => 0.5)).toBe(200);
    expect(s3RetryWaitMs(4, () => 0)).toBe(0);
    expect(s3RetryWaitMs(30, () => 0.999)).toBeLessThan(S3_RETRY_CAP_MS);
    // The default budget (5 attempts) waits at most 0.1 + 0.2 + 0.4 + 0.8 s in all.
    expect([1, 2, 3, 4].reduce((t, n) => t + s3RetryWaitMs(n, () => 0.999999), 0)).toBeLessThanOrEqual(1500);
  });

  it('reports each retry with the attempt, the wait, the status and the code, then gives up after maxAttempts', async () => {
    const events: S3RetryEvent[] = [];
    const waits: number[] = [];
    let calls = 0;
    const o = { operation: 'read', location: 's3://b/k', endpoint: 'http://h:1', maxAttempts: 3, onRetry: (e: S3RetryEvent) => events.push(e), sleep: async (ms: number) => void waits.push(ms), random: () => 0.5 };
    const e = await withS3Retries(o, async () => {
      calls++;
      throw calls === 1 ? sdkError(503, 'SlowDown') : sdkError(undefined, 'Error', { code: 'ECONNRESET' });
    }).catch((x: unknown) => x as Error & { code?: string });
    expect(e.code).toBe('ECONNRESET');
    expect(calls).toBe(3);
    expect(waits).toEqual([50, 100]);
    expect(events).toEqual([
      { operation: 'read', location: 's3://b/k', endpoint: 'http://h:1', attempt: 1, maxAttempts: 3, waitMs: 50, status: 503, code: 'SlowDown' },
      { operation: 'read', location: 's3://b/k', endpoint: 'http://h:1', attempt: 2, maxAttempts: 3, waitMs: 100, code: 'ECONNRESET' },
    ]);
  });

  it('stops at the first error that is not retryable, without waiting', async () => {
    let calls = 0;
    const waits: number[] = [];
    const e = await withS3Retries({ operation: 'read', location: 's3://b/k', endpoint: 'e', maxAttempts: 5, sleep: async (ms) => void waits.push(ms) }, async () => {
      calls++;
      throw sdkError(403, 'SignatureDoesNotMatch');
    }).catch((x: unknown) => x as Error);
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('the FileIO\'s SDK client makes one attempt per call and carries the connect and idle timeouts', async () => {
    const io = new S3FileIO(testSettings({ maxAttempts: 4, connectTimeoutMs: 1234, idleTimeoutMs: 5678 }));
    try {
      expect(await io.client.config.maxAttempts()).toBe(1);
      expect(s3ClientConfig(io.settings).requestHandler).toEqual({ connectionTimeout: 1234, socketTimeout: 5678 });
      expect(s3ClientConfig(DEFAULT_S3_SETTINGS).requestHandler).toEqual({ connectionTimeout: 5_000, socketTimeout: 10_000 });
    } finally {
      io.client.destroy();
    }
  });

  it('without an observer of its own, reports to the process observer', async () => {
    const seen: S3RetryEvent[] = [];
    const previous = setS3RetryObserver((e) => seen.push(e));
    try {
      let calls = 0;
      const r = await withS3Retries({ operation: 'list', location: 's3://b/p/', endpoint: 'e', maxAttempts: 2, sleep: async () => undefined }, async () => {
        if (calls++ === 0) throw sdkError(500, 'InternalError');
        return 'ok';
      });
      expect(r).toBe('ok');
      expect(seen.map((e) => [e.operation, e.attempt, e.status])).toEqual([['list', 1, 500]]);
    } finally {
      setS3RetryObserver(previous);
    }
  });
});

/** A FileIO through a proxy that fails every request (method and path) exactly once with `fault`. */
async function onceEach(fault: Fault, over: Partial<S3Settings> = {}) {
  const proxy = await s3FaultProxy({ rate: 1, seed: 1, faults: [fault], maxStreak: 1 });
  const events: S3RetryEvent[] = [];
  const io = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 3, ...over }), {
    onRetry: (e) => events.push(e),
    cache: new StageCache({ maxBytes: 1 << 20, parentDir: tmp }),
  });
  return {
    proxy,
    io,
    events,
    close: async () => {
      io.client.destroy();
      await proxy.close();
    },
  };
}

describe('each fault on each operation', () => {
  for (const fault of FAULTS) {
    it(`${fault}: every operation succeeds with the right result, and each retry is reported`, async () => {
      const f = await onceEach(fault);
      const p = `faults/${fault}`;
      const body = randomBytes(5000);
      try {
        await f.io.write(loc(`${p}/plain.bin`), body);
        await f.io.write(loc(`${p}/meta.json`), enc('{"v":1}'), { createOnly: true });
        expect(Buffer.compare(Buffer.from(await f.io.read(loc(`${p}/plain.bin`))), body)).toBe(0);
        expect(Buffer.compare(Buffer.from(await f.io.readRange(loc(`${p}/plain.bin`), 100, 1000)), body.subarray(100, 1100))).toBe(0);
        expect(await f.io.exists(loc(`${p}/meta.json`))).toBe(true);
        expect(await f.io.exists(loc(`${p}/none.json`))).toBe(false);
        expect((await f.io.stat(loc(`${p}/plain.bin`))).size).toBe(5000);
        const staged = await f.io.localPath(loc(`${p}/plain.bin`));
        expect(Buffer.compare(readFileSync(staged), body)).toBe(0);
        const local = join(tmp, `${fault}-up.bin`);
        writeFileSync(local, body);
        await f.io.putLocalFile(local, loc(`${p}/uploaded.bin`));
        const listed: string[] = [];
        for await (const info of f.io.list(loc(`${p}/`))) listed.push(info.location);
        expect(listed.sort()).toEqual([loc(`${p}/meta.json`), loc(`${p}/plain.bin`), loc(`${p}/uploaded.bin`)]);
        await f.io.delete(loc(`${p}/plain.bin`));
        expect(await direct.exists(loc(`${p}/plain.bin`))).toBe(false);
        // What the store holds is exactly what was written, once.
        expect(dec(await direct.read(loc(`${p}/meta.json`)))).toBe('{"v":1}');
        expect(Buffer.compare(Buffer.from(await direct.read(loc(`${p}/uploaded.bin`))), body)).toBe(0);

        expect(f.proxy.injected()[fault]).toBeGreaterThanOrEqual(10);
        const ops = new Set(f.events.map((e) => e.operation));
        for (const op of ['write', 'read', 'check', 'stat', 'stage', 'upload', 'list', 'delete']) expect(ops, op).toContain(op);
        for (const e of f.events) {
          expect(e.attempt).toBe(1);
          expect(e.maxAttempts).toBe(3);
          expect(e.waitMs).toBeGreaterThanOrEqual(0);
          expect(e.waitMs).toBeLessThan(100);
          expect(e.location.startsWith(loc(p))).toBe(true);
          // A HEAD answer has no body, so no error code: the SDK calls it Unknown.
          const head = e.operation === 'check' || e.operation === 'stat';
          if (fault === '500') expect([e.operation, e.status, e.code]).toEqual([e.operation, 500, head ? 'Unknown' : 'InternalError']);
          else if (fault === '503') expect([e.operation, e.status, e.code]).toEqual([e.operation, 503, head ? 'Unknown' : 'SlowDown']);
          else expect(e.status, JSON.stringify(e)).toBeUndefined();
        }
      } finally {
        await f.close();
      }
    });
  }

  it('lost: a create-only PUT that landed before its answer was lost is floe\'s own write; another writer\'s object stays a conflict', async () => {
    const f = await onceEach('lost');
    try {
      await f.io.write(loc('faults/lost-own.json'), enc('mine'), { createOnly: true });
      expect(f.events.filter((e) => e.operation === 'write').map((e) => e.code)).toEqual(['ECONNRESET']);
      expect(dec(await direct.read(loc('faults/lost-own.json')))).toBe('mine');
      await direct.write(loc('faults/lost-theirs.json'), enc('theirs'), { createOnly: true });
      const e = await rejection(f.io.write(loc('faults/lost-theirs.json'), enc('mine'), { createOnly: true }));
      expect(e.kind).toBe('conflict');
      expect(dec(await direct.read(loc('faults/lost-theirs.json')))).toBe('theirs');
    } finally {
      await f.close();
    }
  });

  it('lost: a multipart upload whose completion landed but whose answer was lost is complete, byte for byte', async () => {
    const MB = 1024 * 1024;
    // Only the completion (POST …?uploadId=…) fails: applied by the store, its answer lost;
    // then the retry meets an upload that is gone (as MinIO answers; moto and AWS repeat the success).
    const proxy = await s3FaultProxy({
      rate: 1,
      seed: 4,
      eligible: (m, p) => m === 'POST' && /[?&]uploadId=/.test(p),
      // The second upload's completion: a 503 (not applied), then the upload gone.
      script: (_m, _p, n) => (['lost', 'no-such-upload', '503', 'no-such-upload'] as const)[n - 1],
    });
    const events: S3RetryEvent[] = [];
    const io = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 3, multipartThresholdBytes: 5 * MB, partSizeBytes: 5 * MB }), { onRetry: (e) => events.push(e) });
    try {
      const data = randomBytes(11 * MB);
      const local = join(tmp, 'multipart-lost.bin');
      writeFileSync(local, data);
      await io.putLocalFile(local, loc('faults/multipart-lost.bin'));
      expect(proxy.injected()).toMatchObject({ lost: 1, 'no-such-upload': 1 });
      expect(events.map((e) => [e.operation, e.attempt, e.code])).toEqual([['upload', 1, 'ECONNRESET']]);
      expect(Buffer.compare(Buffer.from(await direct.read(loc('faults/multipart-lost.bin'))), data)).toBe(0);
      // The retry finds the upload gone and another object under the key (its ETag is not
      // this completion's): the upload fails, and the other object stays.
      const again = join(tmp, 'multipart-lost-2.bin');
      writeFileSync(again, randomBytes(11 * MB));
      await direct.write(loc('faults/multipart-other.bin'), enc('someone else'));
      const e = await rejection(io.putLocalFile(again, loc('faults/multipart-other.bin')));
      expect(e.kind).toBe('io');
      expect(e.message).toContain('NoSuchUpload');
      expect(dec(await direct.read(loc('faults/multipart-other.bin')))).toBe('someone else');
    } finally {
      io.client.destroy();
      await proxy.close();
    }
  });

  it('hang: a store gone silent fails the attempt after the idle timeout, and the next attempt succeeds', async () => {
    const f = await onceEach('hang', { idleTimeoutMs: 300 });
    try {
      await f.io.write(loc('faults/hang/a.json'), enc('{"a":1}'), { createOnly: true });
      expect(dec(await f.io.read(loc('faults/hang/a.json')))).toBe('{"a":1}');
      expect(await f.io.exists(loc('faults/hang/a.json'))).toBe(true);
      expect(f.proxy.injected().hang).toBe(3);
      expect(f.events.map((e) => [e.operation, e.attempt, e.code])).toEqual([
        ['write', 1, 'TimeoutError'],
        ['read', 1, 'TimeoutError'],
        ['check', 1, 'TimeoutError'],
      ]);
    } finally {
      await f.close();
    }
  });

  it('gives up after max_attempts when a request keeps failing: io, retryable, naming location, endpoint and status', async () => {
    const proxy = await s3FaultProxy({ rate: 1, seed: 2, faults: ['503'], maxStreak: 100 });
    const events: S3RetryEvent[] = [];
    const io = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 4 }), { onRetry: (e) => events.push(e) });
    try {
      const e = await rejection(io.read(loc('faults/never.bin')));
      expect(e.kind).toBe('io');
      expect(e.retryable).toBe(true);
      expect(e.message).toContain(loc('faults/never.bin'));
      expect(e.message).toContain(proxy.endpoint);
      expect(e.message).toContain('SlowDown (HTTP 503)');
      expect(proxy.requests()).toBe(4);
      expect(events.map((x) => x.attempt)).toEqual([1, 2, 3]);
    } finally {
      io.client.destroy();
      await proxy.close();
    }
  });
});

describe('10% of requests failing', () => {
  it('a batch of create-only writes, reads, stagings and listings gives exactly the expected objects', async () => {
    const proxy = await s3FaultProxy({ rate: 0.1, seed: 20261129 });
    const events: S3RetryEvent[] = [];
    const io = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 5 }), {
      onRetry: (e) => events.push(e),
      cache: new StageCache({ maxBytes: 1 << 22, parentDir: tmp }),
    });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `batch/f${String(i).padStart(2, '0')}.json`);
      await Promise.all(keys.map((k) => io.write(loc(k), enc(`{"k":"${k}"}`), { createOnly: true })));
      const back = await Promise.all(keys.map(async (k) => dec(await io.read(loc(k)))));
      expect(back).toEqual(keys.map((k) => `{"k":"${k}"}`));
      const staged = await Promise.all(keys.slice(0, 10).map((k) => io.localPath(loc(k))));
      expect(staged.map((s) => readFileSync(s, 'utf8'))).toEqual(keys.slice(0, 10).map((k) => `{"k":"${k}"}`));
      for (let i = 0; i < 3; i++) {
        const listed: string[] = [];
        for await (const info of io.list(loc('batch/'))) listed.push(info.location);
        expect(listed.sort()).toEqual(keys.map(loc));
      }
      expect(proxy.injectedTotal()).toBeGreaterThan(0);
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeGreaterThanOrEqual(proxy.injectedTotal());
    } finally {
      io.client.destroy();
      await proxy.close();
    }
  });
});
