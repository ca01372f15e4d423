/**
 * Column types of the relational sources (postgres, mysql, sqlite) → DuckDB types, and the
 * exact conversion of each driver value on its way into DuckDB. The Iceberg type then follows
 * from the DuckDB type (src/engine/types.ts). docs/SOURCE-TYPES.md is the user-facing table;
 * keep the two in step.
 *
 * Principles:
 * - Types come from the driver's column descriptions, never from JS values, so an empty
 *   result still has a schema and one odd value cannot change a column's type.
 *   (SQLite is the exception: it has no column types, only declared-type affinity.)
 * - floe never rounds or truncates silently. A value the mapped type cannot hold exactly
 *   fails the run with a ValueMisfit naming the column and a way out (cast it in the query).
 * - Values travel as the server's own text wherever DuckDB parses that text exactly
 *   (decimals, uuids, lists): the cast then runs inside DuckDB's appender, vectorised. Dates,
 *   times and timestamps are parsed here instead: DuckDB's text cast silently drops a
 *   Postgres " BC" suffix, and integer arithmetic on the fields is faster than a string per
 *   value through N-API (measured; see appender.ts).
 *
 * Each mapping is a ColumnPlan: the DuckDB column type, the "wire" type the appender fills
 * (what `convert` returns) and the converter itself.
 */

/** What a converter hands the appender, by wire type. */
export interface WireValues {
  BOOLEAN: boolean;
  INTEGER: number;
  BIGINT: bigint;
  FLOAT: number;
  DOUBLE: number;
  VARCHAR: string;
  BLOB: Uint8Array;
  /** days since 1970-01-01 */
  DATE: number;
  /** microseconds since midnight */
  TIME: bigint;
  /** microseconds since 1970-01-01 00:00:00 (UTC for TIMESTAMPTZ) */
  TIMESTAMP: bigint;
  TIMESTAMPTZ: bigint;
  /** list elements as text, cast by DuckDB to the list's element type */
  'VARCHAR[]': (string | null)[];
  'BLOB[]': (Uint8Array | null)[];
}
export type Wire = keyof WireValues;

export interface ColumnPlan {
  /** Column name as the source reports it. */
  name: string;
  /** The DuckDB column type (SQL), e.g. `DECIMAL(12, 2)`, `TIMESTAMPTZ`, `INTEGER[]`. */
  type: string;
  wire: Wire;
  /** Converts a non-null driver value; null means SQL NULL. Throws ValueMisfit. Absent: identity. */
  convert?: (value: any) => unknown;
  /** The source's name for the type, for messages: `numeric(12,2)`, `tinyint(1)`. */
  sourceType: string;
}

/** A value that the column's DuckDB type cannot hold exactly. The appender adds column and row. */
export class ValueMisfit extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ValueMisfit';
  }
}

// --- dates and times ------------------------------------------------------------------

/**
 * Postgres's `infinity` and `-infinity` dates and timestamps have no Iceberg value: Iceberg
 * dates and timestamps are plain day and microsecond counts, and DuckDB's infinity sentinels
 * written as such read back as 5881580-07-11 (floe itself) or fail (PyIceberg, Spark). They
 * are refused, naming the column (spec "Primitive Types": date, timestamp).
 */
const INFINITE = new Set(['infinity', '-infinity', 'Infinity', '-Infinity']);
const INFINITY_HINT = "map it in the query, e.g. NULLIF(x, 'infinity'), or CASE WHEN isfinite(x) THEN x END";
// DuckDB's finite TIMESTAMP range: 290309-12-22 (BC) 00:00:00 .. 294247-01-10 04:00:54.775806.
const TS_MIN = -9_223_372_022_400_000_000n;
const TS_MAX = 9_223_372_036_854_775_806n;

/** Days from 1970-01-01 to a proleptic Gregorian date (astronomical years: 1 BC is 0). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const validDate = (y: number, m: number, d: number) =>
  m >= 1 && m <= 12 && d >= 1 && d <= DAYS_IN_MONTH[m - 1]! && (m !== 2 || d <= 28 || y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));

// [-]Y…Y-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH[:MM[:SS]]][ BC]  (Postgres ISO output, MySQL,
// SQLite's date functions). Offsets are applied, so the result is the UTC instant.
const TS_RE = /^(-?\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?(?::\d\d)?)?( BC)?$/;

/**
 * Microseconds since the epoch for a date-time text, or undefined when the text is not one
 * (or has sub-microsecond digits that are not zero, or is out of DuckDB's range).
 */
export function parseTimestamp(text: string): bigint | undefined {
  const fast = fastTimestamp(text);
  if (fast !== undefined) return fast;
  const m = TS_RE.exec(text);
  if (!m) return undefined;
  let year = Number(m[1]);
  if (m[9]) year = 1 - year;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (!validDate(year, month, day) || h > 24 || mi > 59 || s > 60 || (h === 24 && (mi > 0 || s > 0))) return undefined;
  const frac = m[7] ?? '';
  if (frac.length > 6 && !/^0*$/.test(frac.slice(6))) return undefined;
  let secs = daysFromCivil(year, month, day) * 86_400 + h * 3600 + mi * 60 + s;
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replaceAll(':', '');
    secs -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0));
  }
  const micros = BigInt(secs) * 1_000_000n + BigInt(frac.slice(0, 6).padEnd(6, '0'));
  return micros >= TS_MIN && micros <= TS_MAX ? micros : undefined;
}

const two = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/**
 * The common shape `YYYY-MM-DD HH:MM:SS[.f{1,6}][+00]`, parsed with charCodeAt and no
 * allocation but the result. Anything else (BC, other offsets, 5-digit years) → undefined,
 * and the regular expression above decides.
 */
function fastTimestamp(s: string): bigint | undefined {
  let end = s.length;
  if (end >= 22 && s.charCodeAt(end - 3) === 43 && s.charCodeAt(end - 2) === 48 && s.charCodeAt(end - 1) === 48) end -= 3; // '+00'
  if (end < 19 || end > 26 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  for (const i of DIGIT_AT) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const year = two(s, 0) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const sec = two(s, 17);
  let frac = 0;
  if (end > 19) {
    if (s.charCodeAt(19) !== 46 || end === 20) return undefined;
    for (let i = 20; i < 26; i++) {
      const c = i < end ? s.charCodeAt(i) : 48;
      if (c < 48 || c > 57) return undefined;
      frac = frac * 10 + (c - 48);
    }
  }
  if (year < 1000 || h > 23 || mi > 59 || sec > 59 || !validDate(year, month, day)) return undefined;
  const secs = daysFromCivil(year, month, day) * 86_400 + h * 3600 + mi * 60 + sec;
  // Below 2^53 / 1e6 seconds (until the year 2255) the product is an exact double.
  return secs < 9_000_000_000 && secs > -9_000_000_000 ? BigInt(secs * 1_000_000 + frac) : BigInt(secs) * 1_000_000n + BigInt(frac);
}

const DATE_RE = /^(-?\d{4,})-(\d\d)-(\d\d)( BC)?$/;

/** Days since the epoch for `YYYY-MM-DD[ BC]`, or undefined. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined;
}

const TIME_RE = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?$/;

/**
 * Microseconds since midnight for `HH:MM[:SS[.ffffff]]` within 00:00:00..23:59:59.999999, or
 * undefined. Iceberg's `time` is a time of day; `24:00:00` (which Postgres and DuckDB accept)
 * would be stored as 86,400,000,000 µs, which PyIceberg reads back as 00:00:00 and Java's
 * LocalTime cannot hold, so it is refused like any other value outside the day.
 */
export function parseTime(text: string): bigint | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  const micros = BigInt((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0')));
  return Number(m[2]) < 60 && Number(m[3] ?? 0) < 60 && micros < 86_400_000_000n ? micros : undefined;
}

// --- decimals -------------------------------------------------------------------------

/** DuckDB's widest DECIMAL. */
export const MAX_DECIMAL_WIDTH = 38;
/**
 * Postgres `numeric` without precision: values of any size. DECIMAL(38, 18) is what Spark's
 * JDBC reader uses for it too; a value with more digits fails the run rather than rounding.
 */
export const UNCONSTRAINED_DECIMAL = { width: 38, scale: 18 } as const;

/** True when decimal text (no exponent) fits DECIMAL(width, scale) without rounding. */
export function decimalFits(text: string, width: number, scale: number): boolean {
  const m = /^[+-]?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return false;
  const intDigits = m[1]!.replace(/^0+/, '').length;
  const fracDigits = (m[2] ?? '').replace(/0+$/, '').length;
  return intDigits <= width - scale && fracDigits <= scale;
}

/** Width and scale of a `DECIMAL(w, s)` type text, or undefined for any other type. */
export function decimalTypeParts(type: string): { width: number; scale: number } | undefined {
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  return m ? { width: Number(m[1]), scale: Number(m[2]) } : undefined;
}

/**
 * A DECIMAL column for a source decimal(precision, scale). Negative scales (Postgres 15) and
 * scales above the precision widen to a DECIMAL that holds every value. Past 38 digits the
 * column is DECIMAL(38, min(scale, 38)) and `checked` tells the converter to test each value.
 */
export function decimalColumn(precision: number, scale: number): { type: string; width: number; scale: number; checked: boolean } {
  let width = Math.max(precision, scale);
  let s = scale;
  if (s < 0) {
    width = precision - s;
    s = 0;
  }
  const checked = width > MAX_DECIMAL_WIDTH;
  if (checked) {
    width = MAX_DECIMAL_WIDTH;
    s = Math.min(s, MAX_DECIMAL_WIDTH);
  }
  return { type: `DECIMAL(${width}, ${s})`, width, scale: s, checked };
}

/** The hint of a decimal that does not fit, in each server's SQL. */
const DECIMAL_HINT = {
  postgres: 'cast it in the query to a numeric type that holds it, e.g. round(x, 6) or x::numeric(30, 6), or to text',
  mysql: 'cast it in the query to a decimal that holds it, e.g. CAST(x AS DECIMAL(38, 6)), or to text with CAST(x AS CHAR)',
} as const;

/**
 * A decimal's text for a message: as it is up to 60 characters; longer (a numeric(1000, 500)
 * value has 500 fraction digits) its start and its count of integer and fraction digits.
 */
function digitsOf(v: string): string {
  if (v.length <= 60) return v;
  const [int = '', frac = ''] = v.replace(/^[+-]/, '').split('.');
  return `${v.slice(0, 40)}… (${int.length} integer and ${frac.length} fraction digits)`;
}

/** The converter of a decimal column whose values arrive as exact text. */
export function decimalConverter(width: number, scale: number, checked: boolean, hint: string = DECIMAL_HINT.postgres): (v: string) => string {
  const special = (v: string) => v === 'NaN' || v === 'Infinity' || v === '-Infinity';
  if (!checked) {
    return (v) => {
      if (special(v)) throw new ValueMisfit(`${v} has no DECIMAL value`, hint);
      return v;
    };
  }
  return (v) => {
    if (!decimalFits(v, width, scale)) {
      throw new ValueMisfit(special(v) ? `${v} has no DECIMAL value` : `${digitsOf(v)} does not fit DECIMAL(${width}, ${scale}) without rounding`, hint);
    }
    return v;
  };
}

// --- shared converters ----------------------------------------------------------------

const infinite = (v: string, what: string): never => {
  throw new ValueMisfit(`${v} has no Iceberg ${what} value (Iceberg ${what}s are finite)`, INFINITY_HINT);
};

export const timestampConverter = (v: string): bigint => {
  const micros = parseTimestamp(v);
  if (micros === undefined) {
    if (INFINITE.has(v)) return infinite(v, 'timestamp');
    throw new ValueMisfit(`${v} is not a timestamp DuckDB can hold (years 290309 BC to 294247 AD, microseconds)`);
  }
  return micros;
};

export const dateConverter = (v: string): number => {
  const days = parseDate(v);
  if (days === undefined) {
    if (INFINITE.has(v)) return infinite(v, 'date');
    throw new ValueMisfit(`${v} is not a date`);
  }
  return days;
};

export const timeConverter = (v: string): bigint => {
  const micros = parseTime(v);
  if (micros === undefined) {
    throw new ValueMisfit(`${v} is not a time of day (00:00:00 to 23:59:59.999999; Iceberg has no 24:00:00)`, 'cast it in the query, e.g. to text or to seconds');
  }
  return micros;
};

/** Shortest text that reads back as the same double (JS's own), for numbers going to VARCHAR. */
export const numberText = (n: number): string => (Number.isFinite(n) ? String(n) : Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity');

// --- PostgreSQL -----------------------------------------------------------------------
//
// Values arrive as Postgres's own text output (postgres.ts installs identity type parsers and
// sets TimeZone=UTC, DateStyle=ISO, bytea_output=hex, extra_float_digits=3), so nothing is
// parsed twice and nothing goes through a lossy JS type on the way.

/** What postgres.ts looks up in pg_type for each result column. */
export interface PgTypeInfo {
  /** format_type(oid, typmod): `numeric(12,2)`, `timestamp with time zone`, `integer[]` */
  display: string;
  /** typcategory: 'A' array, 'E' enum, 'S' string, 'N' numeric, ... */
  category: string;
  /** typelem of an array type; for an array of a domain, the domain's base type */
  elem: number;
  /** For an array of a domain: the domain's typmod (numeric(12,2) for `amount[]`), else -1. */
  elemTypmod?: number;
  /** typdelim: the array element delimiter (',' except for box) */
  delim: string;
}

const PG = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114,
  float4: 700, float8: 701, bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114,
  timestamptz: 1184, numeric: 1700, uuid: 2950, jsonb: 3802,
} as const;

/** Postgres's vector types: arrays whose text output is space-separated, without braces. */
const PG_VECTOR = { int2vector: 22, oidvector: 30 } as const;

type Scalar = Pick<ColumnPlan, 'type' | 'wire' | 'convert'>;

const varchar: Scalar = { type: 'VARCHAR', wire: 'VARCHAR' };

/**
 * How a Postgres numeric column's text relates to its DECIMAL: 'exact' when the declared
 * precision (at most 38 digits) guarantees every value fits, 'checked' when each value must be
 * tested (unconstrained numeric, or wider than 38 digits), undefined for other types.
 */
export function pgNumericFit(oid: number, typmod: number): 'exact' | 'checked' | undefined {
  if (oid !== PG.numeric) return undefined;
  return pgNumericDecimal(typmod).checked ? 'checked' : 'exact';
}

/**
 * The DECIMAL of a Postgres numeric column. typmod = ((precision << 16) | (scale & 0x7ff)) + 4,
 * scale signed (Postgres 15 allows negative scales); -1 when unconstrained.
 */
function pgNumericDecimal(typmod: number): ReturnType<typeof decimalColumn> {
  if (typmod < 0) return { type: `DECIMAL(${UNCONSTRAINED_DECIMAL.width}, ${UNCONSTRAINED_DECIMAL.scale})`, ...UNCONSTRAINED_DECIMAL, checked: true };
  const t = typmod - 4;
  return decimalColumn((t >> 16) & 0xffff, ((t & 0x7ff) ^ 0x400) - 0x400);
}

/** The DuckDB type of one Postgres scalar type; `typmod` is the column's atttypmod. */
function pgScalar(oid: number, typmod: number): Scalar {
  switch (oid) {
    case PG.bool:
      return { type: 'BOOLEAN', wire: 'BOOLEAN', convert: (v: string) => v === 't' };
    case PG.int2:
    case PG.int4:
      return { type: 'INTEGER', wire: 'INTEGER', convert: Number };
    case PG.int8:
    case PG.oid:
      return { type: 'BIGINT', wire: 'BIGINT', convert: BigInt };
    case PG.float4:
      return { type: 'FLOAT', wire: 'FLOAT', convert: Number };
    case PG.float8:
      return { type: 'DOUBLE', wire: 'DOUBLE', convert: Number };
    case PG.numeric: {
      const d = pgNumericDecimal(typmod);
      return { type: d.type, wire: 'VARCHAR', convert: decimalConverter(d.width, d.scale, d.checked) };
    }
    case PG.date:
      return { type: 'DATE', wire: 'DATE', convert: dateConverter };
    case PG.time:
      return { type: 'TIME', wire: 'TIME', convert: timeConverter };
    case PG.timestamp:
      return { type: 'TIMESTAMP', wire: 'TIMESTAMP', convert: timestampConverter };
    case PG.timestamptz:
      return { type: 'TIMESTAMPTZ', wire: 'TIMESTAMPTZ', convert: timestampConverter };
    case PG.uuid:
      return { type: 'UUID', wire: 'VARCHAR' };
    case PG.bytea:
      return { type: 'BLOB', wire: 'BLOB', convert: byteaConverter };
    default:
      // text, varchar, char(n) (blank-padded, as Postgres returns it), name, json, jsonb, enums,
      // interval, timetz, money, inet, xml, ranges, geometric types, ...: their text output.
      return varchar;
  }
}

/** bytea in hex output: `\x0102…`. */
const byteaConverter = (v: string): Uint8Array => {
  if (!v.startsWith('\\x')) throw new ValueMisfit('bytea value is not in hex output format', "set bytea_output = 'hex' on the server");
  return Buffer.from(v.slice(2), 'hex');
};

/**
 * Element text → text DuckDB's VARCHAR cast reads as the element type. Dates say " BC" in
 * Postgres and "(BC)" in DuckDB (whose cast would otherwise drop the era, silently); BC
 * timestamps have no text form DuckDB reads, so they are refused.
 */
function pgElementText(oid: number, scalar: Scalar): ((v: string) => string) | undefined {
  if (oid === PG.numeric) return scalar.convert as (v: string) => string;
  if (oid === PG.date) return (v) => (INFINITE.has(v) ? infinite(v, 'date') : v.endsWith(' BC') ? `${v.slice(0, -3)} (BC)` : v);
  if (oid === PG.timestamp || oid === PG.timestamptz) {
    return (v) => {
      if (INFINITE.has(v)) return infinite(v, 'timestamp');
      if (v.endsWith(' BC')) throw new ValueMisfit('BC timestamps inside arrays are not supported', 'unnest the array in the query');
      return v;
    };
  }
  if (oid === PG.time) return (v) => (timeConverter(v), v);
  return undefined;
}

/** The plan of one result column of Postgres from its type OID and typmod. */
export function postgresColumn(name: string, oid: number, typmod: number, info: PgTypeInfo | undefined): ColumnPlan {
  const sourceType = info?.display ?? `oid ${oid}`;
  if (info?.category !== 'A' || !info.elem) return { name, sourceType, ...pgScalar(oid, typmod) };
  const elemOid = info.elem;
  // int2vector and oidvector (pg_index.indkey, pg_proc.proargtypes) are arrays whose text is
  // their elements separated by spaces (`1 3`), without braces.
  if (oid === PG_VECTOR.int2vector || oid === PG_VECTOR.oidvector) {
    const scalar = pgScalar(elemOid, -1);
    const convert = (v: string) => (v === '' ? [] : v.split(' ').map((e) => {
      if (!/^-?[0-9]+$/.test(e)) throw new ValueMisfit(`malformed ${info.display} value`);
      return e;
    }));
    return { name, sourceType, type: `${scalar.type}[]`, wire: 'VARCHAR[]', convert };
  }
  const elem = pgScalar(elemOid, info.elemTypmod !== undefined && info.elemTypmod >= 0 ? info.elemTypmod : typmod);
  const delim = info.delim || ',';
  if (elem.wire === 'BLOB') {
    const convert = (v: string) => parsePgArray(v, delim).map((e) => (e === null ? null : byteaConverter(e)));
    return { name, sourceType, type: 'BLOB[]', wire: 'BLOB[]', convert };
  }
  const check = pgElementText(elemOid, elem);
  const convert = check ? (v: string) => parsePgArray(v, delim).map((e) => (e === null ? null : check(e))) : (v: string) => parsePgArray(v, delim);
  return { name, sourceType, type: `${elem.type}[]`, wire: 'VARCHAR[]', convert };
}

/**
 * A one-dimensional Postgres array literal → element texts (NULL → null). Handles quoted
 * elements with backslash escapes and a `[lower:upper]=` bounds prefix. Nested arrays are
 * refused: their dimensions are not part of the column type, so a LIST of LISTs could not
 * be chosen before reading.
 */
export function parsePgArray(text: string, delim = ','): (string | null)[] {
  let i = 0;
  if (text.charCodeAt(0) === 91 /* [ */) i = text.indexOf('=') + 1;
  if (text[i] !== '{') throw new ValueMisfit('malformed array literal');
  i++;
  const out: (string | null)[] = [];
  if (text[i] === '}') return out;
  for (;;) {
    const ch = text[i];
    if (ch === '{') throw new ValueMisfit('multi-dimensional arrays are not supported', 'unnest it in the query, or cast it to text');
    if (ch === '"') {
      let value = '';
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', from);
        const b = text.indexOf('\\', from);
        if (q < 0) throw new ValueMisfit('malformed array literal');
        if (b >= 0 && b < q) {
          value += text.slice(from, b) + text[b + 1];
          from = b + 2;
        } else {
          value += text.slice(from, q);
          i = q + 1;
          break;
        }
      }
      out.push(value);
    } else {
      let end = i;
      while (end < text.length && text[end] !== delim && text[end] !== '}') end++;
      const raw = text.slice(i, end);
      out.push(raw === 'NULL' ? null : raw);
      i = end;
    }
    if (text[i] === delim) i++;
    else if (text[i] === '}') return out;
    else throw new ValueMisfit('malformed array literal');
  }
}

// --- MySQL / MariaDB ------------------------------------------------------------------
//
// mysql2 runs with supportBigNumbers + bigNumberStrings (BIGINT and DECIMAL as text),
// dateStrings (dates and times as the server's text), jsonStrings, and session
// time_zone '+00:00' (TIMESTAMP values in UTC). Smaller integers and floats arrive as
// numbers, binary strings as Buffers.

/** What mysql.ts reads from a mysql2 FieldPacket. */
export interface MysqlField {
  name: string;
  columnType: number;
  columnLength: number;
  decimals: number;
  flags: number;
  characterSet: number;
  /** MariaDB extended metadata: 'uuid', 'inet6', 'point', ... */
  extendedTypeName?: string;
  /** MariaDB extended metadata: 'json' */
  extendedFormat?: string;
}

// mysql2/lib/constants/types.js
export const MYSQL_TYPE = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, VECTOR: 242, JSON: 245,
  NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252,
  VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;
const UNSIGNED_FLAG = 32;
const BINARY_CHARSET = 63;

/**
 * MySQL's "zero" and partly-zero dates ('0000-00-00', '2024-00-10') have no date value. They
 * are refused rather than read as NULL, which would lose the difference between "no value"
 * and "zero date" without a word; NULLIF(x, 0) in the query reads a zero date as NULL on
 * purpose, and CAST(x AS CHAR) keeps the text.
 */
const ZERO_DATE = /^\d{4}-(00-\d\d|\d\d-00)/;
const ZERO_DATE_HINT = 'select NULLIF(x, 0) in the query to read zero dates as NULL, or CAST(x AS CHAR) to keep the text';
/** NULLIF(x, 0) leaves '2024-00-10' as it is (it is not equal to 0): MONTH() and DAYOFMONTH() of a zero part are 0. */
const PART_ZERO_DATE_HINT =
  'select IF(MONTH(x) = 0 OR DAYOFMONTH(x) = 0, NULL, x) in the query to read dates with a zero month or day (and zero dates) as NULL (NULLIF(x, 0) reads only 0000-00-00 so), or CAST(x AS CHAR) to keep the text';
const zeroDate = (v: string, what: string) =>
  new ValueMisfit(`${v} is a MySQL zero ${what}, which has no Iceberg value`, v.startsWith('0000-00-00') ? ZERO_DATE_HINT : PART_ZERO_DATE_HINT);
const mysqlTimestamp = (v: string): bigint => {
  const micros = parseTimestamp(v);
  if (micros !== undefined) return micros;
  if (ZERO_DATE.test(v)) throw zeroDate(v, 'date-time');
  throw new ValueMisfit(`${v} is not a timestamp`);
};
const mysqlDate = (v: string): number => {
  const days = parseDate(v);
  if (days !== undefined) return days;
  if (ZERO_DATE.test(v)) throw zeroDate(v, 'date');
  throw new ValueMisfit(`${v} is not a date`);
};

/** BIT(n) arrives as big-endian bytes. */
const bitsToBigInt = (b: Uint8Array): bigint => b.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);

/** The plan of one result column of MySQL or MariaDB. */
export function mysqlColumn(f: MysqlField): ColumnPlan {
  const unsigned = (f.flags & UNSIGNED_FLAG) !== 0;
  const u = unsigned ? ' unsigned' : '';
  const plan = (sourceType: string, s: Scalar): ColumnPlan => ({ name: f.name, sourceType, ...s });
  if (f.extendedFormat === 'json') return plan('json', varchar);
  if (f.extendedTypeName === 'uuid') return plan('uuid', { type: 'UUID', wire: 'VARCHAR' });
  const T = MYSQL_TYPE;
  switch (f.columnType) {
    case T.TINY:
      // MySQL's BOOLEAN is tinyint(1); read it as one, but never squash a 2 into true.
      if (f.columnLength === 1) {
        return plan('tinyint(1)', {
          type: 'BOOLEAN',
          wire: 'BOOLEAN',
          convert: (v: number) => {
            if (v === 0 || v === 1) return v === 1;
            throw new ValueMisfit(`${v} in a tinyint(1) column, which floe reads as BOOLEAN`, 'cast it in the query: CAST(x AS SIGNED)');
          },
        });
      }
      return plan(`tinyint${u}`, { type: 'INTEGER', wire: 'INTEGER' });
    case T.SHORT:
    case T.INT24:
      return plan(f.columnType === T.SHORT ? `smallint${u}` : `mediumint${u}`, { type: 'INTEGER', wire: 'INTEGER' });
    case T.LONG:
      return unsigned ? plan('int unsigned', { type: 'BIGINT', wire: 'BIGINT', convert: BigInt }) : plan('int', { type: 'INTEGER', wire: 'INTEGER' });
    case T.YEAR:
      return plan('year', { type: 'INTEGER', wire: 'INTEGER' });
    case T.LONGLONG:
      return unsigned ? plan('bigint unsigned', { type: 'DECIMAL(20, 0)', wire: 'VARCHAR' }) : plan('bigint', { type: 'BIGINT', wire: 'BIGINT', convert: BigInt });
    case T.FLOAT:
      return plan('float', { type: 'FLOAT', wire: 'FLOAT' });
    case T.DOUBLE:
      return plan('double', { type: 'DOUBLE', wire: 'DOUBLE' });
    case T.DECIMAL:
    case T.NEWDECIMAL: {
      // columnLength counts the digits, a decimal point when scale > 0 and a sign unless unsigned.
      const precision = f.columnLength - (f.decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      const d = decimalColumn(precision, f.decimals);
      return plan(`decimal(${precision},${f.decimals})${u}`, { type: d.type, wire: 'VARCHAR', convert: decimalConverter(d.width, d.scale, d.checked, DECIMAL_HINT.mysql) });
    }
    case T.DATE:
    case T.NEWDATE:
      return plan('date', { type: 'DATE', wire: 'DATE', convert: mysqlDate });
    case T.DATETIME:
      return plan('datetime', { type: 'TIMESTAMP', wire: 'TIMESTAMP', convert: mysqlTimestamp });
    case T.TIMESTAMP:
      return plan('timestamp', { type: 'TIMESTAMPTZ', wire: 'TIMESTAMPTZ', convert: mysqlTimestamp });
    case T.TIME:
      return plan('time', { type: 'TIME', wire: 'TIME', convert: timeConverter });
    case T.BIT:
      if (f.columnLength === 1) return plan('bit(1)', { type: 'BOOLEAN', wire: 'BOOLEAN', convert: (b: Uint8Array) => b[b.length - 1] === 1 });
      if (f.columnLength < 64) return plan(`bit(${f.columnLength})`, { type: 'BIGINT', wire: 'BIGINT', convert: bitsToBigInt });
      return plan('bit(64)', { type: 'DECIMAL(20, 0)', wire: 'VARCHAR', convert: (b: Uint8Array) => bitsToBigInt(b).toString() });
    case T.JSON:
      return plan('json', varchar);
    case T.GEOMETRY:
      // mysql.ts reads it raw: MySQL's internal form, a 4-byte SRID then WKB.
      return plan('geometry', { type: 'BLOB', wire: 'BLOB' });
    case T.VECTOR:
      return plan('vector', { type: 'VARCHAR', wire: 'VARCHAR', convert: (v: ArrayLike<number>) => JSON.stringify(Array.from(v)) });
    case T.NULL:
      return plan('null', varchar);
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.VAR_STRING:
    case T.STRING:
    case T.VARCHAR:
    case T.ENUM:
    case T.SET:
      if (f.characterSet === BINARY_CHARSET) return plan('binary', { type: 'BLOB', wire: 'BLOB' });
      return plan(f.extendedTypeName || 'text', varchar);
    default:
      return plan(`type ${f.columnType}`, { type: 'VARCHAR', wire: 'VARCHAR', convert: (v: unknown) => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v)) });
  }
}

// --- SQLite ---------------------------------------------------------------------------
//
// SQLite has storage classes per value, not column types; a column has an affinity derived
// from its declared type (https://www.sqlite.org/datatype3.html §3.1). floe maps the declared
// type, refined by name for booleans, dates and timestamps, and checks every value: a column
// holding a value its DuckDB type cannot hold exactly (text in an INTEGER column, 1.5 in a
// BOOLEAN one) is retyped to VARCHAR, rows already staged included. Values arrive from
// better-sqlite3 with safeIntegers: INTEGER as bigint, REAL as number, TEXT as string,
// BLOB as Buffer.

export interface SqlitePlan extends ColumnPlan {
  /** False for a non-null value this column's type cannot hold: the column becomes VARCHAR. */
  accepts(value: unknown): boolean;
}

export type SqliteAffinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** SQLite's affinity rules, in their order (§3.1). */
export function sqliteAffinity(declared: string | null): SqliteAffinity {
  const t = (declared ?? '').toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL';
  return 'NUMERIC';
}

const SAFE = 2n ** 53n;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

const SQLITE_BIGINT: Omit<SqlitePlan, 'name' | 'sourceType'> = {
  type: 'BIGINT', wire: 'BIGINT',
  accepts: (v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)),
  convert: (v: bigint | number) => (typeof v === 'bigint' ? v : BigInt(v)),
};
const SQLITE_DOUBLE: Omit<SqlitePlan, 'name' | 'sourceType'> = {
  type: 'DOUBLE', wire: 'DOUBLE',
  accepts: (v) => typeof v === 'number' || (typeof v === 'bigint' && v <= SAFE && v >= -SAFE),
  convert: Number,
};
const SQLITE_BLOB: Omit<SqlitePlan, 'name' | 'sourceType'> = { type: 'BLOB', wire: 'BLOB', accepts: isBytes };
const SQLITE_BOOLEAN: Omit<SqlitePlan, 'name' | 'sourceType'> = {
  type: 'BOOLEAN', wire: 'BOOLEAN',
  accepts: (v) => v === 0n || v === 1n || v === 0 || v === 1,
  convert: (v: bigint | number) => v === 1n || v === 1,
};
const SQLITE_DATE: Omit<SqlitePlan, 'name' | 'sourceType'> = {
  type: 'DATE', wire: 'DATE',
  accepts: (v) => typeof v === 'string' && parseDate(v) !== undefined,
  convert: dateConverter,
};
const SQLITE_TIMESTAMP: Omit<SqlitePlan, 'name' | 'sourceType'> = {
  type: 'TIMESTAMP', wire: 'TIMESTAMP',
  accepts: (v) => typeof v === 'string' && parseTimestamp(v) !== undefined,
  convert: timestampConverter,
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A blob read as text: its bytes when they are UTF-8, as SQLite's CAST(x AS TEXT) reads them.
 * Other bytes would become U+FFFD, a silent change, so they are refused.
 */
function blobText(v: Uint8Array): string {
  try {
    return strictUtf8.decode(v);
  } catch {
    throw new ValueMisfit('a blob that is not UTF-8 text, in a column floe reads as text', 'select hex(x) in the query, or keep blobs in a column of their own');
  }
}

/** Any SQLite value as text, the way SQLite's CAST(x AS TEXT) reads it. */
export function sqliteText(name: string, sourceType: string): SqlitePlan {
  return {
    name, sourceType, type: 'VARCHAR', wire: 'VARCHAR',
    accepts: () => true,
    convert: (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? numberText(v) : isBytes(v) ? blobText(v) : String(v)),
  };
}

/**
 * The plan of one SQLite result column. `declared` is the declared type (null for an
 * expression); `sample` is the first non-null value of the first batch, which types a column
 * that has no declared type.
 */
export function sqliteColumn(name: string, declared: string | null, sample: unknown): SqlitePlan {
  const sourceType = declared || 'no declared type';
  const with_ = (p: Omit<SqlitePlan, 'name' | 'sourceType'>): SqlitePlan => ({ name, sourceType, ...p });
  const t = (declared ?? '').toUpperCase();
  switch (sqliteAffinity(declared)) {
    case 'INTEGER':
      return with_(SQLITE_BIGINT);
    case 'TEXT':
      return sqliteText(name, sourceType);
    case 'REAL':
      return with_(SQLITE_DOUBLE);
    case 'BLOB':
      if (t.trim() !== '') return with_(SQLITE_BLOB);
      if (typeof sample === 'bigint') return with_(SQLITE_BIGINT);
      if (typeof sample === 'number') return with_(SQLITE_DOUBLE);
      if (isBytes(sample)) return with_(SQLITE_BLOB);
      return sqliteText(name, sourceType);
    case 'NUMERIC':
      if (t.includes('BOOL')) return with_(SQLITE_BOOLEAN);
      if (/DATETIME|TIMESTAMP/.test(t)) return with_(SQLITE_TIMESTAMP);
      if (/^DATE\b/.test(t.trim())) return with_(SQLITE_DATE);
      return with_(SQLITE_DOUBLE);
  }
}
