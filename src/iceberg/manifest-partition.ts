/**
 * Partition tuples in manifests: IcebergValue ↔ Avro value (spec: Appendix A, Avro
 * "Data Type Mappings"), and the mapping of a file's partition record onto the fields of a
 * partition spec by partition field id (spec: "Manifests": "the partition struct's field ids
 * must match the ids from the partition spec").
 */
import type { IcebergType, IcebergValue, PartitionField, PrimitiveType, StructType } from './types.js';
import { asBigInt, bytesToDecimal, bytesToUuid, uuidToBytes } from './conversions.js';
import { parsePrimitive } from './primitive.js';
import { resultType } from './transforms/index.js';
import { avroCompatibleName, decimalFixedSize } from './avro-schemas.js';
import { type AvroType, unwrapOptional } from './avro/schema.js';
import { internalError } from '../errors.js';

/** Big-endian two's complement, sign-extended to exactly `size` bytes (Avro decimal fixed). */
function decimalToFixed(unscaled: bigint, size: number, type: PrimitiveType): Uint8Array {
  if (BigInt.asIntN(8 * size, unscaled) !== unscaled) throw internalError(`decimal ${unscaled} does not fit ${type}`);
  let u = BigInt.asUintN(8 * size, unscaled);
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}

/** The Avro value of one partition value of Iceberg type `type`, as the datum encoder expects it. */
export function partitionValueToAvro(type: PrimitiveType, v: IcebergValue): unknown {
  if (v === null) return null;
  const p = parsePrimitive(type);
  const bad = (): never => {
    throw internalError(`partition value ${String(v)} (${typeof v}) is not a valid ${type} value`);
  };
  switch (p.kind) {
    case 'boolean':
      return typeof v === 'boolean' ? v : bad();
    case 'int':
    case 'date':
      return typeof v === 'number' && Number.isInteger(v) ? v : bad();
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return asBigInt(type, v);
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : bad();
    case 'string':
      return typeof v === 'string' ? v : bad();
    case 'uuid':
      return typeof v === 'string' ? uuidToBytes(v) : bad();
    case 'fixed':
      return v instanceof Uint8Array && v.length === p.length ? v : bad();
    case 'binary':
      return v instanceof Uint8Array ? v : bad();
    case 'decimal':
      return decimalToFixed(asBigInt(type, v), decimalFixedSize(p.precision), type);
    default:
      return bad();
  }
}

/**
 * An Avro partition value → IcebergValue, driven by the writer's Avro type: decimals (fixed or
 * bytes) become the unscaled bigint, uuid fixed the canonical string. `icebergType`, when known,
 * settles what the Avro type cannot say (a uuid written as plain fixed[16], an int written for a long).
 */
export function partitionValueFromAvro(avro: AvroType, v: unknown, icebergType?: PrimitiveType): IcebergValue {
  if (v === null || v === undefined) return null;
  const t = unwrapOptional(avro);
  const logical = t.kind !== 'record' && t.kind !== 'enum' && t.kind !== 'array' && t.kind !== 'map' && t.kind !== 'union' ? t.logicalType : undefined;
  let out: IcebergValue;
  if (v instanceof Uint8Array && logical === 'decimal') out = bytesToDecimal(v);
  else if (v instanceof Uint8Array && logical === 'uuid' && v.length === 16) out = bytesToUuid(v);
  else if (typeof v === 'string' && logical === 'uuid') out = v.toLowerCase();
  else if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) {
    out = v;
  } else return null;
  return icebergType === undefined ? out : coerce(icebergType, out);
}

function coerce(type: PrimitiveType, v: IcebergValue): IcebergValue {
  let kind: string;
  try {
    kind = parsePrimitive(type).kind;
  } catch {
    return v;
  }
  if (typeof v === 'number' && Number.isInteger(v) && ['long', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'decimal'].includes(kind)) {
    return BigInt(v);
  }
  if (typeof v === 'bigint' && (kind === 'int' || kind === 'date')) return Number(v);
  if (v instanceof Uint8Array && kind === 'uuid' && v.length === 16) return bytesToUuid(v);
  if (v instanceof Uint8Array && kind === 'decimal') return bytesToDecimal(v);
  return v;
}

function findSourceType(struct: StructType, id: number): IcebergType | undefined {
  for (const f of struct.fields) {
    if (f.id === id) return f.type;
    if (typeof f.type === 'object' && f.type.type === 'struct') {
      const inner = findSourceType(f.type, id);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** The partition field's result type from the table schema, or undefined when it cannot be known. */
export function partitionFieldType(schema: StructType | undefined, field: PartitionField): PrimitiveType | undefined {
  if (!schema) return undefined;
  const source = findSourceType(schema, field['source-id']);
  if (typeof source !== 'string') return undefined;
  try {
    return resultType(field.transform, source);
  } catch {
    return undefined;
  }
}

/**
 * How to read the partition tuple of one manifest: for each spec field, in spec order, the
 * Avro field holding it (matched by field id; by name, then position, for writers without ids).
 */
export function partitionReaders(
  record: AvroType | undefined,
  specFields: readonly PartitionField[] | undefined,
  schema: StructType | undefined,
): ((rec: Record<string, unknown> | null) => IcebergValue)[] {
  const rec = record ? unwrapOptional(record) : undefined;
  const avroFields = rec?.kind === 'record' ? rec.fields : [];
  if (!specFields) {
    return avroFields.map((af) => (r) => partitionValueFromAvro(af.type, r?.[af.name]));
  }
  // Partition field ids are unique in a table, so when both sides have them they decide alone;
  // names, then positions, are only for old writers and v1 specs without ids.
  const byId = avroFields.some((f) => f.fieldId !== undefined) && specFields.every((f) => f['field-id'] !== undefined);
  return specFields.map((sf, i) => {
    const af = byId
      ? avroFields.find((f) => f.fieldId === sf['field-id'])
      : (avroFields.find((f) => f.name === sf.name || f.name === avroCompatibleName(sf.name)) ??
        (avroFields.length === specFields.length ? avroFields[i] : undefined));
    if (!af) return () => null;
    const type = partitionFieldType(schema, sf);
    return (r) => partitionValueFromAvro(af.type, r?.[af.name], type);
  });
}
