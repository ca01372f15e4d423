import { describe, expect, it } from 'vitest';
import {
  compareValues, decimalToBytes, formatDecimal, fromBinary, fromJsonValue, parseDecimal, toBinary, toJsonValue,
} from '../../src/iceberg/conversions.js';
import { formatPrimitive, parsePrimitive } from '../../src/iceberg/primitive.js';
import type { IcebergValue } from '../../src/iceberg/types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const TS = 1_510_871_468_123_456n; // 2017-11-16T22:31:08.123456

describe('primitive types', () => {
  it('parses parameterised types with optional whitespace (Appendix C)', () => {
    expect(parsePrimitive('decimal(10, 2)')).toEqual({ kind: 'decimal', precision: 10, scale: 2 });
    expect(parsePrimitive('decimal(9,2)')).toEqual({ kind: 'decimal', precision: 9, scale: 2 });
    expect(parsePrimitive('fixed[16]')).toEqual({ kind: 'fixed', length: 16 });
    expect(parsePrimitive('fixed[ 3 ]')).toEqual({ kind: 'fixed', length: 3 });
    expect(parsePrimitive('timestamptz_ns')).toEqual({ kind: 'timestamptz_ns' });
    expect(parsePrimitive('geography(srid:4326, planar)')).toEqual({ kind: 'geography', crs: 'srid:4326', algorithm: 'planar' });
    expect(() => parsePrimitive('decimal(39, 2)')).toThrow(/precision/);
    expect(() => parsePrimitive('varchar')).toThrow(/unknown Iceberg primitive type 'varchar'/);
  });
  it('formats canonically', () => {
    expect(formatPrimitive(parsePrimitive('decimal(9,2)'))).toBe('decimal(9, 2)');
    expect(formatPrimitive(parsePrimitive('fixed[ 16 ]'))).toBe('fixed[16]');
    expect(formatPrimitive(parsePrimitive('geometry'))).toBe('geometry');
    expect(formatPrimitive({ kind: 'long' })).toBe('long');
  });
});

// Appendix D, binary single-value serialisation.
const BINARY: [string, IcebergValue, string][] = [
  ['boolean', false, '00'],
  ['boolean', true, '01'],
  ['int', 34, '22000000'],
  ['int', -1, 'ffffffff'],
  ['long', 34n, '2200000000000000'],
  ['long', -2n, 'feffffffffffffff'],
  ['float', 1, '0000803f'],
  ['double', -2.5, '00000000000004c0'],
  ['date', 17486, '4e440000'],
  ['time', 81_068_000_000n, '008307e012000000'],
  ['timestamp', 1_510_871_468_000_000n, '00c3262d215e0500'],
  ['timestamptz_ns', 1n, '0100000000000000'],
  ['string', 'iceberg', '69636562657267'],
  ['string', 'é😀', 'c3a9f09f9880'],
  ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
  ['fixed[4]', Uint8Array.of(0, 1, 2, 3), '00010203'],
  ['binary', Uint8Array.of(), ''],
  ['decimal(9, 2)', 1420n, '058c'],
  ['decimal(9, 2)', -1420n, 'fa74'],
  ['decimal(38, 0)', 0n, '00'],
  ['decimal(38, 0)', 127n, '7f'],
  ['decimal(38, 0)', 128n, '0080'],
  ['decimal(38, 0)', -128n, '80'],
  ['decimal(38, 0)', -129n, 'ff7f'],
  ['decimal(38, 0)', 10n ** 38n - 1n, '4b3b4ca85a86c47a098a223fffffffff'],
];

describe('binary single-value serialisation (Appendix D)', () => {
  it.each(BINARY)('%s %s ↔ %s', (type, v, expected) => {
    expect(hex(toBinary(type, v))).toBe(expected);
    expect(fromBinary(type, new Uint8Array(Buffer.from(expected, 'hex')))).toEqual(v);
  });
  it('reads bounds written before int → long and float → double promotion', () => {
    expect(fromBinary('long', Uint8Array.of(0xfe, 0xff, 0xff, 0xff))).toBe(-2n);
    expect(fromBinary('double', Uint8Array.of(0, 0, 0x80, 0x3f))).toBe(1);
  });
  it('reads any non-zero byte as true and sign-extended decimals', () => {
    expect(fromBinary('boolean', Uint8Array.of(7))).toBe(true);
    expect(fromBinary('decimal(38, 2)', Buffer.from('fffffffffffffffffffffffffffffa74', 'hex'))).toBe(-1420n);
  });
  it('reads from a view into a larger buffer', () => {
    const buf = Uint8Array.of(9, 9, 0x22, 0, 0, 0, 9);
    expect(fromBinary('int', buf.subarray(2, 6))).toBe(34);
  });
  it('minimal decimal bytes round-trip across sizes', () => {
    for (let e = 0n; e < 127n; e += 3n) {
      for (const v of [(1n << e) - 1n, -(1n << e), 1n << e]) {
        expect(fromBinary('decimal(38, 0)', decimalToBytes(v))).toBe(v);
        expect(decimalToBytes(v).length).toBe(Math.floor((v < 0n ? (-v - 1n).toString(2).length : v.toString(2).length) / 8) + 1);
      }
    }
  });
  it('rejects values with no binary form', () => {
    expect(() => toBinary('variant', 'x')).toThrow(/no binary single-value/);
    expect(() => toBinary('long', 'x')).toThrow(/not a valid in-memory long/);
  });
});

// Appendix D, JSON single-value serialisation: the examples of the table.
const JSON_FORMS: [string, IcebergValue, unknown][] = [
  ['boolean', true, true],
  ['int', 34, 34],
  ['long', 34n, 34n],
  ['float', 1, 1],
  ['double', 1, 1],
  ['decimal(9, 2)', 1420n, '14.20'],
  ['decimal(9, 2)', -5n, '-0.05'],
  ['decimal(9, -20)', 2n, '2E+20'],
  ['date', 17486, '2017-11-16'],
  ['date', -1, '1969-12-31'],
  ['time', 81_068_123_456n, '22:31:08.123456'],
  ['timestamp', TS, '2017-11-16T22:31:08.123456'],
  ['timestamptz', TS, '2017-11-16T22:31:08.123456+00:00'],
  ['timestamp_ns', TS * 1000n + 789n, '2017-11-16T22:31:08.123456789'],
  ['timestamptz_ns', TS * 1000n + 789n, '2017-11-16T22:31:08.123456789+00:00'],
  ['timestamp', -1n, '1969-12-31T23:59:59.999999'],
  ['string', 'iceberg', 'iceberg'],
  ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'],
  ['fixed[4]', Uint8Array.of(0, 1, 2, 0xff), '000102ff'],
  ['binary', Uint8Array.of(0, 1, 2, 0xff), '000102ff'],
];

describe('JSON single-value serialisation (Appendix D)', () => {
  it.each(JSON_FORMS)('%s %s ↔ %s', (type, v, json) => {
    expect(toJsonValue(type, v)).toEqual(json);
    expect(fromJsonValue(type, json)).toEqual(v);
  });
  it('reads lenient but equivalent forms', () => {
    expect(fromJsonValue('decimal(9, 2)', '14.2')).toBe(1420n);
    expect(fromJsonValue('decimal(9, 2)', '1.42E+1')).toBe(1420n);
    expect(fromJsonValue('timestamptz', '2017-11-16T22:31:08Z')).toBe(1_510_871_468_000_000n);
    expect(fromJsonValue('uuid', 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(fromJsonValue('long', 9223372036854775807n)).toBe(9223372036854775807n);
    expect(fromJsonValue('double', 'NaN')).toBeNaN();
    expect(toJsonValue('double', -Infinity)).toBe('-Infinity');
    expect(fromJsonValue('string', null)).toBeNull();
  });
  it('rejects malformed and lossy values', () => {
    expect(() => fromJsonValue('decimal(9, 2)', '14.205')).toThrow(/more than 2 fraction digits/);
    expect(() => fromJsonValue('timestamp', '2017-11-16T22:31:08+00:00')).toThrow(/invalid timestamp/);
    expect(() => fromJsonValue('date', '2017-02-30')).toThrow(/invalid JSON single value for type date/);
    expect(() => fromJsonValue('int', 2 ** 31)).toThrow(/type int/);
    expect(() => fromJsonValue('int', 1.5)).toThrow(/type int/);
    expect(() => fromJsonValue('boolean', 'true')).toThrow(/type boolean/);
  });
  it('formats decimals at their scale', () => {
    expect(formatDecimal(0n, 3)).toBe('0.000');
    expect(formatDecimal(-123n, 0)).toBe('-123');
    expect(parseDecimal('-0.5', 3)).toBe(-500n);
  });
});

describe('compareValues', () => {
  const sorted = (type: string, vs: IcebergValue[]) => [...vs].sort((a, b) => compareValues(type, a, b));
  it('orders strings by code point, which is UTF-8 byte order', () => {
    // U+FF61 is one UTF-16 unit above the surrogates of U+1F600, but below it as a code point.
    expect(sorted('string', ['😀', '\uff61', 'b', 'a', 'ab', ''])).toEqual(['', 'a', 'ab', 'b', '\uff61', '😀']);
    expect(Buffer.compare(Buffer.from('\uff61'), Buffer.from('😀'))).toBe(-1);
  });
  it('orders binary unsigned', () => {
    expect(sorted('binary', [Uint8Array.of(0x80), Uint8Array.of(0x01), Uint8Array.of(0x01, 0)])).toEqual([
      Uint8Array.of(0x01), Uint8Array.of(0x01, 0), Uint8Array.of(0x80),
    ]);
  });
  it('orders numbers, decimals, timestamps, floats (NaN last, -0 < 0) and nulls first', () => {
    expect(sorted('long', [3n, -2n, null, 0n])).toEqual([null, -2n, 0n, 3n]);
    expect(sorted('decimal(38, 2)', [10n ** 37n, -(10n ** 37n), 1n])).toEqual([-(10n ** 37n), 1n, 10n ** 37n]);
    expect(sorted('double', [NaN, 1, -Infinity, 0, -0])).toEqual([-Infinity, -0, 0, 1, NaN]);
    expect(sorted('boolean', [true, false])).toEqual([false, true]);
    expect(compareValues('uuid', 'ffffffff-0000-0000-0000-000000000000', '0fffffff-0000-0000-0000-000000000000')).toBeGreaterThan(0);
  });
});
