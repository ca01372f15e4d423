/**
 * S3 inputs are staged under their bucket and key for DuckDB. Object keys are not URLs: `#`
 * and `?` are ordinary characters in them, and a key's segment may be longer than a local
 * file name may be. The staged name cut `run#1.csv.gz` to `run`, so DuckDB read the gzip
 * bytes as text ("the line is not UTF-8 text"), and a 300-byte segment failed to stage with
 * ENAMETOOLONG and a hint about the endpoint.
 */
import { gzipSync } from 'node:zlib';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { stagedName } from '../../src/io/stage-cache.js';
import { assertBuilt, floeIn, show, useTmpDirs } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';

const tmp = useTmpDirs('floe-s3-review-staged-');
let bucket: string;
let io: S3FileIO;
let project: string;
const long = 'x'.repeat(150) + 'é'.repeat(100);

const run = (args: string[]) => floeIn(project, args, { env: S3_ENV });

async function rows(table: string): Promise<string[]> {
  const r = await run(['query', `SELECT * FROM ${table} ORDER BY 1`, '--format', 'csv']);
  expect(r.code, show(r)).toBe(0);
  return r.stdout.trim().split('\n');
}

describe('stagedName', () => {
  it('keeps # and ? (they belong to the key) and its extensions', () => {
    expect(stagedName('s3://b/in/run#1.csv.gz')).toEqual(['b', 'in', 'run#1.csv.gz']);
    expect(stagedName('s3://b/in/a?b=c.jsonl')).toEqual(['b', 'in', 'a?b=c.jsonl']);
  });

  it('shortens a segment longer than a file name may be, keeping its start and its end', () => {
    const [b, seg] = stagedName(`s3://b/${long}.csv.gz`);
    expect(b).toBe('b');
    expect(Buffer.byteLength(seg!)).toBeLessThanOrEqual(200);
    expect(seg!.startsWith('xxxx')).toBe(true);
    expect(seg!.endsWith('éé.csv.gz')).toBe(true);
  });
});

describe('floe load from S3 keys that are not URL-shaped', () => {
  beforeAll(async () => {
    assertBuilt();
    bucket = await createTestBucket('floe-s3-review-staged');
    io = new S3FileIO(testSettings());
    project = await tmp();
    await mkdir(path.join(project, 'warehouse'));
    await writeFile(path.join(project, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: s3Endpoint(), catalog: './warehouse/catalog.db' }));
    await io.write(`s3://${bucket}/in/run#1.csv.gz`, gzipSync('id,v\n1,10\n2,20\n'));
    await io.write(`s3://${bucket}/in/${long}.csv.gz`, gzipSync('id,v\n3,30\n'));
  });
  afterAll(() => io?.client.destroy());

  it('a gzipped CSV whose key has a #: its rows', async () => {
    const r = await run(['load', 'raw.hash', `s3://${bucket}/in/run#1.csv.gz`]);
    expect(r.code, show(r)).toBe(0);
    expect(await rows('raw.hash')).toEqual(['id,v', '1,10', '2,20']);
  }, 60_000);

  it('a key with a 350-byte segment, by name and by glob: its rows', async () => {
    let r = await run(['load', 'raw.long', `s3://${bucket}/in/${long}.csv.gz`]);
    expect(r.code, show(r)).toBe(0);
    r = await run(['load', 'raw.both', `s3://${bucket}/in/*.csv.gz`]);
    expect(r.code, show(r)).toBe(0);
    expect(await rows('raw.long')).toEqual(['id,v', '3,30']);
    expect(await rows('raw.both')).toEqual(['id,v', '1,10', '2,20', '3,30']);
  }, 60_000);
});
