/**
 * A writer killed in the middle of a multipart upload (cron's timeout, the OOM killer) leaves
 * the upload open on the store: its parts are stored and billed, yet in no object listing, so
 * the orphan sweep never saw them. `floe maintain orphans` now lists the multipart uploads
 * under the table location and aborts those begun before the threshold (a dry run names
 * them); uploads outside the table's folder are not its business.
 *
 * moto reports every upload as begun in 2010, so the age rule is exercised by --older-than
 * only on its "old enough" side here.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { assertBuilt, floeIn, show, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';
import { collect, spawnFloe } from '../helpers/floe-process.js';
import { createTestBucket, faultProxy, s3Endpoint, testSettings } from '../helpers/s3.js';

const tmp = useTmpDirs('floe-s3-review-uploads-');
let bucket: string;
let io: S3FileIO;
let project: string;

const run = (args: string[]) => floeIn(project, args, { env: S3_ENV });

async function openUploads(): Promise<{ key: string; uploadId: string }[]> {
  const r = await io.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (r.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId! })).sort((a, b) => a.key.localeCompare(b.key));
}

/** Begins a multipart upload of `key` and sends one part, as a writer killed after it would leave. */
async function leaveUpload(key: string): Promise<void> {
  const { UploadId } = await io.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  await io.client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(5 * 1024 * 1024) }));
}

async function count(table: string): Promise<string> {
  const r = await run(['query', `SELECT count(*) AS n FROM ${table}`, '--format', 'csv']);
  expect(r.code, show(r)).toBe(0);
  return r.stdout.trim().split('\n')[1]!;
}

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-s3-review-uploads');
  io = new S3FileIO(testSettings());
  project = await tmp();
  await mkdir(path.join(project, 'warehouse'));
  await writeFile(
    path.join(project, 'floe.yaml'),
    s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: s3Endpoint(), catalog: './warehouse/catalog.db', extra: '    multipart_threshold_mb: 5\n    part_size_mb: 5' }),
  );
  await writeFile(path.join(project, 'small.csv'), 'id,s\n1,a\n2,b\n');
  // Random text, so the Parquet file stays above the 5 MB multipart threshold.
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path.join(project, 'big.csv'));
    out.on('error', reject);
    out.write('id,s\n');
    for (let i = 0; i < 250_000; i++) out.write(`${i},${randomBytes(24).toString('hex')}\n`);
    out.end(resolve);
  });
}, 60_000);
afterAll(() => io?.client.destroy());

describe('maintain orphans and incomplete multipart uploads', () => {
  it('a load killed mid-upload: the table is unchanged, and maintain orphans aborts the upload it left', async () => {
    let r = await run(['load', 'raw.big', path.join(project, 'small.csv')]);
    expect(r.code, show(r)).toBe(0);
    let left: { key: string }[] = [];
    // Kill the load as soon as its multipart upload is open (a fast store may finish one
    // before the first poll sees it: then the run committed and is tried again).
    for (let attempt = 0; attempt < 4 && left.length === 0; attempt++) {
      const child = spawnFloe(['--project', project, 'load', 'raw.big', path.join(project, 'big.csv')], project, S3_ENV);
      const done = collect(child);
      let exited = false;
      void done.then(() => (exited = true));
      while (!exited) {
        left = await openUploads();
        if (left.length > 0) {
          child.kill('SIGKILL');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await done;
    }
    expect(left.length, 'a load was killed with its upload open').toBe(1);
    expect(left[0]!.key).toMatch(/^wh\/raw\/big\/data\/.+\.parquet$/);
    const rows = await count('raw.big');
    expect(['2', '250002', '500002', '750002']).toContain(rows);

    r = await run(['maintain', 'orphans', 'raw.big', '--older-than', '1h', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('raw.big: would abort 1 incomplete multipart upload begun before');
    expect(r.stdout).toContain(`  s3://${bucket}/${left[0]!.key} (begun `);
    expect(await openUploads()).toHaveLength(1);

    r = await run(['maintain', 'orphans', 'raw.big', '--older-than', '1h']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('raw.big: aborted 1 incomplete multipart upload begun before');
    expect(await openUploads()).toEqual([]);
    expect(await count('raw.big')).toBe(rows);
  }, 180_000);

  it('only the uploads under the table folder are aborted; --json names them', async () => {
    const r0 = await run(['load', 'raw.t', path.join(project, 'small.csv')]);
    expect(r0.code, show(r0)).toBe(0);
    await leaveUpload('wh/raw/t/data/killed one.parquet');
    await leaveUpload('wh/raw/t-copy/data/x.parquet');
    await leaveUpload('elsewhere/x.bin');
    const r = await run(['maintain', 'orphans', 'raw.t', '--older-than', '1h', '--json']);
    expect(r.code, show(r)).toBe(0);
    const end = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.event === 'end')!;
    expect(end.aborted_uploads).toEqual([`s3://${bucket}/wh/raw/t/data/killed one.parquet`]);
    expect((end.incomplete_uploads as { location: string }[]).map((u) => u.location)).toEqual([`s3://${bucket}/wh/raw/t/data/killed one.parquet`]);
    const rest = await openUploads();
    expect(rest.map((u) => u.key)).toEqual(['elsewhere/x.bin', 'wh/raw/t-copy/data/x.parquet']);
    for (const u of rest) await io.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId }));
    expect(await count('raw.t')).toBe('2');
  }, 60_000);

  it('a store or login that cannot list multipart uploads: the file sweep still runs, with a warning', async () => {
    const proxy = await faultProxy((method, p) => (method === 'GET' && /[?&]uploads(=|&|$)/.test(p) ? '503' : 'pass'));
    try {
      const other = await tmp();
      await writeFile(
        path.join(other, 'floe.yaml'),
        s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: proxy.endpoint, catalog: path.join(project, 'warehouse', 'catalog.db'), maxAttempts: 2 }),
      );
      await io.write(`s3://${bucket}/wh/raw/t/data/stray.parquet`, new TextEncoder().encode('x'));
      const r = await floeIn(other, ['maintain', 'orphans', 'raw.t', '--older-than', '0s', '--allow-recent'], { env: S3_ENV });
      expect(r.code, show(r)).toBe(0);
      expect(proxy.seen.some((s) => /^GET .*[?&]uploads/.test(s)), 'the listing was asked for').toBe(true);
      expect(r.stdout).toContain(`  s3://${bucket}/wh/raw/t/data/stray.parquet`);
      expect(r.stderr).toContain('floe: warning: raw.t: incomplete multipart uploads were not looked for: ');
      expect(await io.exists(`s3://${bucket}/wh/raw/t/data/stray.parquet`)).toBe(false);
    } finally {
      await proxy.close();
    }
    expect(await count('raw.t')).toBe('2');
  }, 60_000);
});
