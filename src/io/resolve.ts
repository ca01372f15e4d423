/**
 * Picks the FileIO for a location by its scheme. Local disk is built in; object stores
 * plug in here (S3 is a later change) and are loaded lazily, since their SDKs are heavy.
 */
import { unsupportedError } from '../errors.js';
import type { FileInfo, FileIO, WriteOptions } from './fileio.js';
import { isLocalLocation, LocalFileIO } from './local.js';

let local: LocalFileIO | undefined;

/** The FileIO serving `location`: local for `file:` and absolute paths. */
export function fileIOFor(location: string): FileIO {
  if (isLocalLocation(location)) return (local ??= new LocalFileIO());
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === 's3' || scheme === 's3a' || scheme === 's3n') {
    throw unsupportedError(`S3 storage is not supported yet: ${location}`, {
      context: { location },
      hint: 'Use a local warehouse for now, or map the prefix to a local copy with `--map-location`.',
    });
  }
  if (scheme) {
    throw unsupportedError(`storage scheme "${scheme}://" is not supported: ${location}`, { context: { location } });
  }
  throw unsupportedError(`relative location ${location}: floe needs an absolute path or a URI`, {
    context: { location },
    hint: 'A registered table with relative locations can be read with `floe table register … --map-location FROM=TO`.',
  });
}

/**
 * One FileIO for the whole stack that routes each call by its location's scheme, so a
 * catalog can hold local and (later) S3 tables side by side. Methods are async so that an
 * unsupported scheme surfaces as a rejected promise, like every other FileIO failure.
 */
export class RoutingFileIO implements FileIO {
  async read(location: string): Promise<Uint8Array> {
    return fileIOFor(location).read(location);
  }
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return fileIOFor(location).readRange(location, offset, length);
  }
  async write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return fileIOFor(location).write(location, data, options);
  }
  async exists(location: string): Promise<boolean> {
    return fileIOFor(location).exists(location);
  }
  async stat(location: string): Promise<FileInfo> {
    return fileIOFor(location).stat(location);
  }
  async delete(location: string): Promise<void> {
    return fileIOFor(location).delete(location);
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    yield* fileIOFor(prefix).list(prefix);
  }
  async localPath(location: string): Promise<string> {
    return fileIOFor(location).localPath(location);
  }
  async putLocalFile(localPath: string, location: string): Promise<void> {
    return fileIOFor(location).putLocalFile(localPath, location);
  }
}
