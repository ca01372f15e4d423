/**
 * The rows a merge-on-read merge deletes, by position, and the position delete files that
 * delete them (spec: "Position Delete Files": `file_path` id 2147483546, `pos` id 2147483545,
 * sorted by file_path then pos).
 *
 * - `stagePositions` reads only the key columns of the candidate data files, by field id,
 *   with each row's position and the index of its file in the read's list
 *   (`read_parquet(schema = MAP{…}, file_row_number = true)` and its `file_index` virtual
 *   column), keeps the rows whose key is incoming and that no existing position delete
 *   already removes (a row is never deleted twice), and stages them as
 *   `(file INTEGER, pos BIGINT)`: the data file as its index among the candidates, not its
 *   path. Carrying the path on every row made both the staging and the sorted write about
 *   three times slower (measured, 50k positions of one file on 2 busy cores: staging 63 → 23
 *   ms, write 69 → 22 ms); reading it at all (`filename = true`, then a join of the paths to
 *   their indexes) still made the staging about twice as slow as `file_index` (measured on the
 *   bench's 10M-row table, 50k positions of one file: 167 → 86 ms on 2 busy cores).
 * - `writePositionDeletes` writes one data file's positions with its path as a constant
 *   column, sorted by pos alone (the spec's order when file_path is one value). Per-partition
 *   granularity (`write.delete.granularity`) writes the data files of a partition together,
 *   sorted by path then pos; per-file granularity over many data files of a partition splits
 *   one partitioned write by path (`deleteWrites` chooses).
 */
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine/duckdb.js';
import { internalError } from '../errors.js';
import { literalSql } from '../engine/read-literal.js';
import { schemaMapSql } from '../engine/read-projection.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { duckdbTypeSql } from '../engine/types.js';
import { writeDataFiles } from '../engine/write-parquet.js';
import { DataFileContent, type DataFile, type IcebergValue, type NestedField } from '../iceberg/types.js';
import type { ScanTask } from '../table/delete-index.js';
import { DELETE_POS_SCHEMA } from '../table/position-deletes.js';

export interface StagePositionsInput {
  engine: Engine;
  /** Candidate data files with the deletes that already apply to them; `file` in the staged relation indexes this list. */
  tasks: readonly ScanTask[];
  /** Stored location → local path of every data and delete file of `tasks`. */
  local: ReadonlyMap<string, string>;
  /** The key fields (top level), in key order. */
  keys: readonly NestedField[];
  /** A relation with one column per key, named as the key fields. */
  incoming: string;
  /** The incoming first key's [min, max]: a filter that lets DuckDB skip row groups by their statistics. */
  range?: { min: IcebergValue; max: IcebergValue };
  /** The table's name, for messages. */
  table: string;
}

export interface StagedPositions {
  /** A temp table `(file INTEGER, pos BIGINT)`. */
  relation: string;
  /** Index into the tasks → number of positions, for the data files that have any. */
  counts: Map<number, bigint>;
}

/**
 * The SELECT of `(file, pos)` for the tasks at `indexes`, which share their existing deletes.
 * A row's file is `file_index`, its file's place in this read's list, mapped back to the
 * task's index; existing deletes name data files by stored location, mapped the same way.
 */
function positionsSql(o: StagePositionsInput, indexes: readonly number[]): string {
  const tasks = indexes.map((i) => o.tasks[i]!);
  const entries = o.keys.map((k, i) => ({ id: k.id, alias: `__k${i}`, type: duckdbTypeSql(k.type) }));
  const locals = tasks.map((t) => o.local.get(t.file.file_path)!);
  const match = o.keys.map((k, i) => `__d.${quoteIdent(`__k${i}`)} = __in.${quoteIdent(k.name)}`).join(' AND ');
  const k0 = o.keys[0]!;
  const where = o.range ? ` WHERE __d."__k0" BETWEEN ${literalSql(k0.type, o.range.min)} AND ${literalSql(k0.type, o.range.max)}` : '';
  const keys = entries.map((e) => quoteIdent(e.alias)).join(', ');
  let sql =
    `SELECT __d."__f", __d."file_row_number" AS "__pos" ` +
    `FROM (SELECT ${keys}, "file_row_number", "file_index"::BIGINT AS "__f" FROM read_parquet([${locals.map(quoteLiteral).join(', ')}], hive_partitioning = false, schema = ${schemaMapSql(entries)}, file_row_number = true) AS __d${where}) AS __d ` +
    `SEMI JOIN ${quoteIdent(o.incoming)} AS __in ON ${match}`;
  const existing = tasks[0]!.deletes.filter((d) => d.kind === 'position');
  if (existing.length) {
    const stored = `(VALUES ${tasks.map((t, j) => `(${quoteLiteral(t.file.file_path)}, ${j})`).join(', ')}) AS __m("stored", "__f")`;
    const deleted =
      `SELECT __m."__f", __p."pos" AS "__pos" FROM read_parquet([${existing.map((d) => quoteLiteral(o.local.get(d.file.file_path)!)).join(', ')}], hive_partitioning = false, union_by_name = true) AS __p ` +
      `JOIN ${stored} ON __p."file_path" = __m."stored"`;
    sql = `SELECT __q.* FROM (${sql}) AS __q ANTI JOIN (${deleted}) AS __p ON __q."__f" = __p."__f" AND __q."__pos" = __p."__pos"`;
  }
  // file_index counts from 0, a DuckDB list from 1.
  return `SELECT ([${indexes.join(', ')}])[__x."__f" + 1]::INTEGER AS "file", __x."__pos"::BIGINT AS pos FROM (${sql}) AS __x`;
}

/** Stages the positions to delete; the caller drops `relation`. */
export async function stagePositions(o: StagePositionsInput): Promise<StagedPositions> {
  const relation = o.engine.uniqueName('merge_pos');
  // Tasks sharing the same existing deletes read together, with those deletes anti-joined.
  const groups = new Map<string, number[]>();
  o.tasks.forEach((t, i) => {
    const k = JSON.stringify(t.deletes.map((d) => d.file.file_path));
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const parts = [...groups.values()].map((g) => `(${positionsSql(o, g)})`);
  const body = parts.length ? parts.join(' UNION ALL ') : `SELECT NULL::INTEGER AS "file", NULL::BIGINT AS pos WHERE false`;
  await o.engine.run(`CREATE TEMP TABLE ${quoteIdent(relation)} AS ${body}`, `find the rows of ${o.table} this merge replaces`, { kind: 'source', context: { table: o.table } });
  const rows = await o.engine.all(`SELECT "file", count(*)::BIGINT AS n FROM ${quoteIdent(relation)} GROUP BY "file"`, 'count the rows to delete per data file');
  return { relation, counts: new Map(rows.map((r) => [Number(r.file), r.n as bigint])) };
}

export interface WrittenPositionDeletes {
  localPath: string;
  /** file_path is localPath until the caller moves it; partition is the data files'. */
  deleteFile: DataFile;
}

/** Data files of one partition up to which per-file delete files are written one COPY each. */
export const SEPARATE_DELETE_WRITES = 8;

/**
 * The writes of one partition's position deletes, as lists of task indexes. Granularity
 * `partition`: one write of them all. Granularity `file` (Iceberg's default): a delete file per
 * data file; for a few data files one write each (no staging, the path a constant), beyond
 * that one partitioned write that splits them by file_path.
 */
export function deleteWrites(indexes: readonly number[], granularity: 'file' | 'partition'): { indexes: number[]; perFile: boolean }[] {
  if (granularity === 'partition') return [{ indexes: [...indexes], perFile: false }];
  if (indexes.length > SEPARATE_DELETE_WRITES) return [{ indexes: [...indexes], perFile: true }];
  return indexes.map((i) => ({ indexes: [i], perFile: true }));
}

/**
 * Writes the staged positions of the data files at `indexes` (of one partition): one delete
 * file per data file when `perFile`, else one for them all (more only beyond the target
 * size). A delete file of one data file names it in referenced_data_file.
 */
export async function writePositionDeletes(o: {
  engine: Engine;
  positions: StagedPositions;
  tasks: readonly ScanTask[];
  indexes: readonly number[];
  perFile: boolean;
  outputDir: string;
  targetFileSizeBytes: number | bigint;
  table: string;
}): Promise<WrittenPositionDeletes[]> {
  const files = o.indexes.map((i) => o.tasks[i]!.file);
  const byPath = new Map(files.map((f) => [f.file_path, f] as const));
  const from = quoteIdent(o.positions.relation);
  const one = files.length === 1;
  const selectSql = one
    ? `SELECT ${quoteLiteral(files[0]!.file_path)} AS file_path, pos FROM ${from} WHERE "file" = ${o.indexes[0]!}`
    : `SELECT __p.path AS file_path, pos FROM ${from} JOIN (VALUES ${o.indexes.map((i) => `(${i}, ${quoteLiteral(o.tasks[i]!.file.file_path)})`).join(', ')}) AS __p("file", path) USING ("file")`;
  const split = o.perFile && !one;
  const written = await writeDataFiles({
    engine: o.engine,
    selectSql,
    schema: DELETE_POS_SCHEMA,
    // Per file over several data files: the path is the (internal) partition value, so one COPY splits them.
    partition: split ? [{ name: 'file_path', sql: quoteIdent('file_path'), type: 'string' }] : [],
    targetFileSizeBytes: o.targetFileSizeBytes,
    outputDir: o.outputDir,
    fileNamePrefix: `${randomUUID()}-deletes`,
    // One data file: file_path is a constant, so pos alone is the spec's order.
    orderBy: one ? 'pos' : 'file_path, pos',
    table: o.table,
    // Bounds on file_path stay whole, so readers can tell which data files a delete file touches.
    metrics: { modeFor: () => ({ mode: 'full' }) },
  });
  return written.map((w) => {
    const target = one ? files[0]!.file_path : split ? String(w.dataFile.partition[0]) : undefined;
    const data = target === undefined ? files[0] : byPath.get(target);
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
