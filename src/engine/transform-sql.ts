/**
 * Partition transforms as DuckDB SQL, so partition values are computed where the rows are
 * (inside the COPY that writes Parquet) and agree bit for bit with src/iceberg/transforms
 * (spec: "Partition Transforms"). test/engine/transform-sql.test.ts checks the two against
 * each other.
 *
 * The expression's DuckDB type is that of the Iceberg result type (`transformSqlType`):
 * bucket/year/month/hour → INTEGER, day → DATE, identity/truncate/void → the source type.
 * `columnExpr` may be evaluated more than once, so pass a column reference or another
 * deterministic expression. Bucket needs registerFloeFunctions (udf.ts) on the connection.
 *
 * Time transforms never depend on the session TimeZone: timestamptz values are taken as UTC
 * micros (epoch_us) before any calendar arithmetic.
 */
import type { IcebergValue, PrimitiveType } from '../iceberg/types.js';
import { type Primitive, parsePrimitive } from '../iceberg/primitive.js';
import { type TransformLike, parseTransform, resultType } from '../iceberg/transforms/index.js';
import { formatDecimal, toJsonValue } from '../iceberg/conversions.js';
import { unsupportedError } from '../errors.js';
import { BUCKET_DECIMAL_FUNCTION, BUCKET_FUNCTION } from './udf.js';

/** The DuckDB type floe uses for an Iceberg primitive. */
export function duckdbType(type: PrimitiveType): string {
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int': return 'INTEGER';
    case 'long': return 'BIGINT';
    case 'float': return 'FLOAT';
    case 'double': return 'DOUBLE';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timestamp': return 'TIMESTAMP';
    case 'timestamptz': return 'TIMESTAMPTZ';
    // DuckDB has no zoned nanosecond type; the UTC wall clock in TIMESTAMP_NS is the same instant.
    case 'timestamp_ns':
    case 'timestamptz_ns': return 'TIMESTAMP_NS';
    case 'string': return 'VARCHAR';
    case 'uuid': return 'UUID';
    case 'fixed':
    case 'binary': return 'BLOB';
    case 'decimal':
      if (p.scale < 0 || p.scale > p.precision) throw unsupportedError(`DuckDB cannot hold ${type}: scale must be 0..precision`);
      return `DECIMAL(${p.precision},${p.scale})`;
    default:
      throw unsupportedError(`floe has no DuckDB type for Iceberg type ${type}`);
  }
}

/** The DuckDB type of transformSql's result. */
export function transformSqlType(transform: TransformLike, sourceType: PrimitiveType): string {
  return duckdbType(resultType(transform, sourceType));
}

/** Floor division by a positive constant; DuckDB's // truncates toward zero. */
function floorDiv(x: string, d: string): string {
  return `((${x}) // ${d} - CASE WHEN (${x}) % ${d} < 0 THEN 1 ELSE 0 END)`;
}

const isNanos = (p: Primitive) => p.kind === 'timestamp_ns' || p.kind === 'timestamptz_ns';

/** Micros from the epoch, UTC, as BIGINT; nanos floor to micros (Appendix B note 3). */
function epochMicros(p: Primitive, x: string): string {
  return isNanos(p) ? floorDiv(`epoch_ns(${x})`, '1000') : `epoch_us(${x})`;
}

/** The value as a DATE or a zone-less UTC TIMESTAMP, for calendar arithmetic. */
function utcCalendar(p: Primitive, x: string): { value: string; epoch: string } {
  if (p.kind === 'date') return { value: `CAST(${x} AS DATE)`, epoch: "DATE '1970-01-01'" };
  if (p.kind === 'timestamp') return { value: `CAST(${x} AS TIMESTAMP)`, epoch: "TIMESTAMP '1970-01-01'" };
  return { value: `make_timestamp(${epochMicros(p, x)})`, epoch: "TIMESTAMP '1970-01-01'" };
}

function bucketSql(p: Primitive, type: PrimitiveType, x: string, n: number): string {
  const call = (arg: string, fn = BUCKET_FUNCTION) => `${fn}(${arg}, ${n})`;
  switch (p.kind) {
    case 'int': return call(`CAST(${x} AS INTEGER)`);
    case 'long': return call(`CAST(${x} AS BIGINT)`);
    case 'date': return call(`CAST(CAST(${x} AS DATE) - DATE '1970-01-01' AS INTEGER)`);
    case 'time': return call(`epoch_us(CAST(${x} AS TIME))`);
    case 'string': return call(`CAST(${x} AS VARCHAR)`);
    case 'uuid': return call(`CAST(CAST(${x} AS UUID) AS BLOB)`); // 16 bytes big-endian
    case 'fixed':
    case 'binary': return call(`CAST(${x} AS BLOB)`);
    // The cast pins the scale, so the text has exactly `scale` fraction digits.
    case 'decimal': return call(`CAST(CAST(${x} AS ${duckdbType(type)}) AS VARCHAR)`, BUCKET_DECIMAL_FUNCTION);
    default: return call(epochMicros(p, x));
  }
}

function truncateSql(p: Primitive, type: PrimitiveType, x: string, w: number): string {
  // v - (((v % W) + W) % W) (spec: "Truncate Transform Details"), in a wider type so the
  // intermediate sum cannot overflow.
  const positiveRemainder = (v: string, wl: string) => `(${v} - (((${v} % ${wl}) + ${wl}) % ${wl}))`;
  // A result below the type's minimum wraps as Java's int/long arithmetic does (truncate.ts).
  const wrapped = (r: string, bits: number, duck: string) =>
    `CAST(${r} + CASE WHEN ${r} < -${2n ** BigInt(bits - 1)} THEN ${2n ** BigInt(bits)} ELSE 0 END AS ${duck})`;
  switch (p.kind) {
    case 'int':
      // Java's (v % W) + W overflows int above this width; widen-then-wrap would differ.
      if (w > 2 ** 30) throw unsupportedError(`truncate[${w}] on int: widths above 2^30 are not supported`);
      return wrapped(positiveRemainder(`CAST(${x} AS BIGINT)`, String(w)), 32, 'INTEGER');
    case 'long':
      return wrapped(positiveRemainder(`CAST(${x} AS HUGEINT)`, String(w)), 64, 'BIGINT');
    case 'decimal': {
      // W applies at the column's scale: W=50, scale 2 → 0.50.
      const digits = String(w).length + Math.max(p.scale, 0);
      if (digits > 38) throw unsupportedError(`truncate[${w}] on ${type} needs more than 38 digits in DuckDB`);
      const wl = `CAST('${formatDecimal(BigInt(w), p.scale)}' AS DECIMAL(38,${p.scale}))`;
      return `CAST(${positiveRemainder(`CAST(${x} AS ${duckdbType(type)})`, wl)} AS ${duckdbType(type)})`;
    }
    // DuckDB's left() counts code points, as the spec asks ("no more than L code points").
    case 'string': return `left(CAST(${x} AS VARCHAR), ${w})`;
    // BLOB has no substring; two hex digits per byte.
    case 'binary': return `unhex(left(hex(CAST(${x} AS BLOB)), ${2 * w}))`;
  }
  throw unsupportedError(`truncate cannot be applied to ${type}`);
}

/** A DuckDB SQL expression computing `transform` of the `sourceType` column `columnExpr`. */
export function transformSql(transform: TransformLike, sourceType: PrimitiveType, columnExpr: string): string {
  const t = parseTransform(transform);
  resultType(t, sourceType); // throws for a source type the transform does not accept
  const p = parsePrimitive(sourceType);
  const x = `(${columnExpr})`;
  switch (t.kind) {
    case 'identity':
      return x;
    case 'void':
      return `CAST(NULL AS ${duckdbType(sourceType)})`;
    case 'bucket':
      return bucketSql(p, sourceType, x, t.n);
    case 'truncate':
      return truncateSql(p, sourceType, x, t.width);
    case 'year':
    case 'month': {
      // date_diff counts calendar boundaries, which is floor semantics before 1970 too.
      const c = utcCalendar(p, x);
      return `CAST(date_diff('${t.kind}', ${c.epoch}, ${c.value}) AS INTEGER)`;
    }
    case 'day':
      return p.kind === 'date' ? `CAST(${x} AS DATE)` : `CAST(${utcCalendar(p, x).value} AS DATE)`;
    case 'hour':
      return `CAST(${floorDiv(epochMicros(p, x), '3600000000')} AS INTEGER)`;
  }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A typed DuckDB literal for an Iceberg value (for predicates and tests); NULL for null. */
export function sqlLiteral(type: PrimitiveType, value: IcebergValue): string {
  const duck = duckdbType(type);
  if (value === null) return `CAST(NULL AS ${duck})`;
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'float':
    case 'double':
      // Text keeps NaN and ±Infinity, which DuckDB casts from 'NaN' / 'Infinity'.
      return `CAST(${quote(String(toJsonValue(type, value)))} AS ${duck})`;
    case 'fixed':
    case 'binary':
      return `unhex(${quote(String(toJsonValue(type, value)))})`;
    case 'timestamptz':
    case 'timestamptz_ns': {
      // TIMESTAMP_NS has no zone: drop the '+00:00' the JSON form carries.
      const text = String(toJsonValue(type, value));
      return `CAST(${quote(p.kind === 'timestamptz_ns' ? text.replace(/\+00:00$/, '') : text)} AS ${duck})`;
    }
    default:
      return `CAST(${quote(String(toJsonValue(type, value)))} AS ${duck})`;
  }
}
