/**
 * A private folder under the OS temp folder (`TMPDIR`, else /tmp) for a command's scratch
 * files (`floe query` results, S3 staging, a source's pages and spools). A temp folder that is
 * missing, not writable or full is the machine's set-up, not a floe fault: it is an io error
 * naming the folder and TMPDIR, not an internal error.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FloeError } from '../errors.js';

export interface ScratchDirOptions {
  /** The folder to make it in; the OS temp folder by default. */
  parent?: string;
  /** What the folder is for, in the error (`a COPY spool folder`); `a scratch folder` by default. */
  what?: string;
  /** The pipeline it is for, named first in the error. */
  pipeline?: string;
}

export async function scratchDir(prefix: string, o: ScratchDirOptions = {}): Promise<string> {
  const parent = o.parent ?? tmpdir();
  try {
    return await mkdtemp(join(parent, prefix));
  } catch (e) {
    throw scratchDirError(parent, o, e);
  }
}

export function scratchDirSync(prefix: string, o: ScratchDirOptions = {}): string {
  const parent = o.parent ?? tmpdir();
  try {
    return mkdtempSync(join(parent, prefix));
  } catch (e) {
    throw scratchDirError(parent, o, e);
  }
}

function scratchDirError(parent: string, o: ScratchDirOptions, e: unknown): FloeError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'it is not writable' : code === 'ENOSPC' ? 'its disk is full' : code === 'ENOTDIR' ? 'it is not a folder' : (e as Error)?.message ?? String(e);
  return new FloeError('io', `${o.pipeline !== undefined ? `pipeline ${o.pipeline}: ` : ''}could not create ${o.what ?? 'a scratch folder'} in ${parent}: ${why}`, {
    cause: e,
    context: { ...(o.pipeline !== undefined ? { pipeline: o.pipeline } : {}), file: parent },
    hint: process.env.TMPDIR ? `TMPDIR is ${process.env.TMPDIR}: point it at a writable folder, or unset it` : 'point TMPDIR at a writable folder',
  });
}
