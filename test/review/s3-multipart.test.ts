/**
 * Multipart uploads that fail part way: a part that keeps failing, and a completion that keeps
 * failing. The upload must fail naming the location, leave no object, and abort its multipart
 * upload so that no parts are left behind (they cost storage and never show up in a listing).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { s3ClientConfig } from '../../src/io/s3-settings.js';
import { createTestBucket, faultProxy, testSettings } from '../helpers/s3.js';
import { rejection } from '../helpers/rejection.js';

const MiB = 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), 'floe-s3-mp-'));
let bucket: string;
let raw: S3Client;

beforeAll(async () => {
  bucket = await createTestBucket('floe-s3-mp');
  raw = new S3Client(s3ClientConfig(testSettings()));
});
afterAll(() => {
  raw?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

async function openUploads(): Promise<string[]> {
  const r = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (r.Uploads ?? []).map((u) => u.Key ?? '');
}

describe('a multipart upload that fails part way', () => {
  for (const [what, failing] of [
    ['its second part keeps failing', (method: string, path: string) => method === 'PUT' && /[?&]partNumber=2(&|$)/.test(path)],
    ['its completion keeps failing', (method: string, path: string) => method === 'POST' && /[?&]uploadId=/.test(path)],
  ] as const) {
    it(`${what}: an io error naming the location; no object and no open upload are left`, async () => {
      const key = `up/${what.split(' ')[1]}.bin`;
      const proxy = await faultProxy((method, path) => (failing(method, path) ? '503' : 'pass'));
      const io = new S3FileIO(testSettings({ endpoint: proxy.endpoint, maxAttempts: 2, multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB }));
      const local = join(tmp, `${what.split(' ')[1]}.bin`);
      writeFileSync(local, randomBytes(11 * MiB));
      try {
        const e = await rejection(io.putLocalFile(local, `s3://${bucket}/${key}`));
        expect(e.kind).toBe('io');
        expect(e.message).toContain(`cannot upload s3://${bucket}/${key} at ${proxy.endpoint}`);
        expect(proxy.seen.some((r) => r.startsWith('DELETE ') && r.includes('uploadId='))).toBe(true);
        expect(await io.exists(`s3://${bucket}/${key}`)).toBe(false);
        expect(await openUploads()).not.toContain(key);
      } finally {
        io.client.destroy();
        await proxy.close();
      }
    }, 60_000);
  }
});
