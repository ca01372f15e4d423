/** The pure parts of the relational type mapping: text parsers, decimals, arrays, affinity. */
import { describe, expect, it } from 'vitest';
import {
  dateConverter,
  decimalColumn,
  decimalFits,
  parseDate,
  parsePgArray,
  parseTime,
  parseTimestamp,
  postgresColumn,
  sqliteAffinity,
  timeConverter,
  timestampConverter,
  ValueMisfit,
} from '../../src/sources/sql-types.js';

const us = (iso: string, micros = 0) => BigInt(Date.parse(iso)) * 1000n + BigInt(micros);

describe('parseTimestamp', () => {
  it('reads the common shape on the fast path and everything else by the slow one, identically', () => {
    expect(parseTimestamp('2024-03-10 10:30:00.123456')).toBe(us('2024-03-10T10:30:00.123Z', 456));
    expect(parseTimestamp('2024-03-10 10:30:00.123456+00')).toBe(us('2024-03-10T10:30:00.123Z', 456));
    expect(parseTimestamp('2024-03-10 10:30:00.1')).toBe(us('2024-03-10T10:30:00.100Z'));
    expect(parseTimestamp('2024-03-10 02:30:00.123456-08')).toBe(us('2024-03-10T10:30:00.123Z', 456));
    expect(parseTimestamp('2024-03-10 16:00:00+05:30')).toBe(us('2024-03-10T10:30:00Z'));
    expect(parseTimestamp('2024-03-10T10:30:00Z')).toBe(us('2024-03-10T10:30:00Z'));
    expect(parseTimestamp('2024-03-10')).toBe(us('2024-03-10T00:00:00Z'));
    expect(parseTimestamp('1969-12-31 23:59:59.999999')).toBe(-1n);
    expect(parseTimestamp('9999-12-31 23:59:59.999999')).toBe(us('9999-12-31T23:59:59.999Z', 999));
  });

  it('reads years past 9999 and before 1 AD exactly', () => {
    expect(parseTimestamp('12345-01-01 00:00:00')).toBe(BigInt(Date.UTC(12345, 0, 1)) * 1000n);
    // 1 BC is astronomical year 0.
    expect(parseTimestamp('0001-01-01 00:00:00 BC')).toBe(BigInt(new Date('0000-01-01T00:00:00Z').getTime()) * 1000n);
  });

  it('refuses infinities (no Iceberg value) and what is not a timestamp', () => {
    expect(parseTimestamp('infinity')).toBeUndefined();
    expect(parseTimestamp('-infinity')).toBeUndefined();
    expect(() => timestampConverter('infinity')).toThrow(/infinity has no Iceberg timestamp value/);
    expect(() => timestampConverter('-infinity')).toThrow(ValueMisfit);
    for (const bad of ['2024-02-30 00:00:00', '2023-02-29', '2024-13-01', '2024-01-01 25:00:00', 'yesterday', '20a4-01-01 00:00:00', '2024-01-01 00:00:00.1234567', '300000-01-01']) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
    // Sub-microsecond zeros are not a loss.
    expect(parseTimestamp('2024-01-01 00:00:00.123456000')).toBe(us('2024-01-01T00:00:00.123Z', 456));
  });
});

describe('parseDate and parseTime', () => {
  it('reads dates and eras, and refuses infinities', () => {
    expect(parseDate('1970-01-02')).toBe(1);
    expect(parseDate('2024-02-29')).toBe(19782);
    expect(parseDate('0001-01-01')).toBe(-719162);
    expect(parseDate('9999-12-31')).toBe(2932896);
    expect(parseDate('0044-03-15 BC')).toBe(parseDate('-0043-03-15'));
    expect(parseDate('infinity')).toBeUndefined();
    expect(() => dateConverter('-infinity')).toThrow(/-infinity has no Iceberg date value/);
    expect(parseDate('2023-02-29')).toBeUndefined();
  });

  it('reads times of day up to 23:59:59.999999: Iceberg has no 24:00:00', () => {
    expect(parseTime('00:00:00')).toBe(0n);
    expect(parseTime('23:59:59.999999')).toBe(86_399_999_999n);
    expect(parseTime('12:30')).toBe(45_000_000_000n);
    for (const bad of ['24:00:00', '24:00:01', '838:59:59', '-01:00:00', '12:60:00']) expect(parseTime(bad), bad).toBeUndefined();
    expect(() => timeConverter('24:00:00')).toThrow(/not a time of day .*no 24:00:00/);
  });
});

describe('decimals', () => {
  it('tests fit without rounding', () => {
    expect(decimalFits('123.4500', 5, 2)).toBe(true);
    expect(decimalFits('-0.001', 5, 2)).toBe(false);
    expect(decimalFits('1234', 5, 2)).toBe(false);
    expect(decimalFits('00012.3', 4, 1)).toBe(true);
    expect(decimalFits('NaN', 38, 0)).toBe(false);
  });

  it('widens negative scales and scales above the precision, and caps at 38 digits', () => {
    expect(decimalColumn(10, 2)).toMatchObject({ type: 'DECIMAL(10, 2)', checked: false });
    expect(decimalColumn(5, -2)).toMatchObject({ type: 'DECIMAL(7, 0)', checked: false });
    expect(decimalColumn(3, 5)).toMatchObject({ type: 'DECIMAL(5, 5)', checked: false });
    expect(decimalColumn(65, 30)).toMatchObject({ type: 'DECIMAL(38, 30)', checked: true });
  });

  it('decodes a Postgres numeric typmod', () => {
    const typmod = (p: number, s: number) => ((p << 16) | (s & 0x7ff)) + 4;
    expect(postgresColumn('x', 1700, typmod(12, 2), undefined).type).toBe('DECIMAL(12, 2)');
    expect(postgresColumn('x', 1700, typmod(5, -2), undefined).type).toBe('DECIMAL(7, 0)');
    expect(postgresColumn('x', 1700, -1, undefined).type).toBe('DECIMAL(38, 18)');
  });
});

describe('parsePgArray', () => {
  it('reads quoted, escaped and NULL elements', () => {
    expect(parsePgArray('{}')).toEqual([]);
    expect(parsePgArray('{1,NULL,3}')).toEqual(['1', null, '3']);
    expect(parsePgArray('{"a b","c\\"d","e\\\\f",NULL,"NULL",""}')).toEqual(['a b', 'c"d', 'e\\f', null, 'NULL', '']);
    expect(parsePgArray('[0:1]={7,8}')).toEqual(['7', '8']);
    expect(parsePgArray('{(1,2),(0,0);(3,4),(1,1)}', ';')).toEqual(['(1,2),(0,0)', '(3,4),(1,1)']);
  });

  it('refuses nested and malformed arrays', () => {
    expect(() => parsePgArray('{{1,2},{3,4}}')).toThrow(ValueMisfit);
    expect(() => parsePgArray('{"open')).toThrow(/malformed/);
    expect(() => parsePgArray('1,2')).toThrow(/malformed/);
  });
});

describe('sqliteAffinity', () => {
  it('follows the rules of https://www.sqlite.org/datatype3.html §3.1 in order', () => {
    expect(sqliteAffinity('BIGINT')).toBe('INTEGER');
    expect(sqliteAffinity('CHARINT')).toBe('INTEGER');
    expect(sqliteAffinity('VARCHAR(10)')).toBe('TEXT');
    expect(sqliteAffinity('BLOB')).toBe('BLOB');
    expect(sqliteAffinity(null)).toBe('BLOB');
    expect(sqliteAffinity('DOUBLE PRECISION')).toBe('REAL');
    expect(sqliteAffinity('FLOATING POINT')).toBe('INTEGER');
    expect(sqliteAffinity('DECIMAL(10,2)')).toBe('NUMERIC');
    expect(sqliteAffinity('DATETIME')).toBe('NUMERIC');
  });
});

describe('wide decimals go into the stage as 128-bit integers', () => {
  it('wideDecimal picks DECIMAL columns above 18 digits only', async () => {
    const { wideDecimal } = await import('../../src/sources/appender.js');
    expect(wideDecimal('DECIMAL(38, 18)')).toEqual({ width: 38, scale: 18 });
    expect(wideDecimal('DECIMAL(20,0)')).toEqual({ width: 20, scale: 0 });
    expect(wideDecimal('DECIMAL(18, 2)')).toBeUndefined();
    expect(wideDecimal('VARCHAR')).toBeUndefined();
  });

  it('unscaledDecimal scales exactly, rounds extra digits half away from zero, and refuses what does not fit', async () => {
    const { unscaledDecimal } = await import('../../src/sources/appender.js');
    expect(unscaledDecimal('12.5', 38, 2)).toBe(1250n);
    expect(unscaledDecimal('-0.01', 38, 18)).toBe(-10_000_000_000_000_000n);
    expect(unscaledDecimal('+7', 20, 0)).toBe(7n);
    expect(unscaledDecimal('.5', 38, 1)).toBe(5n);
    expect(unscaledDecimal('18446744073709551615', 20, 0)).toBe(18446744073709551615n);
    expect(unscaledDecimal('99999999999999999999.123456789012345678', 38, 18)).toBe(99999999999999999999123456789012345678n);
    expect(unscaledDecimal('1.2345', 38, 2)).toBe(123n);
    expect(unscaledDecimal('1.235', 38, 2)).toBe(124n);
    expect(unscaledDecimal('-1.235', 38, 2)).toBe(-124n);
    expect(() => unscaledDecimal('100000000000000000000', 38, 18)).toThrow(/does not fit DECIMAL\(38, 18\)/);
    expect(unscaledDecimal('9.999', 19, 18)).toBe(9_999_000_000_000_000_000n);
    // Rounding can carry into a digit the column does not have.
    expect(() => unscaledDecimal('9.9999999999999999995', 19, 18)).toThrow(/does not fit DECIMAL\(19, 18\)/);
    expect(() => unscaledDecimal('1e5', 38, 2)).toThrow(/not a decimal number/);
    expect(() => unscaledDecimal('', 38, 2)).toThrow(/not a decimal number/);
  });
});
