/**
 * An S3 endpoint that accepts connections and then says nothing (or stops in the middle of a
 * body, or never completes a connection) fails a request fast and says so while it waits:
 *
 * - a timed-out attempt is retried once (two attempts in all, whatever max_attempts), and a
 *   later request to the same endpoint is not retried after a timeout until one succeeds;
 * - each retry after a timeout is one line for the notice writer (the CLI's stderr) naming
 *   the endpoint, the S3 request and its location, the timeout and its setting, the attempt;
 * - the final error is an io FloeError naming the endpoint, the location and its bucket, the
 *   attempts, and a hint naming the setting to check.
 *
 * The timeouts come from floe.yaml text, small so that the tests take a few seconds; the
 * endpoints are local sockets that misbehave on purpose (no S3 server is needed).
 */
import { rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { S3FileIO } from '../../src/io/s3.js';
import { resetSilentS3Endpoints, s3RetryNotice, setS3RetryNoticeWriter, withS3Retries, type S3RetryEvent } from '../../src/io/s3-retry.js';
import { freePort } from '../helpers/s3-auth-server.js';
import { closer, portThatNeverConnects, s3FileIOFromYaml, silentServer } from '../helpers/silent-servers.js';

const SECRET = 'silent_secret_MARK_4q';
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

let lines: string[] = [];
let previousWriter: ((line: string) => void) | undefined;
beforeEach(() => {
  lines = [];
  previousWriter = setS3RetryNoticeWriter((l) => lines.push(l));
  resetSilentS3Endpoints();
});
afterEach(() => {
  setS3RetryNoticeWriter(previousWriter);
});

/** An S3 FileIO from floe.yaml text (silent-servers.ts), destroyed after the tests. */
function fileIO(endpoint: string, settings: string[], events: S3RetryEvent[] = []): S3FileIO {
  const io = s3FileIOFromYaml(endpoint, { accessKey: 'silentkey', secret: SECRET, settings, events });
  cleanups.push(() => io.client.destroy());
  return io;
}

/** Runs `op`, which must fail; returns the FloeError and how long it took. */
async function failure(op: () => Promise<unknown>): Promise<{ error: FloeError; elapsedMs: number }> {
  const started = Date.now();
  const error = await op().then(
    () => {
      throw new Error('the request succeeded against an endpoint that cannot answer');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FloeError);
  return { error: error as FloeError, elapsedMs: Date.now() - started };
}

interface TestServer {
  endpoint: string;
  /** Connections accepted so far. */
  connections(): number;
}

function closeOnCleanup(server: net.Server, sockets: Set<net.Socket>): void {
  cleanups.push(closer(server, sockets));
}

/**
 * An HTTP server answering every request with status 200 and a body of `size` bytes, sent as
 * `chunks` (the first at once, then one every `everyMs`); `stallAfter` chunks and it stops for
 * good. `silent()` true: connections are accepted and nothing is answered.
 */
async function answeringServer(o: { size: number; chunks: number; everyMs: number; stallAfter?: number; silent?: () => boolean }): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = http.createServer((req, res) => {
    if (o.silent?.()) return;
    req.resume();
    const body = Buffer.alloc(o.size, 'x');
    const step = Math.ceil(o.size / o.chunks);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(o.size), etag: '"0123456789abcdef0123456789abcdef"' });
    let sent = 0;
    const next = () => {
      if (res.destroyed || sent >= o.chunks || (o.stallAfter !== undefined && sent >= o.stallAfter)) return;
      res.write(body.subarray(sent * step, Math.min(o.size, (sent + 1) * step)));
      sent++;
      if (sent === o.chunks) res.end();
      else setTimeout(next, o.everyMs);
    };
    next();
  });
  server.on('connection', (s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeOnCleanup(server as unknown as net.Server, sockets);
  return { endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => accepted };
}

const KEY = 's3://lake/wh/raw/t/data/part-0.parquet';

function expectNoSecret(error: FloeError): void {
  for (const text of [error.message, error.hint ?? '', ...lines]) expect(text).not.toContain(SECRET);
}

describe('an S3 endpoint that accepts connections and never answers', () => {
  it('fails a read after two attempts of idle_timeout (not max_attempts), with one line per retry and an error naming endpoint, key and setting', async () => {
    const server = await silentServer();
    cleanups.push(server.close);
    const events: S3RetryEvent[] = [];
    const io = fileIO(server.endpoint, ['max_attempts: 5', 'connect_timeout: 5s', 'idle_timeout: 400ms'], events);
    const { error, elapsedMs } = await failure(() => io.read(KEY));

    expect(lines).toEqual([`floe: warning: S3 ${server.endpoint} did not answer GetObject ${KEY} within 400 ms (idle_timeout); retrying (2/2)`]);
    expect(events.map((e) => [e.operation, e.request, e.attempt, e.maxAttempts, e.code, e.timeout])).toEqual([['read', 'GetObject', 1, 2, 'TimeoutError', { kind: 'idle', ms: 400 }]]);
    expect(server.connections()).toBe(2);

    expect(error.kind).toBe('io');
    expect(error.message).toBe(`cannot read ${KEY} at ${server.endpoint}: no answer in 2 attempts (TimeoutError: the request socket timed out after 400 ms of inactivity)`);
    expect(error.context).toMatchObject({ location: KEY, bucket: 'lake', endpoint: server.endpoint, timeout: 'idle_timeout', attempts: 2 });
    expect(error.hint).toContain(`storage.s3.endpoint (${server.endpoint})`);
    expect(error.hint).toContain('storage.s3.idle_timeout (now 400 ms)');
    expect(error.retryable).toBe(true);
    expectNoSecret(error);
    // Two attempts of 400 ms (and one short wait); five attempts would take 2 s or more.
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 400);
    expect(elapsedMs).toBeLessThan(1600 + 1500);
  }, 30_000);

  it('a later request to the endpoint that just timed out gets one attempt, and its error says why', async () => {
    const server = await silentServer();
    cleanups.push(server.close);
    const io = fileIO(server.endpoint, ['max_attempts: 5', 'idle_timeout: 300ms'], []);
    await failure(() => io.read(KEY));
    expect(server.connections()).toBe(2);
    lines.length = 0;

    const { error } = await failure(() => io.stat('s3://lake/wh/raw/t/metadata/v2.metadata.json'));
    expect(server.connections()).toBe(3);
    expect(lines).toEqual([]);
    expect(error.message).toBe(
      `cannot stat s3://lake/wh/raw/t/metadata/v2.metadata.json at ${server.endpoint}: no answer in 1 attempt, not retried: the store did not answer the request before either (TimeoutError: the request socket timed out after 300 ms of inactivity)`,
    );
  }, 30_000);

  it('an endpoint that answers again gets its retry after a timeout again', async () => {
    let silent = true;
    const server = await answeringServer({ size: 4, chunks: 1, everyMs: 0, silent: () => silent });
    const io = fileIO(server.endpoint, ['max_attempts: 5', 'idle_timeout: 300ms'], []);
    await failure(() => io.read(KEY));
    silent = false;
    expect(Buffer.from(await io.read(KEY)).toString()).toBe('xxxx');
    silent = true;
    lines.length = 0;
    const before = server.connections();
    await failure(() => io.read(KEY));
    expect(lines).toEqual([`floe: warning: S3 ${server.endpoint} did not answer GetObject ${KEY} within 300 ms (idle_timeout); retrying (2/2)`]);
    // Pooled keep-alive connections may serve an attempt: count the attempts by the lines, the connections at most.
    expect(server.connections() - before).toBeLessThanOrEqual(2);
  }, 30_000);

  it('writes and uploads name their request: PutObject, and CreateMultipartUpload for a file uploaded in parts', async () => {
    const server = await silentServer();
    cleanups.push(server.close);
    const io = fileIO(server.endpoint, ['max_attempts: 3', 'idle_timeout: 300ms', 'multipart_threshold_mb: 5', 'part_size_mb: 5'], []);
    const meta = 's3://lake/wh/raw/t/metadata/00001.metadata.json';
    const write = await failure(() => io.write(meta, new TextEncoder().encode('{}'), { createOnly: true }));
    expect(lines).toEqual([`floe: warning: S3 ${server.endpoint} did not answer PutObject ${meta} within 300 ms (idle_timeout); retrying (2/2)`]);
    expect(write.error.message).toMatch(new RegExp(`^cannot write ${meta} at ${server.endpoint.replace(/\./g, '\\.')}: no answer in 2 attempts`));

    resetSilentS3Endpoints();
    lines.length = 0;
    const file = path.join(os.tmpdir(), `floe-s3-silent-${process.pid}.bin`);
    await writeFile(file, Buffer.alloc(6 * 1024 * 1024, 1));
    cleanups.push(() => rm(file, { force: true }));
    const data = 's3://lake/wh/raw/t/data/big.parquet';
    const upload = await failure(() => io.putLocalFile(file, data));
    expect(lines).toEqual([`floe: warning: S3 ${server.endpoint} did not answer CreateMultipartUpload ${data} within 300 ms (idle_timeout); retrying (2/2)`]);
    expect(upload.error.message).toMatch(/^cannot upload s3:\/\/lake\/wh\/raw\/t\/data\/big\.parquet at .*: no answer in 2 attempts/);
    expect(upload.error.hint).toContain('slow uplink');
  }, 30_000);
});

describe('a store that goes silent in the middle of a multipart upload', () => {
  it('the part uploads that time out are told as UploadPart, the upload fails after two attempts per part and is aborted', async () => {
    const seen: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.searchParams.has('uploads') ? 'create' : url.searchParams.has('partNumber') ? 'part' : url.searchParams.has('uploadId') ? 'upload' : 'object'}`);
      if (req.method === 'PUT' && url.searchParams.has('partNumber')) return; // silent
      req.resume();
      if (req.method === 'POST' && url.searchParams.has('uploads')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>lake</Bucket><Key>wh/raw/t/data/parts.parquet</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>');
        return;
      }
      res.writeHead(204);
      res.end();
    });
    server.on('connection', (sock) => {
      sockets.add(sock);
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closeOnCleanup(server as unknown as net.Server, sockets);
    const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

    const io = fileIO(endpoint, ['max_attempts: 5', 'idle_timeout: 400ms', 'multipart_threshold_mb: 5', 'part_size_mb: 5'], []);
    const file = path.join(os.tmpdir(), `floe-s3-silent-parts-${process.pid}.bin`);
    await writeFile(file, Buffer.alloc(6 * 1024 * 1024, 2));
    cleanups.push(() => rm(file, { force: true }));
    const data = 's3://lake/wh/raw/t/data/parts.parquet';
    const { error } = await failure(() => io.putLocalFile(file, data));

    // Two parts (5 MiB and 1 MiB), sent together, each tried twice; then the multipart upload
    // is aborted. (A part whose first timeout comes after the other part gave up is not
    // retried: the endpoint is then known to be silent. On a slow machine that may happen.)
    const parts = seen.filter((r) => r === 'PUT part').length;
    expect(parts).toBeGreaterThanOrEqual(3);
    expect(parts).toBeLessThanOrEqual(4);
    expect(seen).toContain('DELETE upload');
    expect(lines.length).toBe(parts - 2);
    for (const l of lines) expect(l).toBe(`floe: warning: S3 ${endpoint} did not answer UploadPart ${data} within 400 ms (idle_timeout); retrying (2/2)`);
    expect(error.message).toBe(`cannot upload ${data} at ${endpoint}: no answer in 2 attempts (TimeoutError: the request socket timed out after 400 ms of inactivity)`);
  }, 30_000);
});

describe('an S3 endpoint that stops in the middle of an answer', () => {
  it('a body that stops after the headers fails the attempt after idle_timeout, for a read and for a staged download', async () => {
    const a = await answeringServer({ size: 1000, chunks: 10, everyMs: 10, stallAfter: 1 });
    const io = fileIO(a.endpoint, ['max_attempts: 5', 'idle_timeout: 400ms'], []);
    const read = await failure(() => io.read(KEY));
    expect(lines).toEqual([`floe: warning: S3 ${a.endpoint} did not answer GetObject ${KEY} within 400 ms (idle_timeout); retrying (2/2)`]);
    expect(read.error.message).toBe(`cannot read ${KEY} at ${a.endpoint}: no answer in 2 attempts (TimeoutError: the request socket timed out after 400 ms of inactivity)`);

    const b = await answeringServer({ size: 1000, chunks: 10, everyMs: 10, stallAfter: 1 });
    const staging = fileIO(b.endpoint, ['max_attempts: 5', 'idle_timeout: 400ms', 'cache_size_mb: 16'], []);
    lines.length = 0;
    const stage = await failure(() => staging.localPath(KEY));
    expect(lines).toEqual([`floe: warning: S3 ${b.endpoint} did not answer GetObject ${KEY} within 400 ms (idle_timeout); retrying (2/2)`]);
    expect(stage.error.message).toMatch(/^cannot stage .*: no answer in 2 attempts \(TimeoutError/);
  }, 30_000);

  it('a slow answer whose bytes keep coming is not a timeout: the idle timeout is not a limit on the whole request', async () => {
    // 20 chunks, one every 100 ms: 2 s in all, five times the idle timeout, never 1 s silent.
    const server = await answeringServer({ size: 20, chunks: 20, everyMs: 100 });
    const events: S3RetryEvent[] = [];
    const io = fileIO(server.endpoint, ['idle_timeout: 1s'], events);
    const started = Date.now();
    expect(Buffer.from(await io.read(KEY)).toString()).toBe('x'.repeat(20));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(events).toEqual([]);
    expect(lines).toEqual([]);
  }, 30_000);
});

describe('an S3 endpoint that never completes a connection (a host that drops packets)', () => {
  it('fails after two attempts of connect_timeout, with a line naming the connection and a hint naming the setting', async () => {
    const never = await portThatNeverConnects();
    cleanups.push(never.close);
    const endpoint = `http://127.0.0.1:${never.port}`;
    const io = fileIO(endpoint, ['max_attempts: 5', 'connect_timeout: 300ms'], []);
    const meta = 's3://lake/wh/raw/t/metadata/00002.metadata.json';
    const { error, elapsedMs } = await failure(() => io.write(meta, new TextEncoder().encode('{}')));
    expect(lines).toEqual([`floe: warning: S3 ${endpoint} did not accept a connection within 300 ms (connect_timeout) for PutObject ${meta}; retrying (2/2)`]);
    expect(error.message).toBe(
      `cannot write ${meta} at ${endpoint}: no connection in 2 attempts (TimeoutError: the request socket did not establish a connection with the server within the configured timeout of 300 ms)`,
    );
    expect(error.hint).toContain('storage.s3.connect_timeout (now 300 ms)');
    expectNoSecret(error);
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 300);
    expect(elapsedMs).toBeLessThan(5_000);
  }, 30_000);
});

describe('which retries are told as a line', () => {
  it('quick failures (a refused connection) are retried max_attempts times without a line', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const events: S3RetryEvent[] = [];
    const io = fileIO(endpoint, ['max_attempts: 3'], events);
    const { error } = await failure(() => io.read(KEY));
    expect(events.map((e) => e.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(lines).toEqual([]);
    expect(error.message).toContain(`at ${endpoint}: ECONNREFUSED`);
  }, 30_000);

  it('an attempt that failed slowly without a timeout (a gateway\'s late 503) is told with how long it took', async () => {
    let clock = 0;
    const slow503 = Object.assign(new Error('SlowDown'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const r = await withS3Retries(
      { operation: 'read', request: 'GetObject', location: 's3://b/k', endpoint: 'http://h:1', maxAttempts: 5, now: () => clock, sleep: async () => undefined, random: () => 0 },
      async (n) => {
        clock += n === 1 ? 6_000 : 100;
        if (n < 3) throw slow503;
        return 'ok';
      },
    );
    expect(r).toBe('ok');
    // The second attempt failed after 100 ms: summed up at the command's end, no line.
    expect(lines).toEqual(['floe: warning: S3 http://h:1 answered GetObject s3://b/k with SlowDown (HTTP 503) after 6 s; retrying (2/5)']);
  });

  it('s3RetryNotice: a timeout always has a line; a quick failure none', () => {
    const base: S3RetryEvent = { operation: 'list', location: 's3://b/p/', endpoint: 'https://s3.example.com', attempt: 1, maxAttempts: 2, waitMs: 10, code: 'TimeoutError', request: 'ListObjectsV2' };
    expect(s3RetryNotice({ ...base, timeout: { kind: 'idle', ms: 10_000 } }, 13_000)).toBe(
      'floe: warning: S3 https://s3.example.com did not answer ListObjectsV2 s3://b/p/ within 10 s (idle_timeout); retrying (2/2)',
    );
    expect(s3RetryNotice({ ...base, timeout: { kind: 'connect', ms: 1_500 } }, 5)).toBe(
      'floe: warning: S3 https://s3.example.com did not accept a connection within 1.5 s (connect_timeout) for ListObjectsV2 s3://b/p/; retrying (2/2)',
    );
    expect(s3RetryNotice({ ...base, code: 'ECONNRESET' }, 40)).toBeUndefined();
  });
});
