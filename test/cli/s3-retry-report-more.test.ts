/**
 * Every command without an NDJSON stream sums up the S3 requests it retried in one line on
 * stderr at its end (docs/S3.md "Retries"): `describe`, `snapshots`, `load` and `run`
 * without `--json`, `compact`, `maintain expire`, `snapshot tag`, `table drop --purge`, …
 * (`query` and `check` are in s3-retry-report.test.ts). Standard output is what the same
 * command prints without faults; with `--json` the retries are `retry` events and the line
 * is not printed.
 *
 * The faults come from the seeded proxy (test/helpers/s3-fault-proxy.ts), scripted: the
 * first `n` requests of each object that a test's rule picks fail, so each test knows what
 * was injected and the summary must say exactly that.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, S3FaultProxy } from '../helpers/s3-fault-proxy.js';
import { assertBuilt, floeIn, type RunResult, show, smallCsv, useTmpDirs } from './helpers.js';
import { type Rule, type ScriptedS3, scriptedS3Projects } from './s3-scripted.js';
import { S3_ENV } from './s3-project.js';

const tmp = useTmpDirs('floe-cli-s3-retry-report-more-');

beforeAll(() => assertBuilt());

interface Event {
  event: string;
  [k: string]: unknown;
}

describe('commands without NDJSON output through a store that fails some requests', () => {
  let proxy: S3FaultProxy;
  let bucket: string;
  let project: string;
  let fragile: string;
  let faults: ScriptedS3;

  beforeAll(async () => {
    faults = await scriptedS3Projects('floe-cli-s3-retry-more', tmp);
    ({ proxy, bucket, project, fragile } = faults);
    await writeFile(path.join(project, 'pipelines', 'orders.yaml'), ['source: { kind: csv, path: orders.csv }', 'target: { table: raw.orders, mode: append }', ''].join('\n'));
    await writeFile(path.join(project, 'orders.csv'), 'id,amount\n1,10\n2,20\n3,30\n');
    await writeFile(path.join(project, 'a.csv'), smallCsv(4));
    await writeFile(path.join(project, 'b.csv'), smallCsv(2, 4));
    await writeFile(path.join(project, 'c.csv'), smallCsv(3, 6));
    // Two snapshots, two data files.
    for (const f of ['a.csv', 'b.csv']) {
      const load = await floeIn(project, ['load', 'raw.people', path.join(project, f)], { env: S3_ENV });
      expect(load.code, show(load)).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
  });

  /** Runs a command with the faults on: the first `n` requests of each object `which` picks fail with `kind`. */
  const withFaults = (dir: string, args: string[], which: Rule, kind: Fault = '503', n = 1) => faults.withFaults(dir, args, which, kind, n);

  /** Runs a command without faults; it must succeed. */
  async function ok(args: string[]): Promise<RunResult> {
    const r = await floeIn(project, args, { env: S3_ENV });
    expect(r.code, show(r)).toBe(0);
    return r;
  }

  const summaryLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('S3 request'));
  /** The summary of `n` requests each retried once for `cause`. */
  const summary = (n: number, cause: string) => `floe: warning: retried ${n} S3 request${n === 1 ? '' : 's'} at ${proxy.endpoint} (${n} ${n === 1 ? 'retry' : 'retries'}: ${n} ${cause})`;
  const under = (table: string) => `/${bucket}/wh/${table.replace('.', '/')}/`;
  const metadataGet = (table: string): Rule => (m, k) => m === 'GET' && k.includes(under(table)) && k.endsWith('.metadata.json');

  async function peopleIds(): Promise<string[]> {
    const r = await ok(['query', 'SELECT id FROM raw.people ORDER BY id', '--format', 'csv']);
    return r.stdout.trim().split('\n').slice(1);
  }

  it('describe and describe --json: stdout as without faults, one summary line on stderr', async () => {
    const plain = await ok(['describe', 'raw.people']);
    const { r, injected } = await withFaults(project, ['describe', 'raw.people'], metadataGet('raw.people'));
    expect(r.code, show(r)).toBe(0);
    // The table's one metadata file, failed once.
    expect(injected).toBe(1);
    expect(r.stdout).toBe(plain.stdout);
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(1, 'SlowDown (HTTP 503)')]);

    const json = await ok(['describe', 'raw.people', '--json']);
    const f = await withFaults(project, ['describe', 'raw.people', '--json'], metadataGet('raw.people'), '500');
    expect(f.r.code, show(f.r)).toBe(0);
    // One JSON document on stdout, not NDJSON events: the retries are summed up on stderr.
    expect(f.r.stdout).toBe(json.stdout);
    expect((JSON.parse(f.r.stdout) as { table: string }).table).toBe('raw.people');
    expect(summaryLines(f.r.stderr), show(f.r)).toEqual([summary(1, 'InternalError (HTTP 500)')]);
  }, 120_000);

  it('snapshots: a dropped connection is retried and named by its network error code', async () => {
    const plain = await ok(['snapshots', 'raw.people']);
    const { r, injected } = await withFaults(project, ['snapshots', 'raw.people'], metadataGet('raw.people'), 'drop');
    expect(r.code, show(r)).toBe(0);
    expect(injected).toBe(1);
    expect(r.stdout).toBe(plain.stdout);
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(1, 'ECONNRESET')]);
  }, 120_000);

  it('load without --json: the result line on stdout, the summary on stderr, the rows committed once', async () => {
    // Every object the load writes fails its first PUT.
    const { r, injected } = await withFaults(project, ['load', 'raw.people', path.join(project, 'c.csv')], (m, k) => m === 'PUT' && k.includes(under('raw.people')), '500');
    expect(r.code, show(r)).toBe(0);
    // The data file, the manifest, the manifest list and the metadata file at least.
    expect(injected).toBeGreaterThanOrEqual(4);
    expect(r.stdout.trim().split('\n'), show(r)).toEqual([expect.stringMatching(/^appended to raw\.people: 3 rows in 1 file, .*, snapshot \d+ \(\d+\.\d s\)$/)]);
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(injected, 'InternalError (HTTP 500)')]);
    expect(await peopleIds()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  }, 120_000);

  it('load --json: the retries are retry events on stdout, and no summary line', async () => {
    const { r, injected } = await withFaults(project, ['load', 'raw.events', path.join(project, 'a.csv'), '--json'], (m, k) => m === 'PUT' && k.includes(under('raw.events')), '500');
    expect(r.code, show(r)).toBe(0);
    expect(injected).toBeGreaterThanOrEqual(4);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Event);
    const retries = events.filter((e) => e.event === 'retry' && e.scope === 's3');
    expect(retries.length, show(r)).toBe(injected);
    for (const e of retries) expect(e).toMatchObject({ operation: expect.stringMatching(/^(write|upload)$/), attempt: 1, status: 500, code: 'InternalError', endpoint: proxy.endpoint });
    expect(events.find((e) => e.event === 'end'), show(r)).toMatchObject({ status: 'ok' });
    expect(r.stderr, show(r)).not.toMatch(/retried|S3 request/);
  }, 120_000);

  it('run without --json: the run table on stdout, the summary on stderr', async () => {
    const { r, injected } = await withFaults(project, ['run', 'orders'], (m, k) => m === 'PUT' && k.includes(under('raw.orders')), '503');
    expect(r.code, show(r)).toBe(0);
    expect(injected).toBeGreaterThanOrEqual(4);
    const row = r.stdout.split('\n').find((l) => l.startsWith('orders '));
    expect(row?.split(/\s+/).slice(0, 5), show(r)).toEqual(['orders', 'raw.orders', 'ok', '3', '3']);
    expect(r.stdout).not.toContain('S3 request');
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(injected, 'SlowDown (HTTP 503)')]);
    const q = await ok(['query', 'SELECT id, amount FROM raw.orders ORDER BY id', '--format', 'csv']);
    expect(q.stdout.trim().split('\n')).toEqual(['id,amount', '1,10', '2,20', '3,30']);
  }, 120_000);

  it('compact: every manifest and data file it reads fails once; the rewrite goes through and says so on stdout', async () => {
    // Not the metadata files: the audit record, written after the command, reads the new one.
    const reads: Rule = (m, k) => m === 'GET' && k.includes(under('raw.people')) && /\.(avro|parquet)$/.test(k);
    const { r, injected } = await withFaults(project, ['compact', 'raw.people', '--rewrite-all'], reads);
    expect(r.code, show(r)).toBe(0);
    // The manifest list, the manifests and the three data files.
    expect(injected).toBeGreaterThanOrEqual(5);
    expect(r.stdout.trim().split('\n'), show(r)).toEqual([expect.stringMatching(/^compacted raw\.people \(binpack\): 3 data files \(.*\) → 1 \(.*\), 9 rows; snapshot \d+$/)]);
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(injected, 'SlowDown (HTTP 503)')]);
    expect(await peopleIds()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  }, 120_000);

  it('maintain expire: each delete fails once; the summary counts as many requests as files deleted', async () => {
    const { r, injected } = await withFaults(project, ['maintain', 'expire', 'raw.people', '--older-than', '0s', '--retain-last', '1'], (m, k) => m === 'DELETE' && k.includes(under('raw.people')));
    expect(r.code, show(r)).toBe(0);
    // load, load, load, compact: the last three snapshots expire.
    expect(r.stdout, show(r)).toMatch(/^raw\.people: expired 3 snapshots: \d+, \d+, \d+\nraw\.people: retained 1 snapshot$/m);
    const deleted = Number(/^raw\.people: deleted (\d+) files? that only expired snapshots referenced/m.exec(r.stdout)?.[1]);
    expect(deleted, show(r)).toBeGreaterThan(0);
    expect(injected).toBe(deleted);
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(deleted, 'SlowDown (HTTP 503)')]);
    expect(r.stderr).not.toContain('could not delete');
    const snaps = await ok(['snapshots', 'raw.people', '--json']);
    expect((JSON.parse(snaps.stdout) as unknown[]).length).toBe(1);
    expect(await peopleIds()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  }, 120_000);

  it('snapshot tag: a summary line without --json, retry events and no line with it', async () => {
    const writes: Rule = (m, k) => m === 'PUT' && k.includes(under('raw.people')) && k.endsWith('.metadata.json');
    const text = await withFaults(project, ['snapshot', 'tag', 'raw.people', 'first'], writes, '503');
    expect(text.r.code, show(text.r)).toBe(0);
    expect(text.injected).toBe(1);
    expect(text.r.stdout.trim(), show(text.r)).toMatch(/^raw\.people: created tag 'first' at snapshot \d+$/);
    expect(summaryLines(text.r.stderr), show(text.r)).toEqual([summary(1, 'SlowDown (HTTP 503)')]);

    const json = await withFaults(project, ['snapshot', 'tag', 'raw.people', 'second', '--json'], writes, '503');
    expect(json.r.code, show(json.r)).toBe(0);
    expect(json.injected).toBe(1);
    const events = json.r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Event);
    expect(events.map((e) => [e.event, e.scope ?? e.status]), show(json.r)).toEqual([
      ['retry', 's3'],
      ['end', 'ok'],
    ]);
    expect(json.r.stderr, show(json.r)).not.toMatch(/retried|S3 request/);
  }, 120_000);

  it("snapshot tag: the line also counts the retries of the command's audit-log record, written after its work", async () => {
    const own: Rule = (m, k) => m === 'PUT' && k.includes(under('raw.people')) && k.endsWith('.metadata.json');
    const audit: Rule = (m, k) => m === 'PUT' && k.includes(under('floe.audit_log')) && k.endsWith('.metadata.json');
    const rows = async () => Number((await ok(['query', 'SELECT count(*) AS n FROM floe.audit_log', '--format', 'csv'])).stdout.trim().split('\n')[1]);
    const before = await rows();
    const r = await withFaults(project, ['snapshot', 'tag', 'raw.people', 'audited'], (m, k) => own(m, k) || audit(m, k), '503');
    expect(r.r.code, show(r.r)).toBe(0);
    // One for the tag's metadata file, one for the audit log's.
    expect(r.injected).toBe(2);
    expect(summaryLines(r.r.stderr), show(r.r)).toEqual([summary(2, 'SlowDown (HTTP 503)')]);
    expect(await rows()).toBe(before + 1);
  }, 120_000);

  it('table evolve --json: its one JSON document on stdout, the summary on stderr', async () => {
    const writes: Rule = (m, k) => m === 'PUT' && k.includes(under('raw.people')) && k.endsWith('.metadata.json');
    const { r, injected } = await withFaults(project, ['table', 'evolve', 'raw.people', '--add-column', 'note string', '--json'], writes, '500');
    expect(r.code, show(r)).toBe(0);
    expect(injected).toBe(1);
    const doc = JSON.parse(r.stdout) as { table: string; committed: boolean; changes: string[] };
    expect([doc.table, doc.committed, doc.changes.length]).toEqual(['raw.people', true, 1]);
    expect(doc.changes[0]).toContain('note');
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(1, 'InternalError (HTTP 500)')]);
    const cols = await ok(['query', "SELECT count(*) AS n FROM raw.people WHERE note IS NULL", '--format', 'csv']);
    expect(cols.stdout.trim().split('\n')).toEqual(['n', '9']);
  }, 120_000);

  it('maintain orphans: a failed listing is retried; the report on stdout, the summary on stderr', async () => {
    // Listings go to the bucket itself (ListObjectsV2 with a prefix).
    const listings: Rule = (m, k) => m === 'GET' && (k === `/${bucket}` || k === `/${bucket}/`);
    const { r, injected } = await withFaults(project, ['maintain', 'orphans', 'raw.people', '--older-than', '0s', '--allow-recent'], listings);
    expect(r.code, show(r)).toBe(0);
    expect(injected).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0], show(r)).toMatch(new RegExp(`^raw\\.people: \\d+ files under s3://${bucket}/wh/raw/people, \\d+ referenced$`));
    expect(lines.slice(1), show(r)).toEqual([expect.stringMatching(/^raw\.people: deleted 0 orphan files \(0 B\) last modified before /)]);
    expect(summaryLines(r.stderr), show(r)).toEqual([summary(1, 'SlowDown (HTTP 503)')]);
  }, 120_000);

  it('a request whose attempts run out: the summary, then the error, exit 1; table drop --purge then deletes through the faults', async () => {
    // max_attempts 2, and the metadata file fails twice: one retry, then the drop fails before changing anything.
    const { r, injected } = await withFaults(fragile, ['table', 'drop', 'raw.people', '--purge'], metadataGet('raw.people'), '503', 2);
    expect(r.code, show(r)).toBe(1);
    expect(injected).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0], show(r)).toBe(summary(1, 'SlowDown (HTTP 503)'));
    // The table is named first (load.ts), then the storage error.
    expect(lines[1]).toMatch(new RegExp(`^floe: table raw\\.people: cannot read its current metadata file: cannot read s3://${bucket}/wh/raw/people/metadata/.*\\.metadata\\.json at ${proxy.endpoint.replace(/\./g, '\\.')}: SlowDown \\(HTTP 503\\)`));
    expect(await peopleIds()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);

    const drop = await withFaults(project, ['table', 'drop', 'raw.people', '--purge'], (m, k) => m === 'DELETE' && k.includes(under('raw.people')), '500');
    expect(drop.r.code, show(drop.r)).toBe(0);
    const n = Number(new RegExp(`^dropped raw\\.people and deleted (\\d+) files under s3://${bucket}/wh/raw/people$`).exec(drop.r.stdout.trim())?.[1]);
    expect(n, show(drop.r)).toBeGreaterThan(0);
    expect(drop.injected).toBe(n);
    expect(summaryLines(drop.r.stderr), show(drop.r)).toEqual([summary(n, 'InternalError (HTTP 500)')]);
    const tables = await ok(['tables', '--json']);
    expect(JSON.parse(tables.stdout)).toEqual(['floe.audit_log', 'raw.events', 'raw.orders']);
  }, 120_000);
});
