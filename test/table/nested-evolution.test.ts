/**
 * `floe table evolve --add-column` with a nested type (struct<...>, list<...>, map<...>),
 * as a new column or inside an existing struct (spec "Schema Evolution"): every id in the new
 * type is fresh, above last-column-id, the table's last-column-id advances past them, every
 * new field is optional, and existing ids never change.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { newTableMetadata } from '../../src/iceberg/metadata-builder.js';
import { fieldByPath, indexFields } from '../../src/iceberg/schema.js';
import type { Schema, TableMetadata } from '../../src/iceberg/types.js';
import { applyChange } from '../../src/table/apply.js';
import { planEvolution, type EvolveRequest } from '../../src/table/evolve/evolve.js';
import { formatTypeText, parseAddColumn, parseTypeText } from '../../src/table/evolve/parse.js';

function table(): TableMetadata {
  return newTableMetadata({
    location: '/wh/t',
    schema: {
      type: 'struct',
      fields: [
        { id: 0, name: 'id', required: true, type: 'long' },
        { id: 0, name: 'address', required: false, type: { type: 'struct', fields: [{ id: 0, name: 'city', required: false, type: 'string' }] } },
        {
          id: 0,
          name: 'items',
          required: false,
          type: { type: 'list', 'element-id': 0, 'element-required': false, element: { type: 'struct', fields: [{ id: 0, name: 'sku', required: false, type: 'string' }] } },
        },
      ],
    },
    tableUuid: 'uuid-1',
    now: 1_700_000_000_000,
  });
}

const current = (m: TableMetadata): Schema => m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;

function evolve(m: TableMetadata, req: EvolveRequest) {
  const plan = planEvolution(m, req, 'ns.t');
  return { plan, next: applyChange(m, plan.change, { metadataLocation: '/wh/t/metadata/1.json', now: 1_700_000_000_001 }) };
}

describe('nested types in --add-column', () => {
  it('reads struct, list and map types at any depth, in the text floe plan prints', () => {
    expect(parseAddColumn("geo struct<lat: double, lon double> after id doc 'where'")).toEqual({ name: 'geo', type: 'struct<lat:double,lon:double>', position: { after: 'id' }, doc: 'where' });
    expect(parseAddColumn('tags list<string>')).toEqual({ name: 'tags', type: 'list<string>' });
    expect(parseAddColumn('attrs map<string, struct<n: decimal(9, 2), seen: list<timestamptz>>>')).toEqual({ name: 'attrs', type: 'map<string,struct<n:decimal(9,2),seen:list<timestamptz>>>' });
    expect(parseAddColumn('address.geo struct<"lat deg": double>')).toEqual({ name: 'address.geo', type: 'struct<"lat deg":double>' });
    const t = parseTypeText('map<string, struct<n: decimal(9,2)>>');
    expect(t).toEqual({
      type: 'map',
      'key-id': 0,
      key: 'string',
      'value-id': 0,
      'value-required': false,
      value: { type: 'struct', fields: [{ id: 0, name: 'n', required: false, type: 'decimal(9, 2)' }] },
    });
    expect(formatTypeText(t)).toBe('map<string,struct<n:decimal(9,2)>>');
  });

  it('refuses what it cannot read, naming the option and the text', () => {
    expect(() => parseAddColumn('g struct<lat: dbl>')).toThrow(/^--add-column 'g struct<lat: dbl>': unknown type 'dbl' in struct<lat: dbl>$/);
    expect(() => parseAddColumn('g struct<lat: double')).toThrow(/--add-column 'g struct<lat: double': the type struct<lat: double has no closing '>'/);
    expect(() => parseAddColumn('g struct<>')).toThrow(/struct<> needs at least one field/);
    expect(() => parseAddColumn('g struct<a: int, A: long>')).toThrow(/field 'A' is given twice/);
    expect(() => parseAddColumn('g map<string>')).toThrow(/expected ','/);
    expect(() => parseAddColumn('g list<string> sideways')).toThrow(/cannot read 'sideways'/);
    // table create still takes primitive types only.
    expect(() => parseAddColumn('tags list<string>', '--column')).toThrow(/nested types \(list<\.\.\.>\) are not supported here/);
  });

  it('adds nested columns with fresh ids for every field, element, key and value, and advances last-column-id', () => {
    const m = table();
    // id 1, address 2, items 3, city 4, items.element 5, sku 6.
    expect(m['last-column-id']).toBe(6);
    const before = indexFields(current(m));
    const { plan, next } = evolve(m, {
      addColumns: [
        parseAddColumn('geo struct<lat: double, tags: list<string>> after id'),
        parseAddColumn('address.zip struct<code: string, plus4: int>'),
        parseAddColumn('items.element.dims map<string, struct<w: int>>'),
      ],
    });
    expect(plan.changes).toEqual([
      'add column geo struct<lat:double,tags:list<string>> (id 7) after id',
      'add column address.zip struct<code:string,plus4:int> (id 11)',
      'add column items.element.dims map<string,struct<w:int>> (id 14)',
    ]);
    const s = current(next);
    expect(s.fields.map((f) => f.name)).toEqual(['id', 'geo', 'address', 'items']);
    // geo 7, its fields 8 and 9, tags' element 10; zip 11, 12, 13; dims 14, key 15, value 16, w 17.
    expect(indexFields(s).filter((f) => f.id > 6).map((f) => [f.path.join('.'), f.id, f.required])).toEqual([
      ['geo', 7, false],
      ['geo.lat', 8, false],
      ['geo.tags', 9, false],
      ['geo.tags.element', 10, false],
      ['address.zip', 11, false],
      ['address.zip.code', 12, false],
      ['address.zip.plus4', 13, false],
      ['items.element.dims', 14, false],
      ['items.element.dims.key', 15, true],
      ['items.element.dims.value', 16, false],
      ['items.element.dims.value.w', 17, false],
    ]);
    expect(next['last-column-id']).toBe(17);
    for (const old of before) expect(fieldByPath(s, old.path)!.id).toBe(old.id);
    expect(fieldByPath(s, 'items.element.dims.value.w')!.type).toBe('int');
  });

  it('a nested column dropped and added again gets new ids', () => {
    const once = evolve(table(), { addColumns: [parseAddColumn('geo struct<lat: double>')] }).next;
    const again = evolve(once, { dropColumns: ['geo'], addColumns: [parseAddColumn('geo struct<lat: double>')] }).next;
    expect(fieldByPath(current(again), 'geo')!.id).toBe(9);
    expect(fieldByPath(current(again), 'geo.lat')!.id).toBe(10);
    expect(again['last-column-id']).toBe(10);
  });

  it('refuses a nested column whose name is taken, as for a primitive one', () => {
    try {
      planEvolution(table(), { addColumns: [parseAddColumn('address struct<x: int>')] }, 'ns.t');
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(FloeError);
      expect((e as FloeError).message).toBe("table ns.t: cannot add column 'address': a column with that name already exists");
    }
  });
});
