/**
 * Secrets are never printed (DESIGN §4). A Redactor replaces every known secret value with
 * `***` in any text about to leave the process: messages, logs, plans, --json events.
 *
 * What counts as a secret:
 * - the value of every interpolated variable whose name looks secret (…PASSWORD…, …SECRET…,
 *   …TOKEN…, …_KEY…, credentials, private, auth);
 * - the password of every URL with credentials (`scheme://user:password@host`), and the
 *   values of secret-looking query parameters (`?password=`, `?token=`, `&sig=`), wherever
 *   the URL came from (a variable or the file itself);
 * - string values under secret-looking keys of the validated files (`secret_access_key`,
 *   an `Authorization` header).
 */
import type { Interpolation } from './interpolate.js';
import { escapeRegExp } from '../regexp.js';

export type Redactor = (text: string) => string;

const SECRET_WORD = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|APIKEY|CREDENTIAL|PRIVATE|AUTHORIZATION|COOKIE/i;
const SECRET_SEGMENT = new Set(['KEY', 'PASS', 'PWD', 'AUTH', 'SIG', 'SIGNATURE']);

/** True for names such as DB_PASSWORD, AWS_SECRET_ACCESS_KEY, api-key, Authorization. */
export function looksSecretName(name: string): boolean {
  // PWD alone is the shell's working directory, not a password.
  if (name === 'PWD') return false;
  return SECRET_WORD.test(name) || name.toUpperCase().split(/[^A-Z0-9]+/).some((s) => SECRET_SEGMENT.has(s));
}

// userinfo password: everything between the first ':' after the scheme and the last '@'
// before the path, so an unencoded '@' inside a password is still covered.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#]*)@/gi;
const SECRET_PARAM = /([?&;])((?:[a-z_]*password|pass|pwd|[a-z_]*token|[a-z_]*secret|api_?key|key|sig|signature|x-amz-signature|x-amz-credential)=)([^&#\s"']+)/gi;

/** The same text with URL passwords and secret query parameter values replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(URL_PASSWORD, (_m, scheme: string, user: string, pw: string) => (pw === '' ? _m : `${scheme}${user}:***@`)).replace(SECRET_PARAM, '$1$2***');
}

function decoded(s: string): string[] {
  try {
    const d = decodeURIComponent(s);
    return d === s ? [s] : [s, d];
  } catch {
    return [s];
  }
}

/** Passwords and secret query parameter values found in URLs inside `text`, raw and percent-decoded. */
export function urlSecrets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URL_PASSWORD)) if (m[3]) out.push(...decoded(m[3]));
  for (const m of text.matchAll(SECRET_PARAM)) if (m[3]) out.push(...decoded(m[3]));
  return out;
}

/**
 * A redactor for the given secret values. Longest first, so a secret that contains another
 * is replaced whole. Values under 4 characters are only redacted inside URLs (by structure,
 * above): masking every `ab` in every message would make output unreadable while hiding
 * nothing a guess would not find.
 */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const values = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return redactUrl;
  const re = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text: string) => redactUrl(text).replace(re, '***');
}

/** Bearer/Basic tokens: the credential after the scheme word is secret on its own too. */
function headerSecrets(value: string): string[] {
  const m = /^\s*[A-Za-z]+\s+(\S+)\s*$/.exec(value);
  return m ? [value, m[1]!] : [value];
}

/** Every secret in interpolated values and in the validated configuration values. */
export function collectSecrets(used: Iterable<Interpolation>, ...configs: unknown[]): string[] {
  const out: string[] = [];
  for (const u of used) {
    if (looksSecretName(u.name)) out.push(u.value);
    out.push(...urlSecrets(u.value));
  }
  const walk = (v: unknown, key: string | undefined): void => {
    if (typeof v === 'string') {
      if (key !== undefined && looksSecretName(key)) out.push(...headerSecrets(v));
      out.push(...urlSecrets(v));
    } else if (Array.isArray(v)) {
      for (const item of v) if (typeof item !== 'string') walk(item, undefined);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) walk(item, k);
    }
  };
  for (const c of configs) walk(c, undefined);
  return out;
}

/** A deep copy of `value` with every string passed through `redact` (for --json output). */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}
