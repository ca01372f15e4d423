/**
 * A FileIO that rewrites location prefixes before delegating: the read side of
 * `floe table register … --map-location FROM=TO`.
 *
 * A table registered from elsewhere keeps the locations its writer stored, e.g.
 * `s3a://hyperparam-iceberg/…` or relative `data/persistent/iceberg/…` (duckdb-iceberg's
 * fixtures). Its metadata files are never rewritten; the mapping is applied on every access.
 * Rewriting replaces a prefix that ends at a path segment (`/x/t` maps `/x/t/metadata/…`,
 * never `/x/t-copy/…`, which is where a copy registered beside the original lives), and the
 * longest matching `from` wins, so a specific mapping can override a broad one.
 */
import type { LocationMapping } from '../catalog/catalog.js';
import type { FileInfo, FileIO, IncompleteUpload, WriteOptions } from './fileio.js';

export class MappedFileIO implements FileIO {
  private readonly mappings: readonly LocationMapping[];

  constructor(
    readonly inner: FileIO,
    mappings: readonly LocationMapping[],
  ) {
    // Longest first, so the first match is the most specific one.
    this.mappings = mappings
      .filter((m) => m.from.length > 0)
      .map(alignSlash)
      .sort((a, b) => b.from.length - a.from.length);
  }

  /** The location the inner FileIO is asked for. */
  map(location: string): string {
    const m = this.match(location);
    return m ? m.to + location.slice(m.from.length) : location;
  }

  /**
   * The caller's (stored) spelling of a location given as the inner FileIO sees it, the
   * inverse `list` applies: the longest `to` that prefixes it is replaced by its `from`.
   * The catalog's pointer of a table registered with a mapping names its metadata file this
   * way (table-register.ts), so the orphan sweep compares it in both spellings.
   */
  unmap(location: string): string {
    let best: LocationMapping | undefined;
    for (const m of this.mappings) if (underPrefix(location, m.to) && (!best || m.to.length > best.to.length)) best = m;
    return best ? best.from + location.slice(best.to.length) : location;
  }

  read(location: string): Promise<Uint8Array> {
    return this.inner.read(this.map(location));
  }

  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.readRange(this.map(location), offset, length);
  }

  write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.inner.write(this.map(location), data, options);
  }

  exists(location: string): Promise<boolean> {
    return this.inner.exists(this.map(location));
  }

  /** Reports the location as the caller spelled it, not the rewritten one. */
  async stat(location: string): Promise<FileInfo> {
    return { ...(await this.inner.stat(this.map(location))), location };
  }

  delete(location: string): Promise<void> {
    return this.inner.delete(this.map(location));
  }

  async removeEmptyFolder(location: string): Promise<boolean> {
    return (await this.inner.removeEmptyFolder?.(this.map(location))) ?? false;
  }

  /**
   * Lists under the rewritten prefix and maps results back into the caller's vocabulary,
   * so they compare equal to the locations stored in the table's metadata.
   */
  async *list(prefix: string): AsyncIterable<FileInfo> {
    const m = this.match(prefix);
    for await (const info of this.inner.list(this.map(prefix))) {
      if (m && underPrefix(info.location, m.to)) yield { ...info, location: m.from + info.location.slice(m.to.length) };
      else yield info;
    }
  }

  /** Like list: the uploads' locations in the caller's vocabulary. */
  async *listIncompleteUploads(prefix: string): AsyncIterable<IncompleteUpload> {
    if (!this.inner.listIncompleteUploads) return;
    const m = this.match(prefix);
    for await (const u of this.inner.listIncompleteUploads(this.map(prefix))) {
      if (m && underPrefix(u.location, m.to)) yield { ...u, location: m.from + u.location.slice(m.to.length) };
      else yield u;
    }
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    return this.inner.abortIncompleteUpload?.({ ...upload, location: this.map(upload.location) });
  }

  localPath(location: string): Promise<string> {
    return this.inner.localPath(this.map(location));
  }

  putLocalFile(localPath: string, location: string): Promise<void> {
    return this.inner.putLocalFile(localPath, this.map(location));
  }

  private match(location: string): LocationMapping | undefined {
    return this.mappings.find((m) => underPrefix(location, m.from));
  }
}

/** `location` is `prefix` itself or lies under it: the prefix ends at a `/` of the location (or at its scheme's `:`). */
function underPrefix(location: string, prefix: string): boolean {
  if (!location.startsWith(prefix)) return false;
  if (location.length === prefix.length || prefix.endsWith('/') || prefix.endsWith(':')) return true;
  return location[prefix.length] === '/';
}

/**
 * Gives `to` the trailing slash state of `from`: `data/persistent/=/abs/fixtures` (a shell or
 * path.resolve() drops the slash) must not turn `data/persistent/t` into `/abs/fixturest`.
 */
function alignSlash(m: LocationMapping): LocationMapping {
  const fromSlash = m.from.endsWith('/');
  if (fromSlash && !m.to.endsWith('/')) return { from: m.from, to: m.to + '/' };
  if (!fromSlash && m.to.endsWith('/') && m.to.length > 1) return { from: m.from, to: m.to.replace(/\/+$/, '') };
  return m;
}
