import { describe, expect, it } from 'vitest';
import { blockList, DEFAULT_BLOCKED_PREDICATES, mergeBlockLists, normalizePhone } from '../../../src/c360/normalize/index.js';

const defaults = blockList();

describe('blocked identifier values', () => {
  it.each([
    ['email', null, 'placeholder'],
    ['email', '', 'placeholder'],
    ['email', 'NULL', 'placeholder'],
    ['email', 'n/a', 'placeholder'],
    ['email', 'test@example.com', 'reserved-domain'],
    ['email', 'Jane@mail.example.org', 'reserved-domain'],
    ['email', 'qa@shop.test', 'reserved-domain'],
    ['email', 'test@gmail.com', 'test-address'],
    ['email', 'test+42@outlook.com', 'test-address'],
    ['email', 'asdf@asdf.de', 'test-address'],
    ['email', 'noreply@shop.com', 'placeholder-address'],
    ['email', 'none@gmail.com', 'placeholder-address'],
    ['email', 'user@domain.com', 'listed'],
    ['phone', '0000000000', 'repeated-digits'],
    ['phone', '+11111111111', 'repeated-digits'],
    ['phone', '+12222222222', 'repeated-digits'], // the country code is not part of the repeat
    ['phone', '+11234567890', 'sequential-digits'],
    ['phone', '+12125550123', 'fictional-number'], // NANP 555-01XX
    ['phone', '+442079460123', 'fictional-number'], // Ofcom drama range, valid in the metadata
    ['phone', '+441134960000', 'fictional-number'],
    ['phone', '-', 'placeholder'],
    ['device_id', '00000000-0000-0000-0000-000000000000', 'repeated-characters'],
    ['device_id', 'unknown', 'placeholder'],
    ['loyalty_id', '99999999', 'repeated-digits'],
    ['anything_else', 'undefined', 'placeholder'],
  ])('%s %j is blocked: %s', (kind, value, reason) => {
    expect(defaults.isBlocked(kind, value)).toBe(reason);
  });

  it.each([
    ['email', 'john.doe@gmail.com'],
    ['email', 'testa@gmail.com'],
    ['email', 'contest@shop.com'],
    ['phone', '+14155552671'],
    ['phone', '+12125550200'], // 555-02XX is not reserved
    ['phone', '+447400123456'],
    ['device_id', '3f2b8c1e-9a4d-4e7b-8c21-5d6e7f809a1b'],
    ['loyalty_id', 'L00012345'],
    ['loyalty_id', '00012345'],
  ])('%s %j is not blocked', (kind, value) => {
    expect(defaults.isBlocked(kind, value)).toBeUndefined();
  });

  it('blocks what the phone normaliser rejects as junk, so raw and normalised data agree', () => {
    for (const junk of ['(111) 111-1111', '0000000000']) {
      expect(normalizePhone(junk, { region: 'US' }).reject).toBe('invalid-phone');
      expect(defaults.isBlocked('phone', junk)).toBe('repeated-digits');
    }
  });

  it('merges user lists canonically, without repeats', () => {
    const merged = mergeBlockLists(
      { email: [' Shared.Family@Gmail.com ', 'OFFICE@acme.com'], phone: ['+1 (415) 555-2671'] },
      { email: ['office@acme.com'], loyalty_id: [12345678] },
      undefined,
    );
    expect(merged).toEqual({
      email: ['office@acme.com', 'shared.family@gmail.com'],
      phone: ['+14155552671'],
      loyalty_id: ['12345678'],
    });
  });

  it('a blocked email blocks every address with the same match key', () => {
    const list = blockList({ email: ['shared.family@gmail.com'] });
    expect(list.isBlocked('email', 'SharedFamily+promo@googlemail.com')).toBe('listed');
    expect(list.isBlocked('email', 'shared.family@outlook.com')).toBeUndefined();
  });

  it('user values apply to their kind only; defaults can be switched off', () => {
    const list = blockList({ phone: ['+14155552671'], device_id: ['ABC-123'] });
    expect(list.isBlocked('phone', '+1 415 555 2671')).toBe('listed');
    expect(list.isBlocked('device_id', 'abc-123')).toBe('listed');
    expect(list.isBlocked('loyalty_id', '+14155552671')).toBeUndefined();
    const bare = blockList({ email: ['a@b.com'] }, { defaults: false });
    expect(bare.isBlocked('email', 'test@example.com')).toBeUndefined();
    expect(bare.isBlocked('email', 'user@domain.com')).toBeUndefined();
    expect(bare.isBlocked('email', 'A@B.com')).toBe('listed');
    expect(bare.isBlocked('email', 'n/a')).toBe('placeholder'); // a placeholder never links
  });

  it('exports the default predicates per identifier kind', () => {
    expect(Object.keys(DEFAULT_BLOCKED_PREDICATES).sort()).toEqual(['device_id', 'email', 'loyalty_id', 'phone']);
  });
});
