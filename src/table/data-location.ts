/**
 * Where a table's new files go. Data and delete files, as Iceberg Java's LocationProviders and
 * PyIceberg's LocationProvider decide it: the table property `write.data.path`, else the
 * deprecated `write.folder-storage.path` Java still reads, else `<location>/data`; a partitioned
 * file goes below it in its Hive-style partition path. Readers take every file's full location
 * from the manifests, so this is layout only, but a table set to keep its data on another
 * volume or bucket must get floe's files there too, as it gets Spark's and PyIceberg's.
 */
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

/** The folder of a new file with these partition values in this spec. */
export function dataFileFolder(
  m: Pick<TableMetadata, 'location' | 'properties'>, spec: PartitionSpec, schema: StructType, partition: readonly IcebergValue[],
): string {
  const root = dataLocation(m);
  return spec.fields.length ? joinLocation(root, partitionPath(spec, schema, partition)) : root;
}
