/**
 * A private folder under the OS temp folder (`TMPDIR`, else /tmp) for a command's scratch
 * files (`floe query` results, S3 staging). A temp folder that is missing, not writable or
 * full is the machine's set-up, not a floe fault: it is an io error naming the folder and
 * TMPDIR, not an internal error.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FloeError } from '../errors.js';

export async function scratchDir(prefix: string, parent = tmpdir()): Promise<string> {
  try {
    return await mkdtemp(join(parent, prefix));
  } catch (e) {
    throw scratchDirError(parent, e);
  }
}

export function scratchDirSync(prefix: string, parent = tmpdir()): string {
  try {
    return mkdtempSync(join(parent, prefix));
  } catch (e) {
    throw scratchDirError(parent, e);
  }
}

function scratchDirError(parent: string, e: unknown): FloeError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'it is not writable' : code === 'ENOSPC' ? 'its disk is full' : code === 'ENOTDIR' ? 'it is not a folder' : (e as Error)?.message ?? String(e);
  return new FloeError('io', `could not create a scratch folder in ${parent}: ${why}`, {
    cause: e,
    context: { file: parent },
    hint: process.env.TMPDIR ? `TMPDIR is ${process.env.TMPDIR}: point it at a writable folder, or unset it` : 'point TMPDIR at a writable folder',
  });
}
