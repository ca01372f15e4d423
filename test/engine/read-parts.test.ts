import { describe, expect, it } from 'vitest';
import { formatDate, formatTimestamp, literalSql } from '../../src/engine/read-literal.js';
import { applyNameMapping, type ParquetSchemaRow, physicalColumns } from '../../src/engine/read-parquet-schema.js';

const row = (name: string, numChildren: number | null, extra: Partial<ParquetSchemaRow> = {}): ParquetSchemaRow => ({
  name,
  fieldId: null,
  numChildren,
  repetition: 'OPTIONAL',
  convertedType: null,
  logicalType: null,
  duckdbType: numChildren ? null : 'INTEGER',
  ...extra,
});

/** A compact view: name#id(kind: children). */
const show = (cols: ReturnType<typeof physicalColumns>): string[] =>
  cols.map((c) => `${c.name}#${c.id ?? '-'}:${c.kind}${c.children.length ? `(${show(c.children).join(',')})` : ''}`);

describe('Parquet column trees (LogicalTypes backward-compatibility rules)', () => {
  it('normalises 3-level and 2-level lists, legacy repeated fields and maps', () => {
    const rows = [
      row('schema', 6, { repetition: 'REQUIRED' }),
      // 3-level: l (LIST) > list (repeated) > element
      row('l', 1, { convertedType: 'LIST', fieldId: 1 }),
      row('list', 1, { repetition: 'REPEATED' }),
      row('element', null, { fieldId: 2 }),
      // 2-level with a struct element named 'array'
      row('a', 1, { convertedType: 'LIST', fieldId: 3 }),
      row('array', 1, { repetition: 'REPEATED', fieldId: 4 }),
      row('x', null, { fieldId: 5 }),
      // 2-level with a repeated primitive element
      row('p', 1, { convertedType: 'LIST', fieldId: 6 }),
      row('item', null, { repetition: 'REPEATED', fieldId: 7 }),
      // a repeated field outside any LIST annotation
      row('r', null, { repetition: 'REPEATED', fieldId: 8 }),
      // legacy MAP_KEY_VALUE map
      row('m', 1, { convertedType: 'MAP_KEY_VALUE', fieldId: 9 }),
      row('map', 2, { repetition: 'REPEATED' }),
      row('key', null, { repetition: 'REQUIRED', fieldId: 10 }),
      row('value', null, { fieldId: 11 }),
      // a plain struct
      row('s', 1, { fieldId: 12 }),
      row('c', null, { fieldId: 13 }),
    ];
    expect(show(physicalColumns(rows))).toEqual([
      'l#1:list(element#2:primitive)',
      'a#3:list(array#4:struct(x#5:primitive))',
      'p#6:list(item#7:primitive)',
      'r#-:list(r#8:primitive)',
      'm#9:map(key#10:primitive,value#11:primitive)',
      's#12:struct(c#13:primitive)',
    ]);
  });

  it('gives ids from the name mapping, by element/key/value for lists and maps', () => {
    const rows = [
      row('schema', 3, { repetition: 'REQUIRED' }),
      row('tags', 1, { convertedType: 'LIST' }),
      row('list', 1, { repetition: 'REPEATED' }),
      row('element', null),
      row('attrs', 1, { convertedType: 'MAP' }),
      row('key_value', 2, { repetition: 'REPEATED' }),
      row('key', null),
      row('value', null),
      row('other', null),
    ];
    const mapping = [
      { 'field-id': 1, names: ['tags'], fields: [{ 'field-id': 2, names: ['element'] }] },
      { 'field-id': 3, names: ['attrs', 'attributes'], fields: [{ 'field-id': 4, names: ['key'] }, { 'field-id': 5, names: ['value'] }] },
    ];
    expect(show(applyNameMapping(physicalColumns(rows), mapping))).toEqual([
      'tags#1:list(element#2:primitive)',
      'attrs#3:map(key#4:primitive,value#5:primitive)',
      'other#-:primitive',
    ]);
    expect(show(applyNameMapping(physicalColumns(rows), undefined))).toEqual([
      'tags#-:list(element#-:primitive)',
      'attrs#-:map(key#-:primitive,value#-:primitive)',
      'other#-:primitive',
    ]);
  });
});

describe('SQL literals for partition values and defaults', () => {
  it('keeps every digit of longs, decimals and timestamps', () => {
    expect(literalSql('long', -9223372036854775808n)).toBe("CAST('-9223372036854775808' AS BIGINT)");
    expect(literalSql('decimal(38, 23)', -12345678901234567890123n)).toBe("CAST('-0.12345678901234567890123' AS DECIMAL(38, 23))");
    expect(literalSql('timestamptz', 1_684_161_045_000_001n)).toBe("CAST('2023-05-15 14:30:45.000001+00' AS TIMESTAMPTZ)");
    expect(literalSql('timestamp_ns', -1n)).toBe("CAST('1969-12-31 23:59:59.999999999' AS TIMESTAMP_NS)");
    expect(literalSql('time', 45_296_000_000n)).toBe("CAST('12:34:56.000000' AS TIME)");
    expect(literalSql('fixed[3]', new Uint8Array([1, 2, 255]))).toBe("from_hex('0102ff')");
    expect(literalSql('double', Number.NaN)).toBe("CAST('NaN' AS DOUBLE)");
    expect(literalSql('string', "it's")).toBe("CAST('it''s' AS VARCHAR)");
    expect(literalSql('int', null)).toBe('CAST(NULL AS INTEGER)');
  });

  it('formats dates before year 1000 and before year 1', () => {
    expect(formatDate(-715447)).toBe('0011-03-05');
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(-719529)).toBe('0002-12-31 (BC)'); // as DuckDB prints DATE '1970-01-01' - 719529
    expect(formatDate(-719528)).toBe('0001-01-01 (BC)');
    expect(formatTimestamp(-61_814_577_195_000_000n, 6)).toBe('0011-03-05 12:06:45.000000');
  });
});
