/**
 * `normalize: email`. The stored address is the input trimmed and lower-cased, nothing more:
 * it is what the person typed and where mail must still arrive. The match key additionally
 * applies the mailbox providers' aliasing rules so that identity resolution sees
 * 'John.Doe+news@Gmail.com' and 'johndoe@gmail.com' as one mailbox.
 */
// The two functions only: the package's main entry loads every validator (about 150 ms).
// These files are CommonJS with `module.exports.default` set as well, which is the binding the
// typings describe, so `.default` is right both for TypeScript and at run time.
import isEmailModule, { type IsEmailOptions } from 'validator/lib/isEmail.js';
import normalizeEmailModule, { type NormalizeEmailOptions } from 'validator/lib/normalizeEmail.js';
import { domainToUnicode } from 'node:url';

const isEmail = isEmailModule.default;
const normalize = normalizeEmailModule.default;
import { prepare } from './text.js';
import type { Normalized, Normalizer } from './types.js';

// Pinned rather than left to validator's defaults, so an upgrade cannot silently change what
// counts as valid. UTF-8 local parts and IDN domains are real addresses (RFC 6531).
const IS_EMAIL: IsEmailOptions = {
  allow_display_name: false,
  require_tld: true,
  allow_utf8_local_part: true,
  allow_ip_domain: false,
  domain_specific_validation: false,
  ignore_max_length: false,
};

// Match-key rules, also pinned. Gmail ignores dots and everything after '+', and
// googlemail.com is the same service; Outlook/Hotmail/Live and iCloud deliver '+tag' to the
// base mailbox. Yahoo's '-' rule is off on purpose: Yahoo "disposable" addresses are
// base-keyword pairs, not tags on the user's address, and stripping after '-' would merge
// mary-jane@yahoo.com with mary-sue@yahoo.com, two different people.
const MATCH_KEY: NormalizeEmailOptions = {
  all_lowercase: true,
  gmail_lowercase: true,
  gmail_remove_dots: true,
  gmail_remove_subaddress: true,
  gmail_convert_googlemaildotcom: true,
  outlookdotcom_lowercase: true,
  outlookdotcom_remove_subaddress: true,
  yahoo_lowercase: true,
  yahoo_remove_subaddress: false,
  icloud_lowercase: true,
  icloud_remove_subaddress: true,
};

/**
 * An internationalised domain in one form: 'xn--mller-kva.de' (the ASCII form that DNS and
 * many forms store) is 'müller.de' (RFC 5891), so both spellings of one mailbox meet. Labels
 * that are not valid punycode leave the domain as it is.
 */
function unicodeDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || !domain.includes('xn--')) return address;
  const unicode = domainToUnicode(domain);
  return unicode === '' ? address : `${address.slice(0, at)}@${unicode.toLowerCase()}`;
}

/**
 * The identity match key of an address that is already valid and lower-cased. Only for
 * comparing; never store or send mail to it.
 */
export function emailMatchKey(address: string): string {
  const unicode = unicodeDomain(address);
  const key = normalize(unicode, MATCH_KEY);
  return key === false ? unicode : key;
}

/**
 * 'mailto:' prefixes and "Name <address>" forms come from pasted links and mail clients;
 * only the address is kept. Anything else invalid (no '@', no TLD, spaces) becomes null
 * with reject 'invalid-email'.
 */
export function normalizeEmail(input: unknown): Normalized {
  const p = prepare(input);
  if ('done' in p) return p.done;
  let s = p.text.replace(/^mailto:/i, '');
  const angle = /^(.*)<([^<>]*)>$/.exec(s);
  // Only a display name may come before the address ('"Doe, John" <john@x.com>'): text there
  // with an '@', '<' or '>' outside quotes is another address ('a@x.com, Jane <b@y.com>'), and
  // keeping the last of a list would give one person's row another person's address.
  if (angle && !/[@<>]/.test((angle[1] ?? '').replace(/"(?:[^"\\]|\\.)*"/g, ''))) s = (angle[2] ?? '').trim();
  // toLowerCase, not toLocaleLowerCase: a Turkish locale would turn 'I' into a dotless 'ı'.
  s = s.toLowerCase();
  if (!isEmail(s, IS_EMAIL)) return { value: null, reject: 'invalid-email' };
  return { value: s, matchKey: emailMatchKey(s) };
}

/** Email has no options; the factory exists so every normaliser is compiled the same way. */
export function emailNormalizer(): Normalizer {
  return normalizeEmail;
}
