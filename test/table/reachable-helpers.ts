/**
 * Tables in memory for the maintenance planners: a MemoryFileIO, an in-memory SQLite catalog,
 * and commits of fake data files (a few bytes each; nothing reads them as Parquet). Every
 * commit goes through the real snapshot producer and commit loop, so manifests, manifest
 * lists and metadata are exactly what floe writes.
 */
import { openCatalog } from '../../src/catalog/open.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { type DataFile, DataFileContent, type IcebergValue, type Snapshot, type TableIdentifier } from '../../src/iceberg/types.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { commitTable, createTable } from '../../src/table/commit.js';
import { loadTable, type LoadedTable } from '../../src/table/load.js';
import { buildSnapshotChange, newSnapshotId, writeAddedManifest } from '../../src/table/snapshot-producer.js';
import type { TableChange } from '../../src/table/updates.js';

export const LOCATION = 'file:///wh/ns/t';
export const DAY = 86_400_000;

export interface MemTable {
  catalog: Catalog;
  io: MemoryFileIO;
  id: TableIdentifier;
  name: string;
}

export async function memTable(o: { partitioned?: boolean; properties?: Record<string, string> } = {}): Promise<MemTable> {
  const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
  const io = new MemoryFileIO();
  const id = { namespace: ['ns'], name: 't' };
  const schema = {
    type: 'struct' as const,
    fields: [
      { id: 1, name: 'id', required: false, type: 'long' },
      { id: 2, name: 'region', required: false, type: 'string' },
    ],
  };
  await createTable(
    catalog,
    io,
    id,
    createTableChange({ location: LOCATION, schema, properties: o.properties, partitionBy: o.partitioned ? [{ sourceName: 'region', transform: 'identity' }] : [] }),
  );
  return { catalog, io, id, name: 'ns.t' };
}

export const load = (t: MemTable): Promise<LoadedTable> => loadTable(t.catalog, t.io, t.id);

/** A fake data file (written to the FileIO) with `rows` rows in partition `region`. */
export async function dataFile(t: MemTable, name: string, rows = 10, region?: string): Promise<DataFile> {
  const file_path = `${LOCATION}/data/${name}.parquet`;
  await t.io.write(file_path, new TextEncoder().encode(`fake ${name}`));
  const partition: IcebergValue[] = region === undefined ? [] : [region];
  return { content: DataFileContent.DATA, file_path, file_format: 'PARQUET', partition, record_count: BigInt(rows), file_size_in_bytes: 100n };
}

export interface CommitOpts {
  /** Snapshot timestamp (default: now). */
  at?: number;
  branch?: string;
  /** Overwrite: every live file is removed. */
  replaceAll?: boolean;
  /** Files (paths) this commit removes. */
  remove?: string[];
  stageOnly?: boolean;
}

/** Commits the given files as one snapshot; returns it. */
export async function commitFiles(t: MemTable, files: DataFile[], o: CommitOpts = {}): Promise<Snapshot> {
  let snapshot: Snapshot | undefined;
  await commitTable(t.catalog, t.io, t.id, async (base) => {
    const staged = files.length > 0 ? [await writeAddedManifest(base.io, base.metadata, files)] : [];
    const change: TableChange = await buildSnapshotChange(base, {
      operation: o.replaceAll ? 'overwrite' : o.remove ? 'delete' : 'append',
      snapshotId: newSnapshotId(base.metadata),
      added: staged,
      addedFiles: files,
      replaceAll: o.replaceAll,
      removeFiles: o.remove ? new Set(o.remove) : undefined,
      branch: o.branch,
      stageOnly: o.stageOnly,
    });
    const add = change.updates.find((u) => u.action === 'add-snapshot');
    if (add && add.action === 'add-snapshot') {
      if (o.at !== undefined) add.snapshot = { ...add.snapshot, 'timestamp-ms': o.at };
      snapshot = add.snapshot;
    }
    return change;
  });
  return snapshot!;
}

/** Appends one file per name. */
export async function append(t: MemTable, names: string[], o: CommitOpts & { region?: string } = {}): Promise<Snapshot> {
  const files = await Promise.all(names.map((n) => dataFile(t, n, 10, o.region)));
  return commitFiles(t, files, o);
}

export const dataPath = (name: string) => `${LOCATION}/data/${name}.parquet`;

/** Runs a change through the commit loop. */
export async function commitChange(t: MemTable, build: (b: LoadedTable) => TableChange): Promise<LoadedTable> {
  return (await commitTable(t.catalog, t.io, t.id, async (b) => build(b))).table;
}
