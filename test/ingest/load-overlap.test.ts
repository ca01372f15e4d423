/**
 * `floe load` reads each input file once, however many of its arguments name it (a glob and
 * one of its files, the same file twice, local or s3://), as a pipeline's `path:` list does.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';
import { assertBuilt, countRows, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';

const tmp = useTmpDirs('floe-load-overlap-');

describe('floe load with overlapping inputs', () => {
  let project: string;
  const at = (p: string) => path.join(project, p);
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(path.join(project, 'ov'));
    await writeFile(path.join(project, 'ov', '1.csv'), 'a,b\n1,x\n');
    await writeFile(path.join(project, 'ov', '2.csv'), 'a,b\n2,y\n');
  });

  it('a glob and one of its files load each row once', async () => {
    const r = await floeIn(project, ['load', 'raw.t', at('ov/*.csv'), at('ov/1.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/created raw\.t: 2 rows/);
    expect(await countRows(project, 'raw.t')).toBe(2n);
  });

  it('the same file twice, also spelled differently, loads once', async () => {
    const r = await floeIn(project, ['load', 'raw.u', at('ov/1.csv'), `${project}/./ov/1.csv`, at('ov/../ov/1.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(await countRows(project, 'raw.u')).toBe(1n);
  });

  it('JSON Lines inputs too', async () => {
    await writeFile(path.join(project, 'ov', '3.jsonl'), '{"a":3}\n');
    const r = await floeIn(project, ['load', 'raw.j', at('ov/*.jsonl'), at('ov/3.jsonl')]);
    expect(r.code, show(r)).toBe(0);
    expect(await countRows(project, 'raw.j')).toBe(1n);
  });
});

describe('floe load with overlapping s3:// inputs', () => {
  let io: S3FileIO;
  let bucket: string;
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    bucket = await createTestBucket('floe-load-overlap');
    io = new S3FileIO(testSettings());
    project = await tmp();
    await mkdir(path.join(project, 'warehouse'));
    await writeFile(path.join(project, 'floe.yaml'), s3FloeYaml({ warehouse: `s3://${bucket}/wh`, endpoint: s3Endpoint(), catalog: './warehouse/catalog.db', maxAttempts: 2 }));
    const enc = (s: string) => new TextEncoder().encode(s);
    await io.write(`s3://${bucket}/ov/1.csv`, enc('a,b\n1,x\n'));
    await io.write(`s3://${bucket}/ov/2.csv`, enc('a,b\n2,y\n'));
  });
  afterAll(() => io?.client.destroy());

  it('an s3:// glob and one of its files load each row once', async () => {
    const r = await floeIn(project, ['load', 'raw.s', `s3://${bucket}/ov/*.csv`, `s3://${bucket}/ov/1.csv`], { env: S3_ENV });
    expect(r.code, show(r)).toBe(0);
    const q = await floeIn(project, ['query', 'SELECT a FROM raw.s ORDER BY a', '--format', 'csv'], { env: S3_ENV });
    expect(q.code, show(q)).toBe(0);
    expect(q.stdout.trim().split('\n')).toEqual(['a', '1', '2']);
  });
});
