/**
 * Schema helpers (spec: "Schemas and Data Types", "Schema Evolution").
 *
 * A schema is a struct whose every nested field, list element, map key and map value carries
 * a field id that is unique in the table. These helpers index those ids, look fields up by id
 * or by name, assign fresh ids to a schema built from names only, and decide which type
 * promotions schema evolution may make.
 */
import type { IcebergType, ListType, MapType, NestedField, Schema, StructType } from './types.js';
import { parsePrimitive } from './primitive.js';
import { schemaError } from '../errors.js';

// types.ts points readers of primitive type strings here; the parser itself lives in primitive.ts.
export { parsePrimitive } from './primitive.js';

/** A struct that may carry a schema's extra fields (a Schema, or a schema before ids are assigned). */
export type SchemaLike = StructType & { 'schema-id'?: number; 'identifier-field-ids'?: number[] };

export const isStruct = (t: IcebergType): t is StructType => typeof t === 'object' && t.type === 'struct';
export const isList = (t: IcebergType): t is ListType => typeof t === 'object' && t.type === 'list';
export const isMap = (t: IcebergType): t is MapType => typeof t === 'object' && t.type === 'map';

/**
 * One id-carrying position in a schema: a struct field, or the synthetic field of a list
 * element or map key/value. `path` holds the names from the root, with 'element', 'key' and
 * 'value' for the synthetic ones (the names the spec's name mapping uses for them).
 */
export interface IndexedField {
  id: number;
  path: string[];
  type: IcebergType;
  required: boolean;
  /** The struct field itself; absent for list elements and map keys/values. */
  field?: NestedField;
  /** The id of the enclosing id-carrying position, absent at the top level. */
  parentId?: number;
  /** True when a list or map lies between the root and this position. */
  inRepeated: boolean;
}

/** Every id-carrying position, parents before children, in schema order. */
export function indexFields(struct: StructType): IndexedField[] {
  const out: IndexedField[] = [];
  const visit = (t: IcebergType, path: string[], parentId: number | undefined, inRepeated: boolean) => {
    if (isStruct(t)) {
      for (const f of t.fields) {
        const p = [...path, f.name];
        out.push({ id: f.id, path: p, type: f.type, required: f.required, field: f, parentId, inRepeated });
        visit(f.type, p, f.id, inRepeated);
      }
    } else if (isList(t)) {
      const p = [...path, 'element'];
      out.push({ id: t['element-id'], path: p, type: t.element, required: t['element-required'], parentId, inRepeated: true });
      visit(t.element, p, t['element-id'], true);
    } else if (isMap(t)) {
      const kp = [...path, 'key'];
      const vp = [...path, 'value'];
      out.push({ id: t['key-id'], path: kp, type: t.key, required: true, parentId, inRepeated: true });
      out.push({ id: t['value-id'], path: vp, type: t.value, required: t['value-required'], parentId, inRepeated: true });
      visit(t.key, kp, t['key-id'], true);
      visit(t.value, vp, t['value-id'], true);
    }
  };
  visit(struct, [], undefined, false);
  return out;
}

/** Every field id in the schema, including list element and map key/value ids. */
export function allFieldIds(struct: StructType): number[] {
  return indexFields(struct).map((f) => f.id);
}

/** The highest field id in the schema, 0 for an empty one. */
export function highestFieldId(struct: StructType): number {
  let max = 0;
  for (const f of indexFields(struct)) if (f.id > max) max = f.id;
  return max;
}

/** A field id → position index; throws when an id is used twice (spec: ids are unique per table schema). */
export function indexById(struct: StructType): Map<number, IndexedField> {
  const byId = new Map<number, IndexedField>();
  for (const f of indexFields(struct)) {
    const prior = byId.get(f.id);
    if (prior) {
      throw schemaError(`field id ${f.id} is used by both '${prior.path.join('.')}' and '${f.path.join('.')}'`);
    }
    byId.set(f.id, f);
  }
  return byId;
}

export function fieldById(struct: StructType, id: number): IndexedField | undefined {
  return indexFields(struct).find((f) => f.id === id);
}

/**
 * Finds a field by its dotted name ('address.city', 'tags.element', 'attrs.value.x'), the
 * way Iceberg Java's Schema.findField does. A field whose own name contains a dot is still
 * found: the full path joined with '.' is compared, not split. Case-sensitive unless asked.
 */
export function fieldByPath(struct: StructType, name: string | string[], caseSensitive = true): IndexedField | undefined {
  const norm = (s: string) => (caseSensitive ? s : s.toLowerCase());
  if (Array.isArray(name)) {
    const want = name.map(norm);
    return indexFields(struct).find((f) => f.path.length === want.length && f.path.every((p, i) => norm(p) === want[i]));
  }
  const want = norm(name);
  return indexFields(struct).find((f) => norm(f.path.join('.')) === want);
}

/** The dotted name of a field id, or undefined. */
export function columnName(struct: StructType, id: number): string | undefined {
  return fieldById(struct, id)?.path.join('.');
}

/**
 * Assigns fresh ids to every id-carrying position of a struct whose ids are unset or
 * placeholders, in the order of Iceberg Java's TypeUtil.assignFreshIds: all fields of a
 * struct first, then the nested types of each field in turn; a list's element id before
 * its element type; a map's key and value ids before the key and value types.
 *
 * `nextId` is either the first id to use (ids then count up) or a supplier. For a Schema,
 * `identifier-field-ids` are remapped by the position they pointed at.
 */
export function assignFreshIds<T extends StructType>(struct: T, nextId: number | (() => number)): T {
  let counter = typeof nextId === 'number' ? nextId : 0;
  const next = typeof nextId === 'number' ? () => counter++ : nextId;
  const remap = new Map<IcebergType | NestedField, number>();

  const freshType = (t: IcebergType): IcebergType => {
    if (isStruct(t)) {
      const ids = t.fields.map(() => next());
      const fields = t.fields.map((f, i) => {
        const id = ids[i] as number;
        remap.set(f, id);
        return { ...f, id, type: freshType(f.type) };
      });
      return { ...t, fields };
    }
    if (isList(t)) {
      const elementId = next();
      return { ...t, 'element-id': elementId, element: freshType(t.element) };
    }
    if (isMap(t)) {
      const keyId = next();
      const valueId = next();
      return { ...t, 'key-id': keyId, 'value-id': valueId, key: freshType(t.key), value: freshType(t.value) };
    }
    return t;
  };

  const out = freshType(struct) as T;
  const identifiers = (struct as Partial<Schema>)['identifier-field-ids'];
  if (identifiers && identifiers.length > 0) {
    // Identifier fields are top-level or nested in structs (spec: "Identifier Field IDs"), so the
    // old id names exactly one struct field as long as the old ids were distinct.
    const oldToNew = new Map<number, number>();
    for (const f of indexFields(struct)) if (f.field) oldToNew.set(f.id, remap.get(f.field) as number);
    (out as Partial<Schema>)['identifier-field-ids'] = identifiers.map((id) => {
      const n = oldToNew.get(id);
      if (n === undefined) throw schemaError(`identifier field id ${id} is not a field of the schema`);
      return n;
    });
  }
  return out;
}

const V3_ONLY = new Set(['unknown', 'variant', 'geometry', 'geography', 'timestamp_ns', 'timestamptz_ns']);

/** Types and defaults that need format v3 (spec: "Appendix E", Version 3), as messages; [] when none. */
export function v3Features(struct: StructType): string[] {
  const out: string[] = [];
  for (const f of indexFields(struct)) {
    if (typeof f.type === 'string' && V3_ONLY.has(parsePrimitive(f.type).kind)) {
      out.push(`column '${f.path.join('.')}' has type ${f.type}`);
    }
    const d = f.field?.['initial-default'];
    if (d !== undefined && d !== null) out.push(`column '${f.path.join('.')}' has an initial-default`);
  }
  return out;
}

/**
 * Whether schema evolution may change a primitive `from` into `to` (spec: "Schema Evolution",
 * valid type promotions): int → long, float → double, decimal(P, S) → decimal(P', S) with
 * P' > P, and from v3 on date → timestamp/timestamp_ns and unknown → anything. A type is
 * trivially promotable to itself.
 */
export function isPromotionAllowed(from: IcebergType, to: IcebergType, formatVersion = 2): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  const a = parsePrimitive(from);
  const b = parsePrimitive(to);
  if (a.kind === 'decimal' && b.kind === 'decimal') return b.scale === a.scale && b.precision >= a.precision;
  if (a.kind === b.kind && a.kind !== 'decimal') return canonicalType(from) === canonicalType(to);
  if (a.kind === 'int') return b.kind === 'long';
  if (a.kind === 'float') return b.kind === 'double';
  if (formatVersion >= 3) {
    if (a.kind === 'unknown') return true;
    // date → timestamptz is not allowed: it would need a zone to pick the instant.
    if (a.kind === 'date') return b.kind === 'timestamp' || b.kind === 'timestamp_ns';
  }
  return false;
}

/** A primitive's string with the whitespace Appendix C allows removed, for comparisons. */
function canonicalType(t: string): string {
  return t.replace(/\s+/g, '').toLowerCase();
}

function typesEqual(a: IcebergType, b: IcebergType): boolean {
  if (typeof a === 'string' || typeof b === 'string') {
    return typeof a === 'string' && typeof b === 'string' && canonicalType(a) === canonicalType(b);
  }
  if (isStruct(a) && isStruct(b)) {
    return a.fields.length === b.fields.length && a.fields.every((f, i) => fieldsEqual(f, b.fields[i] as NestedField));
  }
  if (isList(a) && isList(b)) {
    return a['element-id'] === b['element-id'] && a['element-required'] === b['element-required'] && typesEqual(a.element, b.element);
  }
  if (isMap(a) && isMap(b)) {
    return (
      a['key-id'] === b['key-id'] &&
      a['value-id'] === b['value-id'] &&
      a['value-required'] === b['value-required'] &&
      typesEqual(a.key, b.key) &&
      typesEqual(a.value, b.value)
    );
  }
  return false;
}

function fieldsEqual(a: NestedField, b: NestedField): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.required === b.required &&
    (a.doc ?? null) === (b.doc ?? null) &&
    defaultsEqual(a['initial-default'], b['initial-default']) &&
    defaultsEqual(a['write-default'], b['write-default']) &&
    typesEqual(a.type, b.type)
  );
}

function defaultsEqual(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) =>
    JSON.stringify(v ?? null, (_k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'number' && Number.isInteger(x) ? `${x}n` : x));
  return norm(a) === norm(b);
}

/**
 * Same columns, ids, types, docs, defaults and identifier fields, ignoring `schema-id`, as Iceberg
 * Java's Schema.sameSchema. Used to reuse an existing schema id instead of adding a duplicate.
 */
export function schemasEqual(a: SchemaLike, b: SchemaLike): boolean {
  const ids = (s: SchemaLike) => [...(s['identifier-field-ids'] ?? [])].sort((x, y) => x - y);
  const ia = ids(a);
  const ib = ids(b);
  return typesEqual(a, b) && ia.length === ib.length && ia.every((v, i) => v === ib[i]);
}

/** Reads the schema with this id out of a list of schemas. */
export function schemaById(schemas: Schema[], id: number): Schema | undefined {
  return schemas.find((s) => s['schema-id'] === id);
}
