/**
 * `normalize: email` keeps the address of a "Name <address>" value, but only when what comes
 * before it is a display name. A pasted list ('a@x.com, Jane <b@y.com>', 'A <a@x.com>, B
 * <b@y.com>') used to keep its last address silently: the row of the first person got the
 * second person's address (and identity resolution linked them). It is now an invalid address,
 * recorded as such.
 */
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../../src/c360/normalize/index.js';

describe('normalize: email, display names and lists', () => {
  it.each([
    'john@x.com, Jane <jane@y.com>',
    'John Doe <john@x.com>, Jane Roe <jane@y.com>',
    'Doe, John <john@x.com>; Roe, Jane <jane@y.com>',
    'Jane <jane@y.com> <x@z.com>',
  ])('refuses the list %j', (input) => {
    expect(normalizeEmail(input)).toEqual({ value: null, reject: 'invalid-email' });
  });

  it.each([
    ['John Doe <John@X.com>', 'john@x.com'],
    ['"Doe, John" <john@x.com>', 'john@x.com'],
    ['Doe, John <john@x.com>', 'john@x.com'],
    ['"john@x.com" <john@x.com>', 'john@x.com'],
    ['<john@x.com>', 'john@x.com'],
    ['mailto:Jane Roe <jane@y.com>', 'jane@y.com'],
  ])('keeps the address of %j', (input, value) => {
    expect(normalizeEmail(input).value).toBe(value);
  });
});
