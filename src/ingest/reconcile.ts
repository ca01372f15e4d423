/**
 * Matching an incoming query's columns to an existing table's schema. Pure: returns the
 * projection to write and, when the policy allows it, the evolved schema — or every
 * problem at once (each names the column, the incoming type and the table type).
 *
 * Policies (a pipeline's `on_schema_change`; `floe load` uses `fail`):
 * - fail: the input must fit the table (missing optional columns are NULL; narrower
 *   types that the spec can promote, such as int into long, are fine);
 * - add_columns: new input columns are added to the table with fresh field ids, and a table
 *   column is widened when the input is wider along an allowed promotion (int→long,
 *   float→double, decimal(P,S)→decimal(P2,S)) — spec "Schema Evolution";
 * - ignore: new input columns are dropped.
 * Any other type change fails: ids are never reused (new ids start above the table's
 * last-column-id, past dropped columns) and types never narrow.
 *
 * Nested types (structs, lists, maps) are matched the same way, field by field and by name,
 * at every depth (mergeNested): a field the input adds to a struct, a list's element struct
 * or a map's value struct is added with a fresh id (`add column address.zip string`), a
 * nested primitive widens along the same promotions (`widen items.element.qty: int → long`),
 * an optional field the input lacks reads NULL, the value casts of exactValueCast apply to
 * nested fields too (checkedValues: a string field, what JSON readers make of a field that is
 * null in every record, when all its values are NULL; whole numbers that fit exactly), and
 * anything else (another kind of type, a narrowing, a changed map key) fails naming the
 * field's path. Older data files keep their ids, so readers resolve the new fields to NULL in
 * them (spec "Column Projection").
 *
 * A JSON object's type depends on the records at hand (DuckDB's reader makes a map of one
 * whose keys vary, a struct otherwise), so a table map may meet an input struct and a table
 * struct an input map, at any depth: the struct's fields are written as the map's entries
 * (structIntoMap), the map's keys read into the struct's fields of their names, new keys
 * becoming fields under add_columns (mapIntoStruct, given the keys by map-keys.ts). The table
 * keeps its type either way; convertSql builds the SQL.
 */
import { schemaError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { duckdbTypeSql } from '../engine/types.js';
import { formatTypeText } from '../table/evolve/parse.js';
import { assignFreshIds, highestFieldId, isList, isMap, isPromotionAllowed, isStruct } from '../iceberg/schema.js';
import type { IcebergType, MapType, NestedField, Schema, StructType } from '../iceberg/types.js';

export type SchemaChangePolicy = 'fail' | 'add_columns' | 'ignore';

/** A type with field ids removed, for comparing shapes. */
export function typeShape(t: IcebergType): string {
  if (typeof t === 'string') return t.replace(/\s+/g, '');
  if (t.type === 'list') return `list<${typeShape(t.element)}${t['element-required'] ? '!' : ''}>`;
  if (t.type === 'map') return `map<${typeShape(t.key)},${typeShape(t.value)}${t['value-required'] ? '!' : ''}>`;
  return `struct<${t.fields.map((f) => `${f.name}:${typeShape(f.type)}${f.required ? '!' : ''}`).join(',')}>`;
}

const shapeNoRequired = (t: IcebergType) => typeShape(t).replace(/!/g, '');

export interface Reconciled {
  /** SELECT list over the incoming query producing exactly the (possibly evolved) table's columns. */
  projection: string;
  /** The schema to write with: the table's, or an evolved one (schema-id = table's max + 1). */
  schema: Schema;
  /** True when `schema` differs from the table's current schema. */
  evolved: boolean;
  /** Human-readable changes, for `floe plan` and run output. */
  changes: string[];
  /** Input columns written into a table column of another type by an exact value cast (exactValueCast), for `floe plan`. */
  casts: string[];
}

export function reconcileColumns(
  table: Schema,
  incoming: StructType,
  tableName: string,
  policy: SchemaChangePolicy = 'fail',
  nextSchemaId = table['schema-id'] + 1,
  /** The table's last-column-id: new columns get ids above it, so a dropped column's id is never reused. */
  lastColumnId = highestFieldId(table),
  /** The keys of the input's maps that are read into a table struct (map-keys.ts readMapKeys); see mapIntoStruct. */
  mapKeys?: MapKeys,
  /**
   * Table columns (lower-case names) whose values a failed write must not quote: the PII-tagged
   * ones (governance/withhold.ts writeWithheld). The message, which reaches the terminal and
   * floe.audit_log where no mask applies, says WITHHELD_VALUE in the value's place.
   */
  withheld: ReadonlySet<string> = new Set(),
): Reconciled {
  const problems: string[] = [];
  const changes: string[] = [];
  const byName = new Map(incoming.fields.map((f) => [f.name, f]));
  const byLower = new Map(incoming.fields.map((f) => [f.name.toLowerCase(), f]));
  const used = new Set<string>();
  const items: string[] = [];
  const fields: NestedField[] = [];
  const casts: string[] = [];
  // Ids for new columns, nested ones included: above last-column-id, shared by the whole write.
  let next = Math.max(highestFieldId(table), lastColumnId, 0) + 1;
  const extraNested: string[] = [];
  const retyped: string[] = [];
  const nested: NestedMerge = { policy, tableName, problems, changes, casts, extra: extraNested, retyped, checks: [], nextId: () => next++, mapKeys, reads: new Map(), newKeys: false, tooManyKeys: [] };
  for (const f of table.fields) {
    const src = byName.get(f.name) ?? byLower.get(f.name.toLowerCase());
    const hide = withheld.has(f.name.toLowerCase());
    if (!src) {
      if (f.required) problems.push(`column "${f.name}" is required by ${tableName} but missing from the input`);
      items.push(`NULL AS ${quoteIdent(f.name)}`);
      fields.push(f);
      continue;
    }
    used.add(src.name);
    if (typeof src.type !== 'string' && typeof f.type !== 'string') {
      // A struct, list or map on both sides: matched field by field (mergeNested).
      nested.checks = [];
      const merged = mergeNested(f.type, src.type, f.name, nested, []);
      fields.push(merged === f.type ? f : { ...f, type: merged });
      // DuckDB casts structs by field name (missing fields NULL, fields the table lacks left
      // out), so the cast turns the input's shape into exactly the table's. A struct written
      // as a map or a map read as a struct, at any depth, is rebuilt instead (convertSql).
      const cast = needsRebuild(src.type, merged)
        ? convertSql(quoteIdent(src.name), src.type, merged, f.name, { reads: nested.reads, policy, tableName, hide }, 0)
        : shapeNoRequired(merged) === shapeNoRequired(src.type)
          ? quoteIdent(src.name)
          : `CAST(${quoteIdent(src.name)} AS ${duckdbTypeSql(merged)})`;
      const value = nested.checks.length ? checkedValues(quoteIdent(src.name), nested.checks, cast, tableName, hide) : cast;
      items.push(`${f.required ? requireValue(value, f.name, tableName) : value} AS ${quoteIdent(f.name)}`);
      continue;
    }
    const same = shapeNoRequired(src.type) === shapeNoRequired(f.type);
    const widen = !same && !isPromotionAllowed(src.type, f.type) && policy === 'add_columns' && typeof src.type === 'string' && isPromotionAllowed(f.type, src.type);
    const exact = same || widen || isPromotionAllowed(src.type, f.type) ? undefined : exactValueCast(quoteIdent(src.name), src.type, f.type, f.name, tableName, hide);
    const value = exact ?? guardValues(quoteIdent(src.name), src.type, f.name, tableName);
    items.push(`${f.required ? requireValue(value, f.name, tableName) : value} AS ${quoteIdent(f.name)}`);
    if (same || isPromotionAllowed(src.type, f.type)) {
      fields.push(f);
    } else if (widen) {
      fields.push({ ...f, type: src.type });
      changes.push(`widen ${f.name}: ${typeShape(f.type)} → ${typeShape(src.type)}`);
    } else if (exact !== undefined) {
      // Written in the table's type; a value that does not fit it exactly fails the write.
      fields.push(f);
      const rule = src.type !== 'string' ? 'only values that fit exactly' : takesDateTimeText(f.type) ? 'only if every value is NULL or ISO-8601 date-time text' : 'only if every value is NULL';
      casts.push(`write ${f.name} (input ${typeShape(src.type)}) as ${typeShape(f.type)}: ${rule}`);
    } else {
      problems.push(`column "${f.name}": the input has type ${typeShape(src.type)}, the table ${tableName} has ${typeShape(f.type)}`);
      retyped.push(f.name);
      fields.push(f);
    }
  }
  const extra = incoming.fields.filter((f) => !used.has(f.name));
  const extraNames = [...extra.map((f) => f.name), ...extraNested];
  if (extraNames.length && policy === 'fail') {
    problems.push(`the input has column(s) ${extraNames.map((n) => `"${n}"`).join(', ')} that ${tableName} does not have`);
  }
  if (extra.length && policy === 'add_columns') {
    for (const f of extra) {
      // New columns are optional (spec: only optional fields may be added without a default).
      const added = assignFreshIds({ type: 'struct', fields: [{ ...f, id: 0, required: false }] }, () => next++);
      fields.push(added.fields[0]!);
      items.push(`${guardValues(quoteIdent(f.name), f.type, f.name, tableName)} AS ${quoteIdent(f.name)}`);
      changes.push(`add column ${f.name} ${typeShape(f.type)}`);
    }
  }
  if (problems.length) {
    throw schemaError(`cannot write to ${tableName}: ${problems.join('; ')}`, {
      context: { table: tableName, problems },
      hint:
        (extraNames.length || nested.newKeys) && policy === 'fail'
          ? "the table's schema is not changed by this write; evolve it first (or use a pipeline with on_schema_change: add_columns)."
          : nested.tooManyKeys.length
            ? mapHint(tableName, nested.tooManyKeys)
            : retyped.length
            ? retypeHint(tableName, retyped)
            : undefined,
    });
  }
  const evolved = changes.length > 0;
  const schema: Schema = evolved ? { type: 'struct', 'schema-id': nextSchemaId, fields, ...identifier(table) } : table;
  // One line per cast: each field of a struct written into a map casts at the map's value.
  return { projection: items.join(', '), schema, evolved, changes, casts: [...new Set(casts)] };
}

/**
 * What to do about a column whose type changed: Iceberg changes a type in place only by
 * promotion, so the new type takes a new column (a new field id) under the old name.
 */
function retypeHint(tableName: string, paths: string[]): string {
  const drops = [...new Set(paths)].map((p) => `--drop-column ${p}`).join(' ');
  return (
    `a column's type changes in place only by promotion (int → long, float → double, a wider decimal). ` +
    `To store the new type, drop the column (floe table evolve ${tableName} ${drops}; earlier snapshots keep their values) ` +
    `and write the rows again (floe run --full-refresh, or floe load), which adds it back with the new type; ` +
    `to keep the table's type, declare it in the pipeline (columns: { <column>: { type: ... } }).`
  );
}

/** How to make a struct column that an input's map outgrew a map (a nested one is added inside its struct the same way). */
function mapHint(tableName: string, at: { path: string; type: IcebergType }[]): string {
  const once = [...new Map(at.map((a) => [a.path, a] as const)).values()];
  const evolve = once.map((a) => `--drop-column ${a.path} --add-column "${a.path} ${formatTypeText(a.type)}"`).join(' ');
  return (
    `if its keys are data (ids, names a user picks), store it as a map: floe table evolve ${tableName} ${evolve} ` +
    `(earlier snapshots keep their values); every later batch is then written into the map, whether DuckDB reads it as a struct or as a map.`
  );
}

interface NestedMerge {
  policy: SchemaChangePolicy;
  tableName: string;
  problems: string[];
  changes: string[];
  casts: string[];
  /** Paths of input fields the table lacks (reported under `fail`). */
  extra: string[];
  /**
   * The columns to drop for types that are neither the table's nor a promotion of it
   * (retypeHint): the path of the field or column holding the type, as `floe table evolve
   * --drop-column` takes it (`attrs` for a map's value `attrs.value`, which has no name).
   */
  retyped: string[];
  /** Input fields written into a field of another type, each value checked (checkedValues). */
  checks: ValueCheck[];
  nextId: () => number;
  /** The keys each input map read into a table struct holds, by the struct's path; absent: its field names (mapIntoStruct). */
  mapKeys: MapKeys | undefined;
  /** The fields each input map fills, by the table struct's path (mapIntoStruct), for convertSql. */
  reads: Map<string, ReadonlySet<string>>;
  /** An input map has keys the table's struct lacks (reported under `fail`). */
  newKeys: boolean;
  /** Table structs that an input map has too many new keys (or case twins) for: the field to drop and its type with the map in the struct's place, for the hint. */
  tooManyKeys: { path: string; type: IcebergType }[];
}

/**
 * Where a nested type lives for `floe table evolve`: `drop` is the column or struct field
 * holding it (a list's element and a map's value have no name of their own), and `wrap` gives
 * that field's type with another type in the nested type's place.
 */
interface Owner {
  drop: string;
  wrap: (inner: IcebergType) => IcebergType;
}

/**
 * How to reach a nested value from its top-level column: a struct field (the input's name), a
 * list's elements, a map's values, the value of one key of a map.
 */
export type Hop = { field: string } | { key: string } | 'element' | 'value';

/**
 * The keys of the input's maps that the write reads into a table struct, by the struct's path
 * (`attrs`, `items.element.attrs`), sorted: every key some record's map holds.
 */
export type MapKeys = ReadonlyMap<string, readonly string[]>;

interface ValueCheck {
  path: string;
  hops: Hop[];
  from: string;
  to: IcebergType;
  /** Whole numbers: the range `to` holds exactly. Absent: a string field, whose every value must be NULL. */
  range?: readonly [bigint, bigint];
  /** Said after the path: which key of an input map, or field of an input struct, the values are (annotate). */
  note?: string;
}

/**
 * The table's nested type `t` made to take the input's `input` (spec "Schema Evolution"),
 * matched by name at every depth; `path` is the dotted name of `t` (`address`,
 * `items.element`, `attrs.value`: the names `floe table evolve` takes). Returns `t` itself
 * when nothing changes. Under add_columns a struct field the input adds is appended to its
 * struct as an optional field with fresh ids (its own and every id nested in it), and a
 * primitive widens along an allowed promotion; ids already in the table never change. A
 * field the input lacks is kept (the write gives it NULL) unless it is required. A map's key
 * never changes (its fields are the map's identity): it must match, or promote into, the
 * table's key. Every other difference is pushed to `m.problems` with the path and both types,
 * and the field holding `t` (`owner.drop`: `path`, or for a list's element or a map's value
 * the nearest column or struct field around it) to `m.retyped`.
 */
function mergeNested(t: IcebergType, input: IcebergType, path: string, m: NestedMerge, hops: Hop[], mapValue = false, owner: Owner = { drop: path, wrap: (x) => x }): IcebergType {
  const mismatch = (why = '') => {
    m.problems.push(`column "${path}": the input has type ${typeShape(input)}, the table ${m.tableName} has ${typeShape(t)}${why}`);
    m.retyped.push(owner.drop);
    return t;
  };
  if (typeof t === 'string' || typeof input === 'string') {
    if (typeof t === 'string' && typeof input === 'string') {
      if (isPromotionAllowed(input, t)) return t; // the same type, or a narrower one the cast widens
      if (m.policy === 'add_columns' && isPromotionAllowed(t, input)) {
        m.changes.push(`widen ${path}: ${typeShape(t)} → ${typeShape(input)}`);
        return input;
      }
    }
    // Value casts, as exactValueCast makes for a top-level column: JSON readers type a field
    // that is null in every record as a string, written into the table's type when all its
    // values are NULL; and a double field whose values are all whole numbers today as long,
    // written into a double (float, int, decimal) field when every value fits exactly.
    // A table map's string values take numbers and booleans as their JSON text (`4`, `2.5`,
    // `true`): what a batch whose values mix kinds writes for them (json-read.ts), so a map
    // written from mixed values takes the same values from a struct batch or an all-number map.
    if (mapValue && t === 'string' && typeof input === 'string' && isJsonTextValue(input)) {
      m.casts.push(`write ${path} (input ${typeShape(input)}) as string: each value as its JSON text`);
      return t;
    }
    if (input === 'string') {
      m.checks.push({ path, hops, from: input, to: t });
      m.casts.push(`write ${path} (input string) as ${typeShape(t)}: only if every value is NULL`);
      return t;
    }
    const range = exactRange(input as string, t);
    if (range) {
      m.checks.push({ path, hops, from: input as string, to: t, range });
      m.casts.push(`write ${path} (input ${typeShape(input)}) as ${typeShape(t)}: only values that fit exactly`);
      return t;
    }
    return mismatch();
  }
  if (isStruct(t) && isStruct(input)) {
    const byName = new Map(input.fields.map((f) => [f.name, f]));
    const byLower = new Map(input.fields.map((f) => [f.name.toLowerCase(), f]));
    const used = new Set<string>();
    let changed = false;
    const fields = t.fields.map((f) => {
      const src = byName.get(f.name) ?? byLower.get(f.name.toLowerCase());
      if (!src) {
        if (f.required) m.problems.push(`column "${path}.${f.name}" is required by ${m.tableName} but missing from the input`);
        return f;
      }
      used.add(src.name);
      const merged = mergeNested(f.type, src.type, `${path}.${f.name}`, m, [...hops, { field: src.name }]);
      if (merged === f.type) return f;
      changed = true;
      return { ...f, type: merged };
    });
    if (used.size === 0 && m.policy === 'ignore') {
      // Nothing of the input's struct would be written (and DuckDB casts no struct without a common field).
      m.problems.push(`column "${path}": the input has type ${typeShape(input)}, which has none of the fields of the table ${m.tableName}'s ${typeShape(t)}`);
      return t;
    }
    for (const f of input.fields.filter((x) => !used.has(x.name))) {
      const p = `${path}.${f.name}`;
      if (m.policy === 'fail') m.extra.push(p);
      if (m.policy !== 'add_columns') continue;
      // New fields are optional (spec: only optional fields may be added without a default).
      fields.push(assignFreshIds({ type: 'struct', fields: [{ ...f, id: 0, required: false }] }, m.nextId).fields[0]!);
      m.changes.push(`add column ${p} ${typeShape(f.type)}`);
      changed = true;
    }
    return changed ? { ...t, fields } : t;
  }
  if (isList(t) && isList(input)) {
    const list = t;
    const element = mergeNested(t.element, input.element, `${path}.element`, m, [...hops, 'element'], false, { drop: owner.drop, wrap: (x) => owner.wrap({ ...list, element: x }) });
    return element === t.element ? t : { ...t, element };
  }
  if (isMap(t) && isMap(input)) {
    const keyFits = shapeNoRequired(t.key) === shapeNoRequired(input.key) || isPromotionAllowed(input.key, t.key);
    if (!keyFits) {
      m.problems.push(`column "${path}.key": the input has type ${typeShape(input.key)}, the table ${m.tableName} has ${typeShape(t.key)} (a map's key never changes)`);
      return t;
    }
    const map = t;
    const value = mergeNested(t.value, input.value, `${path}.value`, m, [...hops, 'value'], true, { drop: owner.drop, wrap: (x) => owner.wrap({ ...map, value: x }) });
    return value === t.value ? t : { ...t, value };
  }
  // DuckDB's JSON reader types an object as a struct or as a map from the records at hand
  // (docs/SOURCE-TYPES.md), so one column can arrive either way from one run to the next.
  if (isMap(t) && isStruct(input)) return shapeNoRequired(t.key) === 'string' ? structIntoMap(t, input, path, m, hops, owner) : mismatch();
  if (isStruct(t) && isMap(input)) return shapeNoRequired(input.key) === 'string' ? mapIntoStruct(t, input, path, m, hops, owner) : mismatch(' (only a map with string keys is read into a struct)');
  return mismatch();
}

/** Primitive input types a table map's string value takes as text (mergeNested): what JSON readers make of numbers and booleans. */
const JSON_TEXT_VALUES: ReadonlySet<string> = new Set(['int', 'long', 'float', 'double', 'boolean']);

/**
 * Whether a table map's string value takes `input` as text: JSON_TEXT_VALUES, and whole-number
 * decimals, which is what DuckDB's reader makes of an integer between 2^63 and 2^64 (HUGEINT,
 * decimal(38, 0)): its digits, as a batch of mixed values stores it.
 */
const isJsonTextValue = (input: string): boolean => JSON_TEXT_VALUES.has(input) || /^decimal\(\s*\d+\s*,\s*0\s*\)$/.test(input.trim());

/**
 * Whether a value of `input` written into `target` is a double written into a map's string
 * value, which takes its JSON text (mergeNested) as DuckDB's JSON writer prints it: `1e-7`,
 * `1.5e300`, `NaN`, `Infinity`, the text a batch of mixed values stores for that number
 * (json-read.ts). A CAST prints `1e-07`, `1.5e+300`, `nan`, `inf`, so the same JSON number
 * would be stored as two texts from one run to the next. Longs and booleans print alike either
 * way; a whole number in a double field is `4.0` (the reader has already made it a double).
 */
const doubleAsJsonText = (input: IcebergType, target: IcebergType): boolean => input === 'double' && target === 'string';

/** The input struct's field that a table field `name` takes: the same name, else the same without case. */
function inputField(input: StructType, name: string): NestedField | undefined {
  return input.fields.find((f) => f.name === name) ?? input.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
}

/**
 * Notes `note` after the column of each problem and value check pushed since `from` (counts of
 * m.problems and m.checks) whose column is `path` or below it.
 */
function annotate(m: NestedMerge, from: { problems: number; checks: number }, path: string, note: string): void {
  const under = (p: string) => p === path || p.startsWith(`${path}.`);
  for (let i = from.problems; i < m.problems.length; i++) {
    const p = m.problems[i]!;
    const at = /^column "([^"]*)"/.exec(p);
    if (at && under(at[1]!)) m.problems[i] = `${at[0]} (${note})${p.slice(at[0].length)}`;
  }
  for (const c of m.checks.slice(from.checks)) if (under(c.path) && c.note === undefined) c.note = note;
}

const counts = (m: NestedMerge) => ({ problems: m.problems.length, checks: m.checks.length });

/**
 * A table `map<string, V>` that the input has as a struct (a JSON object whose keys were the
 * same in every record of this input): each field is written as an entry named after it,
 * when its value is not NULL (a struct cannot tell a key a record lacks from a null one). Each
 * field's type must fit V as an input value of V would (mergeNested at `path.value`: equal, a
 * promotion, a value cast, numbers and booleans into string values as their JSON text; under
 * add_columns V widens or its struct gains fields); a field
 * that does not fails naming it. The table's type is kept.
 */
function structIntoMap(t: MapType, input: StructType, path: string, m: NestedMerge, hops: Hop[], owner: Owner): IcebergType {
  let value = t.value;
  const inner: Owner = { drop: owner.drop, wrap: (x) => owner.wrap({ ...t, value: x }) };
  for (const f of input.fields) {
    const from = counts(m);
    value = mergeNested(value, f.type, `${path}.value`, m, [...hops, { field: f.name }], true, inner);
    annotate(m, from, `${path}.value`, `field ${JSON.stringify(f.name)} of the input's struct`);
  }
  const merged = value === t.value ? t : { ...t, value };
  m.casts.push(`write ${path} (input ${typeShape(input)}) as ${typeShape(merged)}: each field that is not NULL as an entry`);
  return merged;
}

/** floe adds at most this many fields to a struct from an input map's keys (DuckDB's JSON reader makes a map of an object with more keys). */
export const MAX_FIELDS_FROM_KEYS = 200;

/**
 * A table struct that the input has as a `map<string, V>` (a JSON object whose keys varied
 * from record to record in this input): each key is read into the field of exactly its name.
 * `m.mapKeys` says which keys the input's maps hold (absent: the struct's own field names,
 * and a key outside them fails the write when met, see convertSql). V must fit each field a
 * key fills (mergeNested at `path.field`, its value checks on that key's values only); one
 * that does not fails naming the column, the key and both types. A key the struct lacks is
 * added as an optional field of type V under add_columns (fresh ids), fails the write naming
 * the keys under fail, and is left out under ignore.
 */
function mapIntoStruct(t: StructType, input: MapType, path: string, m: NestedMerge, hops: Hop[], owner: Owner): IcebergType {
  // The hint's evolve: the column or struct field holding this struct, with a map in its place.
  const asMap = () => ({ path: owner.drop, type: owner.wrap({ ...input, 'key-id': 0, 'value-id': 0 }) });
  const shape = typeShape(input);
  const keys = m.mapKeys?.get(path) ?? t.fields.map((f) => f.name);
  const fields = [...t.fields];
  const read = new Set<string>();
  const unknown: string[] = [];
  let changed = false;
  for (const k of keys) {
    const i = t.fields.findIndex((f) => f.name === k);
    if (i < 0) {
      const near = t.fields.find((f) => f.name.toLowerCase() === k.toLowerCase());
      if (near) m.problems.push(`column "${path}": the input's map has the key ${JSON.stringify(k)}, which differs from the field ${path}.${near.name} only in case`);
      else unknown.push(k);
      continue;
    }
    const f = t.fields[i]!;
    read.add(k);
    const from = counts(m);
    const merged = mergeNested(f.type, input.value, `${path}.${f.name}`, m, [...hops, { key: k }]);
    annotate(m, from, `${path}.${f.name}`, `key ${JSON.stringify(k)} of the input's ${shape}`);
    if (merged !== f.type) {
      fields[i] = { ...f, type: merged };
      changed = true;
    }
  }
  for (const f of t.fields) {
    if (f.required && !read.has(f.name)) m.problems.push(`column "${path}.${f.name}" is required by ${m.tableName} but missing from the input (no record's map has the key ${JSON.stringify(f.name)})`);
  }
  if (unknown.length && m.policy === 'fail') {
    const named = unknown.slice(0, 20).map((k) => JSON.stringify(k)).join(', ') + (unknown.length > 20 ? ` and ${unknown.length - 20} more` : '');
    m.problems.push(`column "${path}": the input's map has key(s) ${named} that ${m.tableName} does not have (its struct has ${t.fields.map((f) => f.name).join(', ')})`);
    m.newKeys = true;
  } else if (unknown.length && m.policy === 'add_columns') {
    if (fields.length + unknown.length > MAX_FIELDS_FROM_KEYS) {
      m.problems.push(
        `column "${path}": the input's map has ${unknown.length} keys that the table ${m.tableName}'s struct does not have; as fields they would make it a struct of ${fields.length + unknown.length} fields (floe adds at most ${MAX_FIELDS_FROM_KEYS})`,
      );
      m.tooManyKeys.push(asMap());
    } else if (unknown.includes('')) {
      m.problems.push(`column "${path}": the input's map has the empty key "", which cannot be a field of the table ${m.tableName}'s struct`);
    } else if (caseTwins(unknown).length) {
      // A struct's field names are unique without case (DuckDB, Spark, PyIceberg's lookups).
      const twins = caseTwins(unknown).map((g) => g.map((k) => JSON.stringify(k)).join(' and '));
      m.problems.push(
        `column "${path}": the input's map has the keys ${twins.join('; ')}, which differ only in case: they cannot both be new fields of the table ${m.tableName}'s struct`,
      );
      m.tooManyKeys.push(asMap());
    } else {
      for (const k of unknown) {
        fields.push(assignFreshIds({ type: 'struct', fields: [{ id: 0, name: k, required: false, type: input.value }] }, m.nextId).fields[0]!);
        m.changes.push(`add column ${path}.${k} ${typeShape(input.value)}`);
        read.add(k);
      }
      changed = true;
    }
  }
  m.reads.set(path, read);
  const merged = changed ? { ...t, fields } : t;
  m.casts.push(`write ${path} (input ${shape}) as ${typeShape(merged)}: each key into the field of its name`);
  return merged;
}

/** The groups of `keys` (two or more each) that are equal without case, in order. */
function caseTwins(keys: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const k of keys) groups.set(k.toLowerCase(), [...(groups.get(k.toLowerCase()) ?? []), k]);
  return [...groups.values()].filter((g) => g.length > 1);
}

/** Whether the input's `input` reaches the table's `target` only through a struct written as a map, a map read as a struct or a double written as JSON text (somewhere in it): not a CAST. */
function needsRebuild(input: IcebergType, target: IcebergType): boolean {
  if (typeof input === 'string' || typeof target === 'string') return doubleAsJsonText(input, target);
  if ((isStruct(input) && isMap(target)) || (isMap(input) && isStruct(target))) return true;
  if (isStruct(input) && isStruct(target)) {
    return target.fields.some((f) => {
      const src = inputField(input, f.name);
      return src !== undefined && needsRebuild(src.type, f.type);
    });
  }
  if (isList(input) && isList(target)) return needsRebuild(input.element, target.element);
  if (isMap(input) && isMap(target)) return needsRebuild(input.value, target.value);
  return false;
}

interface Rebuild {
  reads: ReadonlyMap<string, ReadonlySet<string>>;
  policy: SchemaChangePolicy;
  tableName: string;
  /** The column is PII: a stray key is not quoted (valueText). */
  hide: boolean;
}

/**
 * SQL turning `expr` (of the input's type `input`) into the table's `target` (mergeNested's
 * result at `path`), where a CAST cannot: DuckDB casts a struct into a map with every field
 * as an entry, NULL ones too, and no map into a struct. Struct → map: the fields that are not
 * NULL become the entries. Map → struct: each field reads the key of its name (the keys
 * mapIntoStruct found); a key outside them fails the write (left out under ignore). A double
 * into a string (a map's value) is its JSON text (doubleAsJsonText). Structs, lists and maps
 * on the way are rebuilt around them; everything else is CAST. A NULL stays NULL.
 */
function convertSql(expr: string, input: IcebergType, target: IcebergType, path: string, c: Rebuild, depth: number): string {
  if (!needsRebuild(input, target)) return shapeNoRequired(input) === shapeNoRequired(target) ? expr : `CAST(${expr} AS ${duckdbTypeSql(target)})`;
  if (doubleAsJsonText(input, target)) return `CAST(to_json(${expr}) AS VARCHAR)`;
  const v = `__floe_c${depth}`;
  const typed = (sql: string) => `CAST(${sql} AS ${duckdbTypeSql(target)})`;
  const nullOr = (sql: string, when = '') => `CASE WHEN (${expr}) IS NULL THEN NULL${when} ELSE ${sql} END`;
  if (isStruct(input) && isMap(target)) {
    const entries = input.fields.map(
      (f) => `{'key': ${quoteLiteral(f.name)}, 'value': ${convertSql(`(${expr}).${quoteIdent(f.name)}`, f.type, target.value, `${path}.value`, c, depth + 1)}}`,
    );
    return nullOr(typed(`map_from_entries(list_filter([${entries.join(', ')}], lambda ${v}: ${v}.value IS NOT NULL))`));
  }
  if (isMap(input) && isStruct(target)) {
    const read = c.reads.get(path) ?? new Set<string>();
    const fields = target.fields.map(
      (f) => `${quoteIdent(f.name)} := ${read.has(f.name) ? convertSql(`(${expr})[${quoteLiteral(f.name)}]`, input.value, f.type, `${path}.${f.name}`, c, depth + 1) : `CAST(NULL AS ${duckdbTypeSql(f.type)})`}`,
    );
    const packed = `struct_pack(${fields.join(', ')})`;
    if (c.policy === 'ignore') return nullOr(packed);
    const known = `[${[...read].map(quoteLiteral).join(', ')}]::VARCHAR[]`;
    const stray = `list_filter(map_keys(${expr}), lambda ${v}: NOT list_contains(${known}, ${v}))`;
    const message = `${quoteLiteral(`cannot write to ${c.tableName}: column "${path}": the input's map has the key `)} || ${valueText(`to_json((${stray})[1])`, c.hide)} || ${quoteLiteral(`, which is not a field of the table ${c.tableName}'s struct`)}`;
    return nullOr(packed, ` WHEN len(${stray}) > 0 THEN error(${message})`);
  }
  if (isStruct(input) && isStruct(target)) {
    const fields = target.fields.map((f) => {
      const src = inputField(input, f.name);
      return `${quoteIdent(f.name)} := ${src ? convertSql(`(${expr}).${quoteIdent(src.name)}`, src.type, f.type, `${path}.${f.name}`, c, depth + 1) : `CAST(NULL AS ${duckdbTypeSql(f.type)})`}`;
    });
    return nullOr(`struct_pack(${fields.join(', ')})`);
  }
  if (isList(input) && isList(target)) return `list_transform(${expr}, lambda ${v}: ${convertSql(v, input.element, target.element, `${path}.element`, c, depth + 1)})`;
  if (isMap(input) && isMap(target)) {
    return typed(`map_from_entries(list_transform(map_entries(${expr}), lambda ${v}: {'key': ${v}.key, 'value': ${convertSql(`${v}.value`, input.value, target.value, `${path}.value`, c, depth + 1)}}))`);
  }
  return typed(expr);
}

/**
 * Where the write reads an input map into a table struct (mapIntoStruct), with how to reach
 * the maps from the input's top-level column: what readMapKeys (map-keys.ts) asks the input
 * for. The same walk as mergeNested's; a struct read from a map is entered through the
 * fields it has (its new keys are added with the map's value type, which needs no keys).
 */
export function mapKeySites(table: Schema, incoming: StructType): { path: string; column: string; hops: Hop[] }[] {
  const out: { path: string; column: string; hops: Hop[] }[] = [];
  const walk = (t: IcebergType, input: IcebergType, path: string, column: string, hops: Hop[]): void => {
    if (typeof t === 'string' || typeof input === 'string') return;
    if (isStruct(t) && isMap(input)) {
      out.push({ path, column, hops });
      for (const f of t.fields) walk(f.type, input.value, `${path}.${f.name}`, column, [...hops, { key: f.name }]);
    } else if (isStruct(t) && isStruct(input)) {
      for (const f of t.fields) {
        const src = inputField(input, f.name);
        if (src) walk(f.type, src.type, `${path}.${f.name}`, column, [...hops, { field: src.name }]);
      }
    } else if (isList(t) && isList(input)) walk(t.element, input.element, `${path}.element`, column, [...hops, 'element']);
    else if (isMap(t) && isMap(input)) walk(t.value, input.value, `${path}.value`, column, [...hops, 'value']);
    else if (isMap(t) && isStruct(input)) for (const f of input.fields) walk(t.value, f.type, `${path}.value`, column, [...hops, { field: f.name }]);
  };
  const byName = new Map(incoming.fields.map((f) => [f.name, f]));
  const byLower = new Map(incoming.fields.map((f) => [f.name.toLowerCase(), f]));
  for (const f of table.fields) {
    const src = byName.get(f.name) ?? byLower.get(f.name.toLowerCase());
    if (src) walk(f.type, src.type, f.name, src.name, []);
  }
  return out;
}

/**
 * `cast` (the column written in the table's type), failing the write on the first value of
 * any of the `checks` fields of `column` that the table's field type cannot take: a value at
 * all in a string field (a JSON field that is null in every record of this input is typed as
 * a string), a whole number out of the range the field's type holds exactly. The message has
 * exactValueCast's form, with the field's path.
 */
function checkedValues(column: string, checks: readonly ValueCheck[], cast: string, tableName: string, hide: boolean): string {
  const whens = checks.map((c) => {
    const bad = c.range ? `__floe_v NOT BETWEEN ${c.range[0]} AND ${c.range[1]}` : '__floe_v IS NOT NULL';
    // The first such value at the field's path, in any element or map value.
    const first = `(list_filter(${valuesAt(column, c.hops, 0)}, lambda __floe_v: ${bad}))[1]`;
    const rule = c.range ? VALUE_ERRORS.notExact : `${VALUE_ERRORS.notNull} (a string input field is written into a field of type ${typeShape(c.to)} only when all its values are NULL)`;
    const message =
      `${quoteLiteral(`cannot write to ${tableName}: column "${c.path}"${c.note ? ` (${c.note})` : ''}: the input has type ${c.from}, the table ${tableName} has ${typeShape(c.to)}, and the value `)} || ` +
      `${valueText(first, hide)} || ${quoteLiteral(` ${rule}`)}`;
    return `WHEN ${first} IS NOT NULL THEN error(${message})`;
  });
  return `CASE ${whens.join(' ')} ELSE ${cast} END`;
}

/** SQL for the list of every value at `hops` below `expr` (NULL when a struct, list or map on the way is NULL, or a map lacks the key). */
export function valuesAt(expr: string, hops: readonly Hop[], depth: number): string {
  const [hop, ...rest] = hops;
  if (hop === undefined) return `[${expr}]`;
  if (typeof hop === 'object') return valuesAt('key' in hop ? `(${expr})[${quoteLiteral(hop.key)}]` : `(${expr}).${quoteIdent(hop.field)}`, rest, depth);
  const e = `__floe_e${depth}`;
  const items = hop === 'element' ? expr : `map_values(${expr})`;
  return `flatten(list_transform(${items}, lambda ${e}: ${valuesAt(e, rest, depth + 1)}))`;
}

/**
 * `expr`, failing the write when a value has a DuckDB form but no Iceberg one: DuckDB's
 * infinite dates and timestamps (stored, they are the day and microsecond counts of year
 * 5881580 and 294247, which floe, PyIceberg and Spark read as finite dates or fail on) and the
 * time 24:00:00 (86,400,000,000 µs, read back as 00:00:00). Every source reaches the table
 * through here: a CSV `type: date` column holding `infinity`, a `sql` pipeline, a database.
 * The CASE costs one comparison per value; other types pass through unchanged.
 */
function guardValues(expr: string, type: IcebergType, column: string, tableName: string): string {
  const u = typeof type === 'string' ? unrepresentable(expr, type) : undefined;
  if (!u) return expr;
  return `CASE WHEN ${u.when} THEN error(${quoteLiteral(`cannot write to ${tableName}: column "${column}" holds ${u.what}, which has no Iceberg value`)}) ELSE ${expr} END`;
}

/**
 * When a value of the primitive `type` has a DuckDB form but no Iceberg one (see guardValues),
 * as an SQL condition on `expr`, with what such a value is; undefined for other types.
 * Declared types (run/normalize.ts) turn such values into row rejects with it.
 */
export function unrepresentable(expr: string, type: string): { when: string; what: string } | undefined {
  if (/^(date|timestamp|timestamptz|timestamp_ns|timestamptz_ns)$/.test(type)) return { when: `isinf(${expr})`, what: `an infinite ${type}` };
  if (type === 'time') return { when: `${expr} >= TIME '24:00:00'`, what: 'the time 24:00:00 (Iceberg times are 00:00:00 to 23:59:59.999999)' };
  return undefined;
}

/**
 * `expr`, failing the write on a NULL: a required column (spec "Schemas and Data Types":
 * required fields are never null) takes no NULL, which Parquet would store and readers then
 * trust to be absent.
 */
function requireValue(expr: string, column: string, tableName: string): string {
  return `CASE WHEN (${expr}) IS NULL THEN error(${quoteLiteral(`cannot write to ${tableName}: column "${column}" ${VALUE_ERRORS.requiredNull}`)}) ELSE (${expr}) END`;
}

/** What a value error says in the value's place for a PII column (reconcileColumns `withheld`). */
export const WITHHELD_VALUE = '(withheld: PII column)';

/** SQL for the text a value error quotes: the value, or WITHHELD_VALUE for a PII column. */
function valueText(expr: string, hide: boolean): string {
  return hide ? quoteLiteral(WITHHELD_VALUE) : `CAST(${expr} AS VARCHAR)`;
}

/**
 * The endings of the write's value errors (`cannot write to T: column "c" …`), which
 * `floe load` reads back to find the file and line of the value (load-lines.ts).
 */
export const VALUE_ERRORS = {
  /** After `: the input has type X, the table T has Y, and the value V`. */
  notExact: 'does not fit it exactly',
  notNull: 'is not NULL',
  notDateTime: 'is not ISO-8601 date-time text',
  requiredNull: 'is required, but the input has a NULL in it',
} as const;

/** ISO-8601 date-time text as DuckDB reads it (`2026-03-08T07:30:00.5Z`, `… 07:30+01:00`): a date, a time to the minute at least, an optional offset. */
const ISO_DATE_TIME = '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?';

/** Whether a string input column is written into a column of this type as date-time text (exactValueCast). */
const takesDateTimeText = (t: IcebergType): boolean => t === 'timestamp' || t === 'timestamptz';

/** The integers every value of these types holds exactly: [min, max]. */
const EXACT_INTEGERS: Record<string, readonly [bigint, bigint]> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  float: [-(2n ** 24n), 2n ** 24n],
  double: [-(2n ** 53n), 2n ** 53n],
};

/**
 * SQL writing an input column into an existing table column of another type without changing
 * any value, or undefined when there is no such cast. File sources infer types from the
 * values at hand, so a column's inferred type can change from one file to the next:
 * - a string input column (a CSV column that is empty in this file is inferred as text) is
 *   written into a column of another type when every value is NULL;
 * - whole numbers (int, long: a CSV double column whose values today have no fraction) are
 *   written into an int, float, double or decimal column when they fit it exactly.
 * Any other value fails the write, naming the column, both types and the value. These are
 * value casts, not schema changes: the table keeps its type (the spec's "Schema Evolution"
 * has no long → double promotion).
 */
function exactValueCast(expr: string, from: IcebergType, to: IcebergType, column: string, tableName: string, hide: boolean): string | undefined {
  if (typeof from !== 'string') return undefined;
  const fail = (rule: string) =>
    `error(${quoteLiteral(`cannot write to ${tableName}: column "${column}": the input has type ${typeShape(from)}, the table ${tableName} has ${typeShape(to)}, and the value `)} || ${valueText(expr, hide)} || ${quoteLiteral(` ${rule}`)})`;
  if (from === 'string' && takesDateTimeText(to)) {
    // JSON readers type date-time text as a timestamp when its forms agree, and as text when
    // they vary (`…12:00:00Z` beside `…11:30:00.5+01:00`); such text is written as the
    // reader would have typed it: the instant, as UTC when it has no offset.
    const instant = `TRY_CAST(${expr} AS TIMESTAMPTZ)`;
    const fits = `regexp_full_match(${expr}, ${quoteLiteral(ISO_DATE_TIME)}) AND ${instant} IS NOT NULL`;
    return `CAST(CASE WHEN ${expr} IS NULL THEN NULL WHEN ${fits} THEN ${instant} ELSE ${fail(`${VALUE_ERRORS.notDateTime} (a string input column is written into a column of type ${to} when each value is NULL or ISO-8601 date-time text)`)} END AS ${duckdbTypeSql(to)})`;
  }
  if (from === 'string' && to !== 'string') {
    return `CAST(CASE WHEN ${expr} IS NULL THEN NULL ELSE ${fail(`${VALUE_ERRORS.notNull} (a string input column is written into a column of type ${typeShape(to)} only when all its values are NULL)`)} END AS ${duckdbTypeSql(to)})`;
  }
  const range = exactRange(from, to);
  if (range === undefined) return undefined;
  return `CAST(CASE WHEN ${expr} NOT BETWEEN ${range[0]} AND ${range[1]} THEN ${fail(VALUE_ERRORS.notExact)} ELSE ${expr} END AS ${duckdbTypeSql(to)})`;
}

/** The whole numbers of type `from` (int, long) that the primitive `to` holds exactly, as [min, max]; undefined when there is no such cast. */
function exactRange(from: string, to: IcebergType): readonly [bigint, bigint] | undefined {
  if ((from !== 'int' && from !== 'long') || typeof to !== 'string') return undefined;
  const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(to.trim());
  const digits = decimal ? BigInt(Number(decimal[1]) - Number(decimal[2])) : undefined;
  const range = digits !== undefined ? ([-(10n ** digits - 1n), 10n ** digits - 1n] as const) : EXACT_INTEGERS[to];
  if (range === undefined || (from === 'int' && to === 'int')) return undefined;
  return range;
}

function identifier(s: Schema): Partial<Schema> {
  return s['identifier-field-ids']?.length ? { 'identifier-field-ids': s['identifier-field-ids'] } : {};
}
