import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { LocalFileIO } from '../../src/io/local.js';
import { fileIOFor, RoutingFileIO } from '../../src/io/resolve.js';
import { LazyS3FileIO } from '../../src/io/s3-lazy.js';

function thrown(fn: () => unknown): FloeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  }
  throw new Error('expected an error');
}

describe('fileIOFor', () => {
  it('serves file: locations and absolute paths from local disk', () => {
    expect(fileIOFor('file:///w/t')).toBeInstanceOf(LocalFileIO);
    expect(fileIOFor('file:/w/t')).toBeInstanceOf(LocalFileIO);
    expect(fileIOFor('/w/t')).toBeInstanceOf(LocalFileIO);
  });

  it('serves s3, s3a and s3n from the S3 FileIO, and rejects unknown schemes and relative paths', () => {
    for (const loc of ['s3://bucket/wh/t', 's3a://bucket/wh/t', 's3n://bucket/wh/t']) {
      expect(fileIOFor(loc)).toBeInstanceOf(LazyS3FileIO);
    }
    expect(thrown(() => fileIOFor('gs://b/x')).message).toContain('"gs://"');
    expect(thrown(() => fileIOFor('data/persistent/x')).hint).toContain('--map-location');
  });
});

describe('RoutingFileIO', () => {
  it('routes each call by the location it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-routing-'));
    const io = new RoutingFileIO();
    await io.write(`file://${dir}/a.txt`, new TextEncoder().encode('a'));
    expect(await io.exists(`${dir}/a.txt`)).toBe(true);
    await expect(io.read('gs://b/a.txt')).rejects.toMatchObject({ kind: 'unsupported' });
    rmSync(dir, { recursive: true, force: true });
  });
});
