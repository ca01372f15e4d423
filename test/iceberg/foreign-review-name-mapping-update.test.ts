/**
 * updateNameMapping: a table's name mapping follows a schema change as Iceberg Java's
 * MappingUtil.update makes it (renames keep the old name and add the new one; added fields,
 * nested ones included, are mapped by name; a name taken by another field leaves the field
 * that had it; dropped fields stay mapped), and apply.ts writes it with the new schema.
 */
import { describe, expect, it } from 'vitest';
import { parseNameMapping, updateNameMapping, type NameMapping } from '../../src/iceberg/name-mapping.js';
import type { Schema, TableMetadata } from '../../src/iceberg/types.js';
import { applyChange } from '../../src/table/apply.js';

const before: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'code', required: false, type: 'string' },
    { id: 3, name: 'items', required: false, type: { type: 'list', 'element-id': 4, element: { type: 'struct', fields: [{ id: 5, name: 'x', required: false, type: 'int' }] }, 'element-required': false } },
  ],
};
const mapping: NameMapping = [
  { 'field-id': 1, names: ['id'] },
  { 'field-id': 2, names: ['code'] },
  { 'field-id': 3, names: ['items'], fields: [{ 'field-id': 4, names: ['element'], fields: [{ 'field-id': 5, names: ['x'] }] }] },
];

describe('updateNameMapping', () => {
  it('adds the new name of a renamed field and maps added fields, nested ones too', () => {
    const after: Schema = {
      ...before,
      fields: [
        { id: 1, name: 'key', required: false, type: 'long' },
        before.fields[1]!,
        { ...before.fields[2]!, type: { type: 'list', 'element-id': 4, element: { type: 'struct', fields: [{ id: 5, name: 'x', required: false, type: 'int' }, { id: 7, name: 'note', required: false, type: 'string' }] }, 'element-required': false } },
        { id: 6, name: 'tags', required: false, type: { type: 'map', 'key-id': 8, key: 'string', 'value-id': 9, value: 'long', 'value-required': false } },
      ],
    };
    expect(updateNameMapping(mapping, before, after)).toEqual([
      { 'field-id': 1, names: ['id', 'key'] },
      { 'field-id': 2, names: ['code'] },
      { 'field-id': 3, names: ['items'], fields: [{ 'field-id': 4, names: ['element'], fields: [{ 'field-id': 5, names: ['x'] }, { 'field-id': 7, names: ['note'] }] }] },
      { 'field-id': 6, names: ['tags'], fields: [{ 'field-id': 8, names: ['key'] }, { 'field-id': 9, names: ['value'] }] },
    ]);
  });

  it('moves a name to the field that takes it: drop code, add code', () => {
    const after: Schema = { ...before, fields: [before.fields[0]!, before.fields[2]!, { id: 6, name: 'code', required: false, type: 'int' }] };
    const got = updateNameMapping(mapping, before, after);
    expect(got.filter((f) => f.names.includes('code'))).toEqual([{ 'field-id': 6, names: ['code'] }]);
    expect(got.some((f) => f['field-id'] === 2)).toBe(false);
  });

  it('returns the mapping itself when no name changed', () => {
    expect(updateNameMapping(mapping, before, { ...before, fields: before.fields.map((f) => (f.id === 2 ? { ...f, doc: 'text' } : f)) })).toBe(mapping);
  });
});

describe('apply: add-schema keeps schema.name-mapping.default in step', () => {
  const metadata = (properties: Record<string, string>): TableMetadata => ({
    'format-version': 2,
    'table-uuid': '00000000-0000-0000-0000-000000000001',
    location: '/wh/t',
    'last-sequence-number': 0n,
    'last-updated-ms': 1,
    'last-column-id': 5,
    schemas: [before],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    'last-partition-id': 999,
    properties,
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: {},
    statistics: [],
    'partition-statistics': [],
  });
  const renamed: Schema = { ...before, 'schema-id': 1, fields: [before.fields[0]!, { ...before.fields[1]!, name: 'country' }, before.fields[2]!] };
  const change = { requirements: [], updates: [{ action: 'add-schema' as const, schema: renamed }, { action: 'set-current-schema' as const, 'schema-id': -1 }] };

  it('a renamed column keeps its old name in the mapping and gains the new one', () => {
    const m = applyChange(metadata({ 'schema.name-mapping.default': JSON.stringify(mapping), owner: 'spark' }), change, { metadataLocation: '/wh/t/metadata/v1.metadata.json', now: 2 });
    expect(parseNameMapping(m.properties['schema.name-mapping.default']!)[1]).toEqual({ 'field-id': 2, names: ['code', 'country'] });
    expect(m.properties.owner).toBe('spark');
  });

  it('a table without a mapping gets none, and a mapping that does not parse is left as it is', () => {
    const none = applyChange(metadata({}), change, { metadataLocation: '/wh/t/metadata/v1.metadata.json', now: 2 });
    expect(none.properties).toEqual({});
    const bad = applyChange(metadata({ 'schema.name-mapping.default': '{not json' }), change, { metadataLocation: '/wh/t/metadata/v1.metadata.json', now: 2 });
    expect(bad.properties['schema.name-mapping.default']).toBe('{not json');
  });
});
