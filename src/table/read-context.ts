/**
 * Errors from reading a table's files, told in the table's terms: "table ns.t, snapshot 42:
 * cannot read manifest list <file>: <why>". Every reader of snapshot files (scan planning,
 * expiry, the orphan sweep) wraps its reads here, so a missing or damaged manifest list or
 * manifest names its table, snapshot and file whichever command met it.
 */
import { FloeError } from '../errors.js';

/** Awaits `p`; a failure becomes `message: <cause>` with the table and snapshot in its context. */
export async function withContext<T>(p: Promise<T>, message: string, table: string, snapshot: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw rethrow(e, message, table, snapshot);
  }
}

/** Keeps the kind of a FloeError (not-found stays not-found) and prefixes what floe was doing. */
export function rethrow(e: unknown, message: string, table: string, snapshot: string): FloeError {
  // "cannot read manifest list <f>: file not found: <f>" says the path once.
  const inner = dropRepeatedPaths(e instanceof Error ? e.message : String(e), message);
  const kind = e instanceof FloeError ? e.kind : 'corrupt';
  return new FloeError(kind, `${message}: ${inner}`, {
    cause: e,
    context: { ...(e instanceof FloeError ? e.context : {}), table, snapshot },
    ...(e instanceof FloeError && e.hint !== undefined ? { hint: e.hint } : {}),
    retryable: e instanceof FloeError ? e.retryable : false,
  });
}

/** `inner` without the file locations `outer` already names (`file not found: <f>` → `file not found`). */
function dropRepeatedPaths(inner: string, outer: string): string {
  let out = inner;
  for (const word of inner.split(/\s+/)) {
    const path = word.replace(/[,;:)]+$/, '');
    if (!path.includes('/') || !outer.includes(path)) continue;
    // The Avro decoder starts with the path (`<f>: not a readable Avro file: ...`).
    if (out.startsWith(`${path}: `)) out = out.slice(path.length + 2);
    else out = out.replace(`: ${path}`, '').replace(` ${path}`, '');
  }
  return out;
}
