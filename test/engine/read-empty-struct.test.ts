import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { nullOf, readTypeSql } from '../../src/engine/read-literal.js';

// Iceberg allows struct<> (another engine can drop every field of a struct); DuckDB has no
// such type, and STRUCT() was spliced into the view's SQL as a syntax error.
describe('reading a struct without fields', () => {
  it('is refused as unsupported, naming the feature, instead of producing SQL DuckDB cannot parse', () => {
    const t = { type: 'struct' as const, fields: [] };
    for (const f of [() => readTypeSql(t), () => nullOf({ type: 'list', 'element-id': 2, 'element-required': false, element: t })]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FloeError);
      expect((err as FloeError).kind).toBe('unsupported');
      expect((err as FloeError).message).toContain('struct without fields');
    }
    expect(readTypeSql({ type: 'struct', fields: [{ id: 1, name: 'a', required: false, type: 'int' }] })).toBe('STRUCT("a" INTEGER)');
  });
});
