/**
 * Parquet columns (or fields of one struct) whose names differ only in case, or repeat.
 *
 * DuckDB's Parquet reader keeps both, renaming the second (`Email`, `email_1`; a struct's
 * fields `X`, `x_1`), so the column a pipeline's `columns:` rules name (a PII policy among
 * them: `email: {pii: hash}` matches `Email` without regard to case) no longer covers the
 * second one, which reached the table as `email_1`, raw and untagged. Column names are
 * case-insensitive in floe (as in Iceberg's and DuckDB's SQL), so such a file is refused
 * naming it and the columns, as a CSV header (ingest/csv-header.ts) and JSON keys
 * (json-keys.ts) that do so are: a fact about the file, a source error.
 *
 * Looking costs nothing for files without such names: only when the names DuckDB bound hold
 * one that looks renamed (`x_1` beside an `x`, in any case, at any depth) are the files'
 * schemas read (`parquet_schema`, their footers) to tell such a rename from a column that is
 * really called `email_1`. Columns of one name in two files are one column (union_by_name).
 */
import type { DuckDBType } from '@duckdb/node-api';
import type { Engine } from '../engine/duckdb.js';
import { sourceError } from '../errors.js';
import { parquetFilesOf, parquetSchemaOf } from './parquet-schema.js';

/** Whether some name of `names` looks like DuckDB's rename of a repeated one (`x_1` beside `x`). */
function looksRenamed(names: readonly string[]): boolean {
  const lower = new Set(names.map((n) => n.toLowerCase()));
  return names.some((n) => {
    const m = /^(.+)_\d+$/.exec(n);
    return m !== null && lower.has(m[1]!.toLowerCase());
  });
}

/** The struct field names of a type, at any depth (inside lists, maps and structs). */
function nestedNameLists(type: DuckDBType, out: string[][]): void {
  const t = type as unknown as { entryNames?: readonly string[]; entryTypes?: readonly DuckDBType[]; valueType?: DuckDBType; keyType?: DuckDBType };
  if (Array.isArray(t.entryNames) && Array.isArray(t.entryTypes)) {
    out.push([...t.entryNames]);
    for (const e of t.entryTypes) nestedNameLists(e, out);
  }
  if (t.keyType) nestedNameLists(t.keyType, out);
  if (t.valueType) nestedNameLists(t.valueType, out);
}

/** Whether the bound columns may hold a name DuckDB renamed (pure, for tests). */
export function mayHoldRenamedName(columns: readonly { name: string; type: DuckDBType }[]): boolean {
  const lists: string[][] = [columns.map((c) => c.name)];
  for (const c of columns) nestedNameLists(c.type, lists);
  return lists.some(looksRenamed);
}

export interface SchemaElement {
  file: string;
  name: string;
  /** Children of a group (the root, a struct, a list or map's groups); null for a leaf. */
  children: number | null;
}

/**
 * The first group of sibling names that differ only in case or repeat in one file's schema
 * elements (parquet_schema order: depth first, the root first): its path and names. Pure.
 */
export function caseTwins(elements: readonly SchemaElement[]): { path: string; names: string[] } | undefined {
  let i = 0;
  let found: { path: string; names: string[] } | undefined;
  const group = (path: string[], count: number): void => {
    const names: string[] = [];
    for (let k = 0; k < count && i < elements.length; k++) {
      const e = elements[i++]!;
      names.push(e.name);
      if (e.children !== null && e.children > 0) group([...path, e.name], e.children);
    }
    if (found) return;
    const byLower = new Map<string, string[]>();
    for (const n of names) byLower.set(n.toLowerCase(), [...(byLower.get(n.toLowerCase()) ?? []), n]);
    const twins = [...byLower.values()].find((g) => g.length > 1);
    if (twins) found = { path: path.join('.'), names: twins };
  };
  const root = elements[0];
  if (!root) return undefined;
  i = 1;
  group([], root.children ?? 0);
  return found;
}

/**
 * Refuses the first file of `files` (paths or globs, as read) with columns or struct fields
 * whose names differ only in case or repeat, when `columns` (what DuckDB bound) say one may.
 * `label` names the read (`pipeline x`, `the input of raw.t`); `shown` maps a read path to the
 * name a message gives.
 */
export async function refuseCaseTwins(
  engine: Engine,
  files: readonly string[],
  columns: readonly { name: string; type: DuckDBType }[],
  label: string,
  shown: (file: string) => string = (f) => f,
): Promise<void> {
  if (!mayHoldRenamedName(columns)) return;
  // One file per call, so its elements come in schema order (depth first, the root first).
  const byFile = new Map<string, SchemaElement[]>();
  for (const file of await parquetFilesOf(engine, files, label)) {
    byFile.set(file, (await parquetSchemaOf(engine, file)).map((e) => ({ file, name: e.name, children: e.children })));
  }
  for (const [read, elements] of byFile) {
    const file = shown(read);
    const twins = caseTwins(elements);
    if (!twins) continue;
    const same = twins.names.every((n) => n === twins.names[0]);
    const of = twins.path ? `fields of "${twins.path}"` : 'columns';
    const what = same ? `the ${of.replace(/s( |$)/, '$1')} "${twins.names[0]}" ${twins.names.length} times` : `${twins.names.length} ${of} whose names differ only in case: ${twins.names.map((n) => `"${n}"`).join(' and ')}`;
    throw sourceError(`${file}: the Parquet file has ${what}; a table cannot have two columns of one name, and column names are case-insensitive`, {
      context: { file, columns: twins.names.join(' = ') },
      files: [file],
      hint: 'Rename one of the columns where the file is written, or leave it out.',
    });
  }
}
