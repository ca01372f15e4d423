import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Schema, StructType } from '../../src/iceberg/types.js';
import {
  allFieldIds,
  assignFreshIds,
  columnName,
  fieldById,
  fieldByPath,
  highestFieldId,
  indexById,
  isPromotionAllowed,
  schemasEqual,
  v3Features,
} from '../../src/iceberg/schema.js';
import { parseTableMetadata } from '../../src/iceberg/metadata-json.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/iceberg/duckdb-iceberg');

// The column_mapping fixture was written by Spark: Java assigned its ids on create.
const columnMappingFile = `${FIXTURES}/column_mapping/warehouse/default.db/my_table/metadata/00001-75643dae-a7a7-46ae-ab30-ea80d3793f3f.metadata.json`;
const javaSchema = (): Schema => parseTableMetadata(readFileSync(columnMappingFile, 'utf8'), columnMappingFile).schemas[0] as Schema;

function zeroIds(t: StructType): StructType {
  return JSON.parse(JSON.stringify(t), (k, v) => (k === 'id' || k === 'element-id' || k === 'key-id' || k === 'value-id' ? 0 : v));
}

const nested: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    {
      id: 2,
      name: 'address',
      required: false,
      type: { type: 'struct', fields: [{ id: 5, name: 'city', required: false, type: 'string' }] },
    },
    { id: 3, name: 'tags', required: false, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': true } },
    {
      id: 4,
      name: 'attrs',
      required: false,
      type: {
        type: 'map',
        'key-id': 7,
        key: 'string',
        'value-id': 8,
        value: { type: 'struct', fields: [{ id: 9, name: 'x', required: false, type: 'double' }] },
        'value-required': false,
      },
    },
    { id: 10, name: 'a.b', required: false, type: 'int' },
  ],
};

describe('schema index', () => {
  it('lists every id, including list elements and map keys/values', () => {
    expect(allFieldIds(nested).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(highestFieldId(nested)).toBe(10);
    expect(highestFieldId({ type: 'struct', fields: [] })).toBe(0);
  });

  it('finds fields by id and by dotted name', () => {
    expect(fieldById(nested, 5)?.path).toEqual(['address', 'city']);
    expect(fieldById(nested, 6)).toMatchObject({ path: ['tags', 'element'], type: 'string', required: true, inRepeated: true });
    expect(fieldByPath(nested, 'address.city')?.id).toBe(5);
    expect(fieldByPath(nested, 'attrs.value.x')?.id).toBe(9);
    expect(fieldByPath(nested, 'attrs.key')?.id).toBe(7);
    expect(fieldByPath(nested, 'ADDRESS.City')).toBeUndefined();
    expect(fieldByPath(nested, 'ADDRESS.City', false)?.id).toBe(5);
    expect(fieldByPath(nested, ['a.b'])?.id).toBe(10);
    expect(fieldByPath(nested, 'a.b')?.id).toBe(10);
    expect(columnName(nested, 9)).toBe('attrs.value.x');
    expect(fieldById(nested, 99)).toBeUndefined();
  });

  it('marks fields inside lists and maps', () => {
    expect(fieldById(nested, 5)?.inRepeated).toBe(false);
    expect(fieldById(nested, 9)?.inRepeated).toBe(true);
    expect(fieldById(nested, 9)?.parentId).toBe(8);
  });

  it('rejects a schema that uses an id twice', () => {
    const dup: StructType = { type: 'struct', fields: [{ id: 1, name: 'a', required: false, type: 'int' }, { id: 1, name: 'b', required: false, type: 'int' }] };
    expect(() => indexById(dup)).toThrow(/field id 1 is used by both 'a' and 'b'/);
  });
});

describe('assignFreshIds', () => {
  it('assigns ids in the order Iceberg Java does (all fields of a struct, then nested types)', () => {
    const java = javaSchema();
    expect(assignFreshIds(zeroIds(java), 1)).toEqual(java);
  });

  it('assigns list element and map key/value ids before their nested types', () => {
    const fresh = assignFreshIds(zeroIds(nested) as Schema, 1);
    expect(fieldByPath(fresh, 'id')?.id).toBe(1);
    expect(fieldByPath(fresh, 'a.b')?.id).toBe(5);
    expect(fieldByPath(fresh, 'address.city')?.id).toBe(6);
    expect(fieldByPath(fresh, 'tags.element')?.id).toBe(7);
    expect(fieldByPath(fresh, 'attrs.key')?.id).toBe(8);
    expect(fieldByPath(fresh, 'attrs.value')?.id).toBe(9);
    expect(fieldByPath(fresh, 'attrs.value.x')?.id).toBe(10);
    expect(fresh['schema-id']).toBe(3);
  });

  it('accepts a supplier, remaps identifier fields and leaves the input alone', () => {
    const s: Schema = { ...nested, 'identifier-field-ids': [1, 5] };
    let n = 100;
    const fresh = assignFreshIds(s, () => n++);
    expect(fresh['identifier-field-ids']).toEqual([100, 105]);
    expect(s.fields[0]?.id).toBe(1);
  });
});

describe('isPromotionAllowed (spec: Schema Evolution)', () => {
  it.each([
    ['int', 'long', true],
    ['float', 'double', true],
    ['decimal(9, 2)', 'decimal(18,2)', true],
    ['decimal(9,2)', 'decimal(9, 2)', true],
    ['decimal(9, 2)', 'decimal(18, 3)', false],
    ['decimal(18, 2)', 'decimal(9, 2)', false],
    ['long', 'int', false],
    ['int', 'string', false],
    ['double', 'float', false],
    ['date', 'timestamp', false],
    ['fixed[4]', 'fixed[8]', false],
    ['string', 'string', true],
  ])('%s → %s in v2: %s', (from, to, ok) => {
    expect(isPromotionAllowed(from, to)).toBe(ok);
  });

  it('allows v3 promotions only in v3', () => {
    expect(isPromotionAllowed('date', 'timestamp', 3)).toBe(true);
    expect(isPromotionAllowed('date', 'timestamp_ns', 3)).toBe(true);
    expect(isPromotionAllowed('date', 'timestamptz', 3)).toBe(false);
    expect(isPromotionAllowed('unknown', 'string', 3)).toBe(true);
    expect(isPromotionAllowed('unknown', 'string', 2)).toBe(false);
  });

  it('never promotes nested types', () => {
    expect(isPromotionAllowed({ type: 'struct', fields: [] }, 'string')).toBe(false);
  });
});

describe('schemasEqual', () => {
  it('ignores schema-id and decimal whitespace, but not ids, names, docs or identifier fields', () => {
    const a: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'p', required: false, type: 'decimal(9,2)' }] };
    const b: Schema = { type: 'struct', 'schema-id': 7, fields: [{ id: 1, name: 'p', required: false, type: 'decimal(9, 2)' }] };
    expect(schemasEqual(a, b)).toBe(true);
    expect(schemasEqual(a, { ...b, fields: [{ id: 2, name: 'p', required: false, type: 'decimal(9, 2)' }] })).toBe(false);
    expect(schemasEqual(a, { ...b, fields: [{ id: 1, name: 'q', required: false, type: 'decimal(9, 2)' }] })).toBe(false);
    expect(schemasEqual(a, { ...b, fields: [{ id: 1, name: 'p', required: false, type: 'decimal(9, 2)', doc: 'd' }] })).toBe(false);
    expect(schemasEqual(a, { ...b, 'identifier-field-ids': [1] })).toBe(false);
    expect(schemasEqual(a, { ...b, 'identifier-field-ids': [] })).toBe(true);
    expect(schemasEqual(nested, JSON.parse(JSON.stringify(nested)))).toBe(true);
  });

  it('compares defaults by value, whether read as number or bigint', () => {
    const f = (d: unknown): StructType => ({ type: 'struct', fields: [{ id: 1, name: 'n', required: false, type: 'long', 'initial-default': d }] });
    expect(schemasEqual(f(5), f(5n))).toBe(true);
    expect(schemasEqual(f(5), f(6))).toBe(false);
  });
});

describe('v3Features', () => {
  it('names v3-only types and initial defaults', () => {
    expect(v3Features(nested)).toEqual([]);
    const s: StructType = {
      type: 'struct',
      fields: [
        { id: 1, name: 't', required: false, type: 'timestamp_ns' },
        { id: 2, name: 'n', required: false, type: 'int', 'initial-default': 3 },
      ],
    };
    expect(v3Features(s)).toEqual(["column 't' has type timestamp_ns", "column 'n' has an initial-default"]);
  });
});
