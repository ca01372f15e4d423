/**
 * Schema JSON (spec: "Appendix C: JSON serialization", Schemas): checks the shape of a schema
 * read from metadata JSON, naming the JSON path of anything wrong. Types keep the string they
 * were written with ('decimal(15, 2)' stays as is), so parse → serialise is byte-stable.
 */
import type { IcebergType, NestedField, Schema, StructType } from './types.js';
import { parsePrimitive } from './primitive.js';
import { corruptError, isFloeError, unsupportedError } from '../errors.js';

/** Where a value came from: the file, and the JSON path inside it. */
export interface JsonSite {
  readonly file: string;
  readonly path: string;
}

/**
 * The site of `sub` inside `s`. Its path is built only when read, i.e. when an error names it:
 * parsing a metadata file makes a site for every field of thousands of snapshots and log entries.
 */
class SubSite implements JsonSite {
  constructor(
    private readonly parent: JsonSite,
    private readonly sub: string | number,
  ) {}

  get file(): string {
    return this.parent.file;
  }

  get path(): string {
    const p = this.parent.path;
    return typeof this.sub === 'number' ? `${p}[${this.sub}]` : p ? `${p}.${this.sub}` : this.sub;
  }
}

export const at = (s: JsonSite, sub: string | number): JsonSite => new SubSite(s, sub);

export function corruptAt(s: JsonSite, what: string) {
  return corruptError(`${s.file}: ${s.path || 'metadata'} ${what}`, { context: { file: s.file, field: s.path } });
}

const describe = (v: unknown) => (v === undefined ? 'missing' : `got ${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`);

export function asObject(v: unknown, s: JsonSite): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corruptAt(s, `must be an object (${describe(v)})`);
  return v as Record<string, unknown>;
}

export function asArray(v: unknown, s: JsonSite): unknown[] {
  if (!Array.isArray(v)) throw corruptAt(s, `must be a list (${describe(v)})`);
  return v;
}

export function asInt(v: unknown, s: JsonSite): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw corruptAt(s, `must be an int (${describe(v)})`);
  }
  return v;
}

export function asString(v: unknown, s: JsonSite): string {
  if (typeof v !== 'string') throw corruptAt(s, `must be a string (${describe(v)})`);
  return v;
}

export function asBool(v: unknown, s: JsonSite): boolean {
  if (typeof v !== 'boolean') throw corruptAt(s, `must be a boolean (${describe(v)})`);
  return v;
}

function parseField(v: unknown, s: JsonSite): NestedField {
  const o = asObject(v, s);
  const field: NestedField = {
    id: asInt(o.id, at(s, 'id')),
    name: asString(o.name, at(s, 'name')),
    required: asBool(o.required, at(s, 'required')),
    type: parseType(o.type, at(s, 'type')),
  };
  if (o.doc !== undefined && o.doc !== null) field.doc = asString(o.doc, at(s, 'doc'));
  // Defaults are single values in their JSON form (Appendix D); kept as read.
  if (o['initial-default'] !== undefined) field['initial-default'] = o['initial-default'];
  if (o['write-default'] !== undefined) field['write-default'] = o['write-default'];
  return field;
}

export function parseType(v: unknown, s: JsonSite): IcebergType {
  if (typeof v === 'string') {
    try {
      parsePrimitive(v);
    } catch (e) {
      if (isFloeError(e)) throw unsupportedError(`${s.file}: ${s.path} has a type floe does not know: '${v}'`, { cause: e, context: { file: s.file, field: s.path } });
      throw e;
    }
    return v;
  }
  const o = asObject(v, s);
  switch (o.type) {
    case 'struct':
      return parseStruct(o, s);
    case 'list':
      return {
        type: 'list',
        'element-id': asInt(o['element-id'], at(s, 'element-id')),
        element: parseType(o.element, at(s, 'element')),
        'element-required': asBool(o['element-required'], at(s, 'element-required')),
      };
    case 'map':
      return {
        type: 'map',
        'key-id': asInt(o['key-id'], at(s, 'key-id')),
        key: parseType(o.key, at(s, 'key')),
        'value-id': asInt(o['value-id'], at(s, 'value-id')),
        value: parseType(o.value, at(s, 'value')),
        'value-required': asBool(o['value-required'], at(s, 'value-required')),
      };
    default:
      throw corruptAt(at(s, 'type'), `must be 'struct', 'list', 'map' or a primitive type name (${describe(o.type)})`);
  }
}

function parseStruct(o: Record<string, unknown>, s: JsonSite): StructType {
  const fs = at(s, 'fields');
  return { type: 'struct', fields: asArray(o.fields, fs).map((f, i) => parseField(f, at(fs, i))) };
}

/** A schema object; `schema-id` is optional in v1 and defaults to 0 (Appendix C). */
export function parseSchema(v: unknown, s: JsonSite, defaultId = 0): Schema {
  const o = asObject(v, s);
  if (o.type !== 'struct') throw corruptAt(at(s, 'type'), `must be 'struct' (${describe(o.type)})`);
  const struct = parseStruct(o, s);
  const schema: Schema = {
    type: 'struct',
    'schema-id': o['schema-id'] === undefined ? defaultId : asInt(o['schema-id'], at(s, 'schema-id')),
    fields: struct.fields,
  };
  if (o['identifier-field-ids'] !== undefined && o['identifier-field-ids'] !== null) {
    const is = at(s, 'identifier-field-ids');
    schema['identifier-field-ids'] = asArray(o['identifier-field-ids'], is).map((x, i) => asInt(x, at(is, i)));
  }
  return schema;
}

/** The JSON object of a type, keys in the order Java writes them. */
export function typeToJson(t: IcebergType): unknown {
  if (typeof t === 'string') return t;
  if (t.type === 'struct') return { type: 'struct', fields: t.fields.map(fieldToJson) };
  if (t.type === 'list') {
    return { type: 'list', 'element-id': t['element-id'], element: typeToJson(t.element), 'element-required': t['element-required'] };
  }
  return {
    type: 'map',
    'key-id': t['key-id'],
    key: typeToJson(t.key),
    'value-id': t['value-id'],
    value: typeToJson(t.value),
    'value-required': t['value-required'],
  };
}

function fieldToJson(f: NestedField): unknown {
  const o: Record<string, unknown> = { id: f.id, name: f.name, required: f.required, type: typeToJson(f.type) };
  if (f.doc !== undefined) o.doc = f.doc;
  if (f['initial-default'] !== undefined) o['initial-default'] = f['initial-default'];
  if (f['write-default'] !== undefined) o['write-default'] = f['write-default'];
  return o;
}

export function schemaToJson(s: Schema): unknown {
  const o: Record<string, unknown> = { type: 'struct', 'schema-id': s['schema-id'] };
  if (s['identifier-field-ids'] !== undefined) o['identifier-field-ids'] = s['identifier-field-ids'];
  o.fields = s.fields.map(fieldToJson);
  return o;
}
