/**
 * The partition tuple type of a spec (spec: "Partitioning" / manifest `partition` struct):
 * one optional field per partition field, id = partition field id, type = transform result.
 */
import { schemaError } from '../errors.js';
import { fieldById } from './schema.js';
import { resultType, toHumanString } from './transforms/index.js';
import type { IcebergValue, PartitionSpec, StructType } from './types.js';

export function partitionType(spec: PartitionSpec, schema: StructType): StructType {
  return {
    type: 'struct',
    fields: spec.fields.map((f) => {
      const source = fieldById(schema, f['source-id']);
      if (!source || typeof source.type !== "string") {
        throw schemaError(`partition field ${f.name}: source column ${f['source-id']} is not a primitive column of the schema`);
      }
      return { id: f['field-id'], name: f.name, required: false, type: resultType(f.transform, source.type as string) };
    }),
  };
}

/** `ts_day=2017-11-16/id_bucket=3`, the Hive-style path Iceberg writers use (URL-escaped values). */
export function partitionPath(spec: PartitionSpec, schema: StructType, values: readonly IcebergValue[]): string {
  return spec.fields
    .map((f, i) => {
      const source = fieldById(schema, f['source-id']);
      const type = source && typeof source.type === "string" ? source.type : "string";
      const v = values[i] ?? null;
      const text = v === null ? 'null' : toHumanString(f.transform, type, v);
      return `${encodeURIComponent(f.name)}=${encodeURIComponent(text)}`;
    })
    .join('/');
}
