/**
 * The name of a temporary file written beside `target` and renamed over it once complete
 * (local warehouse files, `floe check --out`, `floe query --out`): hidden, so listings of
 * tables and report folders skip it, and random, so no other writer picks it.
 *
 * A file name may have 255 bytes (NAME_MAX on Linux and macOS); the temporary name adds a dot,
 * 12 hex characters and the suffix, so it keeps at most 100 bytes of UTF-8 of the target's
 * name, cut at a character. A target whose name is near the limit is then writable too.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

const KEPT_NAME_BYTES = 100;

export function tempPathBeside(target: string, suffix: string): string {
  return join(dirname(target), `.${namePrefix(basename(target), KEPT_NAME_BYTES)}.${randomBytes(6).toString('hex')}${suffix}`);
}

/** The start of `name`, at most `bytes` bytes of UTF-8, cut between characters. */
export function namePrefix(name: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const c of name) {
    const n = Buffer.byteLength(c);
    if (used + n > bytes) break;
    out += c;
    used += n;
  }
  return out;
}
