/**
 * Identifier values that must never link two records (DESIGN §4, identity `match.block_values`).
 * A shared junk value, such as the all-zero advertising id or test@example.com, would chain
 * thousands of unrelated records into one "customer". Blocking is separate from normalising:
 * test@example.com is a valid address to store, it is just no evidence that two rows are one
 * person.
 *
 * Built-in defaults = exact values (DEFAULT_BLOCKED_VALUES) + predicates per identifier kind
 * (DEFAULT_BLOCKED_PREDICATES). A pipeline's own lists are merged on top with mergeBlockLists.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { emailMatchKey } from './email.js';
import { EXTENSION_SEPARATOR, phoneBase } from './phone.js';
import { cleanText, isPlaceholder, PLACEHOLDERS } from './text.js';

export { PLACEHOLDERS };

export type BlockReason =
  | 'placeholder' // 'n/a', 'null', empty, ...
  | 'listed' // in DEFAULT_BLOCKED_VALUES or the pipeline's block_values
  | 'reserved-domain' // RFC 2606 / RFC 6761 names: example.com, *.test, *.invalid
  | 'test-address' // test@…, asdf@…: typed to get past a required field
  | 'placeholder-address' // noreply@…, none@…: an address that names nobody
  | 'repeated-digits' // 0000000000, +1 111-111-1111, loyalty 99999999
  | 'sequential-digits' // 1234567890
  | 'fictional-number' // ranges reserved for films and tests: NANP 555-01XX, Ofcom drama ranges
  | 'repeated-characters'; // 00000000-0000-0000-0000-000000000000

export interface BlockPredicate {
  reason: BlockReason;
  /** Receives the canonical value (see canonicalBlockValue). */
  test: (value: string) => boolean;
}

export type BlockLists = Readonly<Record<string, readonly (string | number)[]>>;

/** Exact values blocked by default, per identifier kind; compared canonically. */
export const DEFAULT_BLOCKED_VALUES: Readonly<Record<string, readonly string[]>> = {
  email: ['user@domain.com', 'name@domain.com', 'email@email.com', 'a@a.com', 'abc@abc.com', 'none@none.com', 'noemail@noemail.com'],
};

const RESERVED_DOMAINS = ['example.com', 'example.net', 'example.org'];
const RESERVED_TLDS = ['test', 'example', 'invalid', 'localhost'];
const TEST_LOCAL_PARTS = new Set(['test', 'testing', 'tester', 'asdf', 'qwerty', 'fake', 'dummy', 'sample']);
const PLACEHOLDER_LOCAL_PARTS = new Set(['noreply', 'no-reply', 'donotreply', 'do-not-reply', 'noemail', 'no-email', 'nomail', 'none', 'null', 'unknown', 'na']);

/** The local part without a '+tag' ('test+1@x' is still test@x), and the domain. */
function emailParts(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  return [address.slice(0, at).replace(/\+.*$/, ''), address.slice(at + 1)];
}

/**
 * North American Numbering Plan 555-0100 to 555-0199 (NANPA: reserved for fictional use) and
 * the UK ranges Ofcom reserves for TV and radio drama (some are valid in libphonenumber's
 * metadata, so isValid() alone keeps them). National significant numbers.
 */
const FICTIONAL: Readonly<Record<string, RegExp>> = {
  '1': /^\d{3}55501\d{2}$/,
  '44': /^(?:2079460\d{3}|1(?:1[3-8]|[2-6]1)4960\d{3}|1914980\d{3}|2896496\d{3}|2920180\d{3}|1632960\d{3}|7700900\d{3}|8081570\d{3}|9098790\d{3}|3069990\d{3})$/,
};

/**
 * [country calling code, national number] of the number without its extension: a junk
 * number stays junk whatever extension follows it. For text that is not a phone number,
 * ['', its digits].
 */
function phoneParts(canonical: string): [string, string] {
  const value = phoneBase(canonical);
  const n = parsePhoneNumberFromString(value);
  return n === undefined ? ['', value.replace(/\D/g, '')] : [n.countryCallingCode, n.nationalNumber];
}

const allSame = (s: string) => s.length > 1 && /^(.)\1*$/.test(s);

export const DEFAULT_BLOCKED_PREDICATES: Readonly<Record<string, readonly BlockPredicate[]>> = {
  email: [
    {
      reason: 'reserved-domain',
      test: (v) => {
        const domain = emailParts(v)[1];
        return RESERVED_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`)) || RESERVED_TLDS.includes(domain.slice(domain.lastIndexOf('.') + 1));
      },
    },
    { reason: 'test-address', test: (v) => TEST_LOCAL_PARTS.has(emailParts(v)[0]) },
    { reason: 'placeholder-address', test: (v) => PLACEHOLDER_LOCAL_PARTS.has(emailParts(v)[0]) },
  ],
  phone: [
    { reason: 'repeated-digits', test: (v) => allSame(phoneParts(v)[1]) },
    { reason: 'sequential-digits', test: (v) => ['0123456789', '1234567890', '9876543210'].includes(phoneParts(v)[1]) },
    {
      reason: 'fictional-number',
      test: (v) => {
        const [cc, national] = phoneParts(v);
        return FICTIONAL[cc]?.test(national) ?? false;
      },
    },
  ],
  // Apple's IDFA and Google's advertising id read all zeros when the user limits tracking:
  // millions of devices share that value.
  device_id: [{ reason: 'repeated-characters', test: (v) => allSame(v.replace(/[^0-9a-z]/g, '')) }],
  loyalty_id: [{ reason: 'repeated-digits', test: (v) => allSame(v.replace(/\D/g, '')) }],
};

/**
 * A written extension at the end of a phone: RFC 3966 ';ext=12' (the form `normalize: phone`
 * stores), 'ext. 12', 'extension 12', 'x12', '#12'.
 */
const PHONE_EXTENSION = /(?:;\s*ext=|\s*(?:ext\.?|extension|x|#)\s*)(\d+)$/;

/**
 * The form block values are compared in. email: trimmed, lower-case, without 'mailto:'.
 * phone: '+' and digits only, and an extension as ';ext=' and its digits, so write blocked
 * phones in E.164 ('+12125550100', '+12125550100;ext=12'), the form `normalize: phone`
 * produces. Other kinds: trimmed and lower-case (ids are case-insensitive).
 */
export function canonicalBlockValue(kind: string, value: string | number): string {
  const s = cleanText(String(value)).toLowerCase();
  if (kind === 'email') return s.replace(/^mailto:/, '');
  if (kind === 'phone') {
    const text = s.replace(/^tel:/, '');
    const ext = PHONE_EXTENSION.exec(text);
    const digits = (t: string) => t.replace(/[^\d+]/g, '');
    return ext ? `${digits(text.slice(0, ext.index))}${EXTENSION_SEPARATOR}${ext[1]}` : digits(text);
  }
  return s;
}

/** Several block lists as one: canonical values, per kind, without repeats, sorted. */
export function mergeBlockLists(...lists: (BlockLists | undefined)[]): Record<string, string[]> {
  const merged = new Map<string, Set<string>>();
  for (const list of lists) {
    for (const [kind, values] of Object.entries(list ?? {})) {
      const set = merged.get(kind) ?? new Set<string>();
      for (const v of values) set.add(canonicalBlockValue(kind, v));
      merged.set(kind, set);
    }
  }
  return Object.fromEntries([...merged].map(([kind, set]) => [kind, [...set].filter((v) => v !== '').sort()]));
}

export interface BlockList {
  /** Why `value` must not be used to link records, or undefined when it may be. */
  isBlocked(kind: string, value: string | null | undefined): BlockReason | undefined;
}

/**
 * The block list a resolver uses: the defaults (unless `defaults: false`) merged with the
 * pipeline's `match.block_values`. A blocked email also blocks every address with the same
 * match key: blocking shared.family@gmail.com blocks sharedfamily+x@gmail.com too. A blocked
 * phone also blocks it with any extension ('+12125550100' blocks '+12125550100;ext=12'); a
 * blocked phone with an extension blocks only that extension.
 */
export function blockList(user: BlockLists = {}, options: { defaults?: boolean } = {}): BlockList {
  const defaults = options.defaults ?? true;
  const listed = mergeBlockLists(defaults ? DEFAULT_BLOCKED_VALUES : {}, user);
  const sets = new Map(Object.entries(listed).map(([kind, values]) => [kind, new Set(values)]));
  const emails = sets.get('email');
  if (emails) for (const e of [...emails]) emails.add(emailMatchKey(e));
  return {
    isBlocked(kind, value) {
      if (value === null || value === undefined) return 'placeholder';
      const v = canonicalBlockValue(kind, value);
      if (isPlaceholder(v)) return 'placeholder';
      const set = sets.get(kind);
      if (set?.has(v) || (kind === 'email' && set?.has(emailMatchKey(v))) || (kind === 'phone' && set?.has(phoneBase(v)))) return 'listed';
      if (!defaults) return undefined;
      for (const p of DEFAULT_BLOCKED_PREDICATES[kind] ?? []) if (p.test(v)) return p.reason;
      return undefined;
    },
  };
}
