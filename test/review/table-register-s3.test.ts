/**
 * `floe table register <table> s3://bucket/.../table-folder`: the README promises a folder is
 * accepted (the newest `metadata/*.metadata.json`, or the one version-hint.text names). On S3
 * the folder used to be read as if it were a metadata file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';
import { assertBuilt, expectFailure, floeIn, show, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';

const tmp = useTmpDirs('floe-review-register-s3-');
let project: string;
let bucket: string;
const run = (args: string[]) => floeIn(project, args, { env: S3_ENV });

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-register');
  project = await tmp();
  await mkdir(path.join(project, 'warehouse'));
  await writeFile(path.join(project, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: s3Endpoint(), catalog: './warehouse/catalog.db', maxAttempts: 2 }));
  await writeFile(path.join(project, 'a.csv'), 'id\n1\n2\n');
  for (let i = 0; i < 2; i++) {
    const r = await run(['load', 'raw.t', path.join(project, 'a.csv')]);
    expect(r.code, show(r)).toBe(0);
  }
  expect((await run(['table', 'drop', 'raw.t'])).code).toBe(0);
});

describe('floe table register from an S3 folder', () => {
  it('adopts the newest metadata file of the folder (with or without a trailing slash)', async () => {
    const folder = `s3://${bucket}/wh/raw/t`;
    const r = await run(['table', 'register', 'raw.back', `${folder}/`]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^registered raw.back from ${folder}/metadata/00001-[0-9a-f-]+\\.metadata\\.json \\(format v2, 2 snapshots\\)`));
    const q = await run(['query', 'SELECT count(*) AS n FROM raw.back', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('n\n4\n');
  });

  it('a folder with no metadata files fails naming it (exit 1)', async () => {
    const io = new S3FileIO(testSettings());
    await io.write(`s3://${bucket}/empty/metadata/readme.txt`, new TextEncoder().encode('x'));
    expectFailure(await run(['table', 'register', 'raw.none', `s3://${bucket}/empty`]), 1, [`cannot register raw.none: no metadata file in s3://${bucket}/empty/metadata`]);
  });
});
