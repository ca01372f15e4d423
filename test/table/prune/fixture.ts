/**
 * Tables for pruning tests, built through the library: a SQLite catalog in a temp folder,
 * Parquet files written by DuckDB with field ids, and commits of hand-made DataFile entries
 * (partition values and metrics as the test needs them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../../../src/catalog/open.js';
import type { Catalog } from '../../../src/catalog/catalog.js';
import { createTableChange, type UnboundPartitionField } from '../../../src/iceberg/metadata-builder.js';
import type { DataFile, StructType, TableIdentifier } from '../../../src/iceberg/types.js';
import type { FileInfo, FileIO, WriteOptions } from '../../../src/io/fileio.js';
import { LocalFileIO } from '../../../src/io/local.js';
import { commitTable, createTable } from '../../../src/table/commit.js';
import { buildSnapshotChange, newSnapshotId, writeAddedManifest } from '../../../src/table/snapshot-producer.js';

/** Counts the data files (*.parquet) opened through it: read, readRange and localPath calls. */
export class CountingFileIO implements FileIO {
  readonly opened = new Set<string>();
  constructor(private readonly inner: FileIO = new LocalFileIO()) {}
  private note(location: string): void {
    if (location.endsWith('.parquet')) this.opened.add(location);
  }
  read(location: string): Promise<Uint8Array> {
    this.note(location);
    return this.inner.read(location);
  }
  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    this.note(location);
    return this.inner.readRange(location, offset, length);
  }
  localPath(location: string): Promise<string> {
    this.note(location);
    return this.inner.localPath(location);
  }
  write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.inner.write(location, data, options);
  }
  exists(location: string): Promise<boolean> {
    return this.inner.exists(location);
  }
  stat(location: string): Promise<FileInfo> {
    return this.inner.stat(location);
  }
  delete(location: string): Promise<void> {
    return this.inner.delete(location);
  }
  list(prefix: string): AsyncIterable<FileInfo> {
    return this.inner.list(prefix);
  }
  putLocalFile(localPath: string, location: string): Promise<void> {
    return this.inner.putLocalFile(localPath, location);
  }
}

export interface Fixture {
  dir: string;
  catalog: Catalog;
  io: CountingFileIO;
  close(): Promise<void>;
}

export async function openFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-prune-'));
  const catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
  return {
    dir,
    catalog,
    io: new CountingFileIO(),
    async close() {
      await catalog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function newTable(f: Fixture, id: TableIdentifier, schema: StructType, partitionBy: UnboundPartitionField[] = []): Promise<void> {
  const location = join(f.dir, 'warehouse', ...id.namespace, id.name);
  await createTable(f.catalog, f.io, id, createTableChange({ location, schema, partitionBy }));
}

/** Commits one append of these files with the table's default spec. */
export async function appendFiles(f: Fixture, id: TableIdentifier, files: DataFile[]): Promise<void> {
  await commitTable(f.catalog, f.io, id, async (base) => {
    const manifest = await writeAddedManifest(base.io, base.metadata, files);
    return buildSnapshotChange(base, { operation: 'append', snapshotId: newSnapshotId(base.metadata), added: [manifest], addedFiles: files });
  });
}
