import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { parseJson, parseJsonMembers, stringifyJson } from '../../src/iceberg/json.js';
import { seeded } from '../helpers/random.js';

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

describe('parseJson where pairing rounded numbers with their literals could go wrong', () => {
  it('takes the last of duplicate keys, exactly, whatever order the values come in', () => {
    // Both literals round to the same double: only exact parsing tells them apart.
    expect(parseJson('{"a": 9007199254740993, "b": 1, "a": 9007199254740992}')).toEqual({ a: 9007199254740992n, b: 1 });
    expect(parseJson('{"a": 1, "b": 99999999999999999, "a": 88888888888888888}')).toEqual({ a: 88888888888888888n, b: 99999999999999999n });
    expect(parseJson('{"x": {"a": 12345678901234567890, "a": 7}, "y": 9223372036854775807}')).toEqual({ x: { a: 7 }, y: 9223372036854775807n });
  });

  it('keeps large values exact under keys that look like array indexes (enumerated first by JS)', () => {
    expect(parseJson('{"b": 9223372036854775807, "1": 9223372036854775806, "0": 1}')).toEqual({ b: 9223372036854775807n, '1': 9223372036854775806n, '0': 1 });
  });

  it('leaves exponent and fraction forms of large integers as doubles, and pairs the plain ones around them', () => {
    const v = parseJson('[1e16, 9223372036854775807, -2.5e20, -9223372036854775807, 1000000000000000.0, 1000000000000000]');
    expect(v).toEqual([1e16, 9223372036854775807n, -2.5e20, -9223372036854775807n, 1e15, 1e15]);
  });

  it('reads digits in strings with escaped quotes and backslashes as string content', () => {
    const v = parseJson('{"k\\"1": "x\\\\", "n": 12345678901234567890, "s": "\\\\\\"99999999999999999\\"", "m": [9223372036854775807]}');
    expect(v).toEqual({ 'k"1': 'x\\', n: 12345678901234567890n, s: '\\"99999999999999999"', m: [9223372036854775807n] });
  });

  it('agrees with the exact value of every long in random documents', () => {
    const rnd = seeded(20261129);
    const long = (): bigint => {
      const v = BigInt(Math.floor(rnd() * 2 ** 31)) * BigInt(Math.floor(rnd() * 2 ** 32)) + BigInt(Math.floor(rnd() * 1000));
      return rnd() < 0.3 ? -v : v;
    };
    const node = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) {
        const pick = Math.floor(rnd() * 6);
        if (pick === 0) return long();
        if (pick === 1) return Math.floor(rnd() * 1e15);
        if (pick === 2) return `s${String(long())}"\\`;
        if (pick === 3) return rnd() * 1e6;
        if (pick === 4) return null;
        return rnd() < 0.5;
      }
      if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 5) }, () => node(depth + 1));
      const o: Record<string, unknown> = {};
      for (let k = Math.floor(rnd() * 5); k > 0; k--) o[`k${Math.floor(rnd() * 1e6)}`] = node(depth + 1);
      return o;
    };
    const normal = (v: unknown): unknown =>
      typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v) : Array.isArray(v) ? v.map(normal) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)])) : v;
    for (let n = 0; n < 300; n++) {
      const doc = node(0);
      expect(parseJson(stringifyJson(doc))).toEqual(normal(doc));
    }
  });
});

describe('parseJsonMembers', () => {
  it('gives the text of the wanted top-level members as written', () => {
    const text = '{"a": {"snapshots": [1]}, "snapshots" : [ {"id": 9223372036854775807, "s": "],}"} ] , "z": 1}';
    const { value, members } = parseJsonMembers(text, 't.json', ['snapshots', 'z', 'missing']);
    expect((value as Record<string, unknown>).snapshots).toEqual([{ id: 9223372036854775807n, s: '],}' }]);
    expect(members.get('snapshots')).toBe('[ {"id": 9223372036854775807, "s": "],}"} ]');
    expect(members.get('z')).toBe('1');
    expect(members.has('missing')).toBe(false);
  });

  it('gives no text for a member written twice, on the fast path and on the exact one', () => {
    expect(parseJsonMembers('{"s": [1], "s": [2]}', 't', ['s']).members.has('s')).toBe(false);
    // A duplicate large key sends the parse to the exact parser, which must agree.
    const exact = parseJsonMembers('{"s": [1], "a": 9007199254740993, "a": 1, "t": [ 9223372036854775807 ]}', 't', ['s', 't']);
    expect(exact.value).toEqual({ s: [1], a: 1, t: [9223372036854775807n] });
    expect(exact.members.get('s')).toBe('[1]');
    expect(exact.members.get('t')).toBe('[ 9223372036854775807 ]');
  });
});
