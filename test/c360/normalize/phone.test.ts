import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../../src/errors.js';
import { normalizePhone } from '../../../src/c360/normalize/index.js';

describe('normalize: phone', () => {
  it.each([
    ['(415) 555-2671', 'US', '+14155552671'],
    ['415.555.2671', 'US', '+14155552671'],
    ['1-415-555-2671', 'US', '+14155552671'],
    ['+1 415 555 2671', 'US', '+14155552671'],
    ['tel:+14155552671', 'US', '+14155552671'],
    ['１２１２５５５０１２３', 'US', '+12125550123'], // full-width digits from East Asian keyboards
    ['+44 7400 123456', 'US', '+447400123456'],
    ['011 44 7400 123456', 'US', '+447400123456'], // the US exit code
    ['07400 123456', 'GB', '+447400123456'],
    ['+44 (0)7400 123456', 'GB', '+447400123456'],
    ['0044 7400 123456', 'GB', '+447400123456'], // 00 is GB's own international prefix
    ['0151 23456789', 'DE', '+4915123456789'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['(416) 555-0100', 'CA', '+14165550100'],
  ])('%j with region %s → %s', (input, region, value) => {
    expect(normalizePhone(input, { region })).toEqual({ value });
  });

  it("reads '00' as the international prefix when the region dials another one and the regional reading is invalid", () => {
    // TECH-NOTES: libphonenumber alone reads this as a US national number, +100447400123456.
    expect(normalizePhone('0044 7400 123456', { region: 'US' })).toEqual({ value: '+447400123456', flags: ['international-prefix-00'] });
    expect(normalizePhone('(0049) 151-2345 6789', { region: 'US' })).toEqual({ value: '+4915123456789', flags: ['international-prefix-00'] });
    expect(normalizePhone('0044 7400 123456')).toEqual({ value: '+447400123456', flags: ['international-prefix-00'] });
  });

  it('accepts numbers typed as numbers by the source', () => {
    expect(normalizePhone(4155552671, { region: 'US' })).toEqual({ value: '+14155552671' });
    expect(normalizePhone(4155552671n, { region: 'US' })).toEqual({ value: '+14155552671' });
  });

  it("keeps extensions after the E.164 number as RFC 3966 ';ext='", () => {
    for (const [input, ext] of [['415-555-2671 x123', '123'], ['tel:+1-415-555-2671;ext=5', '5'], ['+1 415 555 2671 ext. 99', '99'], ['(415) 555-2671 #12', '12']]) {
      expect(normalizePhone(input, { region: 'US' })).toEqual({ value: `+14155552671;ext=${ext}` });
    }
  });

  it.each([
    '(111) 111-1111',
    '0000000000',
    '123-456-7890',
    '(555) 555-5555',
    '+44 7700 900123', // Ofcom drama range: invalid in the max metadata
    '1-800-FLOWERS',
    '555-1234', // too short
    '447400123456', // international without '+': not guessed
    '07400 123456', // a UK national number under the US region
    'call after 5pm 415 555 2671',
  ])('rejects %j as invalid-phone', (input) => {
    expect(normalizePhone(input, { region: 'US' })).toEqual({ value: null, reject: 'invalid-phone' });
  });

  it('rejects national numbers when no region is given, rather than guessing a country', () => {
    expect(normalizePhone('(415) 555-2671')).toEqual({ value: null, reject: 'missing-country-code' });
    expect(normalizePhone('+1 415 555 2671')).toEqual({ value: '+14155552671' });
    expect(normalizePhone('+1 111 111 1111')).toEqual({ value: null, reject: 'invalid-phone' });
  });

  it('treats missing values and placeholders as null', () => {
    expect(normalizePhone('', { region: 'US' })).toEqual({ value: null });
    expect(normalizePhone('n/a', { region: 'US' })).toEqual({ value: null, flags: ['placeholder'] });
  });

  it("accepts 'UK' as the region GB and refuses unknown regions as config errors", () => {
    expect(normalizePhone('07400 123456', { region: 'UK' })).toEqual({ value: '+447400123456' });
    let err: unknown;
    try {
      normalizePhone('1', { region: 'XX' });
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'config')).toBe(true);
    expect((err as Error).message).toContain("'XX'");
  });
});
