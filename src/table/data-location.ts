/**
 * Where a table's new files go. Data and delete files, as Iceberg Java's LocationProviders and
 * PyIceberg's LocationProvider decide it: the table property `write.data.path`, else the
 * deprecated `write.folder-storage.path` Java still reads, else `<location>/data`; a partitioned
 * file goes below it in its Hive-style partition path. Readers take every file's full location
 * from the manifests, so this is layout only, but a table set to keep its data on another
 * volume or bucket must get floe's files there too, as it gets Spark's and PyIceberg's.
 */
import { murmur3String } from '../iceberg/murmur3.js';
import { partitionPath } from '../iceberg/partition.js';
import type { IcebergValue, PartitionSpec, StructType, TableMetadata } from '../iceberg/types.js';
import { joinLocation } from '../io/fileio.js';

export const WRITE_DATA_PATH = 'write.data.path';
export const WRITE_FOLDER_STORAGE_PATH = 'write.folder-storage.path';
export const WRITE_METADATA_PATH = 'write.metadata.path';

/**
 * The folder new metadata files, manifest lists and manifests go to, without a trailing
 * slash: the table property `write.metadata.path` (Iceberg Java's TableOperations, PyIceberg's
 * LocationProvider), else `<location>/metadata`. Readers take each from the catalog pointer,
 * the metadata and the manifest list, so this too is layout only.
 */
export function metadataFolder(m: Pick<TableMetadata, 'location' | 'properties'>): string {
  const path = m.properties?.[WRITE_METADATA_PATH]?.trim();
  return path ? path.replace(/\/+$/, '') : joinLocation(m.location, 'metadata');
}

/** The folder new data files go to, without a trailing slash. */
export function dataLocation(m: Pick<TableMetadata, 'location' | 'properties'>): string {
  for (const key of [WRITE_DATA_PATH, WRITE_FOLDER_STORAGE_PATH]) {
    const path = m.properties?.[key]?.trim();
    if (path) return path.replace(/\/+$/, '');
  }
  return joinLocation(m.location, 'data');
}

export const OBJECT_STORE_ENABLED = 'write.object-storage.enabled';
export const OBJECT_STORE_PARTITIONED_PATHS = 'write.object-storage.partitioned-paths';

const isTrue = (v: string | undefined) => v?.trim().toLowerCase() === 'true';

/**
 * The location of a new data or delete file named `fileName` in partition folder `folder`
 * (partitionFolder; '' when unpartitioned): `<data folder>/<folder>/<name>`. With
 * `write.object-storage.enabled` (Iceberg Java's ObjectStoreLocationProvider, PyIceberg's),
 * `<folder>/<name>` is hashed with murmur3_32 and 20 bits of the hash become folders,
 * `0101/0110/1001/10110010/`, before it, so an object store spreads the files of one partition
 * over many key prefixes; with `write.object-storage.partitioned-paths=false` the hash of the
 * name prefixes the name instead (`…/0101/0110/1001/10110010-<name>`), without the folder.
 */
export function newFileLocation(m: Pick<TableMetadata, 'location' | 'properties'>, folder: string, fileName: string): string {
  const root = dataLocation(m);
  const name = folder ? `${folder}/${fileName}` : fileName;
  if (!isTrue(m.properties?.[OBJECT_STORE_ENABLED])) return joinLocation(root, name);
  if (m.properties?.[OBJECT_STORE_PARTITIONED_PATHS]?.trim().toLowerCase() === 'false') return joinLocation(root, `${entropyDirs(fileName)}-${fileName}`);
  return joinLocation(root, entropyDirs(name), name);
}

/** The low 20 bits of the name's murmur3_32 hash as binary digits, in folders of 4, 4, 4 and 8. */
export function entropyDirs(name: string): string {
  const bits = ((murmur3String(name) & 0xfffff) | 0x100000).toString(2).slice(1);
  return `${bits.slice(0, 4)}/${bits.slice(4, 8)}/${bits.slice(8, 12)}/${bits.slice(12)}`;
}

/** The Hive-style folder of a file with these partition values in this spec (`region=eu`); '' when unpartitioned. */
export function partitionFolder(spec: PartitionSpec, schema: StructType, partition: readonly IcebergValue[]): string {
  return spec.fields.length ? partitionPath(spec, schema, partition) : '';
}
