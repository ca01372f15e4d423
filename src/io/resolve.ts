/**
 * Picks the FileIO for a location by its scheme. Local disk is built in; S3 (`s3://`,
 * `s3a://`, `s3n://`) is loaded lazily (s3-lazy.ts), since its SDK is heavy.
 */
import { unsupportedError } from '../errors.js';
import type { S3Storage } from '../pipeline/schema-project.js';
import type { FileInfo, FileIO, IncompleteUpload, WriteOptions } from './fileio.js';
import { withFaultInjection } from './fault.js';
import { isLocalLocation, LocalFileIO } from './local.js';
import { LazyS3FileIO } from './s3-lazy.js';
import { isS3Location } from './s3-location.js';
import { DEFAULT_S3_SETTINGS, s3SettingsFromProject, type S3Settings } from './s3-settings.js';

let local: LocalFileIO | undefined;
let defaultS3: LazyS3FileIO | undefined;

/** Where each scheme's FileIO gets its settings; absent: defaults and the standard AWS credential chain. */
export interface StorageOptions {
  s3?: LazyS3FileIO;
}

/** The FileIO serving `location`: local for `file:` and absolute paths, S3 for s3/s3a/s3n. */
export function fileIOFor(location: string, storage: StorageOptions = {}): FileIO {
  // withFaultInjection: the crash-safety harness's kill switch (fault.ts); a no-op normally.
  if (isLocalLocation(location)) return withFaultInjection((local ??= new LocalFileIO()));
  if (isS3Location(location)) return withFaultInjection(storage.s3 ?? (defaultS3 ??= new LazyS3FileIO({ ...DEFAULT_S3_SETTINGS })));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
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
 * catalog can hold local and S3 tables side by side. Methods are async so that an
 * unsupported scheme surfaces as a rejected promise, like every other FileIO failure.
 */
export class RoutingFileIO implements FileIO {
  private readonly storage: StorageOptions;

  /** `s3`: the settings of floe.yaml's `storage.s3`, for every s3:// location this FileIO serves. */
  constructor(settings: { s3?: S3Settings } = {}) {
    this.storage = settings.s3 ? { s3: new LazyS3FileIO(settings.s3) } : {};
  }

  /** The FileIO for a project: its `storage` section of floe.yaml. */
  static forStorage(storage: { s3?: S3Storage } | undefined): RoutingFileIO {
    return new RoutingFileIO({ s3: s3SettingsFromProject(storage?.s3) });
  }

  private io(location: string): FileIO {
    return fileIOFor(location, this.storage);
  }

  async read(location: string): Promise<Uint8Array> {
    return this.io(location).read(location);
  }
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.io(location).readRange(location, offset, length);
  }
  async write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.io(location).write(location, data, options);
  }
  async exists(location: string): Promise<boolean> {
    return this.io(location).exists(location);
  }
  async stat(location: string): Promise<FileInfo> {
    return this.io(location).stat(location);
  }
  async delete(location: string): Promise<void> {
    return this.io(location).delete(location);
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    yield* this.io(prefix).list(prefix);
  }
  async removeEmptyFolder(location: string): Promise<boolean> {
    return (await this.io(location).removeEmptyFolder?.(location)) ?? false;
  }
  async *listIncompleteUploads(prefix: string): AsyncIterable<IncompleteUpload> {
    const io = this.io(prefix);
    if (io.listIncompleteUploads) yield* io.listIncompleteUploads(prefix);
  }
  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    return this.io(upload.location).abortIncompleteUpload?.(upload);
  }
  async localPath(location: string): Promise<string> {
    return this.io(location).localPath(location);
  }
  async putLocalFile(localPath: string, location: string): Promise<void> {
    return this.io(location).putLocalFile(localPath, location);
  }
}
