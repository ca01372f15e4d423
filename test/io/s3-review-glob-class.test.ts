/**
 * S3 source globs follow the local (DuckDB) glob: `*`, `?` and character classes stay within
 * one path segment. A negated class (`[!x]`, `[^x]`) matched the `/` too, so
 * `s3://b/in2/a[!x]b.csv` also read `in2/a/b.csv`, which the same glob on local files does not.
 */
import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../src/io/s3-glob.js';

describe('globToRegExp character classes', () => {
  it('a negated class matches one character of the segment, never the separator', () => {
    for (const glob of ['s3://b/in2/a[!x]b.csv', 's3://b/in2/a[^x]b.csv']) {
      const re = globToRegExp(glob);
      expect(re.test('s3://b/in2/ayb.csv'), glob).toBe(true);
      expect(re.test('s3://b/in2/axb.csv'), glob).toBe(false);
      expect(re.test('s3://b/in2/a/b.csv'), glob).toBe(false);
    }
  });

  it('a plain class still matches its characters', () => {
    const re = globToRegExp('s3://b/in/[ab]*.csv');
    expect(re.test('s3://b/in/a1.csv')).toBe(true);
    expect(re.test('s3://b/in/c1.csv')).toBe(false);
  });
});
