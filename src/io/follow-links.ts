/**
 * Where a file an output option names really is, for writing it by replacing it (a temporary
 * file beside it, renamed over it): `floe query --out`, `floe check --out`.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const SPECIAL = /^\/(dev|proc)(\/|$)/;

/**
 * The path `target`'s symbolic links lead to (itself when it is none; a missing file's path
 * as it would be created), or undefined when the way leads through /dev or /proc or goes on
 * for more than 40 links.
 */
export async function followLinks(target: string): Promise<string | undefined> {
  let path = resolve(target);
  for (let hops = 0; hops <= 40; hops++) {
    if (SPECIAL.test(path)) return undefined;
    const link = await lstat(path).catch(() => null);
    if (!link?.isSymbolicLink()) {
      // A folder on the way may itself be a link: the file is where the real folder is.
      const dir = await realpath(dirname(path)).catch(() => dirname(path));
      return SPECIAL.test(dir) ? undefined : join(dir, basename(path));
    }
    path = resolve(dirname(path), await readlink(path));
  }
  return undefined;
}
