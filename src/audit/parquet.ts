/**
 * A Parquet file of a few rows of flat primitive columns, written in JS: the audit log's one
 * row per command (log.ts) without starting a DuckDB session for it.
 *
 * The file is what the Parquet format requires and Iceberg readers need (spec "Parquet" in
 * the Iceberg format spec): every column carries its Iceberg field id (SchemaElement
 * field_id), timestamps are INT64 micros with the TIMESTAMP logical type (isAdjustedToUTC for
 * timestamptz), strings are UTF8 byte arrays. One row group, one uncompressed PLAIN data page
 * (v1) per column, definition levels RLE-encoded for optional columns, column statistics with
 * null counts and min/max in each type's defined order.
 *
 * Returned with the file: the per-column counts and sizes an Iceberg data file entry records
 * (column_sizes is the column chunk's total compressed size, as Iceberg Java's ParquetMetrics
 * takes it) and the row group's offset (split_offsets).
 */
import { compareValues, toBinary } from '../iceberg/conversions.js';
import { parsePrimitive } from '../iceberg/primitive.js';
import type { IcebergValue, PrimitiveType } from '../iceberg/types.js';
import { binary, bool, encodeStruct, i32, i64, list, str, struct, type ThriftStruct, type ThriftValue } from './thrift.js';

export interface ParquetColumn {
  id: number;
  name: string;
  type: PrimitiveType;
  required: boolean;
}

export interface SmallParquet {
  bytes: Uint8Array;
  /** By field id: the column chunk's size in the file (page headers and data). */
  columnSizes: Map<number, bigint>;
  valueCounts: Map<number, bigint>;
  nullCounts: Map<number, bigint>;
  /** Non-null values, by field id, for bounds (NaN excluded). */
  nonNull: Map<number, IcebergValue[]>;
  nanCounts: Map<number, bigint>;
  /** The row group's start. */
  rowGroupOffset: bigint;
}

// parquet.thrift enums
const PHYSICAL = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const CONVERTED = { UTF8: 0, DATE: 6, TIMESTAMP_MICROS: 10 } as const;
const ENCODING = { PLAIN: 0, RLE: 3 } as const;
const MAGIC = new TextEncoder().encode('PAR1');

interface Layout {
  physical: number;
  converted?: number;
  /** The LogicalType union, as [member id, member struct]. */
  logical?: ThriftStruct;
}

const timestamp = (utc: boolean): ThriftStruct => [[8, struct([[1, bool(utc)], [2, struct([[2, struct([])]])]])]];

function layoutOf(type: PrimitiveType): Layout | undefined {
  switch (parsePrimitive(type).kind) {
    case 'boolean': return { physical: PHYSICAL.BOOLEAN };
    case 'int': return { physical: PHYSICAL.INT32 };
    case 'date': return { physical: PHYSICAL.INT32, converted: CONVERTED.DATE, logical: [[6, struct([])]] };
    case 'long': return { physical: PHYSICAL.INT64 };
    case 'timestamp': return { physical: PHYSICAL.INT64, converted: CONVERTED.TIMESTAMP_MICROS, logical: timestamp(false) };
    case 'timestamptz': return { physical: PHYSICAL.INT64, converted: CONVERTED.TIMESTAMP_MICROS, logical: timestamp(true) };
    case 'float': return { physical: PHYSICAL.FLOAT };
    case 'double': return { physical: PHYSICAL.DOUBLE };
    case 'string': return { physical: PHYSICAL.BYTE_ARRAY, converted: CONVERTED.UTF8, logical: [[1, struct([])]] };
    case 'binary': return { physical: PHYSICAL.BYTE_ARRAY };
    default: return undefined;
  }
}

/** True when this writer can hold a column of the type (decimal, uuid, fixed, time and nested types go through DuckDB). */
export function parquetWritable(type: PrimitiveType): boolean {
  return layoutOf(type) !== undefined;
}

const isFloating = (type: PrimitiveType) => type === 'float' || type === 'double';

/** PLAIN encoding of the non-null values of one column. */
function plain(type: PrimitiveType, physical: number, values: readonly IcebergValue[]): Uint8Array {
  if (physical === PHYSICAL.BOOLEAN) {
    const out = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v) out[i >> 3]! |= 1 << (i & 7);
    });
    return out;
  }
  const parts = values.map((v) => {
    const b = toBinary(type, v);
    if (physical !== PHYSICAL.BYTE_ARRAY) return b;
    const framed = new Uint8Array(4 + b.length);
    new DataView(framed.buffer).setUint32(0, b.length, true);
    framed.set(b, 4);
    return framed;
  });
  return concat(parts);
}

/** Definition levels (bit width 1) in the RLE/bit-packed hybrid as RLE runs, with the v1 page's 4-byte length prefix. */
function definitionLevels(defined: readonly boolean[]): Uint8Array {
  const runs: number[] = [];
  for (let i = 0; i < defined.length; ) {
    let j = i;
    while (j < defined.length && defined[j] === defined[i]) j++;
    let header = (j - i) << 1;
    while (header >= 0x80) {
      runs.push((header & 0x7f) | 0x80);
      header >>>= 7;
    }
    runs.push(header, defined[i] ? 1 : 0);
    i = j;
  }
  const out = new Uint8Array(4 + runs.length);
  new DataView(out.buffer).setUint32(0, runs.length, true);
  out.set(runs, 4);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** min and max of the values in the type's order, as Parquet statistics (plain bytes, no length). */
function statistics(type: PrimitiveType, values: readonly IcebergValue[], nulls: number): ThriftValue {
  const fields: [number, ThriftValue][] = [[3, i64(nulls)]];
  const ordered = (isFloating(type) ? [] : values) as readonly Exclude<IcebergValue, null>[];
  if (ordered.length > 0) {
    let min = ordered[0]!;
    let max = ordered[0]!;
    for (const v of ordered) {
      if (compareValues(type, v, min) < 0) min = v;
      if (compareValues(type, v, max) > 0) max = v;
    }
    fields.push([5, binary(toBinary(type, max))], [6, binary(toBinary(type, min))]);
  }
  return struct(fields);
}

/**
 * The file holding `rows` (each a value per column, in column order). Throws for a type
 * parquetWritable rejects, for a null in a required column, or a value of the wrong kind.
 */
export function writeSmallParquet(columns: readonly ParquetColumn[], rows: readonly (readonly IcebergValue[])[], createdBy: string): SmallParquet {
  const chunks: Uint8Array[] = [MAGIC];
  let offset = BigInt(MAGIC.length);
  const chunkMeta: ThriftValue[] = [];
  const result: SmallParquet = {
    bytes: new Uint8Array(), columnSizes: new Map(), valueCounts: new Map(), nullCounts: new Map(), nonNull: new Map(), nanCounts: new Map(), rowGroupOffset: offset,
  };
  let totalSize = 0n;
  columns.forEach((c, i) => {
    const layout = layoutOf(c.type);
    if (!layout) throw new Error(`the Parquet writer cannot write column ${c.name} of type ${c.type}`);
    const cells = rows.map((r) => r[i] ?? null);
    const present = cells.filter((v) => v !== null);
    if (c.required && present.length < cells.length) throw new Error(`column ${c.name} is required but has a null`);
    const data = concat([...(c.required ? [] : [definitionLevels(cells.map((v) => v !== null))]), plain(c.type, layout.physical, present)]);
    const header = encodeStruct([
      [1, i32(0)], // DATA_PAGE
      [2, i32(data.length)],
      [3, i32(data.length)],
      [5, struct([[1, i32(cells.length)], [2, i32(ENCODING.PLAIN)], [3, i32(ENCODING.RLE)], [4, i32(ENCODING.RLE)]])],
    ]);
    const size = BigInt(header.length + data.length);
    const nulls = cells.length - present.length;
    chunkMeta.push(struct([
      [2, i64(offset)],
      [3, struct([
        [1, i32(layout.physical)],
        [2, list('i32', [i32(ENCODING.PLAIN), i32(ENCODING.RLE)])],
        [3, list('binary', [str(c.name)])],
        [4, i32(0)], // UNCOMPRESSED
        [5, i64(cells.length)],
        [6, i64(size)],
        [7, i64(size)],
        [9, i64(offset)],
        [12, statistics(c.type, present, nulls)],
      ])],
    ]));
    chunks.push(header, data);
    offset += size;
    totalSize += size;
    result.columnSizes.set(c.id, size);
    result.valueCounts.set(c.id, BigInt(cells.length));
    result.nullCounts.set(c.id, BigInt(nulls));
    const nan = isFloating(c.type) ? present.filter((v) => typeof v === 'number' && Number.isNaN(v)).length : 0;
    if (isFloating(c.type)) result.nanCounts.set(c.id, BigInt(nan));
    result.nonNull.set(c.id, isFloating(c.type) ? present.filter((v) => !(typeof v === 'number' && Number.isNaN(v))) : present);
  });
  const schema: ThriftValue[] = [
    struct([[4, str('table')], [5, i32(columns.length)]]),
    ...columns.map((c) => {
      const l = layoutOf(c.type)!;
      return struct([
        [1, i32(l.physical)],
        [3, i32(c.required ? 0 : 1)],
        [4, str(c.name)],
        [6, l.converted === undefined ? undefined : i32(l.converted)],
        [9, i32(c.id)],
        [10, l.logical === undefined ? undefined : struct(l.logical)],
      ]);
    }),
  ];
  const footer = encodeStruct([
    [1, i32(1)],
    [2, list('struct', schema)],
    [3, i64(rows.length)],
    [4, list('struct', [struct([
      [1, list('struct', chunkMeta)],
      [2, i64(totalSize)],
      [3, i64(rows.length)],
      [5, i64(result.rowGroupOffset)],
      [6, i64(totalSize)],
    ])])],
    [6, str(createdBy)],
    // TYPE_ORDER for every column: the statistics' min/max follow each type's defined order.
    [7, list('struct', columns.map(() => struct([[1, struct([])]])))],
  ]);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  chunks.push(footer, length, MAGIC);
  result.bytes = concat(chunks);
  return result;
}
