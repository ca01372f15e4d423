/**
 * Writes Iceberg data files with DuckDB: Parquet with field ids, zstd, and exact metrics.
 *
 * One COPY per step, never a row through JS:
 * - the query is projected onto the table schema (CAST to each field's DuckDB type, in schema
 *   order) so the Parquet physical types follow the spec whatever the source produced;
 * - FIELD_IDS carries every id of the schema, nested ones included (TECH-NOTES, DuckDB);
 * - RETURN_STATS gives counts and bounds per file (metrics.ts); file sizes come from fs.stat.
 *
 * Partitioned writes. DuckDB 1.5.6 refuses PARTITION_BY together with FILE_SIZE_BYTES or
 * ROW_GROUPS_PER_FILE, and its partition_keys come back as text. So the rows are staged once
 * in a temp table with the partition values computed (transform-sql.ts) and each distinct
 * tuple numbered by dense_rank (`__floe_pid`); exact tuple values are read back per pid with
 * typed readers, never parsed from directory names. Then:
 * - partitions estimated to fit in one file go through one COPY ... PARTITION_BY (__floe_pid);
 * - larger ones get one COPY each with FILE_SIZE_BYTES, which rolls files.
 * The estimate is bytes per row of a 10k-row sample written the same way. Measured on 2 cores,
 * 1M rows in 1000 partitions: PARTITION_BY 1.3 s, one COPY per partition 3.9 s (about 4 ms
 * each), so the split keeps many small partitions fast and big ones near the target size.
 * A skewed partition can still exceed the target: it is advisory, as in Iceberg Java, which
 * also rolls only at row-group boundaries.
 *
 * Sorted output. With several threads DuckDB writes row groups of one file out of order, so
 * when `orderBy` is given the COPY runs with threads = 1 (measured: otherwise a few row
 * groups per file break the order), and partitions are written one COPY each (PARTITION_BY
 * breaks the order within a partition even on one thread).
 */
import { mkdir, rename, rm, stat, access } from 'node:fs/promises';
import path from 'node:path';
import type { DataFile, IcebergValue, PrimitiveType, Schema, IcebergType } from '../iceberg/types.js';
import { DataFileContent } from '../iceberg/types.js';
import { FloeError, internalError, ioError, isFloeError, schemaError, unsupportedError } from '../errors.js';
import type { Engine, Row } from './duckdb.js';
import { type CopyStats, filesMetrics, leafColumns, type MetricsOptions, parseCopyStats } from './metrics.js';
import { identList, quoteIdent, quoteLiteral } from './sql.js';
import { fsError } from '../io/local.js';
import { duckdbTypeSql, fixedWrittenAsUuid, icebergValueOf, unwritableFixedColumns, WRITTEN_FIXED_LENGTH } from './types.js';
import { parsePrimitive } from '../iceberg/primitive.js';

/** DuckDB's default Parquet row group: 122,880 rows. */
export const DEFAULT_ROW_GROUP_ROWS = 122_880;

export interface PartitionColumn {
  /** The partition field's name, for messages. */
  name: string;
  /** A DuckDB expression over the schema's columns, e.g. from transformSql(). */
  sql: string;
  /** The Iceberg result type of the transform; partition values are read back as this type. */
  type: PrimitiveType;
}

export interface WriteDataFilesOptions {
  engine: Engine;
  /** Any query whose output columns are exactly the schema's top-level fields, by name. */
  selectSql: string;
  schema: Schema;
  /** The partition spec's fields, in spec order; empty or absent for an unpartitioned table. */
  partition?: readonly PartitionColumn[];
  /** Files roll over after about this many bytes (write.target-file-size-bytes). */
  targetFileSizeBytes: number | bigint;
  /** A local folder; created when missing. */
  outputDir: string;
  /** Written files are named `<prefix>-00000.parquet`, ...; make it unique per write. */
  fileNamePrefix: string;
  /** An SQL ORDER BY list over the schema's columns; each file is then sorted by it. */
  orderBy?: string;
  /**
   * Parquet row group size in rows; DuckDB's default 122880 (rounded up to a multiple of 2048).
   * A smaller one is written on one thread: files then hold a few row groups, and with several
   * threads DuckDB's file rotation lets row groups in flight land past the target, so files came
   * out uneven (52 to 162 KiB for 128 KiB) and the next compaction rewrote the small ones.
   */
  rowGroupSize?: number;
  metrics?: MetricsOptions;
  /** The table name, for messages. */
  table?: string;
}

export interface WrittenFile {
  localPath: string;
  /** file_path is localPath; the caller sets the table location's path after upload. */
  dataFile: DataFile;
}

const PID = '__floe_pid';
const SAMPLE_ROWS = 10_000;

export async function writeDataFiles(o: WriteDataFilesOptions): Promise<WrittenFile[]> {
  const parts = o.partition ?? [];
  refuseUnwritableFixed(o.schema, o.table ?? 'the table');
  await checkColumns(o);
  await makeOutputDir(o.outputDir);
  const what = `write Parquet data files${o.table ? ` for ${o.table}` : ''}`;
  const projection = o.schema.fields
    .map((f) => `CAST(${quoteIdent(f.name)} AS ${duckdbTypeSql(f.type)}) AS ${quoteIdent(f.name)}`).join(', ');
  const columns = identList(o.schema.fields.map((f) => f.name));
  const copyOptions = [
    'FORMAT parquet', 'COMPRESSION zstd', `FIELD_IDS ${fieldIdsLiteral(o.schema)}`, 'RETURN_STATS',
    `ROW_GROUP_SIZE ${o.rowGroupSize ?? DEFAULT_ROW_GROUP_ROWS}`,
  ];
  const target = BigInt(o.targetFileSizeBytes);
  if (target <= 0n) throw internalError(`targetFileSizeBytes must be positive, got ${target}`);
  const floats = new Set(o.schema.fields.filter((f) => isFloating(f.type)).map((f) => f.name));
  const names = o.schema.fields.map((f) => f.name);
  const scratch: string[] = [];
  const newScratch = () => {
    const dir = path.join(o.outputDir, `.${o.fileNamePrefix}.tmp-${scratch.length}`);
    scratch.push(dir);
    return dir;
  };
  const copy = async (select: string, extra: string[], to: string): Promise<CopyStats[]> => {
    const sql = `COPY (${parquetSelect(o.schema, select)}) TO ${quoteLiteral(to)} (${[...copyOptions, ...extra].join(', ')})`;
    return (await o.engine.all(sql, what, { context: { table: o.table } })).map(parseCopyStats);
  };

  const written: { stats: CopyStats; partition: IcebergValue[]; pid: number }[] = [];
  let stage: string | undefined;
  let threads: string | undefined;
  const finals: string[] = [];
  try {
    // Sorted writes, and files of a few row groups, roll evenly on one thread (rowGroupSize).
    if (o.orderBy || (o.rowGroupSize !== undefined && o.rowGroupSize < DEFAULT_ROW_GROUP_ROWS)) threads = await singleThread(o.engine);
    if (parts.length === 0) {
      const select = sorted(`SELECT ${projection} FROM (${o.selectSql}) AS __floe_src`, names, floats, o.orderBy);
      let stats: CopyStats[];
      try {
        stats = await copy(select, [`FILE_SIZE_BYTES ${target}`], newScratch());
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
        stage = o.engine.uniqueName('wide');
        stats = await copyWideRows(o, copy, newScratch, select, stage, target, e);
      }
      for (const s of stats) written.push({ stats: s, partition: [], pid: 0 });
    } else {
      stage = o.engine.uniqueName('stage');
      const pcols = parts.map((_, i) => `__floe_p${i}`);
      // The window's sort turns -0.0 in its keys into 0.0: float values are read back from a copy.
      const vcols = parts.map((p, i) => (isFloating(p.type) ? `__floe_v${i}` : pcols[i]!));
      await o.engine.run(
        `CREATE TEMP TABLE ${quoteIdent(stage)} AS SELECT *, dense_rank() OVER (ORDER BY ${rankKeys(parts, pcols)}) AS ${PID} ` +
          `FROM (SELECT *, ${parts.map((p, i) => `${p.sql} AS ${pcols[i]}${vcols[i] !== pcols[i] ? `, ${p.sql} AS ${vcols[i]}` : ''}`).join(', ')} ` +
          `FROM (SELECT ${projection} FROM (${o.selectSql}) AS __floe_src) AS __floe_cast) ` +
          // Not by o.orderBy: each COPY below sorts its own rows (sorted() keeps -0.0 there).
          `ORDER BY ${PID}`,
        `stage rows and compute partition values${o.table ? ` for ${o.table}` : ''}`,
        { context: { table: o.table } },
      );
      const tuples = await o.engine.all(
        `SELECT ${PID} AS pid, count(*) AS n, ${pcols.map((c, i) => `any_value(${vcols[i]}) AS ${c}`).join(', ')} ` +
          `FROM ${quoteIdent(stage)} GROUP BY ${PID} ORDER BY ${PID}`,
        'read the partition values back',
      );
      const byPid = new Map<number, IcebergValue[]>();
      for (const t of tuples) byPid.set(Number(t.pid), parts.map((p, i) => partitionValue(p, t[pcols[i]!] ?? null)));
      const from = `FROM ${quoteIdent(stage)}`;
      // Sorted output: every partition gets its own COPY. COPY ... PARTITION_BY does not keep
      // the ORDER BY within a partition's file, even on one thread (DuckDB 1.5.6: of 41
      // partitions of 10k rows one came out as two sorted runs), and the files would claim a
      // sort order they do not have.
      const bytesPerRow = tuples.length > 1 && !o.orderBy ? await sampleBytesPerRow(copy, `SELECT ${columns} ${from}`, newScratch()) : Infinity;
      const large = tuples.filter((t) => Number(t.n as bigint) * bytesPerRow > Number(target)).map((t) => Number(t.pid));
      if (large.length < tuples.length) {
        const where = large.length > 0 ? `WHERE ${PID} NOT IN (${large.join(', ')})` : '';
        const select = sorted(`SELECT ${columns}, ${PID} ${from} ${where}`, [...names, PID], floats, o.orderBy && `${PID}, ${o.orderBy}`);
        for (const s of await copy(select, [`PARTITION_BY (${PID})`], newScratch())) {
          const pid = Number(s.partitionKeys?.get(PID));
          written.push({ stats: s, partition: tupleOf(byPid, pid), pid });
        }
      }
      for (const pid of large) {
        const select = sorted(`SELECT ${columns} ${from} WHERE ${PID} = ${pid}`, names, floats, o.orderBy);
        for (const s of await copy(select, [`FILE_SIZE_BYTES ${target}`], newScratch())) {
          written.push({ stats: s, partition: tupleOf(byPid, pid), pid });
        }
      }
    }
    if (threads !== undefined) await restoreThreads(o.engine, threads);
    threads = undefined;

    // DuckDB writes one empty file for an empty query; it is no data file.
    // Files are numbered in partition order (pids follow the tuples' sort order); Array#sort is stable.
    const kept = written.filter((w) => w.stats.recordCount > 0n).sort((a, b) => a.pid - b.pid);
    const named = kept.map((w, i) => ({ ...w, localPath: path.join(o.outputDir, `${o.fileNamePrefix}-${String(i).padStart(5, '0')}.parquet`) }));
    await Promise.all(named.map(async (w) => {
      await moveNew(path.resolve(w.stats.filename), w.localPath);
      finals.push(w.localPath);
    }));
    const sizes = await Promise.all(named.map(async (w) => BigInt((await stat(w.localPath)).size)));
    const metrics = await filesMetrics(o.engine, named, leafColumns(o.schema), o.metrics);
    const out: WrittenFile[] = named.map((w, i) => ({
      localPath: w.localPath,
      dataFile: {
        content: DataFileContent.DATA, file_path: w.localPath, file_format: 'PARQUET', partition: w.partition,
        record_count: w.stats.recordCount, file_size_in_bytes: sizes[i]!, ...metrics[i]!, split_offsets: null,
      },
    }));
    const offsets = await splitOffsets(o.engine, finals);
    for (const f of out) f.dataFile.split_offsets = offsets.get(f.localPath) ?? null;
    return out;
  } catch (e) {
    await Promise.all(finals.map((f) => rm(f, { force: true })));
    // The partitioned steps (staging, sample, COPY) and anything after the slices: not floe's bug either.
    throw isOutOfMemory(e) && !isFloeError(e, 'io') ? outOfMemory(o, e) : e;
  } finally {
    if (threads !== undefined) await restoreThreads(o.engine, threads).catch(() => undefined);
    if (stage !== undefined) await o.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`, 'drop the staging table').catch(() => undefined);
    await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/**
 * Refuses a write into a table with a fixed(L) column DuckDB cannot write as
 * FIXED_LEN_BYTE_ARRAY(L) (types.ts, "fixed[L]"): the file would hold it as BYTE_ARRAY,
 * which PyIceberg and Spark fail to read. Commands call it before they write anything (a
 * merge's delete files included); writeDataFiles calls it again for any other path.
 */
export function refuseUnwritableFixed(schema: Schema, table: string): void {
  const columns = unwritableFixedColumns(schema);
  if (columns.length === 0) return;
  const first = columns[0]!;
  const which = columns.length === 1 ? `its column '${first.path}' is ${first.type}`
    : `its columns ${columns.map((c) => `'${c.path}' (${c.type})`).join(', ')} are fixed`;
  throw unsupportedError(
    `floe cannot write data files for ${table}: ${which}, which Parquet must hold as FIXED_LEN_BYTE_ARRAY of the same length, ` +
      `and floe's writer (DuckDB) does that only for fixed[${WRITTEN_FIXED_LENGTH}]: any other length would be written as ` +
      'BYTE_ARRAY, which PyIceberg and Spark refuse to read; nothing was written',
    {
      context: { table, columns: columns.map((c) => c.path) },
      hint: `write this table with Spark or PyIceberg (Spark compacts it with CALL system.rewrite_data_files), or give it a binary ` +
        `column instead: floe table evolve ${table} --add-column "<name> binary", fill it with another engine, then --drop-column ${first.path}; ` +
        'floe reads the table as before',
    },
  );
}

/**
 * The COPY's query with every fixed[16] value, nested ones too, turned into a DuckDB UUID,
 * which DuckDB writes as FIXED_LEN_BYTE_ARRAY(16) holding the same bytes (types.ts). Done at
 * the COPY rather than in the projection, so partition transforms, sort keys and staged rows
 * keep seeing BLOBs; a projection over an ordered subquery keeps its order (as sorted() relies on).
 */
function parquetSelect(schema: Schema, select: string): string {
  const replaced = schema.fields
    .filter((f) => containsUuidFixed(f.type))
    .map((f) => `${uuidFixedSql(f.type, quoteIdent(f.name), f.name, 0)} AS ${quoteIdent(f.name)}`);
  return replaced.length === 0 ? select : `SELECT * REPLACE (${replaced.join(', ')}) FROM (${select}) AS __floe_parquet`;
}

function containsUuidFixed(t: IcebergType): boolean {
  if (typeof t === 'string') return fixedWrittenAsUuid(t);
  if (t.type === 'struct') return t.fields.some((f) => containsUuidFixed(f.type));
  if (t.type === 'list') return containsUuidFixed(t.element);
  return containsUuidFixed(t.key) || containsUuidFixed(t.value);
}

/**
 * `e` (a BLOB, or a nested value with BLOBs, as the projection cast it) with its fixed[16]
 * values as UUIDs, rebuilt through structs, lists and maps. A value of another length has no
 * place in a fixed[16] column: the write fails naming the column, rather than a UUID cast's
 * message about text.
 */
function uuidFixedSql(t: IcebergType, e: string, path: string, depth: number): string {
  if (!containsUuidFixed(t)) return e;
  const x = `__floe_f${depth}`;
  if (typeof t === 'string') {
    const wrongLength = quoteLiteral(`a value of column '${path}' (${t}) is not ${WRITTEN_FIXED_LENGTH} bytes long but `);
    return `CASE WHEN ${e} IS NULL OR octet_length(${e}) = ${WRITTEN_FIXED_LENGTH} THEN CAST(hex(${e}) AS UUID) ` +
      `ELSE error(${wrongLength} || octet_length(${e})) END`;
  }
  if (t.type === 'struct') {
    const fields = t.fields.map((f) =>
      `${quoteIdent(f.name)} := ${uuidFixedSql(f.type, `struct_extract(${e}, ${quoteLiteral(f.name)})`, `${path}.${f.name}`, depth)}`);
    return `CASE WHEN (${e}) IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
  }
  if (t.type === 'list') return `list_transform(${e}, lambda ${x}: ${uuidFixedSql(t.element, x, `${path}.element`, depth + 1)})`;
  const k = uuidFixedSql(t.key, `${x}.key`, `${path}.key`, depth + 1);
  const v = uuidFixedSql(t.value, `${x}.value`, `${path}.value`, depth + 1);
  return `map_from_entries(list_transform(map_entries(${e}), lambda ${x}: struct_pack(key := ${k}, value := ${v})))`;
}

/** The query's columns must be the schema's top-level fields, by exact name. */
async function checkColumns(o: WriteDataFilesOptions): Promise<void> {
  // The input was bound before (its own errors name it); what fails here is the write's
  // projection over the data's shape (a struct field a map key makes twice), not SQL a user
  // wrote: a schema error (exit 1), not DuckDB's Binder Error as a usage error (exit 2).
  const got = (
    await o.engine.columns(o.selectSql, `prepare the query that feeds ${o.table ?? 'the table'}`, { context: { table: o.table } }).catch((e: unknown) => {
      throw isFloeError(e, 'usage') ? new FloeError('schema', e.message, { cause: e, context: e.context, hint: e.hint }) : e;
    })
  ).map((c) => c.name);
  const want = o.schema.fields.map((f) => f.name);
  const missing = want.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !want.includes(n));
  const reserved = want.filter((n) => n.startsWith('__floe_'));
  if (missing.length + extra.length + reserved.length === 0) return;
  const problems = [
    ...missing.map((n) => `the table column '${n}' is not in the query's output`),
    ...extra.map((n) => `the query's column '${n}' is not in the table schema`),
    ...reserved.map((n) => `the column name '${n}' is reserved by floe`),
  ];
  throw schemaError(`the rows do not match the schema${o.table ? ` of ${o.table}` : ''}:\n  - ${problems.join('\n  - ')}`, {
    context: { table: o.table, missing, extra },
  });
}

/** FIELD_IDS {'a': 1, 's': {__duckdb_field_id: 2, 'x': 3}, 'l': {__duckdb_field_id: 4, element: 5}, ...}. */
export function fieldIdsLiteral(schema: Schema): string {
  const nested = (id: number, t: IcebergType): string => {
    if (typeof t === 'string') return String(id);
    const inner =
      t.type === 'struct' ? t.fields.map((f) => `${quoteLiteral(f.name)}: ${nested(f.id, f.type)}`)
      : t.type === 'list' ? [`element: ${nested(t['element-id'], t.element)}`]
      : [`key: ${nested(t['key-id'], t.key)}`, `value: ${nested(t['value-id'], t.value)}`];
    return `{__duckdb_field_id: ${id}, ${inner.join(', ')}}`;
  };
  return `{${schema.fields.map((f) => `${quoteLiteral(f.name)}: ${nested(f.id, f.type)}`).join(', ')}}`;
}

const isFloating = (t: IcebergType) => t === 'float' || t === 'double';

/**
 * `inner` (whose columns are `names`) sorted by `orderBy`. DuckDB 1.5.6 hands back the
 * columns it sorts by normalized: -0.0 comes out as 0.0 (measured: SELECT d FROM t ORDER BY
 * d). So the float and double columns are sorted through a copy and returned from it,
 * which keeps their values bit for bit; struct fields sorted by (st.x) are not affected.
 */
export function sorted(inner: string, names: readonly string[], floats: ReadonlySet<string>, orderBy: string | undefined): string {
  if (!orderBy) return inner;
  if (!names.some((n) => floats.has(n))) return `${inner} ORDER BY ${orderBy}`;
  const keep = (i: number) => quoteIdent(`__floe_keep${i}`);
  const copies = names.map((n, i) => (floats.has(n) ? `, ${quoteIdent(n)} AS ${keep(i)}` : '')).join('');
  const out = names.map((n, i) => (floats.has(n) ? `${keep(i)} AS ${quoteIdent(n)}` : quoteIdent(n))).join(', ');
  return `SELECT ${out} FROM (SELECT *${copies} FROM (${inner}) AS __floe_sort_in ORDER BY ${orderBy}) AS __floe_sorted`;
}

/**
 * The ORDER BY list that numbers partition tuples. DuckDB orders and groups -0.0 and 0.0 as
 * equal, but they are two partition values in Iceberg (identity on a float or double: Java
 * compares with Float.compare / Double.compare), and readers take an identity partition's
 * value as the column's value for every row of the file. So a float partition value also
 * ranks by its sign, except NaN: every NaN is one partition value, whatever its sign bit.
 */
function rankKeys(parts: readonly PartitionColumn[], pcols: readonly string[]): string {
  return parts
    .flatMap((p, i) => {
      const c = quoteIdent(pcols[i]!);
      const kind = parsePrimitive(p.type).kind;
      return kind === 'float' || kind === 'double' ? [c, `CASE WHEN isnan(${c}) THEN NULL ELSE signbit(${c}) END`] : [c];
    })
    .join(', ');
}

function partitionValue(p: PartitionColumn, v: Row[string]): IcebergValue {
  try {
    return icebergValueOf(p.type, v ?? null);
  } catch (e) {
    throw schemaError(`partition field '${p.name}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * The folder the files are written into (a local table's `data/.staging-…`): one the user may
 * not write (a warehouse folder owned by another user, a read-only mount) is an io error
 * naming it, not an internal one.
 */
async function makeOutputDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    const err = fsError('create the folder', dir, e);
    throw new FloeError(err.kind, err.message, {
      cause: e,
      context: err.context,
      retryable: err.retryable,
      hint: "floe writes a table's new data files into a folder under the table's data folder first: the user running floe needs write access to the warehouse's table folders",
    });
  });
}

/** DuckDB's "Out of Memory Error" (memory_limit reached), as wrapDuckDBError passes it on. */
function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && /\bOut of Memory Error\b/.test(e.message);
}

/** DuckDB ran out of memory writing the table's files: an io error naming the table, with FLOE_MEMORY_LIMIT as the way out. */
function outOfMemory(o: WriteDataFilesOptions, e: unknown): FloeError {
  const detail = e instanceof Error ? e.message.split('\n')[0]!.replace(/^DuckDB could not [^:]*: /, '') : String(e);
  return new FloeError('io', `not enough memory to write the Parquet data files${o.table ? ` for ${o.table}` : ''}: ${detail}`, {
    cause: e,
    context: { table: o.table },
    hint: 'rows this wide (or a partition this large) need more memory than the engine may use: raise FLOE_MEMORY_LIMIT (e.g. FLOE_MEMORY_LIMIT=2GB; the default is 512MB)',
  });
}

/** Rows of about this many bytes (as text) go into one COPY of a wide-row write. */
const WIDE_SLICE_BYTES = 32 * 1024 * 1024;

/**
 * The unpartitioned write again, for rows too wide for one COPY. DuckDB 1.5.6 sizes a Parquet
 * row group by rows only (ROW_GROUP_SIZE is rounded up to a vector of 2048 rows;
 * ROW_GROUP_SIZE_BYTES is refused while insertion order is kept, and with it off a COPY of
 * 40 rows of 5 MB still ran out of 512 MB), so such a COPY holds all its rows at once.
 * Measured on 40 rows of 5 MB under 512 MB: one COPY fails, a COPY of 20 of them works.
 * So the rows are staged (in order; the stage spills) and written in slices of about
 * WIDE_SLICE_BYTES by rowid (insertion order, kept as in any COPY here), one COPY each, so
 * more, smaller files. A slice (at least one row) that still does not fit is an io error
 * naming the table, with FLOE_MEMORY_LIMIT as the way out.
 */
async function copyWideRows(
  o: WriteDataFilesOptions,
  copy: (select: string, extra: string[], to: string) => Promise<CopyStats[]>,
  newScratch: () => string,
  select: string,
  stage: string,
  target: bigint,
  first: unknown,
): Promise<CopyStats[]> {
  const table = quoteIdent(stage);
  const what = `stage wide rows${o.table ? ` for ${o.table}` : ''}`;
  // A column named rowid hides the stage's row numbers, by which the slices are cut. Any
  // DuckDB out-of-memory below becomes outOfMemory in writeDataFiles' catch.
  if (o.schema.fields.some((f) => f.name.toLowerCase() === 'rowid')) throw outOfMemory(o, first);
  await o.engine.run(`CREATE TEMP TABLE ${table} AS ${select}`, what, { context: { table: o.table } });
  // Bytes per row as text (every column cast to VARCHAR): blobs count more than they store,
  // which errs on the safe side. A slice starts where the bytes before a row cross a multiple
  // of WIDE_SLICE_BYTES, so a few wide rows among many narrow ones do not make tiny slices.
  const width = o.schema.fields.map((f) => `coalesce(strlen(CAST(${quoteIdent(f.name)} AS VARCHAR)), 0)`).join(' + ');
  const slices = await o.engine.all(
    `SELECT min(r) AS lo, max(r) AS hi FROM (SELECT r, coalesce(sum(w) OVER (ORDER BY r ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) // ${WIDE_SLICE_BYTES} AS s ` +
      `FROM (SELECT rowid AS r, ${width} AS w FROM ${table})) GROUP BY s ORDER BY s`,
    what, { context: { table: o.table } },
  );
  if (slices.length === 0) throw outOfMemory(o, first);
  const out: CopyStats[] = [];
  const columns = identList(o.schema.fields.map((f) => f.name));
  for (const { lo, hi } of slices) {
    const slice = `SELECT ${columns} FROM ${table} WHERE rowid BETWEEN ${Number(lo as bigint)} AND ${Number(hi as bigint)}`;
    out.push(...(await copy(slice, [`FILE_SIZE_BYTES ${target}`], newScratch())));
  }
  return out;
}

function tupleOf(byPid: Map<number, IcebergValue[]>, pid: number): IcebergValue[] {
  const t = byPid.get(pid);
  if (t === undefined) throw internalError(`DuckDB wrote a file for unknown partition id ${pid}`);
  return t;
}

/** Compressed bytes per row of a sample, footer excluded; small samples err on the high side. */
async function sampleBytesPerRow(
  copy: (select: string, extra: string[], to: string) => Promise<CopyStats[]>, select: string, dir: string,
): Promise<number> {
  await mkdir(dir, { recursive: true });
  const [s] = await copy(`${select} USING SAMPLE reservoir(${SAMPLE_ROWS} ROWS) REPEATABLE (7)`, [], path.join(dir, 'sample.parquet'));
  if (!s || s.recordCount === 0n) return Infinity;
  return Number(s.fileSizeBytes - s.footerSizeBytes) / Number(s.recordCount);
}

async function singleThread(engine: Engine): Promise<string> {
  const [row] = await engine.all(`SELECT current_setting('threads')::VARCHAR AS t`, 'read the thread count');
  await engine.run('SET threads = 1', 'switch to one thread for a sorted write or small row groups');
  return String(row!.t);
}

async function restoreThreads(engine: Engine, threads: string): Promise<void> {
  await engine.run(`SET threads = ${Number(threads)}`, 'restore the thread count');
}

/** rename(2) silently replaces; a data file must never be overwritten. */
async function moveNew(from: string, to: string): Promise<void> {
  const exists = await access(to).then(() => true, () => false);
  if (exists) throw ioError(`refusing to overwrite existing data file ${to}`, { context: { file: to } });
  await rename(from, to);
}

/**
 * Row group start offsets, ascending (data_file.split_offsets). As Java's
 * BlockMetaData.getStartingPos: the dictionary page when one precedes the first data page.
 */
async function splitOffsets(engine: Engine, files: readonly string[]): Promise<Map<string, bigint[]>> {
  const out = new Map<string, bigint[]>();
  if (files.length === 0) return out;
  const rows = await engine.all(
    `SELECT file_name, row_group_id, min(CASE WHEN dictionary_page_offset > 0 AND dictionary_page_offset < data_page_offset ` +
      `THEN dictionary_page_offset ELSE data_page_offset END) AS pos ` +
      `FROM parquet_metadata([${files.map(quoteLiteral).join(', ')}]) GROUP BY ALL ORDER BY file_name, pos`,
    'read row group offsets of the written files', { kind: 'io' },
  );
  for (const r of rows) {
    const f = String(r.file_name);
    const list = out.get(f) ?? [];
    list.push(BigInt(r.pos as bigint));
    out.set(f, list);
  }
  return out;
}
