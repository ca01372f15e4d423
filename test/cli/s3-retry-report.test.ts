/**
 * `floe query` and `floe check` have no NDJSON events, and their stdout may be machine
 * output (`--format json|csv|junit`). S3 requests they retry are summed up in one line on
 * stderr at the end: how many requests, how many retries, and their causes (docs/S3.md
 * "Retries"). The faults come from the seeded proxy (test/helpers/s3-fault-proxy.ts), here
 * scripted: the first GET of each metadata file and each data file of the table fails once
 * with 503 SlowDown, so the counts are exact.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3RetrySummary } from '../../src/cli/output.js';
import type { Fault, S3FaultProxy } from '../helpers/s3-fault-proxy.js';
import { assertBuilt, floeIn, show, smallCsv, useTmpDirs } from './helpers.js';
import { type Rule, type ScriptedS3, scriptedS3Projects } from './s3-scripted.js';
import { S3_ENV } from './s3-project.js';

const tmp = useTmpDirs('floe-cli-s3-retry-report-');

beforeAll(() => assertBuilt());

describe('s3RetrySummary', () => {
  const event = { operation: 'read', location: 's3://b/k', endpoint: 'http://minio:9000', maxAttempts: 5, waitMs: 10 };

  it('is nothing without retries', () => {
    expect(s3RetrySummary([])).toBeUndefined();
  });

  it('counts a request once however often it was retried, and the causes most frequent first', () => {
    const line = s3RetrySummary([
      { ...event, attempt: 1, status: 503, code: 'SlowDown' },
      { ...event, attempt: 2, code: 'ECONNRESET' },
      { ...event, location: 's3://b/k2', attempt: 1, status: 500, code: 'InternalError' },
      { ...event, location: 's3://b/k3', attempt: 1, status: 503, code: 'SlowDown' },
    ]);
    expect(line).toBe('floe: warning: retried 3 S3 requests at http://minio:9000 (4 retries: 2 SlowDown (HTTP 503), 1 ECONNRESET, 1 InternalError (HTTP 500))');
  });

  it('says request and retry in the singular, and names every endpoint', () => {
    expect(s3RetrySummary([{ ...event, attempt: 1, code: 'TimeoutError' }])).toBe('floe: warning: retried 1 S3 request at http://minio:9000 (1 retry: 1 TimeoutError)');
    expect(s3RetrySummary([{ ...event, attempt: 1, code: 'ECONNRESET' }, { ...event, endpoint: 'AWS S3 (eu-west-1)', attempt: 1, code: 'ECONNRESET' }])).toBe(
      'floe: warning: retried 2 S3 requests at http://minio:9000, AWS S3 (eu-west-1) (2 retries: 2 ECONNRESET)',
    );
  });
});

describe('floe query and floe check through a store that fails some reads', () => {
  let proxy: S3FaultProxy;
  let bucket: string;
  let project: string;
  let fragile: string;
  let faults: ScriptedS3;

  beforeAll(async () => {
    faults = await scriptedS3Projects('floe-cli-s3-retry-report', tmp);
    ({ proxy, bucket, project, fragile } = faults);
    await writeFile(path.join(project, 'people.csv'), smallCsv(4));
    const load = await floeIn(project, ['load', 'raw.people', path.join(project, 'people.csv')], { env: S3_ENV });
    expect(load.code, show(load)).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
  });

  /** The table's metadata and data files. */
  const tableFiles: Rule = (method, key) => method === 'GET' && key.includes('/wh/raw/people/') && /\.(metadata\.json|parquet)$/.test(key);
  /** Runs a command with the faults on, each table file failing its first `n` GETs with `kind`. */
  const withFaults = (dir: string, args: string[], kind: Fault = '503', n = 1) => faults.withFaults(dir, args, tableFiles, kind, n);

  const summaryLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('S3 request'));

  it('query --format json: the rows on stdout, one summary line on stderr', async () => {
    const { r, injected } = await withFaults(project, ['query', 'SELECT id, name FROM raw.people ORDER BY id', '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([0, 1, 2, 3].map((id) => ({ id, name: `name-${id}` })));
    // The metadata file and the one data file, each failed once.
    expect(injected).toBe(2);
    expect(summaryLines(r.stderr), show(r)).toEqual([`floe: warning: retried 2 S3 requests at ${proxy.endpoint} (2 retries: 2 SlowDown (HTTP 503))`]);
  }, 120_000);

  it('query without faults prints no summary', async () => {
    const r = await floeIn(project, ['query', 'SELECT count(*) AS n FROM raw.people', '--format', 'csv'], { env: S3_ENV });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['n', '4']);
    expect(r.stderr, show(r)).not.toMatch(/retried|S3 request/);
  }, 60_000);

  it('check --format junit: the report on stdout stays XML, the summary goes to stderr', async () => {
    const { r, injected } = await withFaults(project, ['check', 'raw.people', '--row-count-min', '4', '--not-null', 'id', '--format', 'junit', '--no-history'], '500');
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trimStart().startsWith('<?xml'), show(r)).toBe(true);
    expect(r.stdout).toMatch(/<testsuites[^>]* failures="0"/);
    expect(r.stdout).not.toContain('S3 request');
    expect(injected).toBe(2);
    expect(summaryLines(r.stderr), show(r)).toEqual([`floe: warning: retried 2 S3 requests at ${proxy.endpoint} (2 retries: 2 InternalError (HTTP 500))`]);
  }, 120_000);

  it('check --format json: the results parse as JSON, the summary is on stderr', async () => {
    const { r } = await withFaults(project, ['check', 'raw.people', '--row-count-min', '5', '--format', 'json', '--no-history']);
    // At least 5 rows, of 4: the check fails (exit 3), and the retries are still summed up.
    expect(r.code, show(r)).toBe(3);
    const report = JSON.parse(r.stdout) as { status: string; results: { kind: string; status: string; observed: unknown }[] };
    expect(report.status).toBe('fail');
    expect(report.results.map((c) => [c.kind, c.status, c.observed])).toEqual([['row_count', 'fail', 4]]);
    expect(summaryLines(r.stderr), show(r)).toEqual([`floe: warning: retried 2 S3 requests at ${proxy.endpoint} (2 retries: 2 SlowDown (HTTP 503))`]);
  }, 120_000);

  it('a request whose attempts run out: the summary, then the error, exit 1', async () => {
    // max_attempts 2, and the metadata file fails twice: one retry, then the command fails.
    const { r, injected } = await withFaults(fragile, ['query', 'SELECT count(*) FROM raw.people'], '503', 2);
    expect(r.code, show(r)).toBe(1);
    expect(injected).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0], show(r)).toBe(`floe: warning: retried 1 S3 request at ${proxy.endpoint} (1 retry: 1 SlowDown (HTTP 503))`);
    // The table is named first (load.ts), then the storage error.
    expect(lines[1]).toMatch(new RegExp(`^floe: table raw\\.people: cannot read its current metadata file: cannot read s3://${bucket}/wh/raw/people/metadata/.*\\.metadata\\.json at ${proxy.endpoint.replace(/\./g, '\\.')}: SlowDown \\(HTTP 503\\)`));
  }, 60_000);
});
