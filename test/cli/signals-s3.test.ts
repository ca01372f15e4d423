/**
 * A command stopped by a signal while an S3 transfer is under way (src/cancel.ts, io/s3.ts):
 * a proxy in front of the S3 test server (moto) holds a chosen request mid-flight — an upload
 * with the start of its body read and no more, a listing unanswered, a download with half its
 * body sent — and says so; the test signals floe then, never after a sleep. The transfer is aborted at once (well inside the
 * grace period): the multipart upload is aborted on the store (ListMultipartUploads shows none),
 * no object the command wrote is left, the command exits with the signal's status, says nothing
 * was committed, and its audit row says `cancelled`. A commit attempt that has begun is the
 * exception: a request it makes is not aborted, and the commit lands.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../src/io/s3-settings.js';
import { createTestBucket, s3Endpoint, TEST_SECRET, testSettings } from '../helpers/s3.js';
import { assertBuilt, collect, floeIn, show, startFloe, useTmpDirs, type RunResult } from './helpers.js';
import { S3_ENV, s3FloeYaml } from './s3-project.js';

const newDir = useTmpDirs('floe-signals-s3-');
/** The grace period of the signalled commands (FLOE_CANCEL_GRACE_MS). */
const GRACE_MS = 10_000;

/** Which request to hold: its method and URL (path and query). */
type HoldRule = (method: string, url: string) => boolean;

/**
 * Where a request is held: `request`, before it reaches the store (a body is read in part, then
 * no more: the sender is stuck mid-body; a request without a body is held at once); `response`,
 * after the store answered, with the status, the headers and the first half of the body sent.
 */
type HoldMode = 'request' | 'response';

interface Held {
  /** "METHOD url" of the held request. */
  what: string;
  /** Lets the held request go on (forwarded, or its answer finished). */
  release(): void;
  /** Resolves when floe closes the held connection (an aborted request). */
  closed: Promise<void>;
}

interface HoldingProxy {
  endpoint: string;
  /** Holds the next request `rule` picks; resolves once it is held. */
  arm(rule: HoldRule, mode?: HoldMode): Promise<Held>;
  /** Requests seen, as "METHOD url". */
  seen: string[];
  close(): Promise<void>;
}

/** An HTTP proxy in front of moto that forwards every request but the one it is armed to hold. */
async function holdingProxy(): Promise<HoldingProxy> {
  const upstream = new URL(s3Endpoint());
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  let armed: { rule: HoldRule; mode: HoldMode; held: (h: Held) => void } | undefined;
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, onAnswer?: (up: http.IncomingMessage) => void, first?: Buffer) => {
    const f = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (onAnswer) return onAnswer(up);
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    f.on('error', () => res.destroy());
    if (first) f.write(first);
    req.pipe(f);
    req.resume();
  };
  const server = http.createServer((req, res) => {
    const what = `${req.method} ${req.url}`;
    seen.push(what);
    if (!armed || !armed.rule(req.method ?? '', req.url ?? '')) return forward(req, res);
    const { held, mode } = armed;
    armed = undefined;
    const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
    if (mode === 'response') {
      forward(req, res, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          const all = Buffer.concat(body);
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.write(all.subarray(0, Math.floor(all.length / 2)));
          held({ what, closed, release: () => res.end(all.subarray(Math.floor(all.length / 2))) });
        });
      });
      return;
    }
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      held({ what, closed, release: () => forward(req, res) });
      return;
    }
    req.once('data', (first: Buffer) => {
      req.pause();
      held({ what, closed, release: () => forward(req, res, undefined, first) });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    arm: (rule, mode = 'request') => new Promise<Held>((held) => (armed = { rule, mode, held })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let bucket: string;
let proxy: HoldingProxy;
let s3: S3Client;

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-signals-s3');
  proxy = await holdingProxy();
  s3 = new S3Client(s3ClientConfig(testSettings()));
});
afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
});

/** The multipart uploads under `prefix` neither completed nor aborted, as their keys. */
async function openUploads(prefix: string): Promise<string[]> {
  const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (r.Uploads ?? []).map((u) => u.Key ?? '?');
}

/** The keys under `prefix` in the bucket. */
async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.push(o.Key!);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out.sort();
}

interface Scratch {
  project: string;
  tmp: string;
  /** The warehouse's key prefix in the bucket. */
  prefix: string;
}

/**
 * A project on its own prefix of the bucket, through the proxy: a pipeline `big` writing one
 * data file of about 12 MiB of incompressible text into raw.big (uploaded in parts of 5 MiB),
 * `small` writing a few rows into raw.small (one PUT), `orders` reading the CSV files
 * under the prefix's `in/` (a listing, then a download each) into raw.orders, and `many`
 * reading the 16 JSON-lines files under `many/` (downloaded at once: max_concurrency 16).
 */
async function project(): Promise<Scratch> {
  const dir = await newDir();
  const prefix = `wh-${path.basename(dir)}`;
  const extra = ['    multipart_threshold_mb: 5', '    part_size_mb: 5', '    idle_timeout: 120s', '    max_concurrency: 16'].join('\n');
  await writeFile(path.join(dir, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/${prefix}`, endpoint: proxy.endpoint, catalog: path.join(dir, 'catalog.db'), extra }) + 'pipelines: pipelines/\n');
  await mkdir(path.join(dir, 'pipelines'));
  const big = "SELECT i AS id, md5(CAST(i AS VARCHAR)) || md5(CAST(i * 7 AS VARCHAR)) || md5(CAST(i * 13 AS VARCHAR)) AS h FROM range(250000) t(i)";
  await writeFile(path.join(dir, 'pipelines', 'big.yaml'), `name: big\nsource:\n  kind: sql\n  query: "${big}"\ntarget:\n  table: raw.big\n  mode: append\n`);
  await writeFile(path.join(dir, 'pipelines', 'small.yaml'), 'name: small\nsource:\n  kind: sql\n  query: "SELECT i AS id FROM range(5) t(i)"\ntarget:\n  table: raw.small\n  mode: append\n');
  await writeFile(path.join(dir, 'pipelines', 'orders.yaml'), `name: orders\nsource:\n  kind: csv\n  path: "s3://${bucket}/${prefix}/in/*.csv"\ntarget:\n  table: raw.orders\n  mode: append\n`);
  const rows = Array.from({ length: 20_000 }, (_, i) => `${i},name-${i},${i}.5`).join('\n');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/in/orders.csv`, Body: `id,name,amount\n${rows}\n` }));
  await writeFile(path.join(dir, 'pipelines', 'many.yaml'), `name: many\nsource:\n  kind: jsonl\n  path: "s3://${bucket}/${prefix}/many/*.jsonl"\ntarget:\n  table: raw.many\n  mode: append\n`);
  await Promise.all(Array.from({ length: 16 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/many/part-${i}.jsonl`, Body: `{"id":${i},"name":"n${i}"}\n` }))));
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  return { project: dir, tmp, prefix };
}

/**
 * Starts floe with `args`, holds the request `rule` picks (`mode`), sends `signal` once it is
 * held, runs `afterSignal` (if given), and collects the result and how long floe took to end
 * after the signal (a transfer that is not aborted ends the process at once only when the grace
 * period runs out).
 */
async function signalWhileHeld(
  s: Scratch,
  args: readonly string[],
  rule: HoldRule,
  signal: NodeJS.Signals,
  o: { mode?: HoldMode; afterSignal?: (held: Held) => Promise<void> } = {},
): Promise<{ r: RunResult; ms: number; held: string }> {
  const armed = proxy.arm(rule, o.mode);
  const child = startFloe(['--project', s.project, ...args], { cwd: s.project, env: { ...S3_ENV, TMPDIR: s.tmp, FLOE_CANCEL_GRACE_MS: String(GRACE_MS) } });
  const done = collect(child);
  const held = await Promise.race([armed, done.then((r) => Promise.reject(new Error(`floe ended before its request was held:\n${show(r)}`)))]);
  const sent = Date.now();
  child.kill(signal);
  await o.afterSignal?.(held);
  const r = await done;
  expect(r.stdout + r.stderr).not.toContain(TEST_SECRET);
  return { r, ms: Date.now() - sent, held: held.what };
}

/** The newest row of floe.audit_log. */
async function lastAudit(s: Scratch): Promise<Record<string, unknown>> {
  const r = await floeIn(s.project, ['query', 'SELECT command, outcome, exit_code, error_kind, error_message FROM floe.audit_log ORDER BY started_at DESC LIMIT 1', '--format', 'json'], { env: S3_ENV });
  expect(r.code, show(r)).toBe(0);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

const isUploadPart = (method: string, url: string) => method === 'PUT' && /[?&]partNumber=/.test(url) && /[?&]uploadId=/.test(url);
const isDataPut = (method: string, url: string) => method === 'PUT' && /\/data\/[^?]*\.parquet(\?|$)/.test(url) && !/[?&]partNumber=/.test(url);

function tmpTree(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('a signal during an S3 transfer', () => {
  it('SIGTERM while a multipart upload of a data file is held: the upload is aborted on the store, nothing is left, exit 143 at once', async () => {
    const s = await project();
    const { r, ms, held } = await signalWhileHeld(s, ['run', 'big'], isUploadPart, 'SIGTERM');
    expect(held).toMatch(/^PUT .*\/data\/.*\.parquet\?/);
    expect(await openUploads(`${s.prefix}/`), show(r)).toEqual([]);
    // Aborted by floe itself (AbortMultipartUpload is a DELETE with the upload's id).
    expect(proxy.seen.filter((q) => q.startsWith('DELETE ') && q.includes(`/${s.prefix}/raw/big/data/`) && /[?&]uploadId=/.test(q)).length, show(r)).toBe(1);
    expect((await keysUnder(`${s.prefix}/raw/big/`)).filter((k) => k.includes('/data/')), show(r)).toEqual([]);
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.big\n');
    // Aborted at the signal, not ended when the grace period ran out.
    expect(ms, show(r)).toBeLessThan(GRACE_MS - 2_000);
    expect(tmpTree(s.tmp), show(r)).toEqual([]);
    expect(await lastAudit(s)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 143, error_kind: 'cancelled', error_message: 'big: interrupted by SIGTERM' });
  });

  it('SIGINT while the single PUT of a data file is held: the PUT is aborted, no object is left, exit 130', async () => {
    const s = await project();
    const { r, ms, held } = await signalWhileHeld(s, ['run', 'small'], isDataPut, 'SIGINT');
    expect(held).toMatch(/^PUT .*\/raw\/small\/data\/.*\.parquet/);
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGINT; nothing was committed to raw.small\n');
    expect(ms, show(r)).toBeLessThan(GRACE_MS - 2_000);
    expect((await keysUnder(`${s.prefix}/raw/small/`)).filter((k) => k.includes('/data/')), show(r)).toEqual([]);
    expect(await lastAudit(s)).toMatchObject({ command: 'run', outcome: 'cancelled', exit_code: 130, error_kind: 'cancelled' });
  });

  it('SIGTERM while the download of a source file is held mid-body: the download is aborted, its staged copy removed, exit 143', async () => {
    const s = await project();
    const isSource = (method: string, url: string) => method === 'GET' && url.includes(`/${s.prefix}/in/orders.csv`);
    const { r, ms, held } = await signalWhileHeld(s, ['run', 'orders'], isSource, 'SIGTERM', { mode: 'response' });
    expect(held).toMatch(/^GET .*\/in\/orders\.csv/);
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
    expect(ms, show(r)).toBeLessThan(GRACE_MS - 2_000);
    // Sent once: the cut-off download is not retried.
    expect(proxy.seen.filter((q) => isSource(q.split(' ')[0]!, q.split(' ')[1]!)).length, show(r)).toBe(1);
    expect(tmpTree(s.tmp), show(r)).toEqual([]);
    expect(await lastAudit(s)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 143, error_kind: 'cancelled', error_message: 'orders: interrupted by SIGTERM' });
  });

  it('SIGHUP while the listing of a source glob is held: the listing is aborted, exit 129', async () => {
    const s = await project();
    const prefix = encodeURIComponent(`${s.prefix}/in/`);
    const isListing = (method: string, url: string) => method === 'GET' && /[?&]list-type=2/.test(url) && url.includes(`prefix=${prefix}`);
    const { r, ms } = await signalWhileHeld(s, ['run', 'orders'], isListing, 'SIGHUP');
    expect(r.code, show(r)).toBe(129);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGHUP; nothing was committed to raw.orders\n');
    expect(ms, show(r)).toBeLessThan(GRACE_MS - 2_000);
    expect(proxy.seen.filter((q) => isListing(q.split(' ')[0]!, q.split(' ')[1]!)).length, show(r)).toBe(1);
    expect(await lastAudit(s)).toMatchObject({ command: 'run', outcome: 'cancelled', exit_code: 129, error_kind: 'cancelled' });
  });
});

describe('S3 transfers that a signal may abort', () => {
  it('16 downloads at once, each listening for the signal: no warning about the listeners', async () => {
    const s = await project();
    const r = await floeIn(s.project, ['run', 'many'], { env: { ...S3_ENV, TMPDIR: s.tmp } });
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr, show(r)).toBe('');
  });
});

describe('a signal during a commit attempt on S3', () => {
  it('is not broken off once begun: SIGTERM while it reads the parent snapshot\'s manifest list; the commit lands and the line says so', async () => {
    const s = await project();
    const first = await floeIn(s.project, ['run', 'small'], { env: S3_ENV });
    expect(first.code, show(first)).toBe(0);
    const isManifestList = (method: string, url: string) => method === 'GET' && url.includes(`/${s.prefix}/raw/small/metadata/snap-`);
    let aborted = false;
    const { r, held } = await signalWhileHeld(s, ['run', 'small'], isManifestList, 'SIGTERM', {
      // An aborted request would close its connection at once; the commit's is let go after a
      // moment in which it was not (a check of the abort's absence cannot wait for an event).
      afterSignal: async (h) => {
        aborted = await Promise.race([h.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_500))]);
        h.release();
      },
    });
    expect(held).toMatch(/^GET .*\/metadata\/snap-/);
    expect(aborted, show(r)).toBe(false);
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM after committing to raw.small\n');
    const q = await floeIn(s.project, ['query', 'SELECT count(*) AS n FROM raw.small', '--format', 'csv'], { env: S3_ENV });
    expect(q.stdout, show(q)).toBe('n\n10\n');
  });
});
