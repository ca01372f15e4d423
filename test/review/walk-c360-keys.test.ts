/**
 * Identifier keys and normalisers of the Customer 360 example, at their edges: addresses
 * whose domain is written in Unicode or in its ASCII (punycode) form, quoted local parts,
 * and the ISO 3166 short names of countries.
 */
import { describe, expect, it } from 'vitest';
import { identifierKey, phoneRegionOf, withoutSubaddress } from '../../src/c360/identity/keys.js';
import { normalizeCountry } from '../../src/c360/normalize/country.js';
import { emailMatchKey, normalizeEmail } from '../../src/c360/normalize/email.js';

describe('email match keys of internationalised domains', () => {
  it('gives an address the same key whether its domain is written in Unicode or as punycode', () => {
    // müller.de is xn--mller-kva.de: one domain, one mailbox (RFC 5890/5891).
    expect(identifierKey('email', 'jürgen@xn--mller-kva.de')?.key).toBe(identifierKey('email', 'Jürgen@MÜLLER.de')?.key);
    expect(identifierKey('email', 'ann@XN--MNCHEN-3YA.DE')?.key).toBe(identifierKey('email', 'ann@münchen.de')?.key);
    expect(emailMatchKey('ann@xn--mnchen-3ya.de')).toBe(emailMatchKey('ann@münchen.de'));
  });

  it('keeps the address as typed (lower-cased) as the value', () => {
    expect(normalizeEmail('Ann@XN--MNCHEN-3YA.DE').value).toBe('ann@xn--mnchen-3ya.de');
    expect(identifierKey('email', 'ann@xn--mnchen-3ya.de')?.value).toBe('ann@xn--mnchen-3ya.de');
  });

  it('still tells different IDN domains apart', () => {
    expect(identifierKey('email', 'ann@münchen.de')?.key).not.toBe(identifierKey('email', 'ann@munchen.de')?.key);
  });
});

describe('email match keys of quoted local parts', () => {
  it('does not cut a quoted local part at a + inside the quotes (two mailboxes stay two keys)', () => {
    // "john+doe"@x.com and "john+smith"@x.com are two mailboxes; a key of '"john@x.com' for
    // both would link two people, and it is not even an address.
    const a = identifierKey('email', '"john+doe"@x.com');
    const b = identifierKey('email', '"john+smith"@x.com');
    expect(a?.value).toBe('"john+doe"@x.com');
    expect(a?.key).not.toBe(b?.key);
    expect(withoutSubaddress('"john+doe"@x.com')).toBe('"john+doe"@x.com');
    // An unquoted tag is still dropped.
    expect(withoutSubaddress('john+doe@x.com')).toBe('john@x.com');
  });
});

describe('countries by their ISO 3166 short names', () => {
  it.each([
    ['Viet Nam', 'VN'],
    ['United Kingdom of Great Britain and Northern Ireland', 'GB'],
    ['Bolivia (Plurinational State of)', 'BO'],
    ['Iran (Islamic Republic of)', 'IR'],
    ['Venezuela (Bolivarian Republic of)', 'VE'],
    ['Tanzania, United Republic of', 'TZ'],
    ['United States of America (the)', 'US'],
    ['États-Unis', 'US'],
  ])('reads %s as %s', (name, code) => {
    expect(normalizeCountry(name).value).toBe(code);
    expect(phoneRegionOf(name)).toBe(code);
  });

  it('still rejects a qualified name whose short form is two countries', () => {
    // 'Congo' is CG or CD, 'Korea' KR or KP: no guess.
    expect(normalizeCountry('Congo, Democratic Republic of the')).toMatchObject({ value: null, reject: 'unknown-country' });
    expect(normalizeCountry('Korea (the Republic of)')).toMatchObject({ value: null, reject: 'unknown-country' });
  });
});

describe('countries with a qualifier that is not ISO style', () => {
  it('does not read a place and its country as the first part', () => {
    expect(normalizeCountry('Georgia, USA').value).toBeNull();
    expect(normalizeCountry('Georgia (USA)').value).toBeNull();
    expect(normalizeCountry('Virgin Islands (British)').value).toBe('VG'); // a name of its own
  });
});

describe('phone_region from a locale', () => {
  it("reads the region of a locale written with 'UK', as normalize: country and the phone region option read 'UK'", () => {
    expect(phoneRegionOf('UK')).toBe('GB');
    expect(phoneRegionOf('en-UK')).toBe('GB');
    expect(phoneRegionOf('en_uk')).toBe('GB');
    expect(identifierKey('phone', '020 8384 5999', { phoneRegion: phoneRegionOf('en-UK')! })?.key).toBe('+442083845999');
  });
});
