/**
 * A command stopped by a signal while an S3 transfer is under way (src/cancel.ts, io/s3.ts):
 * a proxy in front of the S3 test server (moto) holds a chosen request mid-flight — it reads the
 * start of the request's body, then stops reading and never answers — and says so; the test
 * signals floe then, never after a sleep. The transfer is aborted at once (well inside the
 * grace period): the multipart upload is aborted on the store (ListMultipartUploads shows none),
 * no object the command wrote is left, the command exits with the signal's status, says nothing
 * was committed, and its audit row says `cancelled`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
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

interface HoldingProxy {
  endpoint: string;
  /** Holds the next request `rule` picks; resolves once it is held (part of its body read). */
  arm(rule: HoldRule): Promise<string>;
  /** Requests seen, as "METHOD url". */
  seen: string[];
  close(): Promise<void>;
}

/** An HTTP proxy in front of moto that forwards every request but the one it is armed to hold. */
async function holdingProxy(): Promise<HoldingProxy> {
  const upstream = new URL(s3Endpoint());
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  let armed: { rule: HoldRule; held: (what: string) => void } | undefined;
  const server = http.createServer((req, res) => {
    const what = `${req.method} ${req.url}`;
    seen.push(what);
    if (armed && armed.rule(req.method ?? '', req.url ?? '')) {
      const { held } = armed;
      armed = undefined;
      // Read a first chunk of the body, then stop reading: the sender is stuck mid-body.
      req.once('data', () => {
        req.pause();
        held(what);
      });
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    arm: (rule) => new Promise<string>((held) => (armed = { rule, held })),
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
 * and `small` writing a few rows into raw.small (one PUT).
 */
async function project(): Promise<Scratch> {
  const dir = await newDir();
  const prefix = `wh-${path.basename(dir)}`;
  const extra = ['    multipart_threshold_mb: 5', '    part_size_mb: 5', '    idle_timeout: 120s'].join('\n');
  await writeFile(path.join(dir, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/${prefix}`, endpoint: proxy.endpoint, catalog: path.join(dir, 'catalog.db'), extra }) + 'pipelines: pipelines/\n');
  await mkdir(path.join(dir, 'pipelines'));
  const big = "SELECT i AS id, md5(CAST(i AS VARCHAR)) || md5(CAST(i * 7 AS VARCHAR)) || md5(CAST(i * 13 AS VARCHAR)) AS h FROM range(250000) t(i)";
  await writeFile(path.join(dir, 'pipelines', 'big.yaml'), `name: big\nsource:\n  kind: sql\n  query: "${big}"\ntarget:\n  table: raw.big\n  mode: append\n`);
  await writeFile(path.join(dir, 'pipelines', 'small.yaml'), 'name: small\nsource:\n  kind: sql\n  query: "SELECT i AS id FROM range(5) t(i)"\ntarget:\n  table: raw.small\n  mode: append\n');
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  return { project: dir, tmp, prefix };
}

/**
 * Starts `floe run <pipeline>`, holds the request `rule` picks, sends `signal` once it is held,
 * and collects the result (a transfer that is not aborted ends the process at once only when
 * the grace period runs out).
 */
async function signalWhileHeld(s: Scratch, args: readonly string[], rule: HoldRule, signal: NodeJS.Signals): Promise<{ r: RunResult; ms: number; held: string }> {
  const held = proxy.arm(rule);
  const child = startFloe(['--project', s.project, ...args], { cwd: s.project, env: { ...S3_ENV, TMPDIR: s.tmp, FLOE_CANCEL_GRACE_MS: String(GRACE_MS) } });
  const done = collect(child);
  const what = await Promise.race([held, done.then((r) => Promise.reject(new Error(`floe ended before its request was held:\n${show(r)}`)))]);
  const sent = Date.now();
  child.kill(signal);
  const r = await done;
  expect(r.stdout + r.stderr).not.toContain(TEST_SECRET);
  return { r, ms: Date.now() - sent, held: what };
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
});
