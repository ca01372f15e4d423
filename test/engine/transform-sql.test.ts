import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DuckDBBlobValue, DuckDBConnection, DuckDBDateValue, DuckDBDecimalValue, DuckDBInstance, DuckDBTimeValue,
  DuckDBTimestampNanosecondsValue, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBUUIDValue, type DuckDBValue,
} from '@duckdb/node-api';
import { registerFloeFunctions } from '../../src/engine/udf.js';
import { duckdbType, sqlLiteral, transformSql, transformSqlType } from '../../src/engine/transform-sql.js';
import { apply } from '../../src/iceberg/transforms/index.js';
import type { IcebergValue } from '../../src/iceberg/types.js';

// A local session helper: src/engine/duckdb.ts (session creation) is someone else's file.
async function openSession(): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await instance.connect();
  await conn.run("SET TimeZone='UTC'");
  registerFloeFunctions(conn);
  return { instance, conn };
}

/** DuckDB's value objects → the in-memory Iceberg form (types.ts "Values"). */
function toIceberg(v: DuckDBValue): IcebergValue {
  if (v === null || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof DuckDBDateValue) return v.days;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimeValue) return v.micros;
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos;
  if (v instanceof DuckDBDecimalValue) return v.value;
  if (v instanceof DuckDBBlobValue) return new Uint8Array(v.bytes);
  if (v instanceof DuckDBUUIDValue) return v.toString();
  throw new Error(`unexpected DuckDB value ${String(v)}`);
}

/** A deterministic spread of values (xorshift), so failures reproduce. */
function spread(count: number, f: (r: () => number) => IcebergValue): IcebergValue[] {
  let s = 0x9e3779b9;
  const r = () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return Array.from({ length: count }, () => f(r));
}

const TS = 1_510_871_468_000_000n; // 2017-11-16T22:31:08
const DAY = 86_400_000_000n;
const HOUR = 3_600_000_000n;
const randomMicros = (r: () => number) => BigInt(Math.floor((r() - 0.5) * 2 * 9.4e9)) * 1_000_000n + BigInt(Math.floor(r() * 1e6));
const micros = [
  TS, TS + 1n, 0n, 1n, -1n, HOUR, -HOUR, -HOUR - 1n, -HOUR + 1n, DAY - 1n, -DAY, -DAY - 1n,
  -62_135_596_800_000_000n /* 0001-01-01 */, 253_402_300_799_999_999n /* 9999-12-31T23:59:59.999999 */,
  ...(spread(60, randomMicros) as bigint[]),
];
const TIME_T = ['identity', 'void', 'bucket[16]', 'bucket[2147483647]', 'year', 'month', 'day', 'hour'];
const BYTES = (...x: number[]) => Uint8Array.of(...x);

const CASES: { type: string; values: IcebergValue[]; transforms: string[] }[] = [
  {
    type: 'int',
    values: [0, 1, -1, 9, -9, 10, -10, 11, -11, 34, 2147483647, -2147483640, -2147483648, -2147483647, ...spread(40, (r) => Math.floor((r() - 0.5) * 2 ** 32))],
    transforms: ['identity', 'void', 'bucket[16]', 'bucket[7]', 'bucket[2147483647]', 'truncate[10]', 'truncate[3]', 'truncate[1000000]'],
  },
  {
    type: 'long',
    values: [0n, 1n, -1n, 34n, -34n, 2n ** 62n, -(2n ** 62n), 9223372036854775807n, -9223372036854775800n, -(2n ** 63n),
      ...spread(40, (r) => BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * 1021n)],
    transforms: ['identity', 'void', 'bucket[16]', 'bucket[2147483647]', 'truncate[10]', 'truncate[1000]'],
  },
  {
    type: 'decimal(9, 2)',
    values: [1420n, -1420n, 0n, 1065n, -1n, 999999999n, -999999950n, ...spread(30, (r) => BigInt(Math.floor((r() - 0.5) * 1.9e9)))],
    transforms: ['identity', 'bucket[16]', 'bucket[2147483647]', 'truncate[50]', 'truncate[3]'],
  },
  {
    type: 'decimal(38, 10)',
    values: [10n ** 37n, -(10n ** 37n) + 1n, 123456789n, -5n, 0n],
    transforms: ['identity', 'bucket[16]', 'bucket[2147483647]', 'truncate[7]'],
  },
  {
    type: 'date',
    values: [17486, 0, -1, -365, -366, -719162, 2932896, 10957, 11016, ...spread(40, (r) => Math.floor((r() - 0.5) * 2 * 3e6 * 0.24))],
    transforms: ['identity', 'void', 'bucket[16]', 'bucket[2147483647]', 'year', 'month', 'day'],
  },
  { type: 'time', values: [0n, 81_068_000_000n, 86_399_999_999n, 1n], transforms: ['identity', 'bucket[16]', 'bucket[2147483647]'] },
  { type: 'timestamp', values: micros, transforms: TIME_T },
  { type: 'timestamptz', values: micros, transforms: TIME_T },
  {
    type: 'timestamp_ns',
    values: [TS * 1000n, TS * 1000n + 1001n, -1n, -999n, -1000n, -1001n, 0n, -3_600_000_000_001n,
      ...(spread(30, (r) => randomMicros(r) * 1000n / 4n + BigInt(Math.floor(r() * 1000))) as bigint[])],
    transforms: TIME_T,
  },
  { type: 'timestamptz_ns', values: [TS * 1000n + 1001n, -1n, -1001n, 0n], transforms: TIME_T },
  {
    type: 'string',
    values: ['iceberg', '', 'a', 'a😀b', 'e\u0301x', 'Zürich', '日本語テキスト', "it's", '😀😀😀😀', '\u{10ffff}x'],
    transforms: ['identity', 'void', 'bucket[16]', 'bucket[2147483647]', 'truncate[1]', 'truncate[3]', 'truncate[16]'],
  },
  {
    type: 'uuid',
    values: ['f79c3e09-677c-4bbd-a479-3f349cb785e7', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    transforms: ['identity', 'bucket[16]', 'bucket[2147483647]'],
  },
  {
    type: 'binary',
    values: [BYTES(0, 1, 2, 3), BYTES(), BYTES(0xff, 0xfe, 0, 1, 2), BYTES(0x27)],
    transforms: ['identity', 'bucket[16]', 'bucket[2147483647]', 'truncate[2]'],
  },
  { type: 'fixed[4]', values: [BYTES(0, 1, 2, 3), BYTES(0xff, 0, 0, 0)], transforms: ['identity', 'bucket[16]'] },
];

// Spec "Appendix B", through SQL. With N = Integer.MAX_VALUE the bucket is the hash without
// its sign bit (except the one hash equal to MAX_VALUE), so it checks almost all 31 bits.
const APPENDIX_B: [string, IcebergValue, number][] = [
  ['int', 34, 2017239379],
  ['long', 34n, 2017239379],
  ['decimal(9, 2)', 1420n, -500754589],
  ['date', 17486, -653330422],
  ['time', 81_068_000_000n, -662762989],
  ['timestamp', TS, -2047944441],
  ['timestamp', TS + 1n, -1207196810],
  ['timestamptz', TS, -2047944441],
  ['timestamptz', TS + 1n, -1207196810],
  ['timestamp_ns', TS * 1000n + 1001n, -1207196810],
  ['timestamptz_ns', TS * 1000n, -2047944441],
  ['string', 'iceberg', 1210000089],
  ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
  ['fixed[4]', BYTES(0, 1, 2, 3), -188683207],
  ['binary', BYTES(0, 1, 2, 3), -188683207],
];

let session: Awaited<ReturnType<typeof openSession>>;
beforeAll(async () => {
  session = await openSession();
});
afterAll(() => {
  session.conn.closeSync();
  session.instance.closeSync();
});

async function rows(sql: string): Promise<IcebergValue[][]> {
  const reader = await session.conn.runAndReadAll(sql);
  return reader.getRows().map((r) => r.map(toIceberg));
}

/** Loads the values into a table of the type's DuckDB column, then computes every transform. */
async function check(type: string, values: IcebergValue[], transforms: string[]): Promise<void> {
  const all = [...values, null];
  const table = `t_${Math.random().toString(36).slice(2)}`;
  await session.conn.run(`CREATE TEMP TABLE ${table} (id INTEGER, v ${duckdbType(type)})`);
  await session.conn.run(`INSERT INTO ${table} VALUES ${all.map((v, i) => `(${i}, ${sqlLiteral(type, v)})`).join(', ')}`);
  const exprs = transforms.map((t) => transformSql(t, type, 'v'));
  const got = await rows(`SELECT v, ${exprs.join(', ')} FROM ${table} ORDER BY id`);
  got.forEach((row, i) => {
    expect(row[0], `${type} value ${i} round-trips through sqlLiteral`).toEqual(all[i]);
    transforms.forEach((t, k) => {
      expect(row[k + 1], `${t}(${type} ${String(all[i])})`).toEqual(apply(t, type, all[i]!));
    });
  });
  const types = await rows(`SELECT ${exprs.map((e) => `typeof(${e})`).join(', ')} FROM ${table} LIMIT 1`);
  transforms.forEach((t, k) => {
    expect(types[0]![k], `type of ${t}(${type})`).toBe(transformSqlType(t, type).replace('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE'));
  });
  await session.conn.run(`DROP TABLE ${table}`);
}

describe('transformSql agrees with the JS transforms', () => {
  it.each(CASES.map((c) => [c.type, c] as const))('%s', async (_, c) => {
    await check(c.type, c.values, c.transforms);
  });

  it('does not depend on the session time zone', async () => {
    for (const zone of ['Asia/Kolkata', 'America/Los_Angeles', 'Pacific/Chatham']) {
      await session.conn.run(`SET TimeZone='${zone}'`);
      await check('timestamptz', micros, TIME_T);
    }
    await session.conn.run("SET TimeZone='UTC'");
  });
});

describe('floe_bucket UDF', () => {
  it.each(APPENDIX_B)('Appendix B: %s %s hashes to %d through SQL', async (type, v, hash) => {
    const [[got]] = (await rows(`SELECT ${transformSql('bucket[2147483647]', type, sqlLiteral(type, v))}`)) as [[number]];
    expect(got).toBe((hash & 0x7fffffff) % 2147483647);
  });

  it('returns NULL for a NULL value or bucket count, and fails on a bad count', async () => {
    expect(await rows('SELECT floe_bucket(NULL::BIGINT, 4), floe_bucket(34::BIGINT, NULL::INTEGER)')).toEqual([[null, null]]);
    expect(await rows('SELECT floe_bucket(v, n) FROM (VALUES (34::BIGINT, NULL::INTEGER), (NULL, 4), (34, 16)) t(v, n)')).toEqual([
      [null], [null], [(2017239379 & 0x7fffffff) % 16],
    ]);
    await expect(rows('SELECT floe_bucket(v, 0) FROM (VALUES (34::BIGINT)) t(v)')).rejects.toThrow(/number of buckets must be positive/);
  });

  it('is visible from other connections and may be registered again', async () => {
    const other = await session.instance.connect();
    const [[b]] = (await other.runAndReadAll('SELECT floe_bucket(34, 16)')).getRows() as [[number]];
    expect(b).toBe((2017239379 & 0x7fffffff) % 16);
    expect(() => registerFloeFunctions(other)).not.toThrow();
    other.closeSync();
  });

  it('buckets a million longs quickly enough to run inside a COPY', async () => {
    const start = performance.now();
    const [[n]] = (await rows('SELECT count(DISTINCT floe_bucket(i, 16)) FROM range(1000000) r(i)')) as [[bigint]];
    expect(n).toBe(16n);
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});

describe('errors and literals', () => {
  it('refuses a transform the source type does not accept', () => {
    expect(() => transformSql('hour', 'date', 'v')).toThrow(/hour cannot be applied to a date column/);
    expect(() => transformSql('bucket[4]', 'double', 'v')).toThrow(/cannot be applied/);
  });
  it('quotes strings safely', () => {
    expect(sqlLiteral('string', "a'b")).toBe("CAST('a''b' AS VARCHAR)");
    expect(sqlLiteral('long', null)).toBe('CAST(NULL AS BIGINT)');
  });
});
