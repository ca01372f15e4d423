import { describe, expect, it } from 'vitest';
import { DuckDBTypeId } from '@duckdb/node-api';
import { duckdbTypeSql, icebergTypeOf, icebergValueOf, TYPE_ID } from '../../src/engine/types.js';
import { isFloeError } from '../../src/errors.js';
import { one, useEngine } from './helpers.js';

describe('DuckDB ↔ Iceberg types', () => {
  const engine = useEngine();
  const typeOf = async (sqlType: string, formatVersion?: number) => {
    const [c] = await engine().columns(`SELECT NULL::${sqlType} AS c`, 'describe');
    return icebergTypeOf(c!.type, 'c', { formatVersion });
  };

  it('mirrors the DuckDBTypeId enum', () => {
    for (const [name, id] of Object.entries(TYPE_ID)) {
      expect(DuckDBTypeId[name as keyof typeof DuckDBTypeId], name).toBe(id);
    }
  });

  it.each([
    ['BOOLEAN', 'boolean'], ['TINYINT', 'int'], ['SMALLINT', 'int'], ['INTEGER', 'int'], ['UTINYINT', 'int'],
    ['USMALLINT', 'int'], ['BIGINT', 'long'], ['UINTEGER', 'long'], ['UBIGINT', 'decimal(20, 0)'],
    ['HUGEINT', 'decimal(38, 0)'], ['UHUGEINT', 'decimal(38, 0)'], ['FLOAT', 'float'], ['DOUBLE', 'double'],
    ['DECIMAL(38,10)', 'decimal(38, 10)'], ['DECIMAL(4,1)', 'decimal(4, 1)'], ['DATE', 'date'], ['TIME', 'time'],
    ['TIMESTAMP', 'timestamp'], ['TIMESTAMP_S', 'timestamp'], ['TIMESTAMP_MS', 'timestamp'],
    ['TIMESTAMPTZ', 'timestamptz'], ['VARCHAR', 'string'], ['JSON', 'string'], ['UUID', 'uuid'], ['BLOB', 'binary'],
    [`ENUM('a', 'b')`, 'string'],
  ])('%s → %s', async (duck, iceberg) => {
    expect(await typeOf(duck)).toBe(iceberg);
  });

  it('maps TIMESTAMP_NS by format version: v3 has timestamp_ns, v2 only micros', async () => {
    expect(await typeOf('TIMESTAMP_NS', 3)).toBe('timestamp_ns');
    expect(await typeOf('TIMESTAMP_NS')).toBe('timestamp');
  });

  it('maps nested types with placeholder ids', async () => {
    expect(await typeOf('STRUCT(a INTEGER, "b c" VARCHAR[])')).toEqual({
      type: 'struct',
      fields: [
        { id: 0, name: 'a', required: false, type: 'int' },
        { id: 0, name: 'b c', required: false, type: { type: 'list', 'element-id': 0, 'element-required': false, element: 'string' } },
      ],
    });
    expect(await typeOf('INTEGER[3]')).toMatchObject({ type: 'list', element: 'int' });
    expect(await typeOf('MAP(VARCHAR, DOUBLE)')).toEqual({
      type: 'map', 'key-id': 0, 'value-id': 0, 'value-required': false, key: 'string', value: 'double',
    });
  });

  it.each(['INTERVAL', 'TIMETZ', 'BIT', 'UNION(a INTEGER, b VARCHAR)'])('rejects %s with a hint', async (duck) => {
    const err = await typeOf(duck).catch((e) => e);
    expect(isFloeError(err, 'schema')).toBe(true);
    expect(err.hint).toMatch(/CAST/);
  });

  it('writes the DuckDB type for every Iceberg type', () => {
    expect(
      ['boolean', 'int', 'long', 'float', 'double', 'decimal(9, 2)', 'date', 'time', 'timestamp', 'timestamptz',
        'timestamp_ns', 'string', 'uuid', 'fixed[4]', 'binary'].map(duckdbTypeSql),
    ).toEqual(['BOOLEAN', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL(9, 2)', 'DATE', 'TIME', 'TIMESTAMP',
      'TIMESTAMPTZ', 'TIMESTAMP_NS', 'VARCHAR', 'UUID', 'BLOB', 'BLOB']);
    expect(
      duckdbTypeSql({
        type: 'struct',
        fields: [
          { id: 1, name: 'a"b', required: false, type: { type: 'list', 'element-id': 2, 'element-required': false, element: 'int' } },
          { id: 3, name: 'm', required: true, type: { type: 'map', 'key-id': 4, 'value-id': 5, 'value-required': false, key: 'string', value: 'long' } },
        ],
      }),
    ).toBe('STRUCT("a""b" INTEGER[], "m" MAP(VARCHAR, BIGINT))');
    expect(() => duckdbTypeSql('timestamptz_ns')).toThrow(/cannot write/);
    expect(() => duckdbTypeSql('variant')).toThrow(/cannot write/);
  });

  it('round-trips through the SQL type: Iceberg → DuckDB → Iceberg', async () => {
    for (const t of ['boolean', 'int', 'long', 'float', 'double', 'decimal(38, 10)', 'date', 'time', 'timestamp',
      'timestamptz', 'string', 'uuid', 'binary']) {
      expect(await typeOf(duckdbTypeSql(t))).toBe(t);
    }
  });

  it('converts typed values to IcebergValues exactly', async () => {
    const r = await one(
      engine(),
      `SELECT true AS b, 7::TINYINT AS i, 9007199254740993::BIGINT AS l, 0.1::FLOAT AS f, 123.4567890123::DECIMAL(38,10) AS d,
              DATE '1969-12-31' AS dt, TIME '00:00:01.000001' AS tm, TIMESTAMP '1969-12-31 23:59:59.999999' AS ts,
              TIMESTAMPTZ '2024-01-01 00:00:00+01' AS tz, TIMESTAMP_NS '1970-01-01 00:00:00.000000001' AS ns,
              'é' AS s, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::UUID AS u, '\\x01\\x02'::BLOB AS bin, DATE 'infinity' AS inf`,
    );
    expect(icebergValueOf('boolean', r.b!)).toBe(true);
    expect(icebergValueOf('int', r.i!)).toBe(7);
    expect(icebergValueOf('long', r.l!)).toBe(9007199254740993n);
    expect(icebergValueOf('long', r.i!)).toBe(7n);
    expect(icebergValueOf('float', r.f!)).toBe(Math.fround(0.1));
    expect(icebergValueOf('decimal(38, 10)', r.d!)).toBe(1234567890123n);
    expect(icebergValueOf('date', r.dt!)).toBe(-1);
    expect(icebergValueOf('time', r.tm!)).toBe(1_000_001n);
    expect(icebergValueOf('timestamp', r.ts!)).toBe(-1n);
    expect(icebergValueOf('timestamptz', r.tz!)).toBe(1704063600000000n);
    expect(icebergValueOf('timestamp_ns', r.ns!)).toBe(1n);
    expect(icebergValueOf('string', r.s!)).toBe('é');
    expect(icebergValueOf('uuid', r.u!)).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(icebergValueOf('binary', r.bin!)).toEqual(Uint8Array.of(1, 2));
    expect(icebergValueOf('fixed[2]', r.bin!)).toEqual(Uint8Array.of(1, 2));
    expect(icebergValueOf('string', null)).toBeNull();
    expect(() => icebergValueOf('fixed[3]', r.bin!)).toThrow(/3 bytes/);
    expect(() => icebergValueOf('date', r.inf!)).toThrow(/infinite/);
    expect(() => icebergValueOf('decimal(38, 2)', r.d!)).toThrow(/scale 2/);
    expect(() => icebergValueOf('int', r.l!)).toThrow(/32-bit/);
  });
});
