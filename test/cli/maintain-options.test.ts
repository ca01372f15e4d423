/** Option values of `floe maintain`, `floe snapshot` and `floe compact` that are out of range. */
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/cli/commands/compact.js';
import { countOption, durationOption } from '../../src/cli/commands/maintain-common.js';

describe('durationOption', () => {
  it('reads durations and refuses ones no time can be counted back by', () => {
    expect(durationOption('--older-than', '3d')).toBe(3 * 86_400_000);
    expect(durationOption('--older-than', '0s')).toBe(0);
    // 99999999999 days before now is no Date at all: it was an internal 'Invalid time value'.
    expect(() => durationOption('--older-than', '99999999999d')).toThrow(/--older-than '99999999999d' is longer than floe can count back from now/);
    expect(() => durationOption('--retain', '5x')).toThrow(/--retain '5x' is not a duration/);
  });
});

describe('countOption', () => {
  it('refuses fractions and words, and names the option', () => {
    expect(countOption('--retain-last', '3', 1)).toBe(3);
    expect(() => countOption('--retain-last', '1.5', 1)).toThrow(/--retain-last '1.5' is not a whole number/);
    expect(() => countOption('--retain-last', '0', 1)).toThrow(/--retain-last 0 must be 1 or more/);
  });
});

describe('parseSize', () => {
  it('reads units and refuses sizes beyond an Iceberg long', () => {
    expect(parseSize('512MiB', '--target-file-size')).toBe(512n * 1024n * 1024n);
    expect(parseSize('1.5k', '--target-file-size')).toBe(1536n);
    expect(() => parseSize('99999999999999999999TiB', '--target-file-size')).toThrow(/--target-file-size: '99999999999999999999TiB' is larger than the largest size/);
    expect(() => parseSize('-5', '--target-file-size')).toThrow(/cannot read size '-5'/);
  });
});
