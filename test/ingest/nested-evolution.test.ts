/**
 * Schema changes inside nested types planned by a write (reconcileColumns): fields a struct
 * gains, at any depth (a struct column, a list's element struct, a map's value struct), get
 * fresh ids above last-column-id; existing ids never change; nested primitives widen along
 * the spec's promotions; any other difference fails naming the field's path and both types.
 */
import { describe, expect, it } from 'vitest';
import { reconcileColumns } from '../../src/ingest/reconcile.js';
import { allFieldIds, fieldByPath, indexFields } from '../../src/iceberg/schema.js';
import type { IcebergType, NestedField, Schema, StructType } from '../../src/iceberg/types.js';

const f = (id: number, name: string, type: IcebergType): NestedField => ({ id, name, required: false, type });
const struct = (...fields: NestedField[]) => ({ type: 'struct' as const, fields });
const list = (elementId: number, element: IcebergType) => ({ type: 'list' as const, 'element-id': elementId, element, 'element-required': false });
const map = (keyId: number, valueId: number, key: IcebergType, value: IcebergType) => ({ type: 'map' as const, 'key-id': keyId, key, 'value-id': valueId, value, 'value-required': false });

// The table: id, address {city}, items list<{sku, qty int}>, attrs map<string, {a}>; last-column-id 12
// (one id above the schema's highest, as after a dropped column).
const table: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    f(1, 'id', 'long'),
    f(2, 'address', struct(f(5, 'city', 'string'))),
    f(3, 'items', list(6, struct(f(7, 'sku', 'string'), f(8, 'qty', 'int')))),
    f(4, 'attrs', map(9, 10, 'string', struct(f(11, 'a', 'long')))),
  ],
};
const LAST = 12;

/** An input (ids 0, as schemaFromColumns gives none that matter) from the table's shape with changes. */
const input = (...fields: NestedField[]): StructType => struct(...fields);
const id0 = (name: string, type: IcebergType) => f(0, name, type);
const sameItems = id0('items', list(0, struct(id0('sku', 'string'), id0('qty', 'int'))));
const sameAttrs = id0('attrs', map(0, 0, 'string', struct(id0('a', 'long'))));

describe('a write that brings new nested fields (add_columns)', () => {
  it('adds a field to a struct column with a fresh id, keeps every existing id, and names it by its path', () => {
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('address', struct(id0('city', 'string'), id0('zip', 'string'))), sameItems, sameAttrs), 'raw.t', 'add_columns', 1, LAST);
    expect(r.evolved).toBe(true);
    expect(r.changes).toEqual(['add column address.zip string']);
    const zip = fieldByPath(r.schema, 'address.zip')!;
    expect(zip.id).toBe(13);
    expect(zip.required).toBe(false);
    // Every id of the old schema is still there, at the same path.
    for (const old of indexFields(table)) expect(fieldByPath(r.schema, old.path)!.id).toBe(old.id);
    expect(fieldByPath(r.schema, 'address.city')!.id).toBe(5);
    expect(r.schema['schema-id']).toBe(1);
    // The input's struct already has the table's new shape: written as it is.
    expect(r.projection).toContain('"address" AS "address"');
  });

  it("adds a field to a list's element struct and to a map's value struct, nested types with all their ids", () => {
    const r = reconcileColumns(
      table,
      input(
        id0('id', 'long'),
        id0('address', struct(id0('city', 'string'), id0('geo', struct(id0('lat', 'double'), id0('lon', 'double'))))),
        id0('items', list(0, struct(id0('sku', 'string'), id0('qty', 'int'), id0('notes', list(0, 'string'))))),
        id0('attrs', map(0, 0, 'string', struct(id0('a', 'long'), id0('b', 'string')))),
      ),
      'raw.t',
      'add_columns',
      1,
      LAST,
    );
    expect(r.changes).toEqual([
      'add column address.geo struct<lat:double,lon:double>',
      'add column items.element.notes list<string>',
      'add column attrs.value.b string',
    ]);
    const ids = allFieldIds(r.schema);
    expect(new Set(ids).size).toBe(ids.length);
    // geo 13, lat 14, lon 15; notes 16, its element 17; b 18: all above last-column-id.
    expect(fieldByPath(r.schema, 'address.geo')!.id).toBe(13);
    expect(fieldByPath(r.schema, 'address.geo.lon')!.id).toBe(15);
    expect(fieldByPath(r.schema, 'items.element.notes')!.id).toBe(16);
    expect(fieldByPath(r.schema, 'items.element.notes.element')!.id).toBe(17);
    expect(fieldByPath(r.schema, 'attrs.value.b')!.id).toBe(18);
    expect(fieldByPath(r.schema, 'items.element')!.id).toBe(6);
    expect(fieldByPath(r.schema, 'attrs.value')!.id).toBe(10);
    expect(Math.max(...ids)).toBe(18);
  });

  it('matches struct fields by name, whatever their order in the input, and leaves the table alone when nothing is new', () => {
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('address', struct(id0('city', 'string'))), id0('items', list(0, struct(id0('qty', 'int'), id0('sku', 'string')))), sameAttrs), 'raw.t', 'add_columns', 1, LAST);
    expect(r.evolved).toBe(false);
    expect(r.schema).toBe(table);
    expect(r.projection).toContain('CAST("items" AS STRUCT("sku" VARCHAR, "qty" INTEGER)[]) AS "items"');
  });

  it('keeps a nested field the input lacks (written NULL), unless it is required', () => {
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('address', struct()), id0('items', list(0, struct(id0('sku', 'string')))), sameAttrs), 'raw.t', 'add_columns', 1, LAST);
    expect(r.evolved).toBe(false);
    expect(r.projection).toContain('CAST("items" AS STRUCT("sku" VARCHAR, "qty" INTEGER)[])');
    const req: Schema = { ...table, fields: [f(1, 'id', 'long'), f(2, 'address', struct({ ...f(5, 'city', 'string'), required: true }))] };
    expect(() => reconcileColumns(req, input(id0('id', 'long'), id0('address', struct(id0('zip', 'string')))), 'raw.t', 'add_columns', 1, 5)).toThrow(
      /column "address\.city" is required by raw\.t but missing from the input/,
    );
  });

  it('widens a nested primitive along a promotion (int → long) and keeps its id', () => {
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('address', struct(id0('city', 'string'))), id0('items', list(0, struct(id0('sku', 'string'), id0('qty', 'long')))), sameAttrs), 'raw.t', 'add_columns', 1, LAST);
    expect(r.changes).toEqual(['widen items.element.qty: int → long']);
    expect(fieldByPath(r.schema, 'items.element.qty')).toMatchObject({ id: 8, type: 'long' });
  });

  it('writes a narrower nested value into a wider field without a schema change', () => {
    const wide: Schema = { ...table, fields: [f(1, 'id', 'long'), f(2, 'address', struct(f(5, 'n', 'long')))] };
    const r = reconcileColumns(wide, input(id0('id', 'long'), id0('address', struct(id0('n', 'int')))), 'raw.t', 'add_columns', 1, 5);
    expect(r.evolved).toBe(false);
    expect(r.projection).toContain('CAST("address" AS STRUCT("n" BIGINT))');
  });
});

describe('nested changes that are refused', () => {
  const expectProblem = (fields: NestedField[], pattern: RegExp, policy: 'fail' | 'add_columns' | 'ignore' = 'add_columns') => {
    let error: unknown;
    try {
      reconcileColumns(table, input(...fields), 'raw.t', policy, 1, LAST);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(pattern);
  };

  it('a nested type change that is not a promotion names the path, the input type and the table type', () => {
    expectProblem(
      [id0('id', 'long'), id0('address', struct(id0('city', 'long'))), sameItems, sameAttrs],
      /^cannot write to raw\.t: column "address\.city": the input has type long, the table raw\.t has string$/,
    );
    expectProblem(
      [id0('id', 'long'), id0('address', struct(id0('city', 'string'))), id0('items', list(0, struct(id0('sku', 'string'), id0('qty', 'double')))), sameAttrs],
      /column "items\.element\.qty": the input has type double, the table raw\.t has int/,
    );
    // A struct that became a list, and a narrowing.
    expectProblem([id0('id', 'long'), id0('address', list(0, 'string')), sameItems, sameAttrs], /column "address": the input has type list<string>, the table raw\.t has struct<city:string>/);
  });

  it('a string input field (null in every JSON record) is written into the table\'s type only when all its values are NULL', () => {
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('address', struct(id0('city', 'string'))), id0('items', list(0, struct(id0('sku', 'string'), id0('qty', 'string')))), id0('attrs', 'string')), 'raw.t', 'add_columns', 1, LAST);
    expect(r.evolved).toBe(false);
    expect(r.casts).toEqual(['write items.element.qty (input string) as int: only if every value is NULL', 'write attrs (input string) as map<string,struct<a:long>>: only if every value is NULL']);
    expect(r.projection).toContain('list_filter(flatten(list_transform("items", lambda __floe_e0: [(__floe_e0)."qty"]))');
    expect(r.projection).toContain('column "items.element.qty": the input has type string, the table raw.t has int, and the value');
  });

  it("a map's key never changes", () => {
    expectProblem([id0('id', 'long'), id0('attrs', map(0, 0, 'long', struct(id0('a', 'long'))))], /column "attrs\.key": the input has type long, the table raw\.t has string \(a map's key never changes\)/);
  });

  it('under on_schema_change: fail, a new nested field is named by its path', () => {
    expectProblem([id0('id', 'long'), id0('address', struct(id0('city', 'string'), id0('zip', 'string')))], /the input has column\(s\) "address\.zip" that raw\.t does not have/, 'fail');
    // A wider number is not a schema change under fail: written when every value fits, as for a top-level column.
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('items', list(0, struct(id0('sku', 'string'), id0('qty', 'long'))))), 'raw.t', 'fail', 1, LAST);
    expect(r.evolved).toBe(false);
    expect(r.casts).toEqual(['write items.element.qty (input long) as int: only values that fit exactly']);
  });

  it('whole numbers (a double field whose values are all whole today) are written into a double, int or decimal field when every value fits exactly', () => {
    const money: Schema = { ...table, fields: [f(1, 'id', 'long'), f(2, 'order', struct(f(5, 'total', 'double'), f(6, 'lines', list(7, struct(f(8, 'price', 'decimal(9, 2)'))))))] };
    const r = reconcileColumns(money, input(id0('id', 'long'), id0('order', struct(id0('total', 'long'), id0('lines', list(0, struct(id0('price', 'long'))))))), 'raw.t', 'add_columns', 1, 8);
    expect(r.evolved).toBe(false);
    expect(r.casts).toEqual(['write order.total (input long) as double: only values that fit exactly', 'write order.lines.element.price (input long) as decimal(9,2): only values that fit exactly']);
    expect(r.projection).toContain('__floe_v NOT BETWEEN -9007199254740992 AND 9007199254740992');
    expect(r.projection).toContain('__floe_v NOT BETWEEN -9999999 AND 9999999');
    expect(r.projection).toContain('column "order.lines.element.price": the input has type long, the table raw.t has decimal(9,2), and the value');
  });

  it('under on_schema_change: ignore, new nested fields are left out of the write', () => {
    const r = reconcileColumns(table, input(id0('id', 'long'), id0('address', struct(id0('city', 'string'), id0('zip', 'string')))), 'raw.t', 'ignore', 1, LAST);
    expect(r.evolved).toBe(false);
    expect(r.projection).toContain('CAST("address" AS STRUCT("city" VARCHAR)) AS "address"');
    // A struct that shares no field with the table's would be written as nothing at all.
    expectProblem([id0('id', 'long'), id0('address', struct(id0('town', 'string')))], /column "address": the input has type struct<town:string>, which has none of the fields of the table raw\.t's struct<city:string>/, 'ignore');
  });
});
