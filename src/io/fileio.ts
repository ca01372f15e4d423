/**
 * The one narrow storage interface used through the whole stack. Locations are URIs as
 * stored in Iceberg metadata: `file:///abs/path`, a bare absolute path, or `s3://bucket/key`.
 * Implementations: local.ts (disk), memory.ts (tests); S3 comes later behind the same interface.
 */
export interface FileInfo {
  location: string;
  size: number;
  /** milliseconds since the epoch */
  lastModified: number;
}

export interface WriteOptions {
  /**
   * Fail with a `conflict` FloeError if the location already exists. Metadata files are
   * always written create-only: a name that exists is a conflict, never an overwrite.
   */
  createOnly?: boolean;
}

export interface FileIO {
  read(location: string): Promise<Uint8Array>;
  readRange(location: string, offset: number, length: number): Promise<Uint8Array>;
  write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  exists(location: string): Promise<boolean>;
  stat(location: string): Promise<FileInfo>;
  delete(location: string): Promise<void>;
  /** Every file under a prefix (recursively). */
  list(prefix: string): AsyncIterable<FileInfo>;
  /**
   * A path on local disk that DuckDB can read. Local storage returns the file itself;
   * object stores stage a copy in a bounded cache.
   */
  localPath(location: string): Promise<string>;
  /**
   * Upload a file that was written on local disk (by DuckDB) to `location`. Local storage
   * renames or copies; object stores upload.
   */
  putLocalFile(localPath: string, location: string): Promise<void>;
  /**
   * Removes the folder at `location` if it is empty; true when it did. Only storage with
   * folders (the local disk) has them; a folder that holds something, or is gone, is left and
   * gives false. Absent on object stores, which have no folders.
   */
  removeEmptyFolder?(location: string): Promise<boolean>;
  /**
   * Multipart uploads begun under a prefix and never completed nor aborted: the parts a
   * process killed mid-upload leaves on an object store (billed, and in no listing of
   * objects). Absent on storage without them (the local disk).
   */
  listIncompleteUploads?(prefix: string): AsyncIterable<IncompleteUpload>;
  /** Aborts one, freeing its parts; one already gone is no error. */
  abortIncompleteUpload?(upload: IncompleteUpload): Promise<void>;
}

export interface IncompleteUpload {
  /** The object the upload would have made. */
  location: string;
  uploadId: string;
  /** When it was begun (ms since the epoch). */
  initiated: number;
}

/** Joins a location and a relative path with exactly one slash. */
export function joinLocation(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const p of parts) out += '/' + p.replace(/^\/+/, '');
  return out;
}
