/** The pure parts of the S3 FileIO: locations, listing plans, globs, settings and client config. */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { globListPrefix, globToRegExp } from '../../src/io/s3-glob.js';
import { inSameFolder, isS3Location, listingPlan, parseS3Location, rangeHeader } from '../../src/io/s3-location.js';
import { DEFAULT_S3_SETTINGS, describeEndpoint, s3ClientConfig, s3SettingsFromProject } from '../../src/io/s3-settings.js';
import { stagedName } from '../../src/io/stage-cache.js';
import { projectSchema } from '../../src/pipeline/schema-project.js';

describe('S3 locations', () => {
  it('parses s3, s3a and s3n with bucket and key', () => {
    expect(parseS3Location('s3://b/wh/t/data/x.parquet')).toEqual({ scheme: 's3', bucket: 'b', key: 'wh/t/data/x.parquet' });
    expect(parseS3Location('S3A://b/k')).toEqual({ scheme: 's3a', bucket: 'b', key: 'k' });
    expect(parseS3Location('s3n://b')).toEqual({ scheme: 's3n', bucket: 'b', key: '' });
    expect(isS3Location('gs://b/k')).toBe(false);
    expect(() => parseS3Location('s3:///k')).toThrow(FloeError);
  });

  it('builds inclusive Range headers', () => {
    expect(rangeHeader(0, 1)).toBe('bytes=0-0');
    expect(rangeHeader(100, 8)).toBe('bytes=100-107');
  });

  it('plans listings so that a folder never reaches into a sibling with a longer name', () => {
    expect(listingPlan('wh/t')).toEqual({ folder: 'wh/t/', partial: 'wh/t' });
    expect(listingPlan('wh/t/')).toEqual({ folder: 'wh/t/', partial: undefined });
    expect(listingPlan('')).toEqual({ folder: '', partial: undefined });
    expect(inSameFolder('wh/data/part-', 'wh/data/part-1.parquet')).toBe(true);
    expect(inSameFolder('wh/t', 'wh/t2/x')).toBe(false);
  });
});

describe('staged names', () => {
  it('keep bucket and key, and never climb out of the cache folder', () => {
    expect(stagedName('s3://b/in/2026/o.csv')).toEqual(['b', 'in', '2026', 'o.csv']);
    expect(stagedName('s3://b/../../etc/x')).toEqual(['b', 'etc', 'x']);
    expect(stagedName('s3://b//a/./c')).toEqual(['b', 'a', 'c']);
  });
});

describe('S3 globs', () => {
  it('lists from the folder before the first wildcard', () => {
    expect(globListPrefix('s3://b/in/*.csv')).toBe('s3://b/in/');
    expect(globListPrefix('s3://b/in/2026-*/x.csv')).toBe('s3://b/in/');
    expect(globListPrefix('s3://b/in/a.csv')).toBe('s3://b/in/a.csv');
  });

  it('matches * and ? within a segment, ** across segments, and character classes', () => {
    const star = globToRegExp('s3://b/in/*.csv');
    expect(star.test('s3://b/in/a.csv')).toBe(true);
    expect(star.test('s3://b/in/sub/a.csv')).toBe(false);
    expect(star.test('s3://b/in/a.csv.gz')).toBe(false);
    const deep = globToRegExp('s3://b/in/**/*.csv');
    expect(deep.test('s3://b/in/a.csv')).toBe(true);
    expect(deep.test('s3://b/in/x/y/a.csv')).toBe(true);
    expect(globToRegExp('s3://b/in/?.csv').test('s3://b/in/ab.csv')).toBe(false);
    const cls = globToRegExp('s3://b/in/[ab]1.csv');
    expect(cls.test('s3://b/in/a1.csv')).toBe(true);
    expect(cls.test('s3://b/in/c1.csv')).toBe(false);
    // Regex metacharacters in names are literal.
    expect(globToRegExp('s3://b/in/a+b(1).csv').test('s3://b/in/a+b(1).csv')).toBe(true);
  });
});

describe('S3 settings', () => {
  it('floe.yaml storage.s3 with defaults becomes FileIO settings', () => {
    const p = projectSchema.parse({ warehouse: 's3://b/wh', catalog: { uri: 'sqlite:./c.db' }, storage: { s3: { endpoint: 'http://localhost:9000', path_style: true } } });
    const s = s3SettingsFromProject(p.storage.s3);
    expect(s).toMatchObject({ endpoint: 'http://localhost:9000', pathStyle: true, region: 'us-east-1', checksum: 'when_required', maxAttempts: 5, createOnly: 'if-none-match', concurrency: 8 });
    expect(s.cacheMaxBytes).toBe(2048 * 1024 * 1024);
    expect(s3SettingsFromProject(undefined)).toEqual(DEFAULT_S3_SETTINGS);
  });

  it('rejects a part size below the S3 minimum and an unknown create_only mode', () => {
    const bad = (s3: Record<string, unknown>) => projectSchema.safeParse({ warehouse: 's3://b/wh', catalog: { uri: 'sqlite:./c.db' }, storage: { s3 } }).success;
    expect(bad({ part_size_mb: 4 })).toBe(false);
    expect(bad({ create_only: 'hope' })).toBe(false);
    expect(bad({ max_attempts: 0 })).toBe(false);
    expect(bad({ profile: 'dev', max_attempts: 3, create_only: 'head-then-put' })).toBe(true);
  });

  it('client config: checksum mode, retries, keys over profile, profile over the default chain', () => {
    const base = { ...DEFAULT_S3_SETTINGS, endpoint: 'http://h:9000', pathStyle: true, maxAttempts: 7 };
    const c = s3ClientConfig(base);
    expect(c).toMatchObject({
      endpoint: 'http://h:9000',
      forcePathStyle: true,
      maxAttempts: 7,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    expect(c.credentials).toBeUndefined();
    expect(c.profile).toBeUndefined();
    expect(s3ClientConfig({ ...base, checksum: 'when_supported' }).requestChecksumCalculation).toBe('WHEN_SUPPORTED');
    expect(s3ClientConfig({ ...base, profile: 'dev' }).profile).toBe('dev');
    const keyed = s3ClientConfig({ ...base, profile: 'dev', accessKeyId: 'AK', secretAccessKey: 'SK' });
    expect(keyed.credentials).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK' });
    expect(keyed.profile).toBeUndefined();
  });

  it('describes the endpoint without user info', () => {
    expect(describeEndpoint({ endpoint: 'https://user:pw@minio.local:9000/', region: 'x' })).toBe('https://minio.local:9000');
    expect(describeEndpoint({ region: 'eu-west-1' })).toBe('AWS S3 (eu-west-1)');
  });
});
