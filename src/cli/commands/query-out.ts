/**
 * Where `floe query --out FILE` writes, and how: the folder must exist and FILE must not be a
 * folder (usage errors naming --out, found before the query runs); the result goes to a
 * temporary file next to FILE that is renamed over it only once complete, so a query that
 * fails leaves an existing FILE as it was and never leaves half a result.
 *
 * Without --format, FILE's extension picks it: .csv, .json, .parquet (anything else: table).
 */
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { followLinks } from '../../io/follow-links.js';
import { tempPathBeside } from '../../io/temp-name.js';

export type QueryFormat = 'table' | 'csv' | 'json' | 'parquet';

/** The format `--out FILE` implies when no --format was given. */
export function formatForOut(out: string): QueryFormat | undefined {
  const ext = extname(out).toLowerCase();
  return ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : ext === '.parquet' ? 'parquet' : undefined;
}

/** The absolute target of --out, checked: its folder exists, and it is not itself a folder. */
export async function checkOutTarget(out: string): Promise<string> {
  const target = resolve(out);
  const dir = dirname(target);
  const folder = await stat(dir).catch(() => null);
  if (!folder) throw usageError(`--out ${out}: the folder ${dir} does not exist`, { hint: 'create it first; floe query does not create folders' });
  if (!folder.isDirectory()) throw usageError(`--out ${out}: ${dir} is not a folder`);
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw usageError(`--out ${out}: ${target} is a folder; give a file name`);
  return target;
}

/**
 * Runs `write(tmp)` to a temporary file beside the file `target` names and renames it over that
 * file when it succeeded; on failure the temporary file is removed and the file is untouched.
 * A symbolic link is followed: the file it leads to is replaced, not the link (renaming over
 * the link replaced it with a plain file and left its target as it was). A target that is not
 * a regular file (a device, a pipe), or that leads through /dev or /proc (`/dev/stdout`, a link
 * to `/proc/self/fd/1`: a shell's redirect, perhaps appending to a log), is written directly.
 */
export async function writeReplacing(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const followed = await followLinks(target);
  const existing = await stat(target).catch(() => null);
  if (existing && (followed === undefined || !existing.isFile())) return write(target);
  const file = followed ?? target;
  const tmp = tempPathBeside(file, '.floe-tmp');
  try {
    await write(tmp);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
