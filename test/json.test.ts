import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../src/iceberg/json.js';

describe('bigint-safe JSON', () => {
  it('keeps 63-bit snapshot ids exact', () => {
    const text = '{"snapshot-id": 8656952484400131532, "n": 3, "f": 1.5, "s": "a\\"b", "l": [1, -9223372036854775808]}';
    const v = parseJson(text) as Record<string, unknown>;
    expect(v['snapshot-id']).toBe(8656952484400131532n);
    expect(v.n).toBe(3);
    expect(v.f).toBe(1.5);
    expect(v.s).toBe('a"b');
    expect(v.l).toEqual([1, -9223372036854775808n]);
    expect(stringifyJson(v)).toBe('{"snapshot-id":8656952484400131532,"n":3,"f":1.5,"s":"a\\"b","l":[1,-9223372036854775808]}');
  });
  it('names the line and column of a syntax error', () => {
    expect(() => parseJson('{\n  "a": 1,\n  "b": tru\n}', 'v1.metadata.json')).toThrow(/v1.metadata.json: invalid JSON at line 3, column 8/);
  });
});

describe('bigint-safe JSON, hostile keys', () => {
  it('keeps a "__proto__" key as data', () => {
    const v = parseJson('{"__proto__": {"polluted": 1}, "a": 2}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect((v as { polluted?: number }).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
  });
});
