import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { parseJson } from '../../src/iceberg/json.js';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact as bigint, safe ones as numbers, floats as numbers', () => {
    const v = parseJson('{"a": 9007199254740993, "b": -9223372036854775808, "c": 1234567890123456, "d": "12345678901234567890", "e": [1e16, 12345678901234567.5, 0.12345678901234567, -0]}') as Record<string, unknown>;
    expect(v.a).toBe(9007199254740993n);
    expect(v.b).toBe(-9223372036854775808n);
    expect(v.c).toBe(1234567890123456);
    expect(v.d).toBe('12345678901234567890');
    expect(v.e).toEqual([1e16, 12345678901234567.5, 0.12345678901234567, -0]);
    expect(Object.is((v.e as number[])[3], -0)).toBe(true);
  });

  it('keeps strings that look like markers or hold escapes as they are', () => {
    expect(parseJson('["\\u0000floe-long:123", "x\\"y", "\\\\u0000"]')).toEqual(['\u0000floe-long:123', 'x"y', '\\u0000']);
  });

  it('makes __proto__ an own property', () => {
    const v = parseJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('names the line and column of invalid JSON', () => {
    expect(() => parseJson('{\n  "a": 1,,\n}', 'm.json')).toThrow(FloeError);
    expect(() => parseJson('{\n  "a": 1,,\n}', 'm.json')).toThrow(/m\.json: invalid JSON at line 2, column 10/);
  });
});

describe('parseJson on long integers in nested places', () => {
  it('revives them inside arrays, nested objects and under a __proto__ key, and leaves look-alikes in strings', () => {
    const v = parseJson('{"__proto__": 12345678901234567890, "s": [{"id": 9223372036854775807}], "p": "snap-1234567890123456789-1.avro", "q": "a: 12345678901234567890, b"}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toBe(12345678901234567890n);
    expect(v.s).toEqual([{ id: 9223372036854775807n }]);
    expect(v.p).toBe('snap-1234567890123456789-1.avro');
    expect(v.q).toBe('a: 12345678901234567890, b');
  });
});
