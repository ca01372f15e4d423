/**
 * SQL that applies delete files to a group of data files (spec: "Delete Formats", "Scan
 * Planning"). Which deletes apply to which data file was settled by planning
 * (src/table/delete-index.ts); every data file in a group shares the same delete files.
 *
 * - Position deletes: an anti-join on (file, row position). A delete file stores each data
 *   file's location as the writer stored it, e.g. `s3a://…`; floe reads the data file from
 *   a local path (FileIO.localPath after any LocationMapping), so the stored locations are
 *   translated through the group's own stored → local pairs. Rows of other files drop out.
 * - Equality deletes: an anti-join on the equality fields with IS NOT DISTINCT FROM, since
 *   a NULL in a delete row deletes rows whose value is NULL (spec: "Equality Delete Files").
 *   Delete files with the same `equality_ids` are unioned into one join.
 */
import { corruptError, unsupportedError } from '../errors.js';
import { indexFields, type IndexedField } from '../iceberg/schema.js';
import type { NestedField, Schema } from '../iceberg/types.js';
import { quoteIdent, quoteLiteral } from './sql.js';

/** The stored → local location pairs of a group's data files, as a VALUES table. */
export function pathMapSql(pairs: ReadonlyArray<readonly [stored: string, local: string]>): string {
  const rows = pairs.map(([s, l]) => `(${quoteLiteral(s)}, ${quoteLiteral(l)})`).join(', ');
  return `(VALUES ${rows}) AS __m("stored", "local")`;
}

/** Rows (`__file`, `__pos`) deleted by these position delete files, with local file paths. */
export function positionDeletesSql(deleteFiles: readonly string[], pairs: ReadonlyArray<readonly [string, string]>): string {
  const files = deleteFiles.map(quoteLiteral).join(', ');
  return (
    `SELECT __m."local" AS "__file", __p."pos" AS "__pos" ` +
    `FROM read_parquet([${files}], hive_partitioning = false, union_by_name = true) AS __p ` +
    `JOIN ${pathMapSql(pairs)} ON __p."file_path" = __m."stored"`
  );
}

/**
 * Where an equality field lives: its chain of struct fields from the top level. Equality
 * ids may name fields no longer in the read schema (dropped, or time travel), so every
 * schema of the table is searched, the read schema first.
 */
export interface EqualityField {
  id: number;
  /** Top-level field first, the equality field last. */
  chain: NestedField[];
}

export function equalityField(id: number, readSchema: Schema, schemas: readonly Schema[], table: string): EqualityField {
  const ordered = [readSchema, ...[...schemas].sort((a, b) => b['schema-id'] - a['schema-id'])];
  for (const s of ordered) {
    const index = indexFields(s);
    const hit = index.find((f) => f.id === id);
    if (!hit) continue;
    if (hit.inRepeated || !hit.field) {
      throw unsupportedError(`table ${table}: equality field id ${id} lies inside a list or map, which floe cannot apply`, {
        context: { table, fieldId: id, feature: 'equality deletes on nested repeated fields' },
      });
    }
    return { id, chain: ancestry(hit, index) };
  }
  throw corruptError(`table ${table}: an equality delete file names field id ${id}, which no schema of the table has`, {
    context: { table, fieldId: id },
  });
}

function ancestry(f: IndexedField, index: readonly IndexedField[]): NestedField[] {
  const chain: NestedField[] = [f.field!];
  let parent = f.parentId;
  while (parent !== undefined) {
    const p = index.find((x) => x.id === parent);
    if (!p?.field) break;
    chain.unshift(p.field);
    parent = p.parentId;
  }
  return chain;
}

/**
 * The SQL value of an equality field over a relation whose top-level columns are named by
 * `columnOf(topLevelFieldId)`; nested fields are reached with struct_extract by their
 * table-schema names (the projection has already given structs those names).
 */
export function equalityKeySql(f: EqualityField, columnOf: (id: number) => string): string {
  let e = columnOf(f.chain[0]!.id);
  for (const step of f.chain.slice(1)) e = `struct_extract(${e}, ${quoteLiteral(step.name)})`;
  return e;
}

/** `a IS NOT DISTINCT FROM b AND …` over two relations' key columns. */
export function nullSafeMatch(left: readonly string[], right: readonly string[]): string {
  return left.map((l, i) => `${l} IS NOT DISTINCT FROM ${right[i]}`).join(' AND ');
}

export const keyAlias = (i: number) => quoteIdent(`__k${i}`);
