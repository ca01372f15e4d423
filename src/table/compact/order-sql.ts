/**
 * The row order of rewritten files as DuckDB SQL: a sort order (spec: "Sort Orders") bound to
 * the table schema, or a Z-order over several columns.
 *
 * Z-order. Each column becomes an order-preserving unsigned integer of b = min(32, 64 / k)
 * bits, and the Z-value interleaves those bits, most significant first, into a UBIGINT:
 * - numbers, dates, times and timestamps map to a DOUBLE (timestamps as epoch micros), then
 *   are scaled linearly from the rewrite's own [min, max] onto [0, 2^b - 1]; scaling uses the
 *   full bit range whatever the values' magnitude (ids 1..1e6 would otherwise share their
 *   high bits, which is where interleaving looks first);
 * - strings (and uuids, as text) use their first 8 UTF-8 bytes read as a big-endian unsigned
 *   integer, which orders like the bytes; binary the same over its bytes; then scaled;
 * - NULL maps to 0, so null rows cluster first.
 * All of it is SQL evaluated by DuckDB; no row passes through JS.
 */
import { usageError } from '../../errors.js';
import { quoteIdent } from '../../engine/sql.js';
import { transformSql } from '../../engine/transform-sql.js';
import { fieldById, fieldByPath } from '../../iceberg/schema.js';
import { parsePrimitive } from '../../iceberg/primitive.js';
import { formatTransform } from '../../iceberg/transforms/index.js';
import type { PrimitiveType, Schema, SortField, TableMetadata } from '../../iceberg/types.js';
import { defaultSortOrder, sortTermSql } from '../evolve/sort-sql.js';
import { sameSortField } from '../evolve/sort-update.js';
import type { Strategy } from './strategy.js';

export type ResolvedOrder =
  | { kind: 'none' }
  | { kind: 'sort'; orderBy: string; sortOrderId: number | null; text: string }
  | { kind: 'zorder'; columns: ZColumn[] };

export interface ZColumn {
  name: string;
  /** An order-preserving DOUBLE key of the column; NULL for NULL. */
  keySql: string;
}

export function resolveOrder(strategy: Strategy, m: TableMetadata, schema: Schema, table: string): ResolvedOrder {
  if (strategy.kind === 'binpack') return { kind: 'none' };
  if (strategy.kind === 'zorder') return { kind: 'zorder', columns: strategy.columns.map((c) => zColumn(schema, c, table)) };
  let fields: SortField[];
  if (strategy.fields) {
    fields = strategy.fields.map((f) => {
      const source = fieldByPath(schema, f.source);
      if (!source) throw usageError(`--sort: table ${table} has no column '${f.source}'`);
      return { transform: formatTransform(f.transform), 'source-id': source.id, direction: f.direction, 'null-order': f['null-order'] };
    });
  } else {
    const order = defaultSortOrder(m);
    if (!order) {
      throw usageError(`table ${table} has no sort order; give the order with --sort "col [asc|desc], ..."`);
    }
    fields = order.fields;
  }
  const terms = fields.map((f) => {
    const source = fieldById(schema, f['source-id']);
    if (!source || typeof source.type !== 'string') {
      throw usageError(`table ${table}: sort field ${f['source-id']} is not a primitive column of the current schema`);
    }
    const col = source.path.map(quoteIdent).join('.');
    let expr: string;
    try {
      expr = transformSql(f.transform, source.type, col);
    } catch (e) {
      throw usageError(`--sort: ${f.transform}(${source.path.join('.')}): ${e instanceof Error ? e.message : String(e)}`);
    }
    return { expr, text: `${f.transform === 'identity' ? source.path.join('.') : `${f.transform}(${source.path.join('.')})`} ${f.direction}`, f };
  });
  const orderBy = terms.map((t) => sortTermSql(t.expr, t.f)).join(', ');
  return { kind: 'sort', orderBy, sortOrderId: matchingOrderId(m, fields), text: terms.map((t) => t.text).join(', ') };
}

/** The id of a table sort order with exactly these fields (data files may only name the table's orders). */
function matchingOrderId(m: TableMetadata, fields: readonly SortField[]): number | null {
  const o = m['sort-orders'].find((x) => x['order-id'] !== 0 && x.fields.length === fields.length && x.fields.every((f, i) => sameSortField(f, fields[i]!)));
  return o ? o['order-id'] : null;
}

function zColumn(schema: Schema, name: string, table: string): ZColumn {
  const f = fieldByPath(schema, name);
  if (!f) throw usageError(`--zorder: table ${table} has no column '${name}'`);
  if (typeof f.type !== 'string') throw usageError(`--zorder: column '${name}' of ${table} is a ${f.type.type}; z-order takes primitive columns`);
  const col = f.path.map(quoteIdent).join('.');
  return { name, keySql: keySql(f.type, col, name) };
}

function keySql(type: PrimitiveType, x: string, name: string): string {
  const p = parsePrimitive(type);
  const firstBytes = (hex: string) => `CAST(CAST('0x' || rpad(left(${hex}, 16), 16, '0') AS UBIGINT) AS DOUBLE)`;
  switch (p.kind) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'decimal':
      return `CAST(${x} AS DOUBLE)`;
    case 'date':
      return `CAST(${x} - DATE '1970-01-01' AS DOUBLE)`;
    case 'time':
      return `CAST(epoch_us(TIMESTAMP '1970-01-01' + ${x}) AS DOUBLE)`;
    case 'timestamp':
    case 'timestamptz':
      return `CAST(epoch_us(${x}) AS DOUBLE)`;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return `CAST(epoch_ns(${x}) AS DOUBLE)`;
    case 'string':
      return firstBytes(`hex(encode(${x}))`);
    case 'uuid':
      return firstBytes(`hex(encode(CAST(${x} AS VARCHAR)))`);
    case 'binary':
    case 'fixed':
      return firstBytes(`hex(${x})`);
    default:
      throw usageError(`--zorder: column '${name}' has type ${type}, which z-order does not support`);
  }
}

/** The bits each of k columns contributes to a 64-bit Z-value. */
export function zBits(k: number): number {
  return Math.max(1, Math.min(32, Math.floor(64 / k)));
}

/** One query over `selectSql` returning lo0, hi0, lo1, hi1, ... (the scaling range). */
export function zBoundsSql(columns: readonly ZColumn[], selectSql: string): string {
  const aggs = columns.map((c, i) => `min(${c.keySql}) AS lo${i}, max(${c.keySql}) AS hi${i}`);
  return `SELECT ${aggs.join(', ')} FROM (${selectSql}) AS __floe_z`;
}

/** The Z-value as an ORDER BY expression, given each column's [lo, hi] over the rows written. */
export function zOrderSql(columns: readonly ZColumn[], bounds: readonly { lo: number | null; hi: number | null }[]): string {
  const k = columns.length;
  const b = zBits(k);
  const max = 2 ** b - 1;
  const scaled = columns.map((c, j) => {
    const { lo, hi } = bounds[j]!;
    if (lo === null || hi === null || !(hi > lo)) return '0::UBIGINT';
    const factor = max / (hi - lo);
    // coalesce: NULL → lo → 0; least() guards rounding at the top of the range.
    return `least(${max}, CAST(floor((coalesce(${c.keySql}, ${num(lo)}) - ${num(lo)}) * ${num(factor)}) AS UBIGINT))`;
  });
  if (k === 1) return scaled[0]!;
  const terms: string[] = [];
  for (let i = b - 1; i >= 0; i--) {
    for (let j = 0; j < k; j++) {
      const target = i * k + (k - 1 - j);
      terms.push(`(((${scaled[j]} >> ${i}) & 1::UBIGINT) << ${target})`);
    }
  }
  return terms.join(' | ');
}

function num(x: number): string {
  return Number.isFinite(x) ? `${x.toPrecision(17)}::DOUBLE` : '0::DOUBLE';
}
