/**
 * Building blocks shared by the project, pipeline and check schemas. Each one validates a
 * single field completely, so a bad value is reported on its own line with its own message.
 *
 * Every object in the file formats is strict: an unknown key is an error (a misspelt
 * `delimter` silently ignored would be a wrong pipeline), reported with a suggestion.
 */
import { z } from 'zod';
import { columnTypeProblem } from './column-type.js';
import { DURATION_HINT, tryParseDuration, tryParsePercent } from './duration.js';

/**
 * Cross-field rules run even when a sibling field failed, so that a file with a bad table
 * name *and* a merge without a key reports both (zod's default skips refinements after any
 * error in the object). The rules themselves read the value defensively.
 */
export const evenWithErrors = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

/** Pipeline names: used on the command line and as file names. */
export const PIPELINE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export const pipelineName = z
  .string()
  .regex(PIPELINE_NAME, { error: 'a pipeline name is letters, digits, _ and -, starting with a letter or _' })
  .describe('Defaults to the file name without .yaml');

// Lower-case, digits, underscores, not starting with a digit: these names appear unquoted in
// `sql` pipelines and checks (DuckDB), where anything else would need quoting.
const TABLE_PART = /^[a-z_][a-z0-9_]*$/;

/** Why `text` is not a valid `namespace.table` name for a pipeline file, or null. */
export function tableNameProblem(text: string): string | null {
  const parts = text.split('.');
  if (parts.length !== 2) {
    return `invalid table name '${text}': expected namespace.table with exactly two parts, e.g. crm.contacts`;
  }
  const bad = parts.find((p) => !TABLE_PART.test(p));
  if (bad !== undefined) {
    return `invalid table name '${text}': '${bad}' must be lower-case letters, digits and underscores, not starting with a digit`;
  }
  // A catalog holds names of up to 255 characters (catalog/identifier.ts).
  const long = parts.find((p) => p.length > 255);
  if (long !== undefined) return `invalid table name '${text.slice(0, 40)}...': '${long.slice(0, 20)}...' is ${long.length} characters long; a catalog holds at most 255`;
  return null;
}

export const tableName = z
  .string()
  .superRefine((s, ctx) => {
    const p = tableNameProblem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  })
  .describe('An Iceberg table as namespace.table, e.g. crm.contacts');

export const columnName = z.string().min(1, 'a column name cannot be empty');

export const columnType = z
  .string()
  .superRefine((s, ctx) => {
    const p = columnTypeProblem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  })
  .describe('An Iceberg primitive type: boolean, int, long, float, double, date, time, timestamp, timestamptz, string, uuid, binary, decimal(P,S), fixed[L]');

/** A duration string; the parsed value is milliseconds. */
export const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/, { error: `expected ${DURATION_HINT}` })
  .transform((s) => tryParseDuration(s)!)
  .describe('A duration: a number and a unit (ms, s, m, h, d, w), e.g. 0s, 90m, 6h, 3d, 2w');

/** `'5%'` or a number, both meaning percent; the parsed value is the percentage 0..100. */
export const percent = z
  .union([z.number().min(0), z.string().regex(/^\s*\d+(\.\d+)?\s*%\s*$/, { error: "expected a percentage such as '5%'" })])
  .transform((v) => tryParsePercent(v)!)
  .describe("A percentage: '5%' or a number of percent");

/** One column or a list of them; the parsed value is always a non-empty list. */
export const columnList = z
  .union([columnName, z.array(columnName).min(1, 'list at least one column')])
  .transform((v) => (typeof v === 'string' ? [v] : v));

/**
 * Why a file source's path is a URL floe does not read (`https://…`, `gs://…`), or null: local
 * paths, `file:` and s3:// URLs are read. Never echoes the path: a URL may hold a password.
 */
export function unreadablePathScheme(path: string): string | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(path)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file' || scheme === 's3' || scheme === 's3a' || scheme === 's3n') return null;
  const http = scheme === 'http' || scheme === 'https';
  return `${scheme}:// paths are not read (a path is a local file, a glob or an s3:// URL)${http ? ': download the file first, or read an HTTP API with a pipeline whose source is { kind: http }' : ''}`;
}

const pathText = z.string().min(1).superRefine((p, ctx) => {
  const problem = unreadablePathScheme(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** One path or a list of them (files, globs or s3:// URLs); always a list once parsed. */
export const pathList = z
  .union([pathText, z.array(pathText).min(1, 'list at least one path')])
  .transform((v) => (typeof v === 'string' ? [v] : v))
  .describe('A file, a glob or an s3:// URL, or a list of them; relative to the folder of floe.yaml');

/** Iceberg properties are strings; numbers and booleans written without quotes are accepted as their text. */
export const propertyValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const positiveInt = z.number().int().positive();
export const nonNegativeInt = z.number().int().nonnegative();

/** Why a URL string is unusable for `schemes`, or null. Never echoes the URL: it may hold a password. */
export function urlProblem(text: string, schemes: readonly string[]): string | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  const want = schemes.map((s) => `${s}://`).join(' or ');
  if (scheme === undefined || !schemes.includes(scheme)) return `expected a ${want} URL`;
  try {
    new URL(text);
  } catch {
    return `malformed ${scheme}:// URL (percent-encode special characters in the user name and password)`;
  }
  return null;
}

/**
 * Why an http(s) url would not be sent as written, or null: a '#' starts a fragment (the rest is
 * never sent), and user info followed by another '@' was bent by a password or token written
 * into it unencoded (`http://user:p@ss/w:rd@host/`: the host read is `ss`, a DNS lookup of a
 * piece of the password). Never echoes the url.
 */
export function bentUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null; // urlProblem says it
  }
  const why = text.includes('#')
    ? "has a '#', which starts a fragment: the rest of the url is never sent"
    : (url.username !== '' || url.password !== '') && `${url.pathname}${url.search}`.includes('@')
      ? "has user info and then another '@', after what was read as its host"
      : passwordBeforeSlash(url)
        ? "reads as host and port, then a path holding '@' and a host name: a password with a '/' before the '@' cuts the user info short"
        : undefined;
  return why === undefined
    ? null
    : `the url ${why}; nothing is sent (the url is not shown: it may hold a secret). A '#', '/', '?' or '@' inside a value written into the url (a password, a token, a \${VAR}) must be percent-encoded: %23, %2F, %3F, %40; or put the value in params: or headers:, which floe encodes`;
}

/**
 * `https://user:20/24@api.example.com/x`: a password holding '/' makes `user:20` the host and
 * port, and `/24@api.example.com/x` the path, so the request goes to the host `user` and the
 * password's end shows in every message that prints the path. Told apart from an '@' a path
 * may hold (`/users/@me`, `/@scope/pkg`, `/users/ann@example.com`) by where it is and what
 * follows it: in the first segment, then a dotted host name or `localhost`, while the host
 * read is a bare name with a port.
 */
function passwordBeforeSlash(url: URL): boolean {
  if (url.port === '' || url.hostname.includes('.') || url.hostname === 'localhost' || url.hostname.startsWith('[')) return false;
  // The password's tail is the path's first segment, and the real host right after its '@'.
  return /^\/[^/@]*@(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)(:\d+)?(\/|$)/i.test(url.pathname);
}

export function urlString(schemes: readonly string[], description: string) {
  return z
    .string()
    .superRefine((s, ctx) => {
      const p = urlProblem(s, schemes);
      if (p) ctx.addIssue({ code: 'custom', message: p });
    })
    .describe(description);
}
