/**
 * Name mapping (spec: "Column Projection", "Appendix C: Name Mapping Serialization"): the
 * table property `schema.name-mapping.default` gives field ids to the columns of data files
 * that were written without them (Hive imports, files added by path).
 *
 * A name in `names` is literal: 'a.b' is a field called "a.b", not b inside a. Paths are
 * therefore lists of names, never dotted strings.
 */
import type { IcebergType, NestedField, StructType } from './types.js';
import { parseJson, stringifyJson } from './json.js';
import { isList, isMap, isStruct } from './schema.js';
import { corruptError } from '../errors.js';

export interface MappedField {
  'field-id'?: number;
  names: string[];
  fields?: MappedField[];
}

export type NameMapping = MappedField[];

/** The table property that holds the default mapping. */
export const NAME_MAPPING_PROPERTY = 'schema.name-mapping.default';

function parseFields(v: unknown, where: string, source: string): MappedField[] {
  if (!Array.isArray(v)) throw corruptError(`${source}: ${where || 'name mapping'} must be a list of field mappings`);
  return v.map((x, i) => {
    const w = `${where}[${i}]`;
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw corruptError(`${source}: ${w} must be an object`);
    const o = x as Record<string, unknown>;
    const names = o.names ?? [];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw corruptError(`${source}: ${w}.names must be a list of strings`);
    }
    const f: MappedField = { names: names as string[] };
    const id = o['field-id'];
    if (id !== undefined && id !== null) {
      if (typeof id !== 'number' || !Number.isInteger(id)) throw corruptError(`${source}: ${w}.field-id must be an int`);
      f['field-id'] = id;
    }
    if (o.fields !== undefined && o.fields !== null) f.fields = parseFields(o.fields, `${w}.fields`, source);
    return f;
  });
}

/** Parses the JSON text of a name mapping; `source` names the table or file in errors. */
export function parseNameMapping(text: string, source = NAME_MAPPING_PROPERTY): NameMapping {
  return parseFields(parseJson(text, source), '', source);
}

/** The mapping of a table's properties, or undefined when it has none. */
export function tableNameMapping(properties: Record<string, string>, source = NAME_MAPPING_PROPERTY): NameMapping | undefined {
  const text = properties[NAME_MAPPING_PROPERTY];
  return text === undefined ? undefined : parseNameMapping(text, source);
}

/** Writes a mapping as JSON text, keys in the order Java writes them. */
export function serializeNameMapping(m: NameMapping): string {
  const out = (fs: MappedField[]): unknown[] =>
    fs.map((f) => ({
      ...(f['field-id'] !== undefined ? { 'field-id': f['field-id'] } : {}),
      names: f.names,
      ...(f.fields && f.fields.length > 0 ? { fields: out(f.fields) } : {}),
    }));
  return stringifyJson(out(m));
}

/**
 * The mapping Java's MappingUtil.create makes for a schema: each field's current name; list
 * elements as 'element', map keys and values as 'key' and 'value'.
 */
export function defaultNameMapping(schema: StructType): NameMapping {
  const children = (t: IcebergType): MappedField[] | undefined => {
    if (isStruct(t)) return t.fields.map((f) => withChildren({ 'field-id': f.id, names: [f.name] }, f.type));
    if (isList(t)) return [withChildren({ 'field-id': t['element-id'], names: ['element'] }, t.element)];
    if (isMap(t)) {
      return [
        withChildren({ 'field-id': t['key-id'], names: ['key'] }, t.key),
        withChildren({ 'field-id': t['value-id'], names: ['value'] }, t.value),
      ];
    }
    return undefined;
  };
  const withChildren = (f: MappedField, t: IcebergType): MappedField => {
    const c = children(t);
    return c ? { ...f, fields: c } : f;
  };
  return children(schema) ?? [];
}

// Group names that Parquet writers put between a list or map and its element, key or value
// (Parquet LogicalTypes "Lists"/"Maps" and their backward-compatibility rules). A name
// mapping describes the Iceberg structure and does not name them.
const WRAPPER_GROUPS = new Set(['list', 'bag', 'key_value', 'map']);
// Names older writers give the list element itself: 2-level lists ('array', '<list>_tuple'),
// Hive/Impala ('array_element'), and Arrow ('item').
const isElementAlias = (n: string) => n === 'array' || n === 'array_element' || n === 'item' || n.endsWith('_tuple');

/**
 * Resolves a data file column path (['address', 'city'], or for Parquet
 * ['tags', 'list', 'element']) to the field id the mapping gives it; undefined when the
 * mapping does not name that column or gives it no id.
 */
export function resolveMappedId(mapping: NameMapping, path: readonly string[]): number | undefined {
  return resolveMappedField(mapping, path)?.['field-id'];
}

export function resolveMappedField(mapping: NameMapping, path: readonly string[]): MappedField | undefined {
  let level: MappedField[] = mapping;
  let found: MappedField | undefined;
  for (let i = 0; i < path.length; i++) {
    const name = path[i] as string;
    const hit = level.find((f) => f.names.includes(name));
    const element = found && level.length === 1 && level[0]?.names.includes('element') ? level[0] : undefined;
    if (hit) {
      found = hit;
    } else if (element && isElementAlias(name)) {
      found = element;
    } else if (found && WRAPPER_GROUPS.has(name)) {
      continue; // stay at the list or map; its element/key/value follows
    } else {
      return undefined;
    }
    level = found.fields ?? [];
  }
  return found;
}

/** All column paths the mapping names → their field ids (the first name of each level). */
export function mappedIds(mapping: NameMapping): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const walk = (fs: MappedField[], prefix: string[]) => {
    for (const f of fs) {
      const path = [...prefix, f.names[0] ?? ''];
      if (f['field-id'] !== undefined) out.set(f['field-id'], path);
      if (f.fields) walk(f.fields, path);
    }
  };
  walk(mapping, []);
  return out;
}

/**
 * The mapping after a schema change from `before` to `after`, as Iceberg Java's
 * MappingUtil.update (and PyIceberg's update_mapping) make it when a schema update commits on
 * a table that has a mapping: a renamed field keeps its old names and gains the new one (old
 * files still hold the old name), a field added gets its name (and its children's), and a
 * name taken by a renamed or added field is removed from the sibling that had it. Dropped
 * fields stay mapped. Without this, files added by name after a rename or an added column
 * (Spark's add_files, PyIceberg's add_files) read NULL in those columns.
 */
export function updateNameMapping(mapping: NameMapping, before: StructType, after: StructType): NameMapping {
  const beforeNames = new Map<number, string>();
  const index = (t: IcebergType): void => {
    if (isStruct(t)) {
      for (const f of t.fields) {
        beforeNames.set(f.id, f.name);
        index(f.type);
      }
    } else if (isList(t)) {
      index(t.element);
    } else if (isMap(t)) {
      index(t.key);
      index(t.value);
    }
  };
  index(before);
  const renamed = new Map<number, string>();
  const added = new Map<number, NestedField[]>(); // parent id (-1: the root) → fields added under it
  const walk = (t: IcebergType, parent: number): void => {
    if (isStruct(t)) {
      for (const f of t.fields) {
        const old = beforeNames.get(f.id);
        if (old === undefined) {
          added.set(parent, [...(added.get(parent) ?? []), f]);
          continue;
        }
        if (old !== f.name) renamed.set(f.id, f.name);
        walk(f.type, f.id);
      }
    } else if (isList(t)) {
      walk(t.element, t['element-id']);
    } else if (isMap(t)) {
      walk(t.key, t['key-id']);
      walk(t.value, t['value-id']);
    }
  };
  walk(after, -1);
  if (renamed.size === 0 && added.size === 0) return mapping;

  const withoutNames = (fs: MappedField[], taken: Map<string, number>): MappedField[] =>
    fs.flatMap((f) => {
      const names = f.names.filter((n) => taken.get(n) === undefined || taken.get(n) === f['field-id']);
      return names.length > 0 ? [{ ...f, names }] : [];
    });
  const update = (fs: MappedField[], parent: number): MappedField[] => {
    let out = fs.map((f) => {
      const id = f['field-id'];
      if (id === undefined) return f;
      const name = renamed.get(id);
      const names = name !== undefined && !f.names.includes(name) ? [...f.names, name] : f.names;
      const children = f.fields !== undefined || added.has(id) ? update(f.fields ?? [], id) : undefined;
      return children === undefined ? { ...f, names } : { ...f, names, fields: children };
    });
    const taken = new Map<string, number>();
    for (const f of out) if (f['field-id'] !== undefined && renamed.has(f['field-id'])) taken.set(renamed.get(f['field-id'])!, f['field-id']);
    out = withoutNames(out, taken);
    const adds = added.get(parent);
    if (adds) {
      out = withoutNames(out, new Map(adds.map((f) => [f.name, f.id])));
      out.push(...defaultNameMapping({ type: 'struct', fields: adds }));
    }
    return out;
  };
  return update(mapping, -1);
}
