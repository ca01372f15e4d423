import { describe, expect, it } from 'vitest';
import { MappedFileIO } from '../../src/io/mapped.js';
import { MemoryFileIO } from '../../src/io/memory.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('MappedFileIO', () => {
  const mappings = [
    { from: 's3a://hyperparam-iceberg/', to: '/data/hp/' },
    { from: 's3a://hyperparam-iceberg/special/', to: '/data/special/' },
    { from: 'data/persistent/', to: '/fixtures/duckdb-iceberg/' },
  ];

  it('rewrites prefixes, the longest match winning, and leaves other locations alone', () => {
    const io = new MappedFileIO(new MemoryFileIO(), mappings);
    expect(io.map('s3a://hyperparam-iceberg/wh/t/metadata/v1.json')).toBe('/data/hp/wh/t/metadata/v1.json');
    expect(io.map('s3a://hyperparam-iceberg/special/t/x.parquet')).toBe('/data/special/t/x.parquet');
    expect(io.map('data/persistent/t/metadata/v1.json')).toBe('/fixtures/duckdb-iceberg/t/metadata/v1.json');
    expect(io.map('/already/local.json')).toBe('/already/local.json');
    expect(io.map('s3a://other-bucket/x')).toBe('s3a://other-bucket/x');
  });

  it('aligns the trailing slash of TO with FROM, so a dropped slash cannot glue names together', () => {
    const io = new MappedFileIO(new MemoryFileIO(), [
      { from: 'data/persistent/', to: '/abs/fixtures' },
      { from: 's3a://bucket', to: '/abs/bucket/' },
    ]);
    expect(io.map('data/persistent/t/v1.json')).toBe('/abs/fixtures/t/v1.json');
    expect(io.map('s3a://bucket/t/v1.json')).toBe('/abs/bucket/t/v1.json');
  });

  it('maps a prefix only at a path segment: a copy registered beside the original is not mapped again', async () => {
    const inner = new MemoryFileIO();
    const io = new MappedFileIO(inner, [{ from: '/x/t', to: '/x/t-copy' }]);
    expect(io.map('/x/t/metadata/v1.json')).toBe('/x/t-copy/metadata/v1.json');
    expect(io.map('/x/t')).toBe('/x/t-copy');
    // The catalog's pointer of a registered table names the copy itself: read as it is.
    expect(io.map('/x/t-copy/metadata/v1.json')).toBe('/x/t-copy/metadata/v1.json');
    expect(io.unmap('/x/t-copy/metadata/v1.json')).toBe('/x/t/metadata/v1.json');
    expect(io.unmap('/x/t-copy-2/metadata/v1.json')).toBe('/x/t-copy-2/metadata/v1.json');
    await inner.write('/x/t-copy/metadata/v1.json', bytes('{}'));
    expect(new TextDecoder().decode(await io.read('/x/t-copy/metadata/v1.json'))).toBe('{}');
    expect(new MappedFileIO(inner, [{ from: 's3a:', to: 's3:' }]).map('s3a://b/k')).toBe('s3://b/k');
  });

  it('applies the mapping on every operation, and speaks the stored vocabulary back', async () => {
    const inner = new MemoryFileIO();
    const io = new MappedFileIO(inner, mappings);
    await inner.write('/data/hp/wh/t/metadata/v1.json', bytes('{}'));
    await inner.write('/data/hp/wh/t/data/1.parquet', bytes('PAR1'));
    await inner.write('/data/special/t/2.parquet', bytes('PAR1'));

    expect(new TextDecoder().decode(await io.read('s3a://hyperparam-iceberg/wh/t/metadata/v1.json'))).toBe('{}');
    expect(await io.readRange('s3a://hyperparam-iceberg/wh/t/data/1.parquet', 0, 3)).toEqual(bytes('PAR'));
    expect(await io.exists('s3a://hyperparam-iceberg/wh/t/data/1.parquet')).toBe(true);
    expect(await io.stat('s3a://hyperparam-iceberg/wh/t/data/1.parquet')).toMatchObject({
      location: 's3a://hyperparam-iceberg/wh/t/data/1.parquet',
      size: 4,
    });
    expect(await io.localPath('s3a://hyperparam-iceberg/special/t/2.parquet')).toMatch(/2\.parquet$/);

    await io.write('s3a://hyperparam-iceberg/wh/t/metadata/v2.json', bytes('{"v":2}'), { createOnly: true });
    expect(await inner.exists('/data/hp/wh/t/metadata/v2.json')).toBe(true);
    await expect(io.write('s3a://hyperparam-iceberg/wh/t/metadata/v2.json', bytes('x'), { createOnly: true })).rejects.toMatchObject({
      kind: 'conflict',
    });

    const listed = [];
    for await (const f of io.list('s3a://hyperparam-iceberg/wh/t/')) listed.push(f.location);
    expect(listed).toEqual([
      's3a://hyperparam-iceberg/wh/t/data/1.parquet',
      's3a://hyperparam-iceberg/wh/t/metadata/v1.json',
      's3a://hyperparam-iceberg/wh/t/metadata/v2.json',
    ]);

    await io.delete('s3a://hyperparam-iceberg/wh/t/metadata/v2.json');
    expect(await inner.exists('/data/hp/wh/t/metadata/v2.json')).toBe(false);
    await inner.dispose();
  });

  it('a missing mapped file is reported by the inner FileIO under the real location', async () => {
    const io = new MappedFileIO(new MemoryFileIO(), mappings);
    await expect(io.read('data/persistent/t/v1.json')).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringContaining('/fixtures/duckdb-iceberg/t/v1.json'),
    });
  });
});
