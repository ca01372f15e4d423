import { describe, expect, it } from 'vitest';
import { emailMatchKey, normalizeEmail } from '../../../src/c360/normalize/index.js';

describe('normalize: email', () => {
  it('stores the trimmed, lower-cased address and keeps Gmail variants distinct, sharing a match key', () => {
    const a = normalizeEmail('John.Doe+news@Gmail.com');
    const b = normalizeEmail('johndoe@gmail.com');
    expect(a).toEqual({ value: 'john.doe+news@gmail.com', matchKey: 'johndoe@gmail.com' });
    expect(b).toEqual({ value: 'johndoe@gmail.com', matchKey: 'johndoe@gmail.com' });
    expect(a.value).not.toBe(b.value);
  });

  it.each([
    ['  ANNA.Smith@Example.ORG\t', 'anna.smith@example.org', 'anna.smith@example.org'],
    ['\u00a0bob@web.de\u200b', 'bob@web.de', 'bob@web.de'],
    ['mailto:Carla@Outlook.com', 'carla@outlook.com', 'carla@outlook.com'],
    ['Dana Ng <Dana.Ng@Hotmail.com>', 'dana.ng@hotmail.com', 'dana.ng@hotmail.com'],
    ['j.o.h.n@googlemail.com', 'j.o.h.n@googlemail.com', 'john@gmail.com'],
    ['eve+shop@outlook.com', 'eve+shop@outlook.com', 'eve@outlook.com'],
    ['fay+x@icloud.com', 'fay+x@icloud.com', 'fay@icloud.com'],
    // Dots matter outside Gmail; plus-tags are only stripped where the provider documents them.
    ['g.h+tag@web.de', 'g.h+tag@web.de', 'g.h+tag@web.de'],
    // Yahoo's '-' is not a tag: mary-jane and mary-sue are different mailboxes.
    ['Mary-Jane@Yahoo.com', 'mary-jane@yahoo.com', 'mary-jane@yahoo.com'],
    ['josé@exämple.de', 'josé@exämple.de', 'josé@exämple.de'],
  ])('%j → %j (match key %j)', (input, value, matchKey) => {
    expect(normalizeEmail(input)).toEqual({ value, matchKey });
  });

  it.each(['john.doe@gmail', 'john doe@gmail.com', 'johndoe.gmail.com', 'jane@@x.com', '@x.com', 'x@', 'a@b.c', 'jane@x.com.'])(
    'rejects %j as invalid-email with a null value',
    (input) => {
      expect(normalizeEmail(input)).toEqual({ value: null, reject: 'invalid-email' });
    },
  );

  it('treats missing values and placeholders as null without rejecting them', () => {
    expect(normalizeEmail(null)).toEqual({ value: null });
    expect(normalizeEmail(undefined)).toEqual({ value: null });
    expect(normalizeEmail('   ')).toEqual({ value: null });
    expect(normalizeEmail('N/A')).toEqual({ value: null, flags: ['placeholder'] });
    expect(normalizeEmail('null')).toEqual({ value: null, flags: ['placeholder'] });
  });

  it('rejects values that are not text', () => {
    expect(normalizeEmail({ email: 'a@b.com' })).toEqual({ value: null, reject: 'unsupported-type' });
    expect(normalizeEmail(true)).toEqual({ value: null, reject: 'unsupported-type' });
  });

  it('computes match keys for already-normalised addresses', () => {
    expect(emailMatchKey('jo.hn+x@gmail.com')).toBe('john@gmail.com');
    expect(emailMatchKey('jo.hn+x@proton.me')).toBe('jo.hn+x@proton.me');
  });
});
