/**
 * SQL for Iceberg types and single values on the read side: the DuckDB type each Iceberg
 * type reads as, and typed literals for the constants a scan splices in — identity partition
 * values and `initial-default`s of columns a data file does not have (spec: "Column
 * Projection", "Default values").
 *
 * Literals are written as text cast to the exact type (`CAST('…' AS DECIMAL(38, 23))`), never
 * as JS numbers, so longs, decimals and timestamps keep every digit.
 */
import { bytesToHex, formatDecimal, fromJsonValue } from '../iceberg/conversions.js';
import { parsePrimitive } from '../iceberg/primitive.js';
import type { IcebergType, IcebergValue, NestedField } from '../iceberg/types.js';
import { unsupportedError } from '../errors.js';
import { duckdbTypeSql } from './types.js';
import { quoteLiteral } from './sql.js';

/**
 * The DuckDB type an Iceberg type is read as. The same as the write mapping (types.ts) except
 * for types DuckDB cannot write but can hold:
 * - timestamptz_ns reads as TIMESTAMPTZ: DuckDB 1.5 has no nanosecond TIMESTAMPTZ, and an
 *   instant type matters more to queries than the last three digits;
 * - unknown (v3) is always null and reads as a NULL VARCHAR.
 */
export function readTypeSql(t: IcebergType): string {
  if (typeof t !== 'string') {
    switch (t.type) {
      case 'struct':
        // DuckDB has no empty STRUCT type (STRUCT() is a syntax error); another engine can leave one.
        if (t.fields.length === 0) {
          throw unsupportedError('floe cannot read a struct without fields (struct<>): DuckDB has no empty struct type', {
            context: { feature: 'empty structs' },
          });
        }
        return `STRUCT(${t.fields.map((f) => `"${f.name.replaceAll('"', '""')}" ${readTypeSql(f.type)}`).join(', ')})`;
      case 'list':
        return `${readTypeSql(t.element)}[]`;
      case 'map':
        return `MAP(${readTypeSql(t.key)}, ${readTypeSql(t.value)})`;
    }
  }
  const p = parsePrimitive(t);
  if (p.kind === 'timestamptz_ns') return 'TIMESTAMPTZ';
  if (p.kind === 'unknown') return 'VARCHAR';
  try {
    return duckdbTypeSql(t);
  } catch {
    throw unsupportedError(`floe cannot read Iceberg type '${t}' yet`, { context: { type: t, feature: `${t} columns` } });
  }
}

/** `CAST(NULL AS T)`, or the field's initial-default when it has one. */
export function defaultSql(field: NestedField): string {
  const json = field['initial-default'];
  if (json === undefined || json === null || typeof field.type !== 'string') return nullOf(field.type);
  return literalSql(field.type, fromJsonValue(field.type, json));
}

export const nullOf = (t: IcebergType) => `CAST(NULL AS ${readTypeSql(t)})`;

/** A typed SQL literal for a single Iceberg value (the in-memory form of types.ts, "Values"). */
export function literalSql(type: IcebergType, v: IcebergValue): string {
  if (v === null || typeof type !== 'string') return nullOf(type);
  const p = parsePrimitive(type);
  const cast = (text: string) => `CAST(${textSql(text)} AS ${readTypeSql(type)})`;
  switch (p.kind) {
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'int':
    case 'long':
      return cast(String(v));
    case 'float':
    case 'double':
      return cast(Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));
    case 'decimal':
      return cast(formatDecimal(v as bigint, p.scale));
    case 'date':
      return cast(formatDate(Number(v)));
    case 'time':
      return cast(formatTime(BigInt(v as bigint | number), 6));
    case 'timestamp':
      return cast(formatTimestamp(v as bigint, 6));
    case 'timestamptz':
      return cast(`${formatTimestamp(v as bigint, 6)}+00`);
    case 'timestamp_ns':
      return cast(formatTimestamp(v as bigint, 9));
    case 'timestamptz_ns':
      return cast(`${formatTimestamp(v as bigint, 9)}+00`);
    case 'string':
    case 'uuid':
      return cast(String(v));
    case 'fixed':
    case 'binary':
      return `from_hex(${quoteLiteral(bytesToHex(v as Uint8Array))})`;
    default:
      return nullOf(type);
  }
}

/**
 * A VARCHAR constant. SQL text cannot carry a NUL character, which a string value (an
 * identity partition value, a merge key) can hold: it is spliced in as chr(0).
 */
function textSql(text: string): string {
  return text.includes('\0') ? `(${text.split('\0').map(quoteLiteral).join(' || chr(0) || ')})` : quoteLiteral(text);
}

const DAY_MS = 86_400_000;

/** Days from 1970-01-01 as YYYY-MM-DD; years before year 1 in DuckDB's "(BC)" form. */
export function formatDate(days: number): string {
  const d = new Date(days * DAY_MS);
  const y = d.getUTCFullYear(); // astronomical: 0 is 1 BC
  const md = `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  return y > 0 ? `${String(y).padStart(4, '0')}-${md}` : `${String(1 - y).padStart(4, '0')}-${md} (BC)`;
}

/** Time of day from micros (digits = 6) or nanos (digits = 9) since midnight. */
export function formatTime(units: bigint, digits: 6 | 9): string {
  const perSecond = digits === 6 ? 1_000_000n : 1_000_000_000n;
  const secs = units / perSecond;
  const frac = units % perSecond;
  const hh = String(secs / 3600n).padStart(2, '0');
  const mm = String((secs / 60n) % 60n).padStart(2, '0');
  const ss = String(secs % 60n).padStart(2, '0');
  return `${hh}:${mm}:${ss}.${String(frac).padStart(digits, '0')}`;
}

/** A UTC wall-clock timestamp from micros or nanos since the epoch. */
export function formatTimestamp(units: bigint, digits: 6 | 9): string {
  const perDay = 86_400n * (digits === 6 ? 1_000_000n : 1_000_000_000n);
  let days = units / perDay;
  let rest = units % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  return `${formatDate(Number(days))} ${formatTime(rest, digits)}`;
}
