/**
 * The S3 FileIO behind a lazy import: the AWS SDK takes a while to load, and most commands
 * on a local warehouse never touch S3. The first call loads s3.ts and builds the client.
 */
import type { FileInfo, FileIO, IncompleteUpload, WriteOptions } from './fileio.js';
import type { S3Settings } from './s3-settings.js';

export class LazyS3FileIO implements FileIO {
  private io: Promise<FileIO> | undefined;

  constructor(readonly settings: S3Settings) {}

  private get(): Promise<FileIO> {
    return (this.io ??= import('./s3.js').then((m) => new m.S3FileIO(this.settings)));
  }

  async read(location: string): Promise<Uint8Array> {
    return (await this.get()).read(location);
  }
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return (await this.get()).readRange(location, offset, length);
  }
  async write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return (await this.get()).write(location, data, options);
  }
  async exists(location: string): Promise<boolean> {
    return (await this.get()).exists(location);
  }
  async stat(location: string): Promise<FileInfo> {
    return (await this.get()).stat(location);
  }
  async delete(location: string): Promise<void> {
    return (await this.get()).delete(location);
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    yield* (await this.get()).list(prefix);
  }
  async *listIncompleteUploads(prefix: string): AsyncIterable<IncompleteUpload> {
    const io = await this.get();
    if (io.listIncompleteUploads) yield* io.listIncompleteUploads(prefix);
  }
  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    return (await this.get()).abortIncompleteUpload?.(upload);
  }
  async localPath(location: string): Promise<string> {
    return (await this.get()).localPath(location);
  }
  async putLocalFile(localPath: string, location: string): Promise<void> {
    return (await this.get()).putLocalFile(localPath, location);
  }
}
