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
