/**
 * Column projection for one data file (spec: "Column Projection"): SQL that turns the
 * file's columns into the read schema's, resolved by field id, never by name.
 *
 * A field of the read schema is, in this order:
 *   1. read from the file column with its field id (the file's own ids, or — only when the
 *      file has none — the ids `schema.name-mapping.default` gives; without a mapping such a
 *      file resolves nothing, as the spec requires);
 *   2. otherwise the file's identity-partition value for it, when its spec has one;
 *   3. otherwise the field's `initial-default`;
 *   4. otherwise NULL.
 *
 * Files with field ids are read through DuckDB's `read_parquet(schema=MAP{id: …})`, which
 * resolves top-level columns by id and casts them (int → long and the other promotions).
 * DuckDB matches struct children by *name* (TECH-NOTES), so each MAP entry's type spells
 * struct children with the names this file uses for those ids; where those differ from the
 * table's names, or a child is missing and needs its default, the struct is rebuilt with
 * struct_pack. Files without ids are read by their own column names, cast the same way.
 */
import { schemaError } from '../errors.js';
import { isList, isMap, isStruct } from '../iceberg/schema.js';
import type { IcebergType, NestedField } from '../iceberg/types.js';
import type { PhysicalColumn } from './read-parquet-schema.js';
import { defaultSql, readTypeSql } from './read-literal.js';
import { quoteIdent, quoteLiteral } from './sql.js';

export interface FileProjection {
  /** 'ids': read_parquet(schema=MAP{…}); 'names': plain read_parquet, columns by file name. */
  mode: 'ids' | 'names';
  /** The schema MAP (ids mode): field id → alias and DuckDB type to read it as. */
  mapEntries: { id: number; alias: string; type: string }[];
  /** One SQL expression per requested field, in order. */
  exprs: string[];
}

export interface ProjectFileOptions {
  /** Top-level fields to produce, in order. */
  fields: readonly NestedField[];
  /** The file's top-level columns with ids resolved (see read-parquet-schema.ts). */
  columns: readonly PhysicalColumn[];
  mode: 'ids' | 'names';
  /** Identity-partition values by source field id, as SQL literals. */
  constants?: ReadonlyMap<number, string>;
  /** The data file, for messages. */
  file: string;
}

export function projectFile(opts: ProjectFileOptions): FileProjection {
  const byId = new Map<number, PhysicalColumn>();
  for (const c of opts.columns) if (c.id !== undefined && !byId.has(c.id)) byId.set(c.id, c);
  const mapEntries: FileProjection['mapEntries'] = [];
  const exprs = opts.fields.map((field) => {
    const col = byId.get(field.id);
    const readType = col ? physicalType(field.type, col, opts.file, field.name) : undefined;
    if (!col || readType === undefined) return opts.constants?.get(field.id) ?? defaultSql(field);
    let source: string;
    if (opts.mode === 'ids') {
      const alias = `__f${field.id}`;
      if (!mapEntries.some((e) => e.id === field.id)) mapEntries.push({ id: field.id, alias, type: readType });
      source = quoteIdent(alias);
    } else {
      source = `CAST(${quoteIdent(col.name)} AS ${readType})`;
    }
    return rebuild(field.type, col, source, 0);
  });
  return { mode: opts.mode, mapEntries, exprs };
}

/** The schema MAP literal of read_parquet for these entries. */
export function schemaMapSql(entries: FileProjection['mapEntries']): string {
  const items = entries.map((e) => `${e.id}: {name: ${quoteLiteral(e.alias)}, type: ${quoteLiteral(e.type)}, default_value: NULL}`);
  return `MAP{${items.join(', ')}}`;
}

/**
 * The DuckDB type to read a file column as: the table's types, with the file's names for
 * struct children. undefined when a struct has none of the wanted children (then the
 * column is treated as missing).
 */
function physicalType(t: IcebergType, col: PhysicalColumn, file: string, path: string): string | undefined {
  checkShape(t, col, file, path);
  if (isStruct(t)) {
    const parts: string[] = [];
    for (const f of t.fields) {
      const child = childById(col, f.id);
      const type = child && physicalType(f.type, child, file, `${path}.${f.name}`);
      if (child && type !== undefined) parts.push(`${quoteIdent(child.name)} ${type}`);
    }
    return parts.length === 0 ? undefined : `STRUCT(${parts.join(', ')})`;
  }
  if (isList(t)) {
    const el = physicalType(t.element, col.children[0]!, file, `${path}.element`);
    return el === undefined ? undefined : `${el}[]`;
  }
  if (isMap(t)) {
    const k = physicalType(t.key, col.children[0]!, file, `${path}.key`);
    const v = physicalType(t.value, col.children[1]!, file, `${path}.value`);
    return k === undefined || v === undefined ? undefined : `MAP(${k}, ${v})`;
  }
  return blobUuid(t, col) ? 'BLOB' : readTypeSql(t);
}

/** Turns a value read as physicalType() into the table's shape; `e` is its SQL. */
function rebuild(t: IcebergType, col: PhysicalColumn, e: string, depth: number): string {
  if (!needsRebuild(t, col)) return e;
  const x = `__x${depth}`;
  if (isStruct(t)) {
    const parts = t.fields.map((f) => {
      const child = childById(col, f.id);
      const value = child && hasAny(f.type, child) ? rebuild(f.type, child, `struct_extract(${e}, ${quoteLiteral(child.name)})`, depth) : defaultSql(f);
      return `${quoteIdent(f.name)} := ${value}`;
    });
    return `CASE WHEN (${e}) IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
  }
  if (isList(t)) return `list_transform(${e}, lambda ${x}: ${rebuild(t.element, col.children[0]!, x, depth + 1)})`;
  if (isMap(t)) {
    const k = rebuild(t.key, col.children[0]!, `${x}.key`, depth + 1);
    const v = rebuild(t.value, col.children[1]!, `${x}.value`, depth + 1);
    return `map_from_entries(list_transform(map_entries(${e}), lambda ${x}: struct_pack(key := ${k}, value := ${v})))`;
  }
  // A uuid written as a plain FIXED[16] (no UUID annotation) reads as BLOB; DuckDB has no
  // BLOB → UUID cast, so go through its hex text.
  return `CAST(regexp_replace(hex(${e}), '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\\1-\\2-\\3-\\4-\\5') AS UUID)`;
}

function needsRebuild(t: IcebergType, col: PhysicalColumn): boolean {
  if (isStruct(t)) {
    return t.fields.some((f) => {
      const child = childById(col, f.id);
      return !child || !hasAny(f.type, child) || child.name !== f.name || needsRebuild(f.type, child);
    });
  }
  if (isList(t)) return needsRebuild(t.element, col.children[0]!);
  if (isMap(t)) return needsRebuild(t.key, col.children[0]!) || needsRebuild(t.value, col.children[1]!);
  return blobUuid(t, col);
}

/** Whether physicalType() can read anything of this field from the column. */
const hasAny = (t: IcebergType, col: PhysicalColumn) => physicalType(t, col, '', '') !== undefined;

const blobUuid = (t: IcebergType, col: PhysicalColumn) => t === 'uuid' && col.duckdbType === 'BLOB';

function childById(col: PhysicalColumn, id: number): PhysicalColumn | undefined {
  return col.children.find((c) => c.id === id);
}

function checkShape(t: IcebergType, col: PhysicalColumn, file: string, path: string): void {
  const want = typeof t === 'string' ? 'primitive' : t.type;
  const ok = want === col.kind && (want !== 'list' || col.children.length === 1) && (want !== 'map' || col.children.length === 2);
  if (!ok) {
    throw schemaError(`data file ${file}: column '${path}' is a ${col.kind} in the file but a ${want} in the table schema`, {
      context: { file, column: path },
    });
  }
}
