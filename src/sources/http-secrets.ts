/**
 * The pipeline's secrets as an API may echo them back: percent-encoded, as they went out in a
 * query string (`tk+a/b==` is `tk%2Ba%2Fb%3D%3D`), or escaped in a JSON string (`tk+a\/b==`,
 * as PHP's json_encode writes a slash). The redactors know each secret as written, so an error
 * body that quotes the request URL (`{"error": "not found: /items?access_key=tk%2Ba…"}`) would
 * print it. The http source masks these forms too.
 */
import { createRedactor, type Redactor } from '../pipeline/secrets.js';
import type { HttpRequest } from './http-request.js';

/** The forms of `value` on the wire other than itself: percent-encoded (upper and lower case hex, `+` or `%20` for a space) and JSON-escaped. */
export function echoedForms(value: string): string[] {
  const forms = new Set<string>();
  const json = JSON.stringify(value).slice(1, -1);
  for (const f of [encodeURIComponent(value), new URLSearchParams([['', value]]).toString().slice(1), json, json.replaceAll('/', '\\/')]) {
    forms.add(f);
    forms.add(f.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  forms.delete(value);
  return [...forms];
}

/**
 * The secret parts of `text` according to `redact`: the whole text when it masks anything,
 * and each stretch it replaces with `***` when those can be told from the text around them.
 */
export function maskedParts(text: string, redact: Redactor): string[] {
  const masked = redact(text);
  if (masked === text) return [];
  const out = [text];
  const pieces = masked.split('***');
  if (!text.startsWith(pieces[0]!)) return out;
  let at = pieces[0]!.length;
  for (let i = 1; i < pieces.length; i++) {
    const next = pieces[i]!;
    const end = i === pieces.length - 1 ? (text.endsWith(next) ? text.length - next.length : -1) : text.indexOf(next, at + 1);
    if (end < at) return out;
    out.push(text.slice(at, end));
    at = end + next.length;
  }
  return out;
}

/**
 * A redactor for the echoed forms of the secrets the request carries (in its URL, headers and
 * body), as `redact` finds them; to be applied before `redact`.
 */
export function echoRedactor(req: HttpRequest, redact: Redactor): Redactor {
  const texts: string[] = [...Object.values(req.headers)];
  for (const [, v] of req.url.searchParams) texts.push(v);
  for (const segment of req.url.pathname.split('/')) texts.push(decode(segment));
  if (req.body !== undefined) collectStrings(JSON.parse(req.body) as unknown, texts);
  const secrets = texts.flatMap((t) => maskedParts(t, redact));
  const forms = secrets.flatMap(echoedForms);
  if (forms.length === 0) return (t) => t;
  return createRedactor(forms);
}

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, out);
}

/**
 * Where `url` carries a secret `redact` knows (a query value, a path segment, user info), for
 * a redirect to another origin: `the query parameter "api_key"`, or undefined.
 */
export function secretInUrl(url: URL, redact: Redactor): string | undefined {
  const holds = (v: string) => v.length > 0 && redact(v) !== v;
  if (holds(decode(url.username)) || holds(decode(url.password))) return 'user info';
  for (const [name, value] of url.searchParams) if (holds(value)) return `query parameter ${JSON.stringify(name)}`;
  if (url.pathname.split('/').some((s) => holds(decode(s)))) return 'path';
  return undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
