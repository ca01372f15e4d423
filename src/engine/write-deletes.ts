/**
 * Position deletes through DuckDB (spec: "Position Delete Files"):
 *
 * - `findPositions` stages the (file_path, pos) of every live row of some data files whose
 *   key is among a relation's keys. Only the key columns are read, by field id
 *   (`read_parquet(schema = MAP{…}, filename = true, file_row_number = true)`), and rows
 *   that a position delete already removes are left out, so a row is never deleted twice.
 * - `writePositionDeleteFiles` writes those positions as delete files: Parquet with
 *   `file_path` (id 2147483546) and `pos` (id 2147483545), sorted by file_path then pos,
 *   with full (untruncated) metrics, one file per data file or per partition.
 */
import { randomUUID } from 'node:crypto';
import type { DataFile, IcebergValue, NestedField } from '../iceberg/types.js';
import { DataFileContent } from '../iceberg/types.js';
import { internalError } from '../errors.js';
import type { ScanTask } from '../table/delete-index.js';
import { DELETE_POS_SCHEMA } from '../table/position-deletes.js';
import type { Engine } from './duckdb.js';
import { pathMapSql, positionDeletesSql } from './read-deletes.js';
import { schemaMapSql } from './read-projection.js';
import { literalSql } from './read-literal.js';
import { quoteIdent, quoteLiteral } from './sql.js';
import { duckdbTypeSql } from './types.js';
import { writeDataFiles } from './write-parquet.js';

export interface FindPositionsOptions {
  engine: Engine;
  /** Candidate data files with the deletes that already apply to them. */
  tasks: readonly ScanTask[];
  /** Stored location → local path of every data and delete file of `tasks`. */
  local: ReadonlyMap<string, string>;
  /** The key fields (top level), in key order. */
  keys: readonly NestedField[];
  /** A relation with one column per key, named as the key fields. */
  incoming: string;
  /**
   * The incoming first key's [min, max]: a filter on the scan that lets DuckDB skip row groups
   * by their statistics (data files often overlap in key range, their row groups less).
   */
  range?: { min: IcebergValue; max: IcebergValue };
  /** The table's name, for messages. */
  table: string;
}

/**
 * Creates a temp table `(file_path VARCHAR, pos BIGINT)` of the positions to delete and
 * returns its name. Data files are stored locations (as manifests hold them).
 */
export async function findPositions(o: FindPositionsOptions): Promise<string> {
  const out = o.engine.uniqueName('merge_pos');
  const entries = o.keys.map((k, i) => ({ id: k.id, alias: `__k${i}`, type: duckdbTypeSql(k.type) }));
  // Tasks sharing the same existing deletes read together, with those deletes anti-joined.
  const groups = new Map<string, ScanTask[]>();
  for (const t of o.tasks) {
    const k = JSON.stringify(t.deletes.map((d) => d.file.file_path));
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  const parts = [...groups.values()].map((tasks) => {
    const pairs = tasks.map((t) => [t.file.file_path, o.local.get(t.file.file_path)!] as const);
    const paths = pairs.map(([, l]) => quoteLiteral(l)).join(', ');
    const match = o.keys.map((k, i) => `__d.${quoteIdent(`__k${i}`)} = __in.${quoteIdent(k.name)}`).join(' AND ');
    const k0 = o.keys[0]!;
    const where = o.range ? ` WHERE __d."__k0" BETWEEN ${literalSql(k0.type, o.range.min)} AND ${literalSql(k0.type, o.range.max)}` : '';
    let sql =
      `SELECT __d."filename" AS "__file", __d."file_row_number" AS "__pos" ` +
      `FROM (SELECT * FROM read_parquet([${paths}], hive_partitioning = false, schema = ${schemaMapSql(entries)}, filename = true, file_row_number = true) AS __d${where}) AS __d ` +
      `SEMI JOIN ${quoteIdent(o.incoming)} AS __in ON ${match}`;
    const existing = tasks[0]!.deletes.filter((d) => d.kind === 'position');
    if (existing.length) {
      const files = existing.map((d) => o.local.get(d.file.file_path)!);
      sql = `SELECT __q.* FROM (${sql}) AS __q ANTI JOIN (${positionDeletesSql(files, pairs)}) AS __p ON __q."__file" = __p."__file" AND __q."__pos" = __p."__pos"`;
    }
    return `SELECT __m."stored" AS file_path, __x."__pos"::BIGINT AS pos FROM (${sql}) AS __x JOIN ${pathMapSql(pairs)} ON __x."__file" = __m."local"`;
  });
  const body = parts.length ? parts.map((p) => `(${p})`).join(' UNION ALL ') : `SELECT NULL::VARCHAR AS file_path, NULL::BIGINT AS pos WHERE false`;
  await o.engine.run(`CREATE TEMP TABLE ${quoteIdent(out)} AS ${body}`, `find the rows of ${o.table} this merge replaces`, { kind: 'source', context: { table: o.table } });
  return out;
}

/** The data files that have positions to delete. */
export async function positionFiles(engine: Engine, positions: string): Promise<Set<string>> {
  const rows = await engine.all(`SELECT DISTINCT file_path FROM ${quoteIdent(positions)}`, 'find the data files with rows to delete');
  return new Set(rows.map((r) => String(r.file_path)));
}

export interface WrittenDeleteFile {
  localPath: string;
  /** file_path is localPath until the caller moves it; partition is the data files'. */
  deleteFile: DataFile;
}

/**
 * Writes the positions of `dataFiles` as position delete files, sorted by file_path then
 * pos. `granularity: 'file'` (Iceberg's default `write.delete.granularity`) gives each data
 * file its own delete file, in one partitioned COPY; `'partition'` one delete file for all
 * of `dataFiles`, which must then share one partition. More files only beyond the target size.
 */
export async function writePositionDeleteFiles(o: {
  engine: Engine;
  positions: string;
  dataFiles: readonly DataFile[];
  granularity: 'file' | 'partition';
  outputDir: string;
  targetFileSizeBytes: number | bigint;
  table: string;
}): Promise<WrittenDeleteFile[]> {
  const byPath = new Map(o.dataFiles.map((f) => [f.file_path, f] as const));
  const perFile = o.granularity === 'file';
  const paths = o.dataFiles.map((f) => quoteLiteral(f.file_path)).join(', ');
  const written = await writeDataFiles({
    engine: o.engine,
    selectSql: `SELECT file_path, pos FROM ${quoteIdent(o.positions)} WHERE file_path IN (${paths})`,
    schema: DELETE_POS_SCHEMA,
    // Per file: the data file's path is the (internal) partition value, so one COPY splits them.
    partition: perFile ? [{ name: 'file_path', sql: quoteIdent('file_path'), type: 'string' }] : [],
    targetFileSizeBytes: o.targetFileSizeBytes,
    outputDir: o.outputDir,
    fileNamePrefix: `${randomUUID()}-deletes`,
    orderBy: 'file_path, pos',
    table: o.table,
    // Bounds on file_path stay whole, so readers can tell which data files a delete file touches.
    metrics: { modeFor: () => ({ mode: 'full' }) },
  });
  return written.map((w) => {
    const target = perFile ? String(w.dataFile.partition[0]) : o.dataFiles.length === 1 ? o.dataFiles[0]!.file_path : undefined;
    const data = target === undefined ? o.dataFiles[0]! : byPath.get(target);
    if (!data) throw internalError(`position delete file ${w.localPath} names unknown data file ${target}`);
    return {
      localPath: w.localPath,
      deleteFile: {
        ...w.dataFile,
        content: DataFileContent.POSITION_DELETES,
        partition: [...data.partition],
        ...(target !== undefined ? { referenced_data_file: target } : {}),
      },
    };
  });
}
