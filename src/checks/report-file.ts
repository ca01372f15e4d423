/**
 * Where `floe check --out FILE` writes its report. Everything that can be found out about
 * FILE is found out before any check runs: its folder must exist, FILE must not be a folder,
 * and a temporary file is created beside it at once, so a folder that cannot be written in
 * (permissions, a read-only file system) fails the command before it does any work. The
 * report goes to that temporary file and is renamed over FILE only once complete: a failure
 * or a kill never leaves half a report, and an existing FILE stays as it was until then.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FloeError, usageError } from '../errors.js';
import { followLinks } from '../io/follow-links.js';
import { tempPathBeside } from '../io/temp-name.js';

export interface ReportFile {
  /** The absolute path the report ends up at. */
  target: string;
  /** Writes the whole report and puts it in place. */
  commit(body: string): Promise<void>;
  /** Removes the temporary file if the report was not committed; never throws. */
  discard(): Promise<void>;
}

export async function openReportFile(out: string, option = '--out'): Promise<ReportFile> {
  const target = resolve(out);
  const dir = dirname(target);
  const folder = await stat(dir).catch(() => null);
  if (!folder) throw usageError(`${option} ${out}: the folder ${dir} does not exist`, { hint: 'create it first; floe check does not create folders' });
  if (!folder.isDirectory()) throw usageError(`${option} ${out}: ${dir} is not a folder`);
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw usageError(`${option} ${out}: ${target} is a folder; give a file name`);
  // A symbolic link is followed: the file it leads to is replaced, not the link (io/follow-links.ts).
  const followed = await followLinks(target);
  // /dev/stdout, a named pipe, a link into /proc/self/fd: written as they are (renaming over one would replace it).
  if (existing && (followed === undefined || !existing.isFile())) {
    return { target, commit: (body) => writeFile(target, body).catch((e) => Promise.reject(writeError(option, out, e))), discard: async () => undefined };
  }
  const file = followed ?? target;
  const tmp = tempPathBeside(file, '.floe-tmp');
  try {
    await writeFile(tmp, '', { flag: 'wx' });
  } catch (e) {
    throw usageError(`${option} ${out}: cannot write in ${dirname(file)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      hint: 'give a path in a folder this user can write in',
    });
  }
  let committed = false;
  return {
    target,
    async commit(body) {
      try {
        await writeFile(tmp, body);
        await rename(tmp, file);
        committed = true;
      } catch (e) {
        throw writeError(option, out, e);
      }
    },
    async discard() {
      if (!committed) await rm(tmp, { force: true }).catch(() => undefined);
    },
  };
}

function writeError(option: string, out: string, e: unknown): FloeError {
  return new FloeError('io', `${option} ${out}: the report could not be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
}
