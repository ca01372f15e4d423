import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultNameMapping,
  mappedIds,
  parseNameMapping,
  resolveMappedId,
  serializeNameMapping,
  tableNameMapping,
} from '../../src/iceberg/name-mapping.js';
import { parseTableMetadata } from '../../src/iceberg/metadata-json.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/iceberg/duckdb-iceberg');
const read = (p: string) => parseTableMetadata(readFileSync(p, 'utf8'), p);
const columnMapping = read(`${FIXTURES}/column_mapping/warehouse/default.db/my_table/metadata/00001-75643dae-a7a7-46ae-ab30-ea80d3793f3f.metadata.json`);

describe('name mapping (spec: Column Projection)', () => {
  const mapping = tableNameMapping(columnMapping.properties);

  it('reads the mapping from table properties written by Spark', () => {
    expect(mapping).toBeDefined();
    expect(mapping?.[3]).toEqual({ 'field-id': 4, names: ['attributes'], fields: [{ 'field-id': 7, names: ['key'] }, { 'field-id': 8, names: ['value'] }] });
  });

  it('matches what Java creates for the same schema (MappingUtil.create)', () => {
    expect(defaultNameMapping(columnMapping.schemas[0]!)).toEqual(mapping);
  });

  it('resolves file column paths, skipping Parquet list/map wrapper groups', () => {
    const m = mapping!;
    expect(resolveMappedId(m, ['id'])).toBe(1);
    expect(resolveMappedId(m, ['profile', 'email'])).toBe(10);
    expect(resolveMappedId(m, ['scores', 'list', 'element'])).toBe(9);
    expect(resolveMappedId(m, ['scores', 'element'])).toBe(9);
    expect(resolveMappedId(m, ['scores', 'array'])).toBe(9);
    expect(resolveMappedId(m, ['scores', 'list', 'item'])).toBe(9);
    expect(resolveMappedId(m, ['scores', 'scores_tuple'])).toBe(9);
    expect(resolveMappedId(m, ['attributes', 'key_value', 'key'])).toBe(7);
    expect(resolveMappedId(m, ['attributes', 'key_value', 'value'])).toBe(8);
    expect(resolveMappedId(m, ['attributes'])).toBe(4);
    expect(resolveMappedId(m, ['missing'])).toBeUndefined();
    expect(resolveMappedId(m, ['profile', 'missing'])).toBeUndefined();
    expect(resolveMappedId(m, ['list'])).toBeUndefined();
  });

  it('treats a dot in a name as part of the name, and maps several names to one id', () => {
    const m = parseNameMapping('[{"field-id": 1, "names": ["a.b", "ab"]}, {"names": ["extra"]}, {"field-id": 3, "names": ["a"], "fields": [{"field-id": 4, "names": ["b"]}]}]');
    expect(resolveMappedId(m, ['a.b'])).toBe(1);
    expect(resolveMappedId(m, ['ab'])).toBe(1);
    expect(resolveMappedId(m, ['a', 'b'])).toBe(4);
    expect(resolveMappedId(m, ['extra'])).toBeUndefined();
    expect(mappedIds(m)).toEqual(new Map([[1, ['a.b']], [3, ['a']], [4, ['a', 'b']]]));
  });

  it('round-trips through its JSON form', () => {
    const text = serializeNameMapping(mapping!);
    expect(parseNameMapping(text)).toEqual(mapping);
    expect(serializeNameMapping([{ names: ['x'] }])).toBe('[{"names":["x"]}]');
  });

  it('reports malformed mappings with their path', () => {
    expect(() => parseNameMapping('{"a": 1}', 'db.t')).toThrow(/db.t: name mapping must be a list/);
    expect(() => parseNameMapping('[{"names": [1]}]', 'db.t')).toThrow(/db.t: \[0\].names must be a list of strings/);
    expect(() => parseNameMapping('[{"names": ["a"], "fields": [{"names": ["b"], "field-id": "x"}]}]', 'db.t')).toThrow(
      /\[0\].fields\[0\].field-id must be an int/,
    );
  });
});
