/**
 * Avro schemas as data (Avro 1.11 spec, "Schema Declaration"), resolved into a tree that the
 * datum codec walks.
 *
 * The JSON form (`AvroSchemaJson`) is what goes into the container header verbatim, so the
 * Iceberg attributes `field-id`, `element-id`, `key-id`, `value-id` and `logicalType: map`
 * survive (spec: Appendix A, Avro "Field IDs"). The resolved form (`AvroType`) keeps those
 * attributes as fields, and resolves named-type references (Java writes a repeated
 * `decimal_9_2` fixed once and refers to it by name afterwards).
 */

export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** Avro schema JSON, loosely typed: readers must accept whatever other writers put there. */
export type AvroSchemaJson = string | AvroSchemaJson[] | { type: AvroSchemaJson; [attr: string]: unknown };

export interface AvroField {
  name: string;
  type: AvroType;
  /** Iceberg field id (`field-id` attribute), if the writer set one. */
  fieldId: number | undefined;
}

export type AvroType =
  | { kind: AvroPrimitiveName; logicalType?: string | undefined; attrs: Record<string, unknown> }
  | { kind: 'record'; name: string; fields: AvroField[] }
  | { kind: 'enum'; name: string; symbols: string[] }
  | {
      kind: 'array';
      items: AvroType;
      elementId: number | undefined;
      /** Iceberg's map-as-array: `logicalType: map` with 2-field key/value records. */
      isMap: boolean;
    }
  | { kind: 'map'; values: AvroType; keyId: number | undefined; valueId: number | undefined }
  | { kind: 'fixed'; name: string; size: number; logicalType?: string | undefined; attrs: Record<string, unknown> }
  | { kind: 'union'; branches: AvroType[] };

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Thrown for a schema that is not valid Avro; the container names the file. */
export class AvroSchemaError extends Error {}

const optInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

/** Resolves a schema JSON value (already parsed) into an `AvroType` tree. */
export function parseAvroSchema(json: unknown): AvroType {
  const named = new Map<string, AvroType>();

  const fullName = (name: string, ns: string | undefined): string =>
    name.includes('.') || !ns ? name : `${ns}.${name}`;

  const define = (name: string, ns: string | undefined, t: AvroType): void => {
    const fn = fullName(name, ns);
    if (named.has(fn)) throw new AvroSchemaError(`named type '${fn}' is defined twice`);
    named.set(fn, t);
  };

  const walk = (s: unknown, ns: string | undefined): AvroType => {
    if (typeof s === 'string') {
      if (PRIMITIVES.has(s)) return { kind: s as AvroPrimitiveName, attrs: {} };
      const ref = named.get(fullName(s, ns)) ?? named.get(s);
      if (!ref) throw new AvroSchemaError(`unknown type name '${s}'`);
      return ref;
    }
    if (Array.isArray(s)) return { kind: 'union', branches: s.map((b) => walk(b, ns)) };
    if (s === null || typeof s !== 'object') throw new AvroSchemaError(`invalid schema node ${JSON.stringify(s)}`);
    const o = s as Record<string, unknown>;
    const type = o.type;
    const logicalType = typeof o.logicalType === 'string' ? o.logicalType : undefined;
    // {"type": {"type": "int"}} and {"type": ["null","int"]} nest schemas: recurse.
    if (typeof type !== 'string') return walk(type, ns);
    if (PRIMITIVES.has(type)) return { kind: type as AvroPrimitiveName, logicalType, attrs: o };
    const name = typeof o.name === 'string' ? o.name : undefined;
    // A named type's own namespace: from a dotted name, else its `namespace`, else the enclosing one.
    const ownNs = typeof o.namespace === 'string' ? o.namespace : ns;
    const childNs = name?.includes('.') ? name.slice(0, name.lastIndexOf('.')) : ownNs;
    switch (type) {
      case 'record':
      case 'error': {
        if (!name) throw new AvroSchemaError('record without a name');
        if (!Array.isArray(o.fields)) throw new AvroSchemaError(`record '${name}' has no fields array`);
        // Define before walking the fields so a record may refer to itself.
        const rec: AvroType = { kind: 'record', name, fields: [] };
        define(name, ownNs, rec);
        for (const f of o.fields as Record<string, unknown>[]) {
          if (typeof f?.name !== 'string') throw new AvroSchemaError(`record '${name}' has a field without a name`);
          rec.fields.push({ name: f.name, type: walk(f.type, childNs), fieldId: optInt(f['field-id']) });
        }
        return rec;
      }
      case 'enum': {
        if (!name || !Array.isArray(o.symbols)) throw new AvroSchemaError('enum without a name or symbols');
        const t: AvroType = { kind: 'enum', name, symbols: o.symbols.map(String) };
        define(name, ownNs, t);
        return t;
      }
      case 'fixed': {
        if (!name || optInt(o.size) === undefined || (o.size as number) < 0) {
          throw new AvroSchemaError('fixed without a name or size');
        }
        const t: AvroType = { kind: 'fixed', name, size: o.size as number, logicalType, attrs: o };
        define(name, ownNs, t);
        return t;
      }
      case 'array': {
        const items = walk(o.items, ns);
        return { kind: 'array', items, elementId: optInt(o['element-id']), isMap: logicalType === 'map' && isKeyValue(items) };
      }
      case 'map':
        return { kind: 'map', values: walk(o.values, ns), keyId: optInt(o['key-id']), valueId: optInt(o['value-id']) };
      default: {
        const ref = named.get(fullName(type, ns)) ?? named.get(type);
        if (ref) return ref;
        throw new AvroSchemaError(`unknown type '${type}'`);
      }
    }
  };

  return walk(json, undefined);
}

/** The record of an Iceberg map-as-array element: a 2-field record, possibly wrapped in a union with null. */
export function keyValueRecord(t: AvroType): Extract<AvroType, { kind: 'record' }> | undefined {
  const r = t.kind === 'union' ? nonNullBranch(t) : t;
  return r?.kind === 'record' && r.fields.length === 2 ? r : undefined;
}

function isKeyValue(t: AvroType): boolean {
  return keyValueRecord(t) !== undefined;
}

/** For a ["null", X] union, X; otherwise undefined. */
export function nonNullBranch(t: Extract<AvroType, { kind: 'union' }>): AvroType | undefined {
  const rest = t.branches.filter((b) => b.kind !== 'null');
  return rest.length === 1 ? rest[0] : undefined;
}

/** Strips a ["null", X] union to X; other types are returned as they are. */
export function unwrapOptional(t: AvroType): AvroType {
  return t.kind === 'union' ? (nonNullBranch(t) ?? t) : t;
}

/** The field of a record with this Iceberg field id, falling back to the name for writers without ids. */
export function findField(
  rec: Extract<AvroType, { kind: 'record' }>,
  fieldId: number,
  name: string,
): AvroField | undefined {
  return rec.fields.find((f) => f.fieldId === fieldId) ?? rec.fields.find((f) => f.fieldId === undefined && f.name === name);
}
