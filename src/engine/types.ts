/**
 * The mapping between DuckDB logical types and Iceberg types, both directions, and between
 * DuckDB's typed values and floe's IcebergValue representation (src/iceberg/types.ts, "Values").
 *
 * DuckDB → Iceberg (schema inference; every field is inferred optional):
 *
 * | DuckDB                              | Iceberg            | why                                         |
 * |-------------------------------------|--------------------|---------------------------------------------|
 * | BOOLEAN                             | boolean            |                                             |
 * | TINYINT, SMALLINT, INTEGER          | int                |                                             |
 * | UTINYINT, USMALLINT                 | int                | fits in 32 signed bits                      |
 * | BIGINT, UINTEGER                    | long               | UINTEGER needs 33 bits                      |
 * | UBIGINT                             | decimal(20, 0)     | Iceberg has no unsigned long; 20 digits hold 2^64-1 exactly |
 * | HUGEINT, UHUGEINT                   | decimal(38, 0)     | the widest Iceberg integer; values past 38 digits fail the write's cast loudly |
 * | FLOAT / DOUBLE                      | float / double     |                                             |
 * | DECIMAL(p, s)                       | decimal(p, s)      |                                             |
 * | DATE, TIME                          | date, time         |                                             |
 * | TIMESTAMP, TIMESTAMP_S, TIMESTAMP_MS| timestamp          | seconds and millis widen to micros exactly  |
 * | TIMESTAMP WITH TIME ZONE            | timestamptz        |                                             |
 * | TIMESTAMP_NS                        | timestamp_ns (v3)  | v2 has no nanosecond type: timestamp there; the write's CAST drops sub-micros (toward zero) |
 * | VARCHAR (also JSON), ENUM           | string             | ENUM is written as its label                |
 * | UUID                                | uuid               |                                             |
 * | BLOB                                | binary             |                                             |
 * | STRUCT / LIST, ARRAY / MAP          | struct / list / map|                                             |
 * | "NULL" (untyped NULL)               | string             | a column of only NULLs needs some type      |
 * | INTERVAL, TIME WITH TIME ZONE, TIME_NS, BIT, UNION, BIGNUM, VARIANT, GEOMETRY | rejected | no faithful Iceberg type; cast it in SQL first |
 *
 * Iceberg → DuckDB (the casts the writer applies, so Parquet physical types follow the spec's
 * "Parquet" type mapping):
 *
 * | Iceberg        | DuckDB         | Parquet as written by DuckDB 1.5.6                        |
 * |----------------|----------------|-----------------------------------------------------------|
 * | boolean        | BOOLEAN        | BOOLEAN                                                   |
 * | int / long     | INTEGER/BIGINT | INT32 / INT64                                             |
 * | float / double | FLOAT/DOUBLE   | FLOAT / DOUBLE                                            |
 * | decimal(p, s)  | DECIMAL(p, s)  | INT32 (p ≤ 9), INT64 (p ≤ 18), FIXED_LEN_BYTE_ARRAY       |
 * | date / time    | DATE / TIME    | INT32 DATE / INT64 TIME(MICROS, UTC=false)                |
 * | timestamp      | TIMESTAMP      | INT64 TIMESTAMP(MICROS, UTC=false)                        |
 * | timestamptz    | TIMESTAMPTZ    | INT64 TIMESTAMP(MICROS, UTC=true)                         |
 * | timestamp_ns   | TIMESTAMP_NS   | INT64 TIMESTAMP(NANOS, UTC=false)                         |
 * | string         | VARCHAR        | BYTE_ARRAY UTF8                                           |
 * | uuid           | UUID           | FIXED_LEN_BYTE_ARRAY[16] UUID                             |
 * | fixed[16]      | BLOB, written as UUID | FIXED_LEN_BYTE_ARRAY[16] UUID (write-parquet.ts parquetSelect) |
 * | fixed[L], L≠16 | BLOB           | refused: DuckDB writes a BLOB as BYTE_ARRAY, which the spec forbids for fixed (see below) |
 * | binary         | BLOB           | BYTE_ARRAY                                                |
 * | struct/list/map| STRUCT/LIST/MAP| 3-level LIST and MAP groups                               |
 * | timestamptz_ns, unknown, variant, geometry, geography | rejected (DuckDB cannot write them) |
 *
 * fixed[L]. The spec's Parquet type is FIXED_LEN_BYTE_ARRAY(L), and readers hold to it: a
 * BYTE_ARRAY column fails PyIceberg 0.12 ("Cannot promote an binary to fixed[4]") and
 * Spark/Iceberg 1.10.1 (ClassCastException on FixedSizeBinaryVector). DuckDB 1.5.6 writes
 * FIXED_LEN_BYTE_ARRAY only for UUID (16), INTERVAL (12, annotated INTERVAL) and wide
 * DECIMAL (16, annotated DECIMAL), never for a BLOB. A UUID carries any 16 bytes unchanged
 * (DuckDB stores them big-endian in the file), and PyIceberg 0.12 and Spark/Iceberg 1.10.1
 * read such a column of a fixed[16] field back as those exact bytes (measured,
 * test/interop/oracle-review-fixed.test.ts); floe reads it through UUID → BLOB. Every other
 * length is refused before a file is written (unwritableFixedColumns).
 */
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { IcebergType, IcebergValue, NestedField, PrimitiveType, StructType } from '../iceberg/types.js';
import { parsePrimitive } from '../iceberg/primitive.js';
import { indexFields } from '../iceberg/schema.js';
import { schemaError, unsupportedError } from '../errors.js';
import { quoteIdent } from './sql.js';

/**
 * DuckDBTypeId values, mirrored so this module needs no runtime import of the native
 * package (test/engine/types.test.ts pins them against the real enum).
 */
export const TYPE_ID = {
  BOOLEAN: 1, TINYINT: 2, SMALLINT: 3, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7,
  UINTEGER: 8, UBIGINT: 9, FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, DATE: 13, TIME: 14,
  INTERVAL: 15, HUGEINT: 16, VARCHAR: 17, BLOB: 18, DECIMAL: 19, TIMESTAMP_S: 20,
  TIMESTAMP_MS: 21, TIMESTAMP_NS: 22, ENUM: 23, LIST: 24, STRUCT: 25, MAP: 26, UUID: 27,
  TIME_TZ: 30, TIMESTAMP_TZ: 31, UHUGEINT: 32, ARRAY: 33, SQLNULL: 36,
} as const;

const SIMPLE: Record<number, PrimitiveType> = {
  [TYPE_ID.BOOLEAN]: 'boolean',
  [TYPE_ID.TINYINT]: 'int', [TYPE_ID.SMALLINT]: 'int', [TYPE_ID.INTEGER]: 'int',
  [TYPE_ID.UTINYINT]: 'int', [TYPE_ID.USMALLINT]: 'int',
  [TYPE_ID.BIGINT]: 'long', [TYPE_ID.UINTEGER]: 'long',
  [TYPE_ID.UBIGINT]: 'decimal(20, 0)', [TYPE_ID.HUGEINT]: 'decimal(38, 0)', [TYPE_ID.UHUGEINT]: 'decimal(38, 0)',
  [TYPE_ID.FLOAT]: 'float', [TYPE_ID.DOUBLE]: 'double',
  [TYPE_ID.DATE]: 'date', [TYPE_ID.TIME]: 'time',
  [TYPE_ID.TIMESTAMP]: 'timestamp', [TYPE_ID.TIMESTAMP_S]: 'timestamp', [TYPE_ID.TIMESTAMP_MS]: 'timestamp',
  [TYPE_ID.TIMESTAMP_TZ]: 'timestamptz',
  [TYPE_ID.VARCHAR]: 'string', [TYPE_ID.ENUM]: 'string', [TYPE_ID.SQLNULL]: 'string',
  [TYPE_ID.UUID]: 'uuid', [TYPE_ID.BLOB]: 'binary',
};

export interface TypeMappingOptions {
  /** Table format version; decides TIMESTAMP_NS (see the table above). Default 2. */
  formatVersion?: number;
}

/**
 * The Iceberg type for a DuckDB type. Nested field ids are placeholders (0): ids are
 * assigned for the whole schema at once (infer-schema.ts), breadth-first as Java does.
 * `path` names the column in errors.
 */
export function icebergTypeOf(t: DuckDBType, path: string, options: TypeMappingOptions = {}): IcebergType {
  const simple = SIMPLE[t.typeId];
  if (simple !== undefined) return simple;
  switch (t.typeId) {
    case TYPE_ID.DECIMAL:
      return `decimal(${t.width}, ${t.scale})`;
    case TYPE_ID.TIMESTAMP_NS:
      return (options.formatVersion ?? 2) >= 3 ? 'timestamp_ns' : 'timestamp';
    case TYPE_ID.STRUCT:
      return {
        type: 'struct',
        fields: t.entryNames.map((name, i): NestedField => ({
          id: 0, name, required: false, type: icebergTypeOf(t.entryTypes[i]!, `${path}.${name}`, options),
        })),
      };
    case TYPE_ID.LIST:
    case TYPE_ID.ARRAY:
      return {
        type: 'list', 'element-id': 0, 'element-required': false,
        element: icebergTypeOf(t.valueType, `${path}.element`, options),
      };
    case TYPE_ID.MAP:
      return {
        type: 'map', 'key-id': 0, 'value-id': 0, 'value-required': false,
        key: icebergTypeOf(t.keyType, `${path}.key`, options),
        value: icebergTypeOf(t.valueType, `${path}.value`, options),
      };
    default:
      throw schemaError(`column '${path}' has DuckDB type ${t.toString()}, which has no Iceberg equivalent`, {
        context: { column: path, type: t.toString() },
        hint: `cast it in the pipeline's SQL, e.g. CAST(${quoteIdent(path.split('.')[0]!)} AS VARCHAR)`,
      });
  }
}

/** The DuckDB SQL type text for an Iceberg type, used in CAST(... AS <type>). */
export function duckdbTypeSql(t: IcebergType): string {
  if (typeof t !== 'string') {
    switch (t.type) {
      case 'struct':
        return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckdbTypeSql(f.type)}`).join(', ')})`;
      case 'list':
        return `${duckdbTypeSql(t.element)}[]`;
      case 'map':
        return `MAP(${duckdbTypeSql(t.key)}, ${duckdbTypeSql(t.value)})`;
    }
  }
  const p = parsePrimitive(t);
  switch (p.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int': return 'INTEGER';
    case 'long': return 'BIGINT';
    case 'float': return 'FLOAT';
    case 'double': return 'DOUBLE';
    case 'decimal': return `DECIMAL(${p.precision}, ${p.scale})`;
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timestamp': return 'TIMESTAMP';
    case 'timestamptz': return 'TIMESTAMPTZ';
    case 'timestamp_ns': return 'TIMESTAMP_NS';
    case 'string': return 'VARCHAR';
    case 'uuid': return 'UUID';
    case 'fixed':
    case 'binary': return 'BLOB';
    default:
      throw unsupportedError(`floe cannot write Iceberg type '${t}' with DuckDB`, { context: { type: t } });
  }
}

/** The one fixed length floe writes: as a DuckDB UUID, the only FIXED_LEN_BYTE_ARRAY a BLOB can become (see the top). */
export const WRITTEN_FIXED_LENGTH = 16;

/** Whether a column of this type is written as a DuckDB UUID though it is no Iceberg uuid. */
export function fixedWrittenAsUuid(t: IcebergType): boolean {
  if (typeof t !== 'string') return false;
  const p = parsePrimitive(t);
  return p.kind === 'fixed' && p.length === WRITTEN_FIXED_LENGTH;
}

/**
 * The fixed(L) fields, nested ones included, that DuckDB cannot write as
 * FIXED_LEN_BYTE_ARRAY(L): a file with them as BYTE_ARRAY breaks other readers, so a write
 * into a table with one is refused (write-parquet.ts refuseUnwritableFixed).
 */
export function unwritableFixedColumns(schema: StructType): { path: string; type: PrimitiveType }[] {
  return indexFields(schema)
    .filter((f) => typeof f.type === 'string' && parsePrimitive(f.type).kind === 'fixed' && !fixedWrittenAsUuid(f.type))
    .map((f) => ({ path: f.path.join('.'), type: f.type as PrimitiveType }));
}

/** Structural view of the DuckDB value classes, so no runtime import is needed. */
type Shaped = { micros?: bigint; nanos?: bigint; days?: number; value?: bigint; scale?: number;
  bytes?: Uint8Array; isFinite?: boolean; toString(): string };

/**
 * A DuckDB value (from a typed reader) as an IcebergValue of `type`. Throws a schema error
 * for values Iceberg cannot represent (infinite dates and timestamps, out-of-range ints).
 */
export function icebergValueOf(type: PrimitiveType, v: DuckDBValue): IcebergValue {
  if (v === null) return null;
  const p = parsePrimitive(type);
  const s = v as unknown as Shaped;
  const bad = (why: string): never => {
    throw schemaError(`value ${String(v)} cannot be stored as Iceberg ${type}: ${why}`, { context: { type } });
  };
  const finite = () => (s.isFinite === false ? bad('it is infinite') : undefined);
  switch (p.kind) {
    case 'boolean':
      return typeof v === 'boolean' ? v : bad('not a boolean');
    case 'int': {
      const n = typeof v === 'bigint' ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 ? n : bad('not a 32-bit int');
    }
    case 'long':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : bad('not a long');
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : bad('not a number');
    case 'decimal':
      if (typeof s.value === 'bigint' && s.scale === p.scale) return s.value;
      if (p.scale === 0 && (typeof v === 'bigint' || typeof v === 'number')) return BigInt(v);
      return bad(`not a decimal with scale ${p.scale}`);
    case 'date':
      if (typeof v === 'number') return v;
      finite();
      return typeof s.days === 'number' ? s.days : bad('not a date');
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      finite();
      return typeof s.micros === 'bigint' ? s.micros : bad('not a micros value');
    case 'timestamp_ns':
    case 'timestamptz_ns':
      finite();
      return typeof s.nanos === 'bigint' ? s.nanos : bad('not a nanos value');
    case 'string':
      return typeof v === 'string' ? v : bad('not a string');
    case 'uuid':
      return typeof v === 'string' || (typeof v === 'object' && 'hugeint' in v) ? v.toString().toLowerCase() : bad('not a uuid');
    case 'fixed':
    case 'binary':
      if (!(s.bytes instanceof Uint8Array)) return bad('not bytes');
      if (p.kind === 'fixed' && s.bytes.length !== p.length) bad(`not ${p.length} bytes long`);
      // A plain copy: the reader hands out Buffers that may share memory with the result.
      return new Uint8Array(s.bytes);
    default:
      throw unsupportedError(`floe cannot read Iceberg type '${type}' from DuckDB`, { context: { type } });
  }
}
