import { describe, expect, it } from 'vitest';
import {
  apply, bindTransform, canTransform, formatTransform, isKnownTransform, parseTransform, resultType, toHumanString,
} from '../../src/iceberg/transforms/index.js';
import { hashValue } from '../../src/iceberg/transforms/bucket.js';
import { murmur3Bytes, murmur3Int, murmur3Long, murmur3String } from '../../src/iceberg/murmur3.js';
import { parsePrimitive } from '../../src/iceberg/primitive.js';
import { fromJsonValue } from '../../src/iceberg/conversions.js';
import { civilFromDays, daysFromCivil } from '../../src/iceberg/transforms/calendar.js';
import type { IcebergValue } from '../../src/iceberg/types.js';

const TS = 1_510_871_468_000_000n; // 2017-11-16T22:31:08 in micros
const hash = (type: string, v: IcebergValue) => hashValue(parsePrimitive(type), type, v as Exclude<IcebergValue, null>);

// Spec "Appendix B: 32-bit Hash Requirements", every test value in the table.
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
  ['timestamp_ns', TS * 1000n, -2047944441],
  ['timestamp_ns', TS * 1000n + 1001n, -1207196810],
  ['timestamptz_ns', TS * 1000n, -2047944441],
  ['timestamptz_ns', TS * 1000n + 1001n, -1207196810],
  ['string', 'iceberg', 1210000089],
  ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
  ['fixed[4]', Uint8Array.of(0, 1, 2, 3), -188683207],
  ['binary', Uint8Array.of(0, 1, 2, 3), -188683207],
];

describe('murmur3 / Appendix B', () => {
  it.each(APPENDIX_B)('%s %s hashes to %d', (type, v, expected) => {
    expect(hash(type, v)).toBe(expected);
  });

  it('reads the spec test values from their text forms', () => {
    expect(fromJsonValue('date', '2017-11-16')).toBe(17486);
    expect(fromJsonValue('time', '22:31:08')).toBe(81_068_000_000n);
    expect(fromJsonValue('timestamp', '2017-11-16T22:31:08')).toBe(TS);
    expect(fromJsonValue('timestamptz', '2017-11-16T14:31:08-08:00')).toBe(TS);
    expect(fromJsonValue('timestamptz', '2017-11-16T14:31:08.000001-08:00')).toBe(TS + 1n);
    expect(fromJsonValue('timestamptz_ns', '2017-11-16T14:31:08.000001001-08:00')).toBe(TS * 1000n + 1001n);
    expect(fromJsonValue('decimal(9, 2)', '14.20')).toBe(1420n);
  });

  it('matches the hashes given for types that are not bucketed', () => {
    expect(murmur3Int(1)).toBe(1392991556); // boolean true: hashInt(1)
    expect(murmur3Long(0x3ff0000000000000n)).toBe(-142385009); // doubleToLongBits(1.0)
    expect(murmur3Long(0n)).toBe(1669671676); // 0.0 and canonicalised -0.0
  });

  it('hashes ints as longs, including negatives and values past 32 bits', () => {
    for (const v of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40 + 7, -(2 ** 45) - 3, Number.MAX_SAFE_INTEGER]) {
      expect(murmur3Int(v)).toBe(murmur3Long(BigInt(v)));
      const le = new Uint8Array(8);
      new DataView(le.buffer).setBigInt64(0, BigInt(v), true);
      expect(murmur3Bytes(le)).toBe(murmur3Int(v));
    }
  });

  it('handles every tail length', () => {
    expect(murmur3Bytes(new Uint8Array(0))).toBe(0);
    expect(murmur3String('a')).toBe(murmur3Bytes(Uint8Array.of(0x61)));
    // Known vectors of murmur3_x86_32 with seed 0.
    expect(murmur3String('hello') >>> 0).toBe(0x248bfa47);
    expect(murmur3String('The quick brown fox jumps over the lazy dog') >>> 0).toBe(0x2e4ff723);
  });
});

describe('bucket[N]', () => {
  it('drops the sign bit before the modulus', () => {
    expect(apply('bucket[16]', 'int', 34)).toBe((2017239379 & 0x7fffffff) % 16);
    expect(apply('bucket[100]', 'decimal(9, 2)', 1420n)).toBe((-500754589 & 0x7fffffff) % 100);
    expect(apply('bucket[7]', 'string', 'iceberg')).toBe(1210000089 % 7);
  });
  it('gives ints and longs the same bucket', () => {
    for (const v of [-5, 0, 34, 123456789]) expect(apply('bucket[13]', 'int', v)).toBe(apply('bucket[13]', 'long', BigInt(v)));
  });
  it('returns null for null', () => {
    expect(apply('bucket[4]', 'string', null)).toBeNull();
  });
});

describe('truncate[W] (spec: Truncate Transform Details)', () => {
  it('follows the spec examples', () => {
    expect(apply('truncate[10]', 'int', 1)).toBe(0);
    expect(apply('truncate[10]', 'int', -1)).toBe(-10);
    expect(apply('truncate[10]', 'long', 1n)).toBe(0n);
    expect(apply('truncate[10]', 'long', -1n)).toBe(-10n);
    expect(apply('truncate[50]', 'decimal(10, 2)', 1065n)).toBe(1050n);
    expect(apply('truncate[3]', 'string', 'iceberg')).toBe('ice');
    expect(apply('truncate[3]', 'binary', Uint8Array.of(1, 2, 3, 4, 5))).toEqual(Uint8Array.of(1, 2, 3));
  });
  it('floors negatives and keeps multiples', () => {
    expect(apply('truncate[10]', 'int', -10)).toBe(-10);
    expect(apply('truncate[10]', 'int', -11)).toBe(-20);
    expect(apply('truncate[10]', 'int', 19)).toBe(10);
    expect(apply('truncate[3]', 'decimal(5, 1)', -1n)).toBe(-3n);
  });
  it('wraps near the type minimum as the reference implementation (Java int/long arithmetic) does', () => {
    // Java: -2147483648 - 2 overflows int to 2147483646.
    expect(apply('truncate[10]', 'int', -2147483648)).toBe(2147483646);
    expect(apply('truncate[10]', 'long', -(2n ** 63n))).toBe(2n ** 63n - 2n);
  });
  it('counts code points, not UTF-16 units', () => {
    expect(apply('truncate[2]', 'string', 'a😀b')).toBe('a😀');
    expect(apply('truncate[1]', 'string', '😀😀')).toBe('😀');
    expect(apply('truncate[3]', 'string', 'né')).toBe('né');
    expect(apply('truncate[4]', 'string', 'Zürich')).toBe('Züri');
  });
});

describe('year / month / day / hour', () => {
  it('counts from 1970 with floor semantics', () => {
    expect(apply('year', 'timestamp', TS)).toBe(47);
    expect(apply('month', 'timestamp', TS)).toBe(47 * 12 + 10);
    expect(apply('day', 'timestamp', TS)).toBe(17486);
    expect(apply('hour', 'timestamp', TS)).toBe(17486 * 24 + 22);
    expect(apply('day', 'date', 17486)).toBe(17486);
    expect(apply('month', 'date', 17486)).toBe(574);

    expect(apply('year', 'timestamptz', -1n)).toBe(-1);
    expect(apply('month', 'timestamptz', -1n)).toBe(-1);
    expect(apply('day', 'timestamptz', -1n)).toBe(-1);
    expect(apply('hour', 'timestamptz', -1n)).toBe(-1);
    expect(apply('hour', 'timestamp_ns', -1n)).toBe(-1);
    expect(apply('day', 'timestamp_ns', 86_400_000_000_000n)).toBe(1);
    expect(apply('year', 'date', -365)).toBe(-1);
    expect(apply('year', 'date', -366)).toBe(-2);
    expect(apply('month', 'date', -365)).toBe(-12);
    expect(apply('month', 'date', daysFromCivil(1900, 3, 1))).toBe(-70 * 12 + 2);
  });

  it('agrees with the JS Date calendar over a wide range', () => {
    for (let d = -800_000; d <= 800_000; d += 997) {
      const js = new Date(d * 86_400_000);
      const c = civilFromDays(d);
      expect([c.year, c.month, c.day]).toEqual([js.getUTCFullYear(), js.getUTCMonth() + 1, js.getUTCDate()]);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(d);
      expect(apply('month', 'date', d)).toBe((js.getUTCFullYear() - 1970) * 12 + js.getUTCMonth());
    }
  });

  it('returns null for null', () => {
    for (const t of ['year', 'month', 'day', 'hour', 'identity', 'void', 'bucket[3]']) {
      expect(apply(t, 'timestamp', null)).toBeNull();
    }
    expect(apply('truncate[3]', 'string', null)).toBeNull();
  });
});

describe('parse, result types, applicability', () => {
  it('parses and formats the JSON names', () => {
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', n: 16 });
    expect(parseTransform('truncate[20]')).toEqual({ kind: 'truncate', width: 20 });
    expect(formatTransform({ kind: 'bucket', n: 8 })).toBe('bucket[8]');
    expect(isKnownTransform('zorder')).toBe(false);
    expect(isKnownTransform('bucket[0]')).toBe(false);
    expect(() => parseTransform('zorder')).toThrow(/unknown partition transform 'zorder'/);
  });
  it('has the result types of the spec table', () => {
    expect(resultType('identity', 'decimal(9, 2)')).toBe('decimal(9, 2)');
    expect(resultType('bucket[4]', 'string')).toBe('int');
    expect(resultType('truncate[4]', 'string')).toBe('string');
    expect(resultType('year', 'date')).toBe('int');
    expect(resultType('month', 'timestamptz')).toBe('int');
    expect(resultType('day', 'timestamp')).toBe('date');
    expect(resultType('hour', 'timestamp_ns')).toBe('int');
    expect(resultType('void', 'long')).toBe('long');
  });
  it('accepts only the spec source types', () => {
    expect(canTransform('bucket[4]', 'uuid')).toBe(true);
    expect(canTransform('bucket[4]', 'double')).toBe(false);
    expect(canTransform('bucket[4]', 'boolean')).toBe(false);
    expect(canTransform('truncate[4]', 'fixed[8]')).toBe(false);
    expect(canTransform('truncate[4]', 'decimal(9, 2)')).toBe(true);
    expect(canTransform('hour', 'date')).toBe(false);
    expect(canTransform('day', 'date')).toBe(true);
    expect(canTransform('year', 'time')).toBe(false);
    expect(canTransform('identity', 'geometry')).toBe(false);
    expect(canTransform('identity', 'float')).toBe(true);
    expect(canTransform('void', 'geometry')).toBe(true);
    expect(() => resultType('hour', 'date')).toThrow(/hour cannot be applied to a date column/);
  });
  it('binds once per column', () => {
    const f = bindTransform('bucket[16]', 'long');
    expect([34n, null].map(f)).toEqual([(2017239379 & 0x7fffffff) % 16, null]);
  });
  it('renders partition path values as Java does', () => {
    expect(toHumanString('year', 'date', 47)).toBe('2017');
    expect(toHumanString('month', 'date', 574)).toBe('2017-11');
    expect(toHumanString('month', 'date', -1)).toBe('1969-12');
    expect(toHumanString('day', 'timestamp', 17486)).toBe('2017-11-16');
    expect(toHumanString('hour', 'timestamp', 17486 * 24 + 22)).toBe('2017-11-16-22');
    expect(toHumanString('hour', 'timestamp', -1)).toBe('1969-12-31-23');
    expect(toHumanString('identity', 'string', null)).toBe('null');
    expect(toHumanString('identity', 'decimal(9, 2)', 1420n)).toBe('14.20');
    expect(toHumanString('bucket[4]', 'string', 3)).toBe('3');
  });
});
