/**
 * `write.object-storage.enabled`: new data and delete files get 20 bits of the murmur3_32
 * hash of their name (after the partition path) as folders before it, as Iceberg Java's and
 * PyIceberg's ObjectStoreLocationProvider place them. The expected folders below were printed
 * by PyIceberg 0.12's provider (`ObjectStoreLocationProvider._compute_hash`) for the same names.
 */
import { describe, expect, it } from 'vitest';
import type { PartitionSpec, StructType } from '../../src/iceberg/types.js';
import { entropyDirs, newFileLocation, partitionFolder } from '../../src/table/data-location.js';

const schema: StructType = { type: 'struct', fields: [{ id: 1, name: 'region', required: false, type: 'string' }] };
const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'region', transform: 'identity' }] };
const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
const table = (properties: Record<string, string>) => ({ location: 's3://b/wh/ns/t', properties });

describe('object storage file locations', () => {
  it('hash folders as PyIceberg computes them', () => {
    expect(entropyDirs('a.parquet')).toBe('0111/0000/0111/10110101');
    expect(entropyDirs('00000-0-abc.parquet')).toBe('1000/1100/1101/00000101');
    expect(entropyDirs('region=eu/x-1.parquet')).toBe('0000/0011/0101/10001100');
    expect(entropyDirs('ü-naïve.parquet')).toBe('1101/0001/0101/01111001');
  });

  it('puts the hash before the partition path, of the name with its partition path', () => {
    const m = table({ 'write.object-storage.enabled': 'true' });
    expect(newFileLocation(m, partitionFolder(spec, schema, ['eu']), 'x-1.parquet')).toBe('s3://b/wh/ns/t/data/0000/0011/0101/10001100/region=eu/x-1.parquet');
    expect(newFileLocation(m, partitionFolder(unpartitioned, schema, []), 'a.parquet')).toBe('s3://b/wh/ns/t/data/0111/0000/0111/10110101/a.parquet');
    // Under write.data.path, like every new file.
    expect(newFileLocation(table({ 'write.object-storage.enabled': 'TRUE', 'write.data.path': 's3://other/d/' }), partitionFolder(unpartitioned, schema, []), 'a.parquet')).toBe('s3://other/d/0111/0000/0111/10110101/a.parquet');
  });

  it('without partitioned paths: the hash prefixes the name, no partition folder', () => {
    const m = table({ 'write.object-storage.enabled': 'true', 'write.object-storage.partitioned-paths': 'false' });
    expect(newFileLocation(m, partitionFolder(spec, schema, ['eu']), 'a.parquet')).toBe('s3://b/wh/ns/t/data/0111/0000/0111/10110101-a.parquet');
  });

  it('off (the default, or false): the partition folder under the data folder', () => {
    for (const m of [table({}), table({ 'write.object-storage.enabled': 'false' })]) {
      expect(newFileLocation(m, partitionFolder(spec, schema, ['eu']), 'a.parquet')).toBe('s3://b/wh/ns/t/data/region=eu/a.parquet');
    }
  });
});
