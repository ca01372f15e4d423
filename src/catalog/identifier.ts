/**
 * Table and namespace names as users type them: `ns.table`, `a.b.table`.
 *
 * The catalog stores a namespace as its levels joined with '.' (the JdbcCatalog and
 * PyIceberg SqlCatalog convention: `JdbcUtil.namespaceToString`), so a level can never
 * contain a '.'; we reject that here instead of writing a row the other engines would split
 * differently. Like PyIceberg's SqlCatalog, a table needs at least one namespace level.
 */
import { configError } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';

/**
 * Why a single name (namespace level or table) is unusable, or null when it is fine.
 * '/' is rejected because names become path segments of the table location
 * (`<warehouse>/<ns>.db/<table>` in Java, `<warehouse>/<ns>/<table>` in PyIceberg).
 */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'a name is empty';
  if (name.includes('/')) return `"${name}" contains '/'`;
  // C0 controls and DEL: they break terminals, logs and object-store keys.
  if (/[\u0000-\u001f\u007f]/.test(name)) return `"${escapeControls(name)}" contains a control character`;
  if (name !== name.trim()) return `"${name}" starts or ends with whitespace`;
  return null;
}

/**
 * The catalog's columns for a namespace (its levels joined with '.') and a table name hold 255
 * characters (VARCHAR(255) in the Iceberg SQL catalog's tables, Postgres enforces it; SQLite
 * stores more, which other engines' catalogs on Postgres then cannot hold). A longer one is
 * refused where it is typed, not at the commit after the data files were written.
 */
const MAX_NAME_LENGTH = 255;

function lengthProblem(namespace: readonly string[], name?: string): string | null {
  const ns = namespace.join('.');
  if (ns.length > MAX_NAME_LENGTH) return `the namespace is ${ns.length} characters long; a catalog holds at most ${MAX_NAME_LENGTH}`;
  if (name !== undefined && name.length > MAX_NAME_LENGTH) return `the table name is ${name.length} characters long; a catalog holds at most ${MAX_NAME_LENGTH}`;
  return null;
}

/** Parses `ns.table` / `a.b.table` into a TableIdentifier; a config error names the bad input. */
export function parseTableIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length < 2) {
    throw configError(`invalid table name "${escapeControls(text)}": expected namespace.table (for example crm.contacts)`, {
      context: { table: text },
    });
  }
  for (const p of parts) {
    const problem = nameProblem(p);
    if (problem) {
      throw configError(`invalid table name "${escapeControls(text)}": ${problem}`, { context: { table: text } });
    }
  }
  const id = { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! };
  const long = lengthProblem(id.namespace, id.name);
  if (long) throw configError(`invalid table name "${shortened(text)}": ${long}`, { context: { table: text } });
  return id;
}

/** A name for a message: up to 80 characters of it. */
const shortened = (text: string): string => (text.length > 80 ? `${escapeControls(text.slice(0, 77))}...` : escapeControls(text));

/** Parses `a` / `a.b` into namespace levels. */
export function parseNamespace(text: string): string[] {
  const levels = text.split('.');
  for (const l of levels) {
    const problem = nameProblem(l);
    if (problem) {
      throw configError(`invalid namespace "${escapeControls(text)}": ${problem}`, { context: { namespace: text } });
    }
  }
  const long = lengthProblem(levels);
  if (long) throw configError(`invalid namespace "${shortened(text)}": ${long}`, { context: { namespace: text } });
  return levels;
}

/** Checks an identifier built in code (not parsed), e.g. from a pipeline file's fields. */
export function validateTableIdentifier(id: TableIdentifier): TableIdentifier {
  const text = formatTableIdentifier(id);
  if (id.namespace.length === 0) {
    throw configError(`invalid table name "${escapeControls(text)}": a table needs a namespace (namespace.table)`, {
      context: { table: text },
    });
  }
  for (const p of [...id.namespace, id.name]) {
    const problem = nameProblem(p) ?? (p.includes('.') ? `"${p}" contains '.'` : null);
    if (problem) throw configError(`invalid table name "${escapeControls(text)}": ${problem}`, { context: { table: text } });
  }
  const long = lengthProblem(id.namespace, id.name);
  if (long) throw configError(`invalid table name "${shortened(text)}": ${long}`, { context: { table: text } });
  return id;
}

/** Checks namespace levels built in code; each must be a valid name without '.'. */
export function validateNamespace(namespace: readonly string[]): readonly string[] {
  const text = formatNamespace(namespace);
  if (namespace.length === 0) throw configError('invalid namespace: it has no levels', { context: { namespace: text } });
  for (const l of namespace) {
    const problem = nameProblem(l) ?? (l.includes('.') ? `"${l}" contains '.'` : null);
    if (problem) throw configError(`invalid namespace "${escapeControls(text)}": ${problem}`, { context: { namespace: text } });
  }
  const long = lengthProblem(namespace);
  if (long) throw configError(`invalid namespace "${shortened(text)}": ${long}`, { context: { namespace: text } });
  return namespace;
}

export function formatNamespace(namespace: readonly string[]): string {
  return namespace.join('.');
}

export function formatTableIdentifier(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}

export function sameTableIdentifier(a: TableIdentifier, b: TableIdentifier): boolean {
  return a.name === b.name && a.namespace.length === b.namespace.length && a.namespace.every((l, i) => l === b.namespace[i]);
}

/** Keeps control characters visible (and harmless) inside error messages and listings. */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
