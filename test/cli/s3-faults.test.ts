/**
 * S3 failures end to end, through the built CLI:
 * - with 10% of S3 requests failing (test/helpers/s3-fault-proxy.ts: 500s, 503s, dropped
 *   connections, answers lost after the request landed, answers cut off), `floe load`,
 *   `floe run` and `floe compact` succeed, the tables hold exactly the expected rows, and
 *   `--json` shows each retry as a `retry` event with `scope: "s3"`;
 * - bad credentials (a moto server that checks signatures), a missing bucket and an
 *   unreachable endpoint each exit 1 with a message naming the endpoint or the bucket,
 *   quickly, and never print the secret.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { freePort, startAuthS3Server, type AuthS3Server } from '../helpers/s3-auth-server.js';
import { createTestBucket, s3Endpoint, TEST_SECRET, testSettings } from '../helpers/s3.js';
import { s3FaultProxy, type S3FaultProxy } from '../helpers/s3-fault-proxy.js';
import { assertBuilt, catalogTables, expectFailure, floeIn, type RunResult, show, smallCsv, useTmpDirs } from './helpers.js';
import { S3_ENV, s3FloeYaml } from './s3-project.js';

const tmp = useTmpDirs('floe-cli-s3-faults-');
const enc = (s: string) => new TextEncoder().encode(s);

interface Event {
  event: string;
  [k: string]: unknown;
}

const eventsOf = (r: RunResult): Event[] =>
  r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);

beforeAll(() => assertBuilt());

describe('10% of S3 requests failing', () => {
  let bucket: string;
  let proxy: S3FaultProxy;
  let faulty: string;
  let direct: string;
  let io: S3FileIO;

  beforeAll(async () => {
    bucket = await createTestBucket('floe-cli-s3-faults');
    io = new S3FileIO(testSettings());
    // Injected faults never hit one request more than twice in a row; 4 attempts get through.
    proxy = await s3FaultProxy({ rate: 0.1, seed: 6 });
    const catalog = path.join(await tmp(), 'catalog.db');
    faulty = await tmp();
    direct = await tmp();
    const warehouse = `s3://${bucket}/wh`;
    await writeFile(path.join(faulty, 'floe.yaml'), s3FloeYaml({ warehouse, endpoint: proxy.endpoint, catalog, maxAttempts: 4 }));
    await writeFile(path.join(direct, 'floe.yaml'), s3FloeYaml({ warehouse, endpoint: s3Endpoint(), catalog }));
    await mkdir(path.join(faulty, 'pipelines'));
    await writeFile(
      path.join(faulty, 'pipelines', 'orders.yaml'),
      [`source: { kind: csv, path: "s3://${bucket}/in/**/*.csv" }`, 'target: { table: raw.orders, mode: append }', 'checks:', '  - row_count: { min: 3, max: 3 }', ''].join('\n'),
    );
    await io.write(`s3://${bucket}/in/o1.csv`, enc('id,amount\n1,10\n2,20\n'));
    await io.write(`s3://${bucket}/in/2026/o2.csv`, enc('id,amount\n3,30\n'));
    await writeFile(path.join(faulty, 'a.csv'), smallCsv(5));
    await writeFile(path.join(faulty, 'b.csv'), smallCsv(4, 5));
  });
  afterAll(async () => {
    io?.client.destroy();
    await proxy?.close();
  });

  /** Runs a --json command through the proxy; returns its s3 retry events and the faults injected meanwhile. */
  async function throughFaults(args: string[]): Promise<{ retries: Event[]; injected: number }> {
    const before = proxy.injectedTotal();
    const r = await floeIn(faulty, [...args, '--json'], { env: S3_ENV });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(TEST_SECRET);
    const events = eventsOf(r);
    // Not necessarily the last event: the audit record is written after the command ends.
    expect(events.find((e) => e.event === 'end'), show(r)).toMatchObject({ status: 'ok' });
    const retries = events.filter((e) => e.event === 'retry' && e.scope === 's3');
    for (const e of retries) {
      expect(e).toMatchObject({ scope: 's3', endpoint: proxy.endpoint, max_attempts: 4 });
      expect(typeof e.operation).toBe('string');
      expect(String(e.location).startsWith(`s3://${bucket}/`), String(e.location)).toBe(true);
      expect([1, 2, 3]).toContain(e.attempt);
      expect(e.wait_ms as number).toBeGreaterThanOrEqual(0);
      expect(e.wait_ms as number).toBeLessThan(400);
      expect(typeof e.code).toBe('string');
    }
    const injected = proxy.injectedTotal() - before;
    // Every injected fault fails one attempt, which is retried and reported.
    expect(retries.length, `${retries.length} retry events for ${injected} faults\n${show(r)}`).toBeGreaterThanOrEqual(injected);
    return { retries, injected };
  }

  async function rows(sql: string): Promise<string[]> {
    const r = await floeIn(direct, ['query', sql, '--format', 'csv'], { env: S3_ENV });
    expect(r.code, show(r)).toBe(0);
    return r.stdout.trim().split('\n');
  }

  it('load, load again, run, compact and maintain orphans succeed with exactly the expected rows, and --json shows the retries', async () => {
    const steps = [
      await throughFaults(['load', 'raw.people', path.join(faulty, 'a.csv')]),
      await throughFaults(['load', 'raw.people', path.join(faulty, 'b.csv')]),
      await throughFaults(['run', 'orders']),
      await throughFaults(['compact', 'raw.people', '--rewrite-all']),
      // Lists every object under the table; finds no orphan, so deletes nothing.
      await throughFaults(['maintain', 'orphans', 'raw.people', '--older-than', '0s', '--allow-recent']),
    ];
    const injected = steps.reduce((n, s) => n + s.injected, 0);
    const retries = steps.reduce((n, s) => n + s.retries.length, 0);
    expect(injected, 'the proxy injected faults').toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    const kinds = proxy.injected();
    console.log(`s3 faults: ${proxy.requests()} requests, injected ${JSON.stringify(kinds)}, ${retries} retry events`);

    // Read through the store directly: no duplicated and no missing rows.
    expect(await rows('SELECT id, name FROM raw.people ORDER BY id')).toEqual(['id,name', ...Array.from({ length: 9 }, (_, i) => `${i},name-${i}`)]);
    expect(await rows('SELECT id, amount FROM raw.orders ORDER BY id')).toEqual(['id,amount', '1,10', '2,20', '3,30']);
    // Queries through the faults read the same rows (no --json there: retries stay silent).
    const q = await floeIn(faulty, ['query', 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM raw.people', '--format', 'csv'], { env: S3_ENV });
    expect(q.stdout.trim().split('\n'), show(q)).toEqual(['n,d', '9,9']);
    // One snapshot per load and one for the compaction: no commit was made twice.
    const snaps = await floeIn(direct, ['snapshots', 'raw.people', '--json'], { env: S3_ENV });
    expect(snaps.code, show(snaps)).toBe(0);
    expect((JSON.parse(snaps.stdout) as unknown[]).length).toBe(3);
  }, 300_000);
});

describe('a create-only PUT whose answer is lost after it landed', () => {
  it('load: every metadata file write meets its own object on the retry (412, same bytes) and the commit goes through once', async () => {
    const bucket = await createTestBucket('floe-cli-s3-lost');
    // Each metadata.json PUT is applied by the store, then its answer is lost, once.
    const proxy = await s3FaultProxy({ rate: 1, seed: 3, faults: ['lost'], maxStreak: 1, eligible: (m, p) => m === 'PUT' && /\.metadata\.json/.test(p) });
    try {
      const dir = await tmp();
      await mkdir(path.join(dir, 'warehouse'));
      await writeFile(path.join(dir, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: proxy.endpoint, catalog: './warehouse/catalog.db', maxAttempts: 3 }));
      await writeFile(path.join(dir, 'a.csv'), smallCsv(4));
      await writeFile(path.join(dir, 'b.csv'), smallCsv(2, 4));
      for (const f of ['a.csv', 'b.csv']) {
        const r = await floeIn(dir, ['load', 'raw.lost', path.join(dir, f), '--json'], { env: S3_ENV });
        expect(r.code, show(r)).toBe(0);
        const retries = eventsOf(r).filter((e) => e.event === 'retry' && e.scope === 's3' && /raw\/lost\/metadata\/.*\.metadata\.json$/.test(String(e.location)));
        expect(retries.map((e) => [e.operation, e.attempt, e.code])).toEqual([['write', 1, 'ECONNRESET']]);
      }
      expect(proxy.injected().lost).toBeGreaterThanOrEqual(2);
      const q = await floeIn(dir, ['query', 'SELECT id FROM raw.lost ORDER BY id', '--format', 'csv'], { env: S3_ENV });
      expect(q.stdout.trim().split('\n'), show(q)).toEqual(['id', '0', '1', '2', '3', '4', '5']);
      const snaps = await floeIn(dir, ['snapshots', 'raw.lost', '--json'], { env: S3_ENV });
      expect((JSON.parse(snaps.stdout) as unknown[]).length, show(snaps)).toBe(2);
    } finally {
      await proxy.close();
    }
  }, 180_000);
});

describe('S3 failures that retrying cannot fix', () => {
  let auth: AuthS3Server;
  let project: string;
  const BAD_SECRET = 'floe_wrong_secret_MARK_4k';

  beforeAll(async () => {
    auth = await startAuthS3Server('floe-auth-bucket');
    project = await tmp();
    await writeFile(path.join(project, 'people.csv'), smallCsv(3));
  }, 120_000);
  afterAll(() => auth?.close());

  async function projectWith(yaml: string): Promise<string> {
    const dir = await tmp();
    await mkdir(path.join(dir, 'warehouse'));
    await writeFile(path.join(dir, 'floe.yaml'), yaml);
    return dir;
  }

  it('bad credentials: exit 1 naming the endpoint and the bucket, without retries and without the secret', async () => {
    const yaml = s3FloeYaml({ warehouse: `s3://${auth.bucket}/wh`, endpoint: auth.endpoint, catalog: './warehouse/catalog.db', keyVar: 'AUTH_KEY', secretVar: 'AUTH_SECRET' });
    const dir = await projectWith(yaml);
    const csv = path.join(project, 'people.csv');
    // The right keys work against this server, so the failure below is the secret's.
    const good = await floeIn(dir, ['load', 'raw.ok', csv], { env: { AUTH_KEY: auth.accessKeyId, AUTH_SECRET: auth.secretAccessKey } });
    expect(good.code, show(good)).toBe(0);

    const env = { AUTH_KEY: auth.accessKeyId, AUTH_SECRET: BAD_SECRET };
    const r = await floeIn(dir, ['load', 'raw.people', csv], { env });
    expectFailure(r, 1, [auth.endpoint, `bucket ${auth.bucket}`, /SignatureDoesNotMatch|InvalidAccessKeyId|HTTP 403/]);
    expect(r.stderr).toMatch(/hint: .*credentials/);
    expect(r.stdout + r.stderr).not.toContain(BAD_SECRET);
    expect(r.stdout + r.stderr).not.toContain(auth.secretAccessKey);
    expect(catalogTables(dir)).toContain('raw.ok');
    expect(catalogTables(dir)).not.toContain('raw.people');

    const j = await floeIn(dir, ['load', 'raw.people', csv, '--json'], { env });
    expect(j.code, show(j)).toBe(1);
    expect(j.stdout + j.stderr).not.toContain(BAD_SECRET);
    const events = eventsOf(j);
    expect(events.filter((e) => e.event === 'retry'), 'a 403 is never retried').toEqual([]);
    expect(events.find((e) => e.event === 'end')).toMatchObject({ status: 'error', kind: 'io' });
  }, 120_000);

  it('a missing bucket: exit 1 naming the bucket and the endpoint', async () => {
    const missing = 'floe-no-such-bucket-e2e';
    const dir = await projectWith(s3FloeYaml({ warehouse: `s3://${missing}/wh`, endpoint: s3Endpoint(), catalog: './warehouse/catalog.db' }));
    const r = await floeIn(dir, ['load', 'raw.people', path.join(project, 'people.csv')], { env: S3_ENV });
    expectFailure(r, 1, [`bucket ${missing} does not exist`, s3Endpoint()]);
    expect(r.stdout + r.stderr).not.toContain(TEST_SECRET);
    expect(catalogTables(dir)).not.toContain('raw.people');
  }, 60_000);

  it('an unreachable endpoint: exit 1 naming it, after the default retry budget only (seconds, not minutes)', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const yaml = s3FloeYaml({ warehouse: 's3://floe-unreachable/wh', endpoint: closed, catalog: './warehouse/catalog.db' });
    const dir = await projectWith(yaml);
    const started = Date.now();
    const r = await floeIn(dir, ['load', 'raw.people', path.join(project, 'people.csv'), '--json'], { env: S3_ENV });
    const elapsed = Date.now() - started;
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr, show(r)).toContain(closed);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).toMatch(/hint: .*endpoint/);
    expect(r.stdout + r.stderr).not.toContain(TEST_SECRET);
    // The default 5 attempts: 4 retries of the failing request, each reported, then the
    // error. (The audit record of the failed command meets the same endpoint afterwards.)
    const retries = eventsOf(r).filter((e) => e.event === 'retry' && e.scope === 's3');
    const first = retries.filter((e) => e.location === retries[0]?.location);
    expect(String(first[0]?.location)).toMatch(/^s3:\/\/floe-unreachable\/wh\/raw\/people\//);
    expect(first.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(first.reduce((t, e) => t + (e.wait_ms as number), 0)).toBeLessThanOrEqual(1500);
    expect(retries.every((e) => e.code === 'ECONNREFUSED' && (e.attempt as number) <= 4)).toBe(true);
    // Generous: a loaded 2-core machine starts node slowly; minutes would mean a runaway budget.
    expect(elapsed).toBeLessThan(45_000);
    expect(catalogTables(dir)).not.toContain('raw.people');
  }, 90_000);
});
