/**
 * An S3 input path that names a folder instead of a file. `s3://bucket` was read with a GET of
 * the bucket, whose answer is the bucket's listing: floe load put that XML into a table as a
 * CSV row (exit 0). A prefix (`s3://bucket/in`, `s3://bucket/in/`) was "file not found".
 * Now each is refused as a local folder is: exit 2, naming it, with a glob to give instead.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { assertBuilt, floeIn, show, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';

const tmp = useTmpDirs('floe-s3-review-folders-');
let bucket: string;
let io: S3FileIO;
let project: string;

const run = (args: string[]) => floeIn(project, args, { env: S3_ENV });

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-s3-review-folders');
  io = new S3FileIO(testSettings());
  project = await tmp();
  await mkdir(path.join(project, 'warehouse'));
  await writeFile(path.join(project, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: s3Endpoint(), catalog: './warehouse/catalog.db' }));
  await io.write(`s3://${bucket}/in/a.csv`, new TextEncoder().encode('id\n1\n'));
});
afterAll(() => io?.client.destroy());

describe('floe load of an s3:// folder', () => {
  for (const [what, input, glob] of [
    ['the bucket', () => `s3://${bucket}`, () => `s3://${bucket}/*.csv`],
    ['the bucket with a slash', () => `s3://${bucket}/`, () => `s3://${bucket}/*.csv`],
    ['a prefix', () => `s3://${bucket}/in`, () => `s3://${bucket}/in/*.csv`],
    ['a prefix with a slash', () => `s3://${bucket}/in/`, () => `s3://${bucket}/in/*.csv`],
  ] as const) {
    it(`${what}: exit 2 naming it and a glob; no table`, async () => {
      const r = await run(['load', 'raw.f', input(), '--format', 'csv']);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(`floe: ${input()} is a folder; give files or a glob such as ${glob()}`);
      const t = await run(['tables']);
      expect(t.stdout).not.toContain('raw.f');
    }, 60_000);
  }

  it('a missing file is still not found (exit 1), and a file loads', async () => {
    let r = await run(['load', 'raw.f', `s3://${bucket}/in/nope.csv`]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`file not found: s3://${bucket}/in/nope.csv`);
    r = await run(['load', 'raw.f', `s3://${bucket}/in/a.csv`]);
    expect(r.code, show(r)).toBe(0);
  }, 60_000);
});
