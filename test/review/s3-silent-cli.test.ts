/**
 * `floe load` into a table whose warehouse is on an S3 endpoint that accepts connections and
 * never answers: the command says on stderr, while it waits, which request to which endpoint
 * timed out and which attempt comes next; it fails with exit 1 naming the endpoint and the
 * location, with a hint naming the setting; and it takes a few timeouts, not max_attempts of
 * them. The table (on moto, the same bucket) is unchanged afterwards.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, s3Endpoint, TEST_SECRET } from '../helpers/s3.js';
import { silentServer, type SilentServer } from '../helpers/silent-servers.js';
import { assertBuilt, expectFailure, floeIn, show, smallCsv, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';

const tmp = useTmpDirs('floe-s3-silent-');
let dir: string;
let bucket: string;
let silent: SilentServer;

function yaml(endpoint: string, extra?: string): string {
  return s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint, catalog: './catalog.db', maxAttempts: 5, ...(extra ? { extra } : {}) });
}

async function state(): Promise<{ snapshots: string; rows: string }> {
  const snaps = await floeIn(dir, ['snapshots', 'raw.t', '--json'], { env: S3_ENV });
  expect(snaps.code, show(snaps)).toBe(0);
  const rows = await floeIn(dir, ['query', 'SELECT count(*) AS n FROM raw.t', '--format', 'csv'], { env: S3_ENV });
  expect(rows.code, show(rows)).toBe(0);
  return { snapshots: snaps.stdout, rows: rows.stdout };
}

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-s3-silent');
  dir = await tmp();
  silent = await silentServer();
  await writeFile(path.join(dir, 'floe.yaml'), yaml(s3Endpoint()));
  await writeFile(path.join(dir, 'a.csv'), smallCsv(5));
  await writeFile(path.join(dir, 'b.csv'), smallCsv(5, 5));
  const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'a.csv')], { env: S3_ENV });
  expect(r.code, show(r)).toBe(0);
}, 120_000);

afterAll(async () => {
  await silent?.close();
});

describe('floe against an S3 endpoint that never answers', () => {
  it('prints one line per retry while it waits, fails with exit 1 naming endpoint and location, and leaves the table unchanged', async () => {
    const before = await state();
    await writeFile(path.join(dir, 'floe.yaml'), yaml(silent.endpoint, '    connect_timeout: 2s\n    idle_timeout: 500ms'));
    const started = Date.now();
    const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'b.csv')], { env: S3_ENV });
    const elapsedMs = Date.now() - started;
    await writeFile(path.join(dir, 'floe.yaml'), yaml(s3Endpoint()));

    const at = silent.endpoint.replace(/[.]/g, '\\.');
    expectFailure(r, 1, [
      // the retry of the request that timed out, while floe waits
      new RegExp(`^floe: warning: S3 ${at} did not answer [A-Za-z0-9]+ s3://${bucket}/wh/\\S+ within 500 ms \\(idle_timeout\\); retrying \\(2/2\\)$`, 'm'),
      // the command's error, naming the location on that endpoint, the attempts and what to check
      new RegExp(`^floe: .*cannot \\w+ s3://${bucket}/wh/\\S+ at ${at}: no answer in 2 attempts \\(TimeoutError: the request socket timed out after 500 ms of inactivity\\)$`, 'm'),
      `hint: The store accepted the connection but sent nothing back: check that storage.s3.endpoint (${silent.endpoint})`,
      'storage.s3.idle_timeout (now 500 ms)',
    ]);
    expect(r.stderr).not.toContain(TEST_SECRET);
    // Every line about a retry names the endpoint, and none says more than two attempts.
    const retryLines = r.stderr.split('\n').filter((l) => l.includes('retrying ('));
    expect(retryLines.length, show(r)).toBeGreaterThanOrEqual(1);
    for (const l of retryLines) expect(l).toMatch(/retrying \(2\/2\)$/);
    // Two attempts of 500 ms for the failing request, then at most one for anything after it
    // (the audit record): a handful of connections, not max_attempts (5) per request.
    expect(silent.connections(), show(r)).toBeLessThanOrEqual(4);
    expect(elapsedMs, show(r)).toBeLessThan(20_000);

    expect(await state()).toEqual(before);
  }, 120_000);

  it('with --json the retry is an NDJSON event on stdout and still a line on stderr', async () => {
    await writeFile(path.join(dir, 'floe.yaml'), yaml(silent.endpoint, '    idle_timeout: 500ms'));
    const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'b.csv'), '--json'], { env: S3_ENV });
    await writeFile(path.join(dir, 'floe.yaml'), yaml(s3Endpoint()));

    expect(r.code, show(r)).toBe(1);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const retries = events.filter((e) => e['event'] === 'retry' && e['scope'] === 's3');
    expect(retries.length, show(r)).toBeGreaterThanOrEqual(1);
    for (const e of retries) expect(e).toMatchObject({ endpoint: silent.endpoint, attempt: 1, max_attempts: 2, code: 'TimeoutError' });
    expect(r.stderr).toMatch(new RegExp(`^floe: warning: S3 ${silent.endpoint.replace(/[.]/g, '\\.')} did not answer \\w+ s3://${bucket}/\\S+ within 500 ms \\(idle_timeout\\); retrying \\(2/2\\)$`, 'm'));
  }, 120_000);
});
