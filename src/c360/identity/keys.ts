/**
 * Identifier values → match keys, per identifier kind. Two records are linked only by equal
 * keys of the same kind (an email never matches a phone), and a value that does not parse as
 * its kind is garbage: it gets no key and links nothing.
 *
 * | kind                         | canonical value            | match key                                      |
 * |------------------------------|----------------------------|------------------------------------------------|
 * | email, *_email               | trimmed, lower-case address| provider aliasing (email.ts), any '+tag' removed|
 * | phone, *_phone               | E.164 (record's region, US)| the E.164 value with its extension, if any     |
 * | loyalty_id, *_loyalty*       | trimmed, upper-case        | digits without a letter prefix or leading zeros |
 * | anything else                | trimmed                    | lower-case                                     |
 *
 * A phone's extension is part of its key: '+12125550100;ext=12' and '+12125550100;ext=34' are
 * two people behind one switchboard, and '+12125550100' without an extension is the
 * switchboard itself (or a direct line), which neither extension alone identifies. Linking the
 * bare number to an extension would chain every extension of the switchboard together.
 *
 * Loyalty numbers lose their prefix and leading zeros in spreadsheets ('L00104553' becomes
 * '104553'), so only the number itself is compared.
 *
 * Email keys drop a '+tag' (RFC 5233 subaddress) at every domain, not only at the providers
 * whose aliasing email.ts knows: most mail servers (GMX, Comcast, BT, Fastmail, Proton,
 * self-hosted Postfix and Exchange) deliver 'mary+shop@' to 'mary@', and people type tags
 * to sort or trace mail from the shop. Providers that do not deliver tags do not allow '+' in a
 * mailbox name at all (Yahoo uses '-' for its own disposable addresses, which stay apart), so
 * the rule cannot join two real mailboxes.
 */
import { emailMatchKey, normalizeEmail } from '../normalize/email.js';
import { phoneNormalizer, phoneRegionOf } from '../normalize/phone.js';
import type { Normalizer } from '../normalize/types.js';
import { cleanText, isPlaceholder } from '../normalize/text.js';

export type KeyFamily = 'email' | 'phone' | 'loyalty' | 'other';

export function keyFamily(kind: string): KeyFamily {
  const k = kind.toLowerCase();
  if (k === 'email' || k.endsWith('_email')) return 'email';
  if (k === 'phone' || k.endsWith('_phone')) return 'phone';
  if (k.includes('loyalty')) return 'loyalty';
  return 'other';
}

/** The kind name the built-in block list (blocked.ts) knows this kind by. */
export function blockKind(kind: string): string {
  const f = keyFamily(kind);
  return f === 'email' ? 'email' : f === 'phone' ? 'phone' : f === 'loyalty' ? 'loyalty_id' : kind;
}

export interface IdentifierKey {
  /** The value as stored in profiles. */
  value: string;
  /** What records are compared by. */
  key: string;
}

/** The region phones written without a country code are read in when a record names none. */
export const DEFAULT_PHONE_REGION = 'US';

/**
 * A record's region for reading national phone numbers, from what its `phone_region` column
 * holds: an ISO 3166 code ('GB', 'DEU'), a country name in the forms `normalize: country`
 * reads ('Deutschland', 'U.K.'), or a locale with a region ('en-GB', 'de_DE'). undefined when
 * it names no country with a numbering plan; the record then uses DEFAULT_PHONE_REGION.
 * (The same reading as a column rule's `region_from`, src/c360/normalize/phone.ts.)
 */
export { phoneRegionOf };

/** undefined for a missing or unusable value. */
export function identifierKey(kind: string, raw: unknown, options: { phoneRegion?: string } = {}): IdentifierKey | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text = cleanText(String(raw));
  if (text === '' || isPlaceholder(text.toLowerCase())) return undefined;
  switch (keyFamily(kind)) {
    case 'email': {
      const n = normalizeEmail(text);
      return typeof n.value === 'string' ? { value: n.value, key: withoutSubaddress(emailMatchKey(n.value)) } : undefined;
    }
    case 'phone': {
      const n = phoneFor(options.phoneRegion ?? DEFAULT_PHONE_REGION)(text);
      return typeof n.value === 'string' ? { value: n.value, key: n.value } : undefined;
    }
    case 'loyalty': {
      // A negative number ('-1', an integer column's "no card") is no loyalty number; without
      // this the '-' would be dropped below and -1 would match card 1.
      if (/^-\s*\d+(?:\.0*)?$/.test(text)) return undefined;
      const compact = text.replace(/[\s-]/g, '').toUpperCase();
      const m = /^[A-Z]*0*(\d+)$/.exec(compact);
      return { value: compact, key: m ? m[1]! : compact.toLowerCase() };
    }
    default:
      return { value: text, key: text.toLowerCase() };
  }
}

/**
 * 'mary+shop@gmx.de' → 'mary@gmx.de'; an address whose local part is only a tag stays as it
 * is, and so does a quoted local part ('"john+doe"@x.com'), where '+' is part of the name.
 */
export function withoutSubaddress(address: string): string {
  if (address.startsWith('"')) return address;
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  return plus > 0 && plus < at ? address.slice(0, plus) + address.slice(at) : address;
}

const phones = new Map<string, Normalizer>();
function phoneFor(region: string): Normalizer {
  let n = phones.get(region);
  if (!n) phones.set(region, (n = phoneNormalizer({ region })));
  return n;
}
