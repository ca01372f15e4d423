/**
 * Deterministic input files for the interop matrix, written as Parquet by DuckDB so every
 * column arrives with an exact type (INTEGER, DECIMAL(38,10), TIMESTAMPTZ, UUID, ...), which
 * `floe load` maps 1:1 onto Iceberg types (src/engine/types.ts).
 *
 * The values hunt for edges: NULLs in every column (and one all-NULL row), type minima and
 * maxima, NaN and ±Infinity, pre-1970 dates and timestamps (negative day/hour values, floor
 * division), unicode strings longer than 16 code points (metrics truncate to 16 and round
 * the upper bound up), a string whose 16th code point is outside the BMP, a string of
 * U+10FFFF (an upper bound that cannot be rounded up), UUIDs on both sides of the sign bit,
 * empty and 0xFF binaries.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Writes the rows of `selectSql` to `path` as Parquet (DuckDB defaults, session zone UTC). */
export async function writeParquet(path: string, selectSql: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    await conn.run(`COPY (${selectSql}) TO ${q(path)} (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Every string value of the `s` column, by `id % 10` (0 is NULL). */
export const STRINGS: readonly string[] = [
  '',
  'a',
  '',
  'héllo wörld ünïcödé ✓ 日本語 long string',
  '0123456789abcdef😀xyz', // 17th code point outside the BMP: cut off by the 16-char bound
  '0123456789abcde😀xyz', // 16th code point outside the BMP: a UTF-16 cut would split it
  'zzzzzzzzzzzzzzzzzzzzzz',
  '\u{10FFFF}'.repeat(17) + 'x', // no 16-code-point upper bound exists above it
  'Ünïcode prefix shared — “quoted” \'apostrophe\' "double"',
  'tab\tnewline\nend of a line longer than 16',
];

/** Row count of the primitive data set; row PRIM_ROWS has NULL in every column but id. */
export const PRIM_ROWS = 40;

/**
 * The primitive data set (every Iceberg primitive floe load can produce except time, which
 * Spark cannot read): id, b, i, l, f, d, dec9, dec38, dt, ts, tstz, s, u, bin.
 */
export function primSql(): string {
  const n = (expr: string) => `CASE WHEN i = ${PRIM_ROWS} THEN NULL ELSE (${expr}) END`;
  const stringCase = STRINGS.map((s, k) => (k === 0 ? '' : `WHEN ${k} THEN ${q(s)}`)).join(' ');
  return `SELECT
  CAST(i AS INTEGER) AS id,
  CAST(${n('CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END')} AS BOOLEAN) AS b,
  CAST(${n(`CASE WHEN i = 1 THEN -2147483648 WHEN i = 2 THEN 2147483647 WHEN i % 7 = 0 THEN NULL
    ELSE ((i * 37) % 23) - 11 END`)} AS INTEGER) AS i,
  CAST(${n(`CASE WHEN i = 1 THEN -9223372036854775808 WHEN i = 2 THEN 9223372036854775807 WHEN i % 8 = 0 THEN NULL
    ELSE CAST(i % 5 - 2 AS HUGEINT) * 1000000000007 + i END`)} AS BIGINT) AS l,
  CAST(${n(`CASE WHEN i = 1 THEN 'NaN'::FLOAT WHEN i = 2 THEN 'Infinity'::FLOAT WHEN i = 3 THEN '-Infinity'::FLOAT
    WHEN i = 4 THEN '3.4028235e38'::FLOAT WHEN i = 5 THEN '1.4e-45'::FLOAT WHEN i % 9 = 0 THEN NULL
    ELSE CAST((i - 20) / 8.0 AS FLOAT) END`)} AS FLOAT) AS f,
  CAST(${n(`CASE WHEN i = 1 THEN 'NaN'::DOUBLE WHEN i = 2 THEN 'Infinity'::DOUBLE WHEN i = 3 THEN '-Infinity'::DOUBLE
    WHEN i = 4 THEN 1.7976931348623157e308::DOUBLE WHEN i = 5 THEN 5e-324::DOUBLE WHEN i = 6 THEN 0.1::DOUBLE
    WHEN i = 7 THEN -1e-7::DOUBLE WHEN i = 8 THEN 1e21::DOUBLE WHEN i = 9 THEN 123456789012345680000::DOUBLE
    WHEN i % 11 = 0 THEN NULL ELSE (i - 20) * 1.1::DOUBLE END`)} AS DOUBLE) AS d,
  CAST(${n(`CASE WHEN i = 1 THEN -9999999.99 WHEN i = 2 THEN 9999999.99 WHEN i = 3 THEN 0 WHEN i = 4 THEN -0.01
    WHEN i % 6 = 0 THEN NULL ELSE (((i * 37) % 13) - 6) * 1.25 END`)} AS DECIMAL(9,2)) AS dec9,
  CAST(${n(`CASE WHEN i = 1 THEN '-999999999999999999.9999999999'::DECIMAL(38,10)
    WHEN i = 2 THEN '999999999999999999.9999999999'::DECIMAL(38,10)
    WHEN i = 3 THEN '0.0000000001'::DECIMAL(38,10) WHEN i = 4 THEN '-0.0000000001'::DECIMAL(38,10)
    WHEN i % 8 = 5 THEN NULL
    ELSE CAST(i AS DECIMAL(38,10)) * '1234567.0123456789'::DECIMAL(38,10) - '30000000.5'::DECIMAL(38,10) END`)} AS DECIMAL(38,10)) AS dec38,
  CAST(${n(`CASE WHEN i = 1 THEN DATE '1000-06-15' WHEN i = 2 THEN DATE '1969-12-31' WHEN i = 3 THEN DATE '1970-01-01'
    WHEN i = 4 THEN DATE '1900-02-28' WHEN i = 5 THEN DATE '2000-02-29' WHEN i = 6 THEN DATE '2999-12-31'
    WHEN i % 13 = 0 THEN NULL ELSE DATE '1968-11-15' + CAST(((i // 2) * 47) % 900 AS INTEGER) END`)} AS DATE) AS dt,
  CAST(${n(`CASE WHEN i = 1 THEN TIMESTAMP '1900-01-01 00:00:00' WHEN i = 2 THEN TIMESTAMP '1969-12-31 23:59:59.999999'
    WHEN i = 3 THEN TIMESTAMP '1970-01-01 00:00:00' WHEN i = 4 THEN TIMESTAMP '2038-01-19 03:14:08.000001'
    WHEN i = 5 THEN TIMESTAMP '1969-12-31 23:00:00' WHEN i % 12 = 0 THEN NULL
    ELSE TIMESTAMP '1969-11-01 00:00:00' + to_microseconds(CAST(i // 2 AS BIGINT) * 987654321012 + i * 1000003) END`)} AS TIMESTAMP) AS ts,
  CAST(${n(`CASE WHEN i = 1 THEN TIMESTAMPTZ '1900-01-01 00:00:00+00' WHEN i = 2 THEN TIMESTAMPTZ '1969-12-31 23:59:59.999999+00'
    WHEN i = 3 THEN TIMESTAMPTZ '2021-03-04 05:06:07.123456-08:00' WHEN i = 4 THEN TIMESTAMPTZ '1970-01-01 05:29:59+05:30'
    WHEN i % 10 = 5 THEN NULL
    ELSE TIMESTAMPTZ '2023-12-31 20:00:00+00' + to_microseconds(CAST(i // 2 AS BIGINT) * 18000000000 + i) END`)} AS TIMESTAMPTZ) AS tstz,
  CAST(${n(`CASE i % 10 ${stringCase} ELSE NULL END`)} AS VARCHAR) AS s,
  CAST(${n(`CASE WHEN i = 1 THEN '00000000-0000-0000-0000-000000000000' WHEN i = 2 THEN 'ffffffff-ffff-ffff-ffff-ffffffffffff'
    WHEN i = 3 THEN '7fffffff-ffff-ffff-ffff-ffffffffffff' WHEN i = 4 THEN '80000000-0000-0000-0000-000000000000'
    WHEN i % 9 = 4 THEN NULL ELSE md5(CAST(i AS VARCHAR)) END`)} AS UUID) AS u,
  CAST(${n(`CASE WHEN i = 1 THEN ''::BLOB WHEN i = 2 THEN '\\x00'::BLOB WHEN i = 3 THEN unhex(repeat('FF', 20))
    WHEN i % 7 = 6 THEN NULL ELSE unhex(left(md5(CAST(i AS VARCHAR)) || md5(CAST(-i AS VARCHAR)), 2 * (i % 19))) END`)} AS BLOB) AS bin
FROM range(1, ${PRIM_ROWS + 1}) AS r(i)`;
}

/**
 * decimal(38, 10) and decimal(38, 0) at their limits. Separate from primSql because the
 * oracle's canonical encoding (canonical.py `_decimal`) quantizes in Python's default
 * 28-digit decimal context and raises InvalidOperation past 28 significant digits; the prim
 * data set stays within 28 digits so one oracle limit does not hide every other result.
 */
export function decimalLimitsSql(): string {
  return `SELECT CAST(i AS INTEGER) AS id,
  CAST(CASE i WHEN 1 THEN '-9999999999999999999999999999.9999999999' WHEN 2 THEN '9999999999999999999999999999.9999999999'
    WHEN 3 THEN '0.0000000001' WHEN 4 THEN '-1234567890123456789012345678.0000000001' ELSE NULL END AS DECIMAL(38,10)) AS dec38,
  CAST(CASE i WHEN 1 THEN '-99999999999999999999999999999999999999' WHEN 2 THEN '99999999999999999999999999999999999999'
    WHEN 3 THEN '0' WHEN 4 THEN '12345678901234567890123456789012345678' ELSE NULL END AS DECIMAL(38,0)) AS dec38_0
FROM range(1, 6) AS r(i)`;
}

/** One more row (id 41) with -0.0 in the float and double columns, NULL elsewhere. */
export function signedZeroSql(): string {
  return `SELECT 41::INTEGER AS id, NULL::BOOLEAN AS b, NULL::INTEGER AS i, NULL::BIGINT AS l,
  '-0.0'::FLOAT AS f, '-0.0'::DOUBLE AS d, NULL::DECIMAL(9,2) AS dec9, NULL::DECIMAL(38,10) AS dec38,
  NULL::DATE AS dt, NULL::TIMESTAMP AS ts, NULL::TIMESTAMPTZ AS tstz, NULL::VARCHAR AS s, NULL::UUID AS u, NULL::BLOB AS bin`;
}

/** Iceberg time (PyIceberg only: Spark 3.5 has no TIME type). */
export function timeSql(): string {
  return `SELECT CAST(i AS INTEGER) AS id,
  CAST(CASE WHEN i = 1 THEN TIME '00:00:00' WHEN i = 2 THEN TIME '23:59:59.999999' WHEN i = 3 THEN TIME '12:34:56.789012'
    WHEN i = 4 THEN TIME '00:00:00.000001' WHEN i % 4 = 0 THEN NULL
    ELSE TIME '00:00:00' + to_microseconds(CAST(i AS BIGINT) * 3601001001) END AS TIME) AS tm
FROM range(1, 13) AS r(i)`;
}

const NESTED_TYPES = {
  st: 'STRUCT(a INTEGER, b VARCHAR, c STRUCT(d DOUBLE, e DATE))',
  ls: 'STRUCT(x BIGINT, y VARCHAR)[]',
  mp: 'MAP(VARCHAR, BIGINT)',
  li: 'INTEGER[]',
};

/** struct, list<struct>, map<string,long>, list<int>: NULL and empty at every level. */
export function nestedSql(): string {
  const row = (id: number, st: string, ls: string, mp: string, li: string) =>
    `SELECT ${id}::INTEGER AS id, CAST(${st} AS ${NESTED_TYPES.st}) AS st, CAST(${ls} AS ${NESTED_TYPES.ls}) AS ls,
      CAST(${mp} AS ${NESTED_TYPES.mp}) AS mp, CAST(${li} AS ${NESTED_TYPES.li}) AS li`;
  const fixed = [
    row(1, `{'a': 1, 'b': 'one', 'c': {'d': 1.5, 'e': DATE '2020-01-01'}}`,
      `[{'x': 1, 'y': 'a'}, {'x': -2, 'y': '😀 emoji in a list element'}]`,
      `MAP {'k1': 1, 'k2': -9223372036854775808}`, `[1, 2, 3]`),
    row(2, 'NULL', 'NULL', 'NULL', 'NULL'),
    row(3, `{'a': NULL, 'b': NULL, 'c': NULL}`, '[]', 'MAP {}', '[]'),
    row(4, `{'a': -2147483648, 'b': 'Ünïcödé string longer than sixteen', 'c': {'d': 'NaN'::DOUBLE, 'e': DATE '1969-12-31'}}`,
      `[NULL, {'x': NULL, 'y': NULL}]`, `MAP {'z': NULL, 'a': 0, 'é': 9223372036854775807}`, `[NULL, -1, NULL]`),
    row(5, `{'a': 5, 'b': '', 'c': {'d': NULL, 'e': NULL}}`, `[{'x': 9007199254740993, 'y': ''}]`, `MAP {'': 5}`, `[2147483647]`),
  ];
  const generated = `SELECT CAST(i AS INTEGER) AS id,
      CAST({'a': i * 11, 'b': 's' || i, 'c': {'d': i / 4, 'e': DATE '1969-12-25' + CAST(i AS INTEGER)}} AS ${NESTED_TYPES.st}) AS st,
      CAST(list_transform(range(i % 3), j -> {'x': j * 1000 + i, 'y': repeat('y', CAST(j AS INTEGER))}) AS ${NESTED_TYPES.ls}) AS ls,
      CAST(map_from_entries(list_transform(range(i % 4), j -> {'k': 'key' || j, 'v': j * i})) AS ${NESTED_TYPES.mp}) AS mp,
      CAST(range(i % 5) AS ${NESTED_TYPES.li}) AS li
    FROM range(6, 13) AS r(i)`;
  return [...fixed, generated].join('\nUNION ALL\n');
}

/** prim columns joined with nested columns, for the table Spark appends to. */
export function wideSql(where: string, idOffset = 0): string {
  return `SELECT p.* REPLACE (p.id + ${idOffset} AS id), n.st, n.ls, n.mp, n.li
    FROM (${primSql()}) AS p JOIN (${nestedSql()}) AS n ON p.id = n.id WHERE ${where} ORDER BY p.id`;
}

/** One batch of the appends-then-overwrite history table: id, k, ts, amount. */
export function historySql(batch: number, ids: [number, number]): string {
  return `SELECT CAST(i AS INTEGER) AS id,
  CAST(CASE WHEN i % 4 = 0 THEN NULL ELSE 'k' || (i % 3) END AS VARCHAR) AS k,
  CAST(CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMP '2023-11-20 10:00:00' + to_microseconds(CAST(i AS BIGINT) * 259200000000 + ${batch}) END AS TIMESTAMP) AS ts,
  CAST(i * 10.5 - 3 AS DECIMAL(9,2)) AS amount
FROM range(${ids[0]}, ${ids[1] + 1}) AS r(i)`;
}
