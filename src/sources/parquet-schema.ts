/**
 * Parquet files' own schemas, as DuckDB's `parquet_schema` gives them (from the footers), for
 * the checks that must see a file as written rather than as the union DuckDB binds: names it
 * renamed (parquet-names.ts), decimals it reads as doubles and integers a union turned into
 * doubles (parquet-decimals.ts).
 */
import type { Engine } from '../engine/duckdb.js';
import { fileListSql } from './files.js';

/** One element of a file's schema (parquet_schema order: depth first, the root first). */
export interface ParquetSchemaElement {
  name: string;
  /** The physical type (`INT64`, `BYTE_ARRAY`, ...); null for a group. */
  type: string | null;
  converted_type: string | null;
  logical_type: string | null;
  precision: number | null;
  scale: number | null;
  /** Children of a group (the root, a struct, a list or map's groups); null for a leaf. */
  children: number | null;
}

/** The files `files` (paths or globs, as read) name, each once, in order. `label` names the read. */
export async function parquetFilesOf(engine: Engine, files: readonly string[], label: string): Promise<string[]> {
  const rows = await engine.all(`SELECT DISTINCT file FROM glob(${fileListSql(files)}) ORDER BY file`, `list the files of ${label}`, { kind: 'source' });
  return rows.map((r) => String(r.file));
}

/** One file's schema elements. */
export async function parquetSchemaOf(engine: Engine, file: string): Promise<ParquetSchemaElement[]> {
  const rows = await engine.all(
    `SELECT name, type, converted_type, logical_type, precision, scale, num_children FROM parquet_schema(${fileListSql([file])})`,
    `read the Parquet schema of ${file}`,
    { kind: 'source', context: { file } },
  );
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    name: String(r.name),
    type: text(r.type),
    converted_type: text(r.converted_type),
    logical_type: text(r.logical_type),
    precision: num(r.precision),
    scale: num(r.scale),
    children: num(r.num_children),
  }));
}
