/**
 * An in-memory FileIO for tests: locations are plain string keys (any scheme), and
 * listing is a string-prefix match as on an object store.
 *
 * It keeps copies of what is written and returns copies of what is read, so a test cannot
 * change a "file" by mutating a buffer it still holds.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflictError, notFound } from '../errors.js';
import type { FileInfo, FileIO, WriteOptions } from './fileio.js';
import { fsError } from './local.js';

interface MemoryFile {
  data: Uint8Array;
  lastModified: number;
}

export class MemoryFileIO implements FileIO {
  private readonly files = new Map<string, MemoryFile>();
  private stagingDir: string | undefined;
  private staged = 0;

  /** Every location currently stored, sorted (handy in assertions). */
  locations(): string[] {
    return [...this.files.keys()].sort();
  }

  async read(location: string): Promise<Uint8Array> {
    return this.get(location).data.slice();
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.get(location).data.slice(offset, offset + length);
  }

  async write(location: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    if (options.createOnly && this.files.has(location)) {
      throw conflictError(`file already exists: ${location}`, { context: { location } });
    }
    this.files.set(location, { data: data.slice(), lastModified: Date.now() });
  }

  async exists(location: string): Promise<boolean> {
    return this.files.has(location);
  }

  async stat(location: string): Promise<FileInfo> {
    const f = this.get(location);
    return { location, size: f.data.length, lastModified: f.lastModified };
  }

  async delete(location: string): Promise<void> {
    this.files.delete(location);
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    for (const location of this.locations()) {
      if (!location.startsWith(prefix)) continue;
      const f = this.files.get(location);
      if (f) yield { location, size: f.data.length, lastModified: f.lastModified };
    }
  }

  /** Stages a copy on disk, as an object store would, so DuckDB can read it. */
  async localPath(location: string): Promise<string> {
    const data = this.get(location).data;
    this.stagingDir ??= await mkdtemp(join(tmpdir(), 'floe-memory-io-'));
    const name = `${this.staged++}-${location.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-120)}`;
    const path = join(this.stagingDir, name);
    await writeFile(path, data);
    return path;
  }

  async putLocalFile(localPath: string, location: string): Promise<void> {
    const data = await readFile(localPath).catch((e: unknown) => {
      throw fsError('read', localPath, e);
    });
    this.files.set(location, { data: new Uint8Array(data), lastModified: Date.now() });
    await rm(localPath, { force: true });
  }

  /** Removes the staging folder made by localPath(). */
  async dispose(): Promise<void> {
    if (this.stagingDir) await rm(this.stagingDir, { recursive: true, force: true });
    this.stagingDir = undefined;
  }

  private get(location: string): MemoryFile {
    const f = this.files.get(location);
    if (!f) throw notFound(`file not found: ${location}`, { context: { location } });
    return f;
  }
}
