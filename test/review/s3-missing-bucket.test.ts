/**
 * A table whose catalog pointer names a bucket that does not exist (deleted, or a catalog
 * shared with a store where it was never created). floe used to call that "its current
 * metadata file is missing" and suggest going back to an earlier metadata file, which cannot
 * help; now it names the table, the bucket and the endpoint, with the bucket hint. A missing
 * file in an existing bucket is still told as a missing metadata file.
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, s3Endpoint } from '../helpers/s3.js';
import { assertBuilt, expectFailure, floeIn, show, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';

const tmp = useTmpDirs('floe-s3-nobucket-');
let bucket: string;
let dir: string;

function repoint(from: string, to: string): string {
  const db = new Database(path.join(dir, 'catalog.db'));
  try {
    db.prepare(`UPDATE iceberg_tables SET metadata_location = replace(metadata_location, ?, ?) WHERE table_name = 't'`).run(from, to);
    return (db.prepare(`SELECT metadata_location AS m FROM iceberg_tables WHERE table_name = 't'`).get() as { m: string }).m;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-s3-nobucket');
  dir = await tmp();
  await writeFile(path.join(dir, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: s3Endpoint(), catalog: './catalog.db', maxAttempts: 2 }));
  await writeFile(path.join(dir, 'a.csv'), 'id\n1\n');
  const r = await floeIn(dir, ['load', 'raw.t', path.join(dir, 'a.csv')], { env: S3_ENV });
  expect(r.code, show(r)).toBe(0);
});

describe('a catalog pointer into a bucket that does not exist', () => {
  it('names the table, the bucket and the endpoint; the hint is about the bucket, not about earlier metadata', async () => {
    const gone = `${bucket}-gone`;
    const pointer = repoint(`s3://${bucket}/`, `s3://${gone}/`);
    try {
      const r = await floeIn(dir, ['describe', 'raw.t'], { env: S3_ENV });
      expectFailure(r, 1, [`table raw.t: cannot read its current metadata file: bucket ${gone} does not exist at ${s3Endpoint()} (${pointer})`, 'hint: Create the bucket']);
      expect(r.stderr).not.toContain('is missing');
      expect(r.stderr).not.toContain('floe table register');
    } finally {
      repoint(`s3://${gone}/`, `s3://${bucket}/`);
    }
  }, 60_000);

  it('a missing file in an existing bucket is still a missing metadata file', async () => {
    const pointer = repoint('.metadata.json', '-gone.metadata.json');
    try {
      const r = await floeIn(dir, ['describe', 'raw.t'], { env: S3_ENV });
      expectFailure(r, 1, [`table raw.t: its current metadata file is missing: ${pointer}`, 'floe table register raw.t']);
    } finally {
      repoint('-gone.metadata.json', '.metadata.json');
    }
  }, 60_000);
});
