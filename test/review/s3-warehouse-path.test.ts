/**
 * Slips in an s3:// warehouse of floe.yaml. A trailing slash is harmless. An empty path segment
 * (`s3://b//wh`, `s3://b/a//c`) used to be accepted and written into every object key, which
 * PyIceberg's pyarrow S3 filesystem refuses to read ("Empty path component"); `s3:/b/wh` (one
 * slash) used to be taken as a local folder named `s3:`. Both are now configuration errors
 * (exit 2) naming floe.yaml:line:col, and nothing is written.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3WarehouseProblem } from '../../src/io/s3-location.js';
import { S3FileIO } from '../../src/io/s3.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';
import { assertBuilt, floeIn, show, STACK_LINE, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';

const tmp = useTmpDirs('floe-s3-wh-');
let bucket: string;

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-s3-wh');
});

async function project(warehouse: string): Promise<string> {
  const dir = await tmp();
  await writeFile(path.join(dir, 'floe.yaml'), s3FloeYaml({ warehouse, endpoint: s3Endpoint(), catalog: './catalog.db', maxAttempts: 2 }));
  await writeFile(path.join(dir, 'a.csv'), 'id,name\n1,a\n2,b\n');
  await mkdir(path.join(dir, 'pipelines'));
  return dir;
}

async function keys(prefix: string): Promise<string[]> {
  const io = new S3FileIO(testSettings());
  try {
    const out: string[] = [];
    for await (const f of io.list(prefix)) out.push(f.location);
    return out;
  } finally {
    io.client.destroy();
  }
}

describe('s3WarehouseProblem', () => {
  it('accepts plain and trailing-slash warehouses and local paths; names the fix for the others', () => {
    for (const ok of ['s3://b', 's3://b/', 's3://b/wh', 's3://b/wh/', 's3://b/a/b//', './warehouse', '/abs//path', 'file:///x']) {
      expect(s3WarehouseProblem(ok), ok).toBeUndefined();
    }
    expect(s3WarehouseProblem('s3://b//wh')).toBe(
      "s3://b//wh has an empty path segment ('//'), which would be part of every object key and which PyIceberg cannot read: write s3://b/wh",
    );
    expect(s3WarehouseProblem('s3://b/a//c/')).toMatch(/write s3:\/\/b\/a\/c$/);
    expect(s3WarehouseProblem('s3:/b/wh')).toMatch(/^s3:\/b\/wh is not an s3:\/\/ URL \(a slash is missing\)/);
    expect(s3WarehouseProblem('S3:b/wh')).toMatch(/a slash is missing/);
    expect(s3WarehouseProblem('s3:///wh')).toMatch(/names no bucket/);
  });
});

describe('floe with an s3:// warehouse', () => {
  it('a trailing slash: the table lives at <warehouse>/raw/t without a double slash', async () => {
    const dir = await project(`s3://${bucket}/trail/`);
    const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'a.csv')], { env: S3_ENV });
    expect(r.code, show(r)).toBe(0);
    const d = await floeIn(dir, ['describe', 'raw.t', '--json'], { env: S3_ENV });
    expect(d.code, show(d)).toBe(0);
    expect(JSON.parse(d.stdout).metadata.location).toBe(`s3://${bucket}/trail/raw/t`);
    const q = await floeIn(dir, ['query', 'SELECT count(*) AS n FROM raw.t', '--format', 'csv'], { env: S3_ENV });
    expect(q.stdout.trim().split('\n')).toEqual(['n', '2']);
  }, 60_000);

  it('a double slash: exit 2 naming floe.yaml:1:12 and the fixed URL; nothing is written', async () => {
    const dir = await project(`s3://${bucket}//dbl`);
    const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'a.csv')], { env: S3_ENV });
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`floe.yaml:1:12`);
    expect(r.stderr).toContain(`write s3://${bucket}/dbl`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(await keys(`s3://${bucket}/`)).not.toContainEqual(expect.stringContaining('dbl'));
    const v = await floeIn(dir, ['validate'], { env: S3_ENV });
    expect(v.code, show(v)).toBe(2);
    expect(v.stdout + v.stderr).toContain("empty path segment ('//')");
  }, 60_000);

  it('one slash (s3:/bucket/wh): exit 2, and no local folder named s3: appears', async () => {
    const dir = await project(`s3:/${bucket}/wh`);
    const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'a.csv')], { env: S3_ENV });
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('a slash is missing');
    expect(existsSync(path.join(dir, 's3:'))).toBe(false);
  }, 60_000);
});
