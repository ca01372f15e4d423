/**
 * Schema evolution (spec: "Schema Evolution"): rename, widen, make-optional, drop and add,
 * applied in that order to a copy of the current schema. Pure.
 *
 * Rules, each a schema error naming the table and the column:
 * - a column is identified by its dotted path ('address.city'); ids never change and a new
 *   column always gets a fresh id above `last-column-id`, so a dropped id is never reused;
 * - added columns are optional (a required column needs an initial-default, which floe does
 *   not write); the name must be free in its struct; a nested type (struct<...>, list<...>,
 *   map<...>) gets fresh ids for every field, element, key and value in it, all optional;
 * - a rename must not take a name a sibling already has;
 * - nor may an added or renamed column differ from a sibling's name only in case (`id` and
 *   `ID`): DuckDB (floe query), Spark and Trino resolve names without case, so such a table
 *   would read one column where the user meant the other. Clashes a table already has (from
 *   another engine) are left alone;
 * - a widening must be one of the spec's promotions: int → long, float → double,
 *   decimal(P, S) → decimal(P', S) with P' > P;
 * - identifier fields stay required and cannot be dropped; a column used by a partition spec
 *   or by the default sort order cannot be dropped (checked in evolve.ts, which knows the
 *   layout the change leaves).
 */
import { schemaError } from '../../errors.js';
import { assignFreshIds, fieldByPath, isList, isMap, isPromotionAllowed, isStruct, parsePrimitive } from '../../iceberg/schema.js';
import { formatTypeText, parseTypeText } from './parse.js';
import type { IcebergType, NestedField, Schema, StructType } from '../../iceberg/types.js';

export interface AddColumn {
  /** Dotted path; the parent must be a struct column. */
  name: string;
  type: string;
  doc?: string;
  /** 'first', or the name of a sibling to place the column after; default: last. */
  position?: { first: true } | { after: string };
  required?: boolean;
}

export interface SchemaChanges {
  addColumns?: AddColumn[];
  /** old dotted path → new (last-segment) name. */
  renameColumns?: { from: string; to: string }[];
  dropColumns?: string[];
  widenColumns?: { name: string; type: string }[];
  makeOptional?: string[];
}

export interface SchemaUpdateResult {
  schema: Schema;
  lastColumnId: number;
  /** Human-readable lines, one per change. */
  changes: string[];
  /** Field ids removed by drop. */
  dropped: number[];
}

export const hasSchemaChanges = (c: SchemaChanges): boolean =>
  [c.addColumns, c.renameColumns, c.dropColumns, c.widenColumns, c.makeOptional].some((l) => (l?.length ?? 0) > 0);

/** The struct holding `id` and the field's index in it, found by walking structs, lists and maps. */
function locate(struct: StructType, id: number): { parent: StructType; index: number } | undefined {
  const index = struct.fields.findIndex((f) => f.id === id);
  if (index >= 0) return { parent: struct, index };
  for (const f of struct.fields) {
    const found = locateIn(f.type, id);
    if (found) return found;
  }
  return undefined;
}

function locateIn(t: IcebergType, id: number): { parent: StructType; index: number } | undefined {
  if (isStruct(t)) return locate(t, id);
  if (isList(t)) return locateIn(t.element, id);
  if (isMap(t)) return locateIn(t.key, id) ?? locateIn(t.value, id);
  return undefined;
}

export function updateSchema(base: Schema, lastColumnId: number, c: SchemaChanges, table: string): SchemaUpdateResult {
  const schema = structuredClone(base) as Schema;
  const changes: string[] = [];
  const dropped: number[] = [];
  let last = lastColumnId;
  const fail = (msg: string, column: string, hint?: string): never => {
    throw schemaError(`table ${table}: ${msg}`, { context: { table, column }, hint });
  };
  // Renames apply before drops, widenings and make-optional, which then use the new names.
  const renamedAway = (name: string) => (c.renameColumns ?? []).find((r) => r.from === name && r.to !== name && fieldByPath(schema, name) === undefined);
  const find = (name: string, verb: string) => {
    const f = fieldByPath(schema, name);
    // Not for a rename itself: the rename found would be this very one, of a column that does not exist.
    const moved = verb !== 'rename' && (!f || !f.field) ? renamedAway(name) : undefined;
    if (moved) fail(`cannot ${verb} column '${name}': the same change renames it to '${moved.to}'; name it '${moved.to}' (renames apply first)`, name);
    if (!f || !f.field) fail(`cannot ${verb} column '${name}': no such column`, name);
    const at = locate(schema, f!.id)!;
    return { indexed: f!, ...at, field: at.parent.fields[at.index] as NestedField };
  };
  const identifiers = new Set(schema['identifier-field-ids'] ?? []);
  // The same column twice in one kind of change is a slip in the request, not a clash with the table.
  const twice = (names: string[], verb: string) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) fail(`column '${n}' is ${verb} twice in the same change`, n);
      seen.add(n);
    }
  };
  twice((c.addColumns ?? []).map((a) => a.name), 'added');
  twice((c.renameColumns ?? []).map((r) => r.from), 'renamed');
  twice(c.dropColumns ?? [], 'dropped');
  twice((c.widenColumns ?? []).map((w) => w.name), 'widened');

  // List elements and map keys and values have no struct field of their own: their type and
  // optionality live on the list or map (spec "Nested Types"). Values and elements may be
  // widened and made optional; keys never change; none of them can be renamed or dropped alone.
  const slotOf = (name: string, verb: string) => {
    const f = fieldByPath(schema, name);
    if (!f || f.field) return undefined;
    const slot = slotIn(schema, f.id)!;
    const what = slot.kind === 'key' ? 'a map key' : slot.kind === 'value' ? 'a map value' : 'a list element';
    const whole = f.path.slice(0, -1).join('.');
    if (verb === 'rename' || verb === 'drop') fail(`cannot ${verb} '${name}': it is ${what}, which has no name of its own; ${verb} '${whole}' instead`, name);
    if (slot.kind === 'key') fail(`cannot ${verb} '${name}': map keys never change (spec "Schema Evolution")`, name);
    return { slot, indexed: f };
  };
  for (const r of c.renameColumns ?? []) slotOf(r.from, 'rename');
  for (const d of c.dropColumns ?? []) slotOf(d, 'drop');

  for (const r of c.renameColumns ?? []) {
    const { field, parent } = find(r.from, 'rename');
    if (r.to === '' || r.to.includes('.')) fail(`cannot rename '${r.from}' to '${r.to}': the new name must be a non-empty name without dots`, r.from);
    if (r.to === field.name) continue;
    if (parent.fields.some((f) => f.name === r.to)) fail(`cannot rename '${r.from}' to '${r.to}': a column named '${r.to}' already exists`, r.from);
    const folded = caseTwin(parent, r.to, field);
    if (folded) fail(`cannot rename '${r.from}' to '${r.to}': it differs from column '${folded.name}' only in case`, r.from, CASE_HINT);
    field.name = r.to;
    changes.push(`rename column ${r.from} → ${r.to} (id ${field.id})`);
  }


  for (const w of c.widenColumns ?? []) {
    const nested = slotOf(w.name, 'widen');
    if (nested) {
      const { slot } = nested;
      const from = slot.get();
      const to = w.type.replace(/\s+/g, '');
      if (typeof from !== 'string') fail(`cannot change the type of '${w.name}': it is a ${from.type}, not a primitive`, w.name);
      try {
        parsePrimitive(to);
      } catch {
        fail(`cannot widen '${w.name}': unknown type '${w.type}'`, w.name);
      }
      if ((from as string).replace(/\s+/g, '') === to) continue;
      if (!isPromotionAllowed(from, to, 2)) fail(`cannot change '${w.name}' from ${from as string} to ${to}: not an allowed type promotion (spec "Schema Evolution" allows int → long, float → double, decimal(P,S) → decimal(P',S) with P' > P; types never narrow)`, w.name);
      slot.set(to);
      changes.push(`widen ${w.name}: ${from as string} → ${to}`);
      continue;
    }
    const { field } = find(w.name, 'widen');
    const to = w.type.replace(/\s+/g, '');
    if (typeof field.type !== 'string') fail(`cannot change the type of '${w.name}': it is a ${field.type.type}, not a primitive`, w.name);
    try {
      parsePrimitive(to);
    } catch {
      fail(`cannot widen '${w.name}': unknown type '${w.type}'`, w.name);
    }
    const from = field.type as string;
    if (from.replace(/\s+/g, '') === to) continue;
    if (!isPromotionAllowed(from, to, 2)) {
      fail(
        `cannot change column '${w.name}' from ${from} to ${to}: not an allowed type promotion (spec "Schema Evolution" allows int → long, float → double, decimal(P,S) → decimal(P',S) with P' > P; types never narrow)`,
        w.name,
      );
    }
    field.type = to;
    changes.push(`widen column ${w.name}: ${from} → ${to}`);
  }

  for (const name of c.makeOptional ?? []) {
    const nested = slotOf(name, 'make optional');
    if (nested) {
      if (!nested.slot.required()) continue;
      nested.slot.makeOptional();
      changes.push(`make ${name} optional`);
      continue;
    }
    const { field } = find(name, 'make optional');
    if (!field.required) continue;
    if (identifiers.has(field.id)) fail(`cannot make '${name}' optional: it is an identifier field, and identifier fields must be required`, name);
    field.required = false;
    changes.push(`make column ${name} optional`);
  }

  const emptied: { parent: StructType; name: string }[] = [];
  for (const name of c.dropColumns ?? []) {
    const { field, parent, index, indexed } = find(name, 'drop');
    const ids = [field.id, ...collectIds(field.type)];
    const ident = ids.find((id) => identifiers.has(id));
    if (ident !== undefined) fail(`cannot drop column '${name}': it is (or holds) an identifier field of the table`, name);
    if (parent === schema && schema.fields.length === 1) fail(`cannot drop column '${name}': it is the table's only column`, name);
    parent.fields.splice(index, 1);
    if (parent !== schema && parent.fields.length === 0) emptied.push({ parent, name });
    dropped.push(...ids);
    changes.push(`drop column ${indexed.path.join('.')} (id ${field.id})`);
  }

  // Adds come last, so a column can be replaced (dropped and added again under its name, with
  // a new id: old files read null for it) or its name reused after a rename, in one change.
  for (const a of c.addColumns ?? []) {
    const parts = a.name.split('.');
    const leaf = parts.pop()!;
    let parent: StructType = schema;
    if (parts.length) {
      const p = fieldByPath(schema, parts.join('.'));
      if (!p) fail(`cannot add column '${a.name}': no parent column '${parts.join('.')}'`, a.name);
      if (!isStruct(p!.type)) fail(`cannot add column '${a.name}': '${parts.join('.')}' is not a struct`, a.name);
      parent = locateStruct(schema, p!.id);
    }
    if (leaf === '') fail(`cannot add a column with an empty name`, a.name);
    if (parent.fields.some((f) => f.name === leaf)) fail(`cannot add column '${a.name}': a column with that name already exists`, a.name);
    const folded = caseTwin(parent, leaf);
    if (folded) fail(`cannot add column '${a.name}': it differs from column '${folded.name}' only in case`, a.name, CASE_HINT);
    let type: IcebergType = a.type;
    try {
      const parsed = parseTypeText(a.type);
      // A primitive column keeps the text given (decimal(12,2)); nested types hold the spec's forms.
      type = typeof parsed === 'string' ? a.type.replace(/\s+/g, '') : parsed;
    } catch (e) {
      const nested = /^(struct|list|map)\s*</i.test(a.type);
      fail(
        nested ? `cannot add column '${a.name}': ${(e as Error).message}` : `cannot add column '${a.name}': unknown type '${a.type}'`,
        a.name,
        'use an Iceberg type: boolean, int, long, float, double, decimal(P,S), date, time, timestamp, timestamptz, string, uuid, binary, fixed[L], or list<T>, map<K, V>, struct<name: T, ...>',
      );
    }
    if (a.required) {
      fail(
        `cannot add required column '${a.name}' without a default: rows written before it have no value (spec: "Schema Evolution")`,
        a.name,
        'add it as an optional column',
      );
    }
    // A nested type's own ids (struct fields, list elements, map keys and values) follow the
    // column's, all above last-column-id, in the order of Iceberg Java's assignFreshIds.
    const fresh = assignFreshIds({ type: 'struct', fields: [{ id: 0, name: leaf, required: false, type }] }, () => ++last).fields[0]!;
    const field: NestedField = { ...fresh, ...(a.doc ? { doc: a.doc } : {}) };
    let at = parent.fields.length;
    if (a.position && 'first' in a.position) at = 0;
    if (a.position && 'after' in a.position) {
      const after = a.position.after;
      const i = parent.fields.findIndex((f) => f.name === after || [...parts, f.name].join('.') === after);
      if (i < 0) fail(`cannot add column '${a.name}' after '${after}': no such column in the same struct`, a.name);
      at = i + 1;
    }
    parent.fields.splice(at, 0, field);
    changes.push(`add column ${a.name} ${formatTypeText(field.type)} (id ${field.id})${a.position ? ('first' in a.position ? ' first' : ` after ${a.position.after}`) : ''}`);
  }

  // A struct left without fields (struct<>) reads in no engine floe uses: DuckDB has no empty
  // STRUCT type, so every later read of the table would fail. An add in the same change may refill it.
  for (const { parent, name } of emptied) {
    if (parent.fields.length > 0) continue;
    const whole = name.split('.').slice(0, -1).join('.');
    fail(`cannot drop '${name}': it is the last field of struct '${whole}', and a struct without fields cannot be read`, name, `drop '${whole}' itself, or add a field to it in the same change`);
  }

  return { schema, lastColumnId: last, changes, dropped };
}

const CASE_HINT = 'DuckDB (floe query), Spark and Trino match column names without case; pick a name that differs in more than case';

/** A sibling (other than `self`) whose name equals `name` ignoring case. */
function caseTwin(parent: StructType, name: string, self?: NestedField): NestedField | undefined {
  const folded = name.toLowerCase();
  return parent.fields.find((f) => f !== self && f.name.toLowerCase() === folded);
}

/** The list or map that holds a list element, map key or map value id, as a mutable slot. */
interface Slot {
  kind: 'element' | 'key' | 'value';
  get(): IcebergType;
  set(t: IcebergType): void;
  required(): boolean;
  makeOptional(): void;
}

function slotIn(t: IcebergType, id: number): Slot | undefined {
  if (isStruct(t)) {
    for (const f of t.fields) {
      const s = slotIn(f.type, id);
      if (s) return s;
    }
    return undefined;
  }
  if (isList(t)) {
    if (t['element-id'] === id) {
      return { kind: 'element', get: () => t.element, set: (x) => (t.element = x), required: () => t['element-required'], makeOptional: () => (t['element-required'] = false) };
    }
    return slotIn(t.element, id);
  }
  if (isMap(t)) {
    if (t['key-id'] === id) return { kind: 'key', get: () => t.key, set: (x) => (t.key = x), required: () => true, makeOptional: () => undefined };
    if (t['value-id'] === id) {
      return { kind: 'value', get: () => t.value, set: (x) => (t.value = x), required: () => t['value-required'], makeOptional: () => (t['value-required'] = false) };
    }
    return slotIn(t.key, id) ?? slotIn(t.value, id);
  }
  return undefined;
}

/** The struct with this id: a struct column, or a list's element / a map's value that is a struct. */
function locateStruct(schema: StructType, id: number): StructType {
  const at = locate(schema, id);
  const slot = at ? undefined : slotIn(schema, id);
  // Iceberg (and Java's UpdateSchema) never changes a map key: its fields are the map's identity.
  if (slot?.kind === 'key') throw schemaError(`field ${id} is a map key, whose fields cannot change`);
  const t = at ? at.parent.fields[at.index]?.type : slot?.get();
  if (!t || !isStruct(t)) throw schemaError(`field ${id} is not a struct`);
  return t;
}

/** Every id nested inside a type (struct fields, list elements, map keys and values). */
function collectIds(t: IcebergType): number[] {
  if (isStruct(t)) return t.fields.flatMap((f) => [f.id, ...collectIds(f.type)]);
  if (isList(t)) return [t['element-id'], ...collectIds(t.element)];
  if (isMap(t)) return [t['key-id'], t['value-id'], ...collectIds(t.key), ...collectIds(t.value)];
  return [];
}
