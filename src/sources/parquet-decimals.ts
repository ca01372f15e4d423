/**
 * Parquet decimals of more than 38 digits (`decimal(50, 2)`, pyarrow's decimal256, Spark's
 * and Arrow's wide decimals): an Iceberg decimal holds at most 38 (spec: "Primitive Types",
 * `decimal(P,S)`, P <= 38), and DuckDB's Parquet reader (1.5.6) reads such a column as DOUBLE
 * with wrong values (`-1.50` as `-24998051.85`, a 40-digit value as `2.07e46`), which floe
 * wrote without a word. Such a file is refused naming it, the column and its type (a source
 * error), for `kind: parquet` pipelines and `floe load`.
 *
 * Looking costs nothing unless the read has a DOUBLE (the type DuckDB gives such a column), at
 * any depth: then the files' schemas are read (`parquet_schema`, their footers) once.
 */
import type { DuckDBType } from '@duckdb/node-api';
import type { Engine } from '../engine/duckdb.js';
import { sourceError } from '../errors.js';
import { fileListSql } from './files.js';
import { parquetFilesOf, parquetSchemaOf } from './parquet-schema.js';

// DuckDBTypeId.DOUBLE (node-api enum), without loading the module for one constant.
const DOUBLE = 11;

/** Iceberg's widest decimal. */
const MAX_PRECISION = 38;

/** Whether the type is, or holds at any depth, a DOUBLE. */
function holdsDouble(type: DuckDBType): boolean {
  if (type.typeId === DOUBLE) return true;
  const t = type as unknown as { entryTypes?: readonly DuckDBType[]; valueType?: DuckDBType; keyType?: DuckDBType };
  if (Array.isArray(t.entryTypes) && t.entryTypes.some(holdsDouble)) return true;
  return (t.keyType !== undefined && holdsDouble(t.keyType)) || (t.valueType !== undefined && holdsDouble(t.valueType));
}

/**
 * Refuses the first file of `files` (paths or globs, as read) with a decimal column of more
 * than 38 digits, when `columns` (what DuckDB bound) hold a DOUBLE. `label` names the read
 * (`pipeline x`, `the input of raw.t`); `shown` maps a read path to the name a message gives.
 */
export async function refuseWideDecimals(
  engine: Engine,
  files: readonly string[],
  columns: readonly { type: DuckDBType }[],
  label: string,
  shown: (file: string) => string = (f) => f,
): Promise<void> {
  if (!columns.some((c) => holdsDouble(c.type))) return;
  const rows = await engine.all(
    `SELECT file_name, name, precision, scale FROM parquet_schema(${fileListSql(files)}) WHERE precision > ${MAX_PRECISION} ORDER BY file_name LIMIT 1`,
    `read the Parquet schemas of ${label}`,
    { kind: 'source' },
  );
  const r = rows[0];
  if (!r) return;
  const file = shown(String(r.file_name));
  const type = `decimal(${String(r.precision)}, ${String(r.scale ?? 0)})`;
  throw sourceError(
    `${file}: the Parquet column "${String(r.name)}" is ${type}: an Iceberg decimal holds at most ${MAX_PRECISION} digits, and DuckDB's Parquet reader reads a wider decimal as wrong doubles`,
    {
      context: { file, column: String(r.name), type },
      files: [file],
      hint: `Write the column as decimal(${MAX_PRECISION}, S) or narrower, or as a string, where the file is made.`,
    },
  );
}

/** The top-level elements of one file's schema (parquet_schema order: depth first, the root first). */
function topLevel<T extends { children: number | null }>(elements: readonly T[]): T[] {
  const out: T[] = [];
  let i = 1;
  const skip = (count: number): void => {
    for (let k = 0; k < count && i < elements.length; k++) {
      const e = elements[i++]!;
      if (e.children !== null && e.children > 0) skip(e.children);
    }
  };
  const rootChildren = elements[0]?.children ?? 0;
  for (let k = 0; k < rootChildren && i < elements.length; k++) {
    const e = elements[i++]!;
    out.push(e);
    if (e.children !== null && e.children > 0) skip(e.children);
  }
  return out;
}

/**
 * Refuses a read of several Parquet files in which a column is a 64-bit integer or a decimal
 * of more than 15 digits in one file and a floating-point number in another, when a value of
 * the first file does not survive the double DuckDB unifies them to (union_by_name):
 * `9007199254740993` was written as `9007199254740992`, `12345678901234567.89` as
 * `1.2345678901234568e16`, without a word. Nothing is read unless the read has a DOUBLE
 * column and more than one file; then only such files' columns are read again. The message
 * names the file, the column and both types, never the value (it may be personal data).
 */
export async function refuseInexactDoubles(
  engine: Engine,
  files: readonly string[],
  columns: readonly { name: string; type: DuckDBType }[],
  label: string,
  shown: (file: string) => string = (f) => f,
): Promise<void> {
  const doubles = columns.filter((c) => c.type.typeId === DOUBLE).map((c) => c.name.toLowerCase());
  if (doubles.length === 0) return;
  const list = await parquetFilesOf(engine, files, label);
  if (list.length < 2) return;
  for (const file of list) {
    const elements = await parquetSchemaOf(engine, file);
    for (const e of topLevel(elements)) {
      const name = e.name;
      if (!doubles.includes(name.toLowerCase())) continue;
      const decimal = e.precision !== null && e.converted_type === 'DECIMAL';
      const unsigned = /UINT_64|unsigned|isSigned=false/i.test(`${String(e.converted_type)} ${String(e.logical_type)}`);
      const sql = decimal ? (e.precision! > 15 ? `DECIMAL(${e.precision}, ${e.scale ?? 0})` : undefined) : e.type === 'INT64' ? (unsigned ? 'UBIGINT' : 'BIGINT') : undefined;
      if (!sql) continue;
      const col = `"${name.replace(/"/g, '""')}"`;
      const found = await engine.all(
        `SELECT 1 AS x FROM read_parquet(${fileListSql([file])}) WHERE ${col} IS NOT NULL AND TRY_CAST(CAST(${col} AS DOUBLE) AS ${sql}) IS DISTINCT FROM ${col} LIMIT 1`,
        `read ${file}`,
        { kind: 'source', context: { file } },
      );
      if (found.length === 0) continue;
      const what = decimal ? `decimal(${e.precision}, ${e.scale ?? 0})` : unsigned ? 'an unsigned 64-bit integer' : 'long';
      throw sourceError(
        `${shown(file)}: the Parquet column "${name}" is ${what} in this file and a floating-point number in another file of ${label}: read together they are doubles, and a value of this file does not survive the double exactly (value withheld)`,
        {
          context: { file: shown(file), column: name },
          files: [shown(file)],
          hint: 'Write the column with one type in every file, or read files of each type with a pipeline of their own.',
        },
      );
    }
  }
}
