import { describe, expect, it } from 'vitest';
import {
  DEFAULT_METRICS_MODE, parseMetricsMode, truncateLowerBound, truncateUpperBound,
} from '../../src/iceberg/bounds.js';
import { compareValues } from '../../src/iceberg/conversions.js';

const b = (...x: number[]) => Uint8Array.of(...x);

describe('string bounds truncated to W code points', () => {
  it('keeps short values and truncates long ones', () => {
    expect(truncateLowerBound('string', 'iceberg', 16)).toBe('iceberg');
    expect(truncateUpperBound('string', 'iceberg', 16)).toBe('iceberg');
    expect(truncateLowerBound('string', 'abcdefghijklmnopqrstuvwxyz', 16)).toBe('abcdefghijklmnop');
    expect(truncateUpperBound('string', 'abcdefghijklmnopqrstuvwxyz', 16)).toBe('abcdefghijklmnoq');
  });
  it('counts code points, not UTF-16 units', () => {
    expect(truncateLowerBound('string', '😀😀😀', 2)).toBe('😀😀');
    expect(truncateUpperBound('string', '😀😀😀', 2)).toBe('😀😁');
    expect(truncateUpperBound('string', 'aé😀x', 3)).toBe('aé😁');
  });
  it('carries past code points that cannot be incremented', () => {
    expect(truncateUpperBound('string', 'a\u{10ffff}\u{10ffff}z', 3)).toBe('b');
    expect(truncateUpperBound('string', '\u{10ffff}\u{10ffff}z', 2)).toBeNull();
    // U+D7FF + 1 would be a surrogate; the next valid code point is U+E000.
    expect(truncateUpperBound('string', 'a\ud7ffzz', 2)).toBe('a\ue000');
  });
  it('gives bounds that hold for the original value', () => {
    for (const v of ['abcdefghijklmnopqrstuvwxyz', 'ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ', '😀'.repeat(20), 'z\uffff\uffff\uffffa']) {
      for (const w of [1, 2, 3, 16]) {
        expect(compareValues('string', truncateLowerBound('string', v, w), v)).toBeLessThanOrEqual(0);
        const up = truncateUpperBound('string', v, w);
        if (up !== null) expect(compareValues('string', up, v)).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('binary bounds truncated to W bytes', () => {
  it('increments the last byte that is not 0xff', () => {
    expect(truncateLowerBound('binary', b(1, 2, 3, 4), 2)).toEqual(b(1, 2));
    expect(truncateUpperBound('binary', b(1, 2, 3, 4), 2)).toEqual(b(1, 3));
    expect(truncateUpperBound('binary', b(1, 0xff, 3), 2)).toEqual(b(2));
    expect(truncateUpperBound('binary', b(0xff, 0xff, 3), 2)).toBeNull();
    expect(truncateUpperBound('binary', b(0xff, 0xff), 2)).toEqual(b(0xff, 0xff));
  });
  it('never modifies its input, even a Buffer', () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    truncateUpperBound('binary', buf, 2);
    expect([...buf]).toEqual([1, 2, 3, 4]);
  });
});

describe('other types and metrics modes', () => {
  it('leaves other types alone, fixed included', () => {
    expect(truncateUpperBound('long', 5n, 1)).toBe(5n);
    expect(truncateUpperBound('fixed[4]', b(1, 2, 3, 4), 2)).toEqual(b(1, 2, 3, 4));
    expect(truncateLowerBound('string', null, 2)).toBeNull();
  });
  it('parses write.metadata.metrics.* values', () => {
    expect(DEFAULT_METRICS_MODE).toEqual({ mode: 'truncate', width: 16 });
    expect(parseMetricsMode('truncate(8)')).toEqual({ mode: 'truncate', width: 8 });
    expect(parseMetricsMode('full')).toEqual({ mode: 'full' });
    expect(parseMetricsMode('None')).toEqual({ mode: 'none' });
    expect(() => parseMetricsMode('truncate(0)')).toThrow(/invalid metrics mode/);
  });
});
