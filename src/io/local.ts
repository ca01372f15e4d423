/**
 * FileIO on the local file system.
 *
 * Locations come as Iceberg metadata stores them: `file:///abs/path` (PyIceberg, floe),
 * `file:/abs/path` (Java/Spark, via Hadoop Path) or a bare `/abs/path`. They are taken
 * literally, not percent-decoded: none of those writers encodes the path, so decoding would
 * break a file whose name really contains '%'.
 *
 * Writes never expose a partial file under its final name: data goes to a temporary file in
 * the same folder, is flushed, and is then renamed (overwrite) or hard-linked (create-only;
 * link() fails atomically when the name exists, which is the property a metadata commit needs).
 */
import { constants, type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';
import { conflictError, FloeError, ioError, notFound, unsupportedError } from '../errors.js';
import type { FileInfo, FileIO, WriteOptions } from './fileio.js';
import { tempPathBeside } from './temp-name.js';

/** Whether a location is served by LocalFileIO. */
export function isLocalLocation(location: string): boolean {
  return location.startsWith('file:') || location.startsWith('/');
}

/** The file-system path of a local location. */
export function toLocalPath(location: string): string {
  let path = location;
  if (location.startsWith('file://')) {
    // file:///abs and file://localhost/abs; any other host is another machine's disk.
    path = location.slice('file://'.length);
    if (path.startsWith('localhost/')) path = path.slice('localhost'.length);
  } else if (location.startsWith('file:')) {
    path = location.slice('file:'.length);
  }
  if (!path.startsWith('/')) {
    throw unsupportedError(`not an absolute local path: ${location}`, {
      context: { location },
      hint: 'Relative or foreign locations in a registered table can be remapped with `floe table register … --map-location FROM=TO`.',
    });
  }
  return path;
}

/** What the commonest errno codes mean, for messages. */
const ERRNO_WORDS: Record<string, string> = {
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
};

const RETRYABLE = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EINTR']);

/** A missing file is `not-found`; anything else is `io` naming the location and errno code. */
export function fsError(op: string, location: string, e: unknown): FloeError {
  if (e instanceof FloeError) return e;
  const code = (e as NodeJS.ErrnoException)?.code ?? 'unknown';
  if (code === 'ENOENT') {
    return notFound(`file not found: ${location}`, { cause: e, context: { location, code } });
  }
  const plain = ERRNO_WORDS[code];
  return ioError(`cannot ${op} ${location}: ${code}${plain ? ` (${plain})` : ''}`, {
    cause: e,
    context: { location, code },
    retryable: RETRYABLE.has(code),
  });
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

/** A name next to `path` that no other writer picks; hidden so listings of tables skip it. */
function tempPathFor(path: string): string {
  return tempPathBeside(path, '.tmp');
}

export class LocalFileIO implements FileIO {
  async read(location: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await fs.readFile(toLocalPath(location)));
    } catch (e) {
      throw fsError('read', location, e);
    }
  }

  /** Reads up to `length` bytes at `offset`; fewer only when the file ends first. */
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    let fh: fs.FileHandle | undefined;
    try {
      fh = await fs.open(toLocalPath(location), 'r');
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    } catch (e) {
      throw fsError('read', location, e);
    } finally {
      await fh?.close();
    }
  }

  async write(location: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const path = toLocalPath(location);
    const tmp = tempPathFor(path);
    try {
      await fs.mkdir(dirname(path), { recursive: true });
      await writeSynced(tmp, data);
      if (options.createOnly) await publishCreateOnly(tmp, path, location);
      else await fs.rename(tmp, path);
    } catch (e) {
      throw fsError('write', location, e);
    } finally {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async exists(location: string): Promise<boolean> {
    try {
      await fs.stat(toLocalPath(location));
      return true;
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return false;
      throw fsError('check', location, e);
    }
  }

  async stat(location: string): Promise<FileInfo> {
    try {
      const s = await fs.stat(toLocalPath(location));
      return { location, size: s.size, lastModified: s.mtimeMs };
    } catch (e) {
      throw fsError('stat', location, e);
    }
  }

  /** Deleting a file that is already gone is not an error (retried cleanups, orphans). */
  async delete(location: string): Promise<void> {
    try {
      await fs.unlink(toLocalPath(location));
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      throw fsError('delete', location, e);
    }
  }

  async removeEmptyFolder(location: string): Promise<boolean> {
    if (!isLocalLocation(location)) return false;
    try {
      await fs.rmdir(toLocalPath(location));
      return true;
    } catch (e) {
      // Not empty (another file, another table), already gone, or a file: left alone.
      if (['ENOTEMPTY', 'EEXIST', 'ENOENT', 'ENOTDIR'].includes(errno(e) ?? '')) return false;
      throw fsError('remove the empty folder', location, e);
    }
  }

  /**
   * Every file under `prefix`. When the prefix names a folder (or ends with '/'), that
   * folder is listed recursively; `…/t` never picks up a sibling `…/t2/`, so an orphan sweep
   * over a table location cannot reach into another table. Otherwise it works like an
   * object-store listing over the parent folder (`…/data/part-` lists `part-*`). Locations
   * keep the caller's spelling (`file:/`, `file:///` or bare) so they compare equal to the
   * ones stored in metadata. Sorted, so results are stable.
   */
  async *list(prefix: string): AsyncIterable<FileInfo> {
    const root = toLocalPath(prefix);
    const toLocation = (path: string) => prefix + path.slice(root.length);
    const rootStat = await fs.stat(root).catch((e: unknown) => {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
      throw fsError('list', prefix, e);
    });
    if (rootStat?.isDirectory() || root.endsWith('/')) {
      if (!rootStat) return;
      const dir = root.endsWith('/') ? root : root + '/';
      for (const entry of await readDir(dir, prefix)) yield* walk(entry, dir + entry.name, toLocation, prefix);
      return;
    }
    const dir = root.slice(0, root.lastIndexOf('/') + 1);
    for (const entry of await readDir(dir, prefix)) {
      const path = dir + entry.name;
      if (path.startsWith(root)) yield* walk(entry, path, toLocation, prefix);
    }
  }

  async localPath(location: string): Promise<string> {
    return toLocalPath(location);
  }

  /** Moves a finished local file into place: rename on the same file system, else copy then rename. */
  async putLocalFile(localPath: string, location: string): Promise<void> {
    const path = toLocalPath(location);
    try {
      await fs.mkdir(dirname(path), { recursive: true });
      await fs.rename(localPath, path);
    } catch (e) {
      if (errno(e) !== 'EXDEV') throw fsError('write', location, e);
      const tmp = tempPathFor(path);
      try {
        await fs.copyFile(localPath, tmp);
        await syncFile(tmp);
        await fs.rename(tmp, path);
        await fs.unlink(localPath);
      } catch (e2) {
        throw fsError('write', location, e2);
      } finally {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
      }
    }
  }
}

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const fh = await fs.open(path, 'wx');
  try {
    await fh.writeFile(data);
    // Flushed before it gets its final name: after a crash the name never points at a
    // file whose content did not reach the disk.
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncFile(path: string): Promise<void> {
  const fh = await fs.open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function publishCreateOnly(tmp: string, path: string, location: string): Promise<void> {
  try {
    await fs.link(tmp, path);
    return;
  } catch (e) {
    if (errno(e) === 'EEXIST') throw existsConflict(location, e);
    // Some file systems (FAT, some FUSE and SMB mounts) have no hard links. Fall back to an
    // exclusive create: still never an overwrite, but a crash mid-write could leave a short file.
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'].includes(errno(e) ?? '')) throw e;
  }
  try {
    await fs.copyFile(tmp, path, constants.COPYFILE_EXCL);
    await syncFile(path);
  } catch (e) {
    if (errno(e) === 'EEXIST') throw existsConflict(location, e);
    throw e;
  }
}

function existsConflict(location: string, cause: unknown): FloeError {
  return conflictError(`file already exists: ${location}`, { cause, context: { location } });
}

async function readDir(dir: string, location: string): Promise<Dirent[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return [];
    throw fsError('list', location, e);
  }
}

async function* walk(entry: Dirent, path: string, toLocation: (p: string) => string, prefix: string): AsyncIterable<FileInfo> {
  let isFile = entry.isFile();
  // Symlinked folders are not followed (no cycles); symlinked files are listed.
  if (entry.isSymbolicLink()) isFile = (await fs.stat(path).catch(() => null))?.isFile() ?? false;
  if (isFile) {
    try {
      const s = await fs.stat(path);
      yield { location: toLocation(path), size: s.size, lastModified: s.mtimeMs };
    } catch (e) {
      // Deleted between readdir and stat: it is simply not there any more.
      if (errno(e) !== 'ENOENT') throw fsError('stat', toLocation(path), e);
    }
    return;
  }
  if (!entry.isDirectory()) return;
  for (const child of await readDir(path, prefix)) yield* walk(child, path + '/' + child.name, toLocation, prefix);
}
