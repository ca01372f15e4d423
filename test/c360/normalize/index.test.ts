import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../../src/errors.js';
import { describeFlag, describeReject, FLAGS, NORMALIZE_KINDS, normalizerFor, REJECT_REASONS, type NormalizeRule } from '../../../src/c360/normalize/index.js';

function configErrorOf(rule: NormalizeRule): unknown {
  try {
    normalizerFor(rule);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('normalizerFor', () => {
  it('compiles every kind the pipeline schema accepts', () => {
    expect(NORMALIZE_KINDS).toEqual(['email', 'phone', 'country', 'timestamp', 'name', 'boolean']);
    const samples: Record<string, [NormalizeRule, unknown, string]> = {
      email: [{ normalize: 'email' }, ' A@B.com ', 'a@b.com'],
      phone: [{ normalize: 'phone', region: 'US' }, '(415) 555-2671', '+14155552671'],
      country: [{ normalize: 'country' }, 'UK', 'GB'],
      timestamp: [{ normalize: 'timestamp', zone: 'Europe/London', format: '%d/%m/%Y %H:%M' }, '30/06/2026 13:00', '2026-06-30T12:00:00.000000Z'],
      name: [{ normalize: 'name', case: 'title' }, 'ADA LOVELACE', 'Ada Lovelace'],
      boolean: [{ normalize: 'boolean' }, ' Yes ', 'true'],
    };
    for (const kind of NORMALIZE_KINDS) {
      const [rule, input, value] = samples[kind]!;
      expect(normalizerFor(rule)(input).value).toBe(value);
    }
  });

  it('is pure: the same input gives the same result, in any order', () => {
    const f = normalizerFor({ normalize: 'timestamp', zone: 'America/New_York' });
    const inputs = ['2026-03-08T02:30', '2026-11-01T01:30', 'bad', '2026-06-30T00:00'];
    const first = inputs.map(f);
    const reversed = [...inputs].reverse().map(f).reverse();
    expect(reversed).toEqual(first);
  });

  it('refuses options that belong to another kind, and unknown kinds', () => {
    expect(isFloeError(configErrorOf({ normalize: 'email', region: 'US' }), 'config')).toBe(true);
    expect(isFloeError(configErrorOf({ normalize: 'phone', zone: 'UTC' }), 'config')).toBe(true);
    expect(isFloeError(configErrorOf({ normalize: 'country', case: 'upper' }), 'config')).toBe(true);
    expect(isFloeError(configErrorOf({ normalize: 'zip' as 'email' }), 'config')).toBe(true);
    expect(isFloeError(configErrorOf({ normalize: 'phone', region: 'ZZ' }), 'config')).toBe(true);
  });

  it('describes every reject reason and flag', () => {
    for (const r of Object.keys(REJECT_REASONS) as (keyof typeof REJECT_REASONS)[]) expect(describeReject(r)).toMatch(/\w/);
    for (const f of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) expect(describeFlag(f)).toMatch(/\w/);
  });
});
