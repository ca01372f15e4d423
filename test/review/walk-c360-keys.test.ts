/**
 * Identifier keys and normalisers of the Customer 360 example, at their edges: addresses
 * whose domain is written in Unicode or in its ASCII (punycode) form, quoted local parts,
 * and the ISO 3166 short names
 * of countries.
 */
import { describe, expect, it } from 'vitest';
import { identifierKey, withoutSubaddress } from '../../src/c360/identity/keys.js';
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
