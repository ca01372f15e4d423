/**
 * Running a compaction: plan (plan.ts), then per commit batch read the groups' rows through
 * the table reader (deletes applied, so deleted rows disappear), write new Parquet data files
 * in the current partition spec, and commit a `replace` snapshot that removes the rewritten
 * data files and the delete files that no longer apply to any live data file.
 *
 * Commits go through commitTable's retry loop; each attempt rebuilds the snapshot on the
 * latest table (concurrent appends survive) after validate.ts has checked that no rewritten
 * file was removed or got new deletes meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Catalog } from '../../catalog/catalog.js';
import { formatTableId } from '../../catalog/catalog.js';
import { FloeError, internalError } from '../../errors.js';
import type { Engine } from '../../engine/duckdb.js';
import { tableScanSql } from '../../engine/read.js';
import { quoteIdent } from '../../engine/sql.js';
import { transformSql } from '../../engine/transform-sql.js';
import { registerFloeFunctions } from '../../engine/udf.js';
import { DEFAULT_ROW_GROUP_ROWS, type PartitionColumn, refuseUnwritableFixed, writeDataFiles } from '../../engine/write-parquet.js';
import { fieldById } from '../../iceberg/schema.js';
import { resultType, toHumanString } from '../../iceberg/transforms/index.js';
import type { DataFile, Schema, TableIdentifier, TableMetadata } from '../../iceberg/types.js';
import type { FileIO } from '../../io/fileio.js';
import { joinLocation } from '../../io/fileio.js';
import { type CommitEvents, commitTable, discardUncommitted } from '../commit.js';
import { newFileLocation, partitionFolder } from '../data-location.js';
import { loadTable, type LoadedTable } from '../load.js';
import { planScan, type ScanPlan, type ScanTask } from '../scan.js';
import { buildSnapshotChange, newSnapshotId, refuseRowLineage, specById, stagingDir, writeAddedManifest } from '../snapshot-producer.js';
import { resolveOrder, type ResolvedOrder, zBoundsSql, zOrderSql } from './order-sql.js';
import { type BatchOptions, commitBatches, type CompactFile, type CompactPlan, type FileGroup, planCompaction, type PlanOptions, thresholds } from './plan.js';
import { describeStrategy, type Strategy } from './strategy.js';
import { validateRewrite } from './validate.js';
import { filterByPredicate } from './where.js';
import { positiveLongProperty } from '../table-properties.js';

const DEFAULT_TARGET_FILE_SIZE = 512n * 1024n * 1024n; // Iceberg's write.target-file-size-bytes default
const TARGET_FILE_SIZE_PROPERTY = 'write.target-file-size-bytes';
/** Above this many groups in the current spec, a batch is written by one partitioned COPY instead of one COPY per group. */
const MAX_GROUP_WRITES = 32;

export interface CompactOptions extends Omit<PlanOptions, 'targetFileSizeBytes' | 'currentSpecId'>, BatchOptions {
  catalog: Catalog;
  io: FileIO;
  engine: Engine;
  id: TableIdentifier;
  strategy: Strategy;
  /** Default: the table's write.target-file-size-bytes, else 512 MiB. */
  targetFileSizeBytes?: bigint;
  /** Parquet row group size in rows of the new files (DuckDB's default when absent); files roll at row-group boundaries. */
  rowGroupSize?: number;
  /** A DuckDB SQL predicate over the table's columns. */
  where?: string;
  dryRun?: boolean;
  events?: CommitEvents & {
    /** The plan, before anything is written. */
    onPlan?: (plan: CompactPlan, partitions: readonly string[]) => void;
    onCommit?: (c: CompactCommit) => void;
  };
  /** Called after a batch's files are written, before its commit (tests use it to race a writer). */
  beforeCommit?: (batch: number) => Promise<void>;
}

export interface CompactCommit {
  batch: number;
  snapshotId: bigint;
  groups: number;
  rewrittenDataFiles: number;
  addedDataFiles: number;
  removedDeleteFiles: number;
  rewrittenRecords: bigint;
  addedRecords: bigint;
  rewrittenBytes: bigint;
  addedBytes: bigint;
  attempts: number;
}

export interface CompactResult {
  table: string;
  strategy: string;
  dryRun: boolean;
  /** The snapshot that was read; null for a table without snapshots. */
  startSnapshotId: bigint | null;
  plan: CompactPlan;
  /** Each group's partition as people read it (`ts_day=2024-05-01`), in plan.groups order; '' unpartitioned. */
  partitions: string[];
  /** Live data files of the snapshot read, before --where (plan.totalFiles counts those after it). */
  tableFiles: number;
  /** Delete files that apply to no live data file; the first commit removes them (a dry run: would). */
  danglingDeletes: string[];
  commits: CompactCommit[];
}

export async function compactTable(o: CompactOptions): Promise<CompactResult> {
  const name = formatTableId(o.id);
  const table = await loadTable(o.catalog, o.io, o.id);
  const m = table.metadata;
  const startSnapshotId = m.refs['main']?.['snapshot-id'] ?? m['current-snapshot-id'] ?? null;
  const scanPlan = await planScan({ io: table.io, metadata: m, table: name, snapshot: { kind: 'current' } });
  const order = resolveOrder(o.strategy, m, scanPlan.schema, name);
  // A value Java's Long.parseLong refuses (`128MB`) is refused, not replaced by the default (table-properties.ts).
  const propertyTarget = positiveLongProperty(m.properties, TARGET_FILE_SIZE_PROPERTY, name);
  const target = o.targetFileSizeBytes ?? propertyTarget ?? DEFAULT_TARGET_FILE_SIZE;
  const targetFrom = o.targetFileSizeBytes !== undefined ? '--target-file-size' : propertyTarget !== undefined ? `table property ${TARGET_FILE_SIZE_PROPERTY}` : 'the default';
  const planOptions: PlanOptions = { ...o, targetFileSizeBytes: target, targetFrom, currentSpecId: m['default-spec-id'] };
  thresholds(planOptions); // size options that contradict each other fail before --where reads any file
  const tasks = o.where !== undefined
    ? await filterByPredicate({ engine: o.engine, io: table.io, metadata: m, table: name, plan: scanPlan, predicate: o.where })
    : scanPlan.dataFiles;
  const plan = planCompaction(tasks.map(compactFile), planOptions);
  // Which data files each delete file applies to, at the start snapshot.
  const appliesTo = new Map<string, Set<string>>();
  for (const t of scanPlan.dataFiles) {
    for (const d of t.deletes) {
      const s = appliesTo.get(d.file.file_path) ?? new Set<string>();
      s.add(t.file.file_path);
      appliesTo.set(d.file.file_path, s);
    }
  }
  // Dangling delete files apply to no live data file (another engine's rewrite leaves them:
  // Java's rewrite_data_files keeps them unless remove-dangling-deletes). They go with the
  // first commit, or in a commit of their own when no file group is due. No data file can
  // come under one later: a new file's data sequence number is above it, and a rewrite that
  // keeps older ones replaces files it would apply to already.
  const danglingDeletes = scanPlan.deleteFiles.map((d) => d.file.file_path).filter((p) => !appliesTo.has(p)).sort();
  for (const p of danglingDeletes) appliesTo.set(p, new Set());
  const partitions = plan.groups.map((g) => partitionLabel(m, scanPlan.schema, g));
  const result: CompactResult = {
    table: name, strategy: describeStrategy(o.strategy), dryRun: o.dryRun === true, startSnapshotId, plan, partitions, tableFiles: scanPlan.dataFiles.length, danglingDeletes, commits: [],
  };
  o.events?.onPlan?.(plan, partitions);
  if (o.dryRun || (plan.groups.length === 0 && danglingDeletes.length === 0)) return result;
  // Refused before any file is written, as `maintain manifests` does; the dry run still plans.
  refuseRowLineage(m, name, 'compacts', 'compact it with an engine that writes v3, e.g. Spark: CALL system.rewrite_data_files');
  // Likewise a column the rewritten files could not hold; removing dangling delete files alone writes no data file.
  if (plan.groups.length > 0) refuseUnwritableFixed(scanPlan.schema, name);

  registerFloeFunctions(o.engine.connection);
  const byPath = new Map(scanPlan.dataFiles.map((t) => [t.file.file_path, t] as const));
  const knownDeletes = new Set(scanPlan.deleteFiles.map((d) => d.file.file_path));
  const rewrittenSoFar = new Set<string>();
  const removedDeletes = new Set<string>();
  const batches = commitBatches(plan.groups, o);
  if (batches.length === 0) batches.push([]); // only dangling delete files to remove
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i]!;
    try {
      const c = await rewriteBatch(o, table, scanPlan, order, target, batch, i, byPath, {
        appliesTo, knownDeletes, rewrittenSoFar, removedDeletes, startSnapshotId,
      });
      result.commits.push(c);
      o.events?.onCommit?.(c);
    } catch (e) {
      if (result.commits.length === 0 || !(e instanceof FloeError)) throw e;
      // Partial progress: earlier batches are committed and stay so; say which.
      throw new FloeError(e.kind, `${e.message} (partial progress: ${result.commits.length} of ${batches.length} commits landed, snapshots ${result.commits.map((c) => c.snapshotId).join(', ')})`, {
        cause: e, context: { ...e.context, committed: result.commits.length }, hint: e.hint, retryable: false,
      });
    }
  }
  return result;
}

function compactFile(t: ScanTask): CompactFile {
  return {
    path: t.file.file_path,
    specId: t.specId,
    partition: t.file.partition,
    sizeBytes: t.file.file_size_in_bytes,
    records: t.file.record_count,
    deleteFiles: t.deletes.length,
  };
}


interface BatchState {
  appliesTo: Map<string, Set<string>>;
  knownDeletes: Set<string>;
  rewrittenSoFar: Set<string>;
  removedDeletes: Set<string>;
  startSnapshotId: bigint | null;
}

async function rewriteBatch(
  o: CompactOptions,
  table: LoadedTable,
  scanPlan: ScanPlan,
  order: ResolvedOrder,
  target: bigint,
  groups: FileGroup[],
  index: number,
  byPath: Map<string, ScanTask>,
  st: BatchState,
): Promise<CompactCommit> {
  const name = formatTableId(o.id);
  const m = table.metadata;
  const schema = scanPlan.schema;
  const spec = specById(m, m['default-spec-id']);
  const tasksOf = (gs: readonly FileGroup[]) => gs.flatMap((g) => g.files.map((f) => byPath.get(f.path) ?? missing(f.path)));
  const tasks = tasksOf(groups);
  const rewritten = new Set(tasks.map((t) => t.file.file_path));
  const sortOrderId = order.kind === 'sort' ? order.sortOrderId : null;

  // Write units. A group already in the current spec keeps its partition tuple (every row of
  // its files has it), so it is written unpartitioned, streamed by one COPY rolling files at
  // the target size. Groups of older specs are re-partitioned together by the writer. Many
  // small groups also go through the partitioned path: one COPY beats hundreds.
  const current = groups.filter((g) => g.specId === m['default-spec-id']);
  const perGroup = current.length <= MAX_GROUP_WRITES ? current : [];
  const repartition = groups.filter((g) => !perGroup.includes(g));
  const units = [
    ...perGroup.map((g) => ({ tasks: tasksOf([g]), partition: g.partition as DataFile['partition'] | null })),
    ...(repartition.length > 0 ? [{ tasks: tasksOf(repartition), partition: null }] : []),
  ];

  const staging = stagingDir(m.location);
  const moved: string[] = [];
  const metadataFiles: string[] = [];
  try {
    const files: DataFile[] = [];
    for (const unit of units) {
      const selectSql = (await tableScanSql({ engine: o.engine, io: table.io, metadata: m, table: name, plan: { ...scanPlan, dataFiles: unit.tasks } })).sql;
      const orderBy = await orderSql(o.engine, order, selectSql, name);
      const written = await writeDataFiles({
        engine: o.engine,
        selectSql,
        schema,
        partition: unit.partition === null ? partitionColumns(m, schema, name) : [],
        targetFileSizeBytes: target,
        outputDir: staging,
        fileNamePrefix: randomUUID(),
        ...(orderBy !== undefined ? { orderBy } : {}),
        rowGroupSize: o.rowGroupSize ?? rowGroupRows(target, unit.tasks),
        table: name,
      });
      for (const wf of written) {
        const partition = unit.partition ?? wf.dataFile.partition;
        const location = newFileLocation(m, partitionFolder(spec, schema, partition), basename(wf.localPath));
        await table.io.putLocalFile(wf.localPath, location);
        moved.push(location);
        files.push({ ...wf.dataFile, partition, file_path: location, ...(sortOrderId !== null ? { sort_order_id: sortOrderId } : {}) });
      }
    }
    const manifest = files.length ? [await writeAddedManifest(table.io, m, files, 'data', m['default-spec-id'], schema)] : [];
    if (manifest[0]) moved.push(manifest[0].location);

    // A delete file is dropped once every data file it applied to has been rewritten.
    const done = new Set([...st.rewrittenSoFar, ...rewritten]);
    const deletes = [...st.appliesTo].filter(([d, data]) => !st.removedDeletes.has(d) && [...data].every((p) => done.has(p))).map(([d]) => d);
    const removeFiles = new Set([...rewritten, ...deletes]);
    const snapshotId = newSnapshotId(m);
    await o.beforeCommit?.(index);
    const build = async (base: LoadedTable) => {
      await validateRewrite(base, { table: name, startSnapshotId: st.startSnapshotId, rewritten, knownDeletes: st.knownDeletes });
      return buildSnapshotChange(base, {
        operation: 'replace',
        snapshotId,
        added: manifest,
        addedFiles: files,
        removeFiles,
        summary: { 'floe.compact.strategy': describeStrategy(o.strategy) },
        written: metadataFiles,
      });
    };
    let attempts: number;
    try {
      attempts = (await commitTable(o.catalog, o.io, o.id, build, o.events)).attempts;
    } catch (e) {
      moved.push(...metadataFiles);
      throw e;
    }
    for (const p of rewritten) st.rewrittenSoFar.add(p);
    for (const d of deletes) st.removedDeletes.add(d);
    return {
      batch: index,
      snapshotId,
      groups: groups.length,
      rewrittenDataFiles: tasks.length,
      addedDataFiles: files.length,
      removedDeleteFiles: deletes.length,
      rewrittenRecords: tasks.reduce((a, t) => a + t.file.record_count, 0n),
      addedRecords: files.reduce((a, f) => a + f.record_count, 0n),
      rewrittenBytes: tasks.reduce((a, t) => a + t.file.file_size_in_bytes, 0n),
      addedBytes: files.reduce((a, f) => a + f.file_size_in_bytes, 0n),
      attempts,
    };
  } catch (e) {
    // The commit did not happen, so nothing references these files — unless its outcome is
    // unknown (commit.ts): then they may be live and are kept for `maintain orphans`.
    await discardUncommitted(table.io, moved, e);
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** DuckDB rounds a row group up to whole vectors of 2,048 rows. */
const MIN_ROW_GROUP_ROWS = 2_048;
/** Row groups per target-sized file: a file then ends at most an eighth of the target past it. */
const ROW_GROUPS_PER_FILE = 8;

/**
 * The row group size of a write unit. The writer rolls files only at row-group boundaries,
 * so with DuckDB's default of 122,880 rows a target below one row group's bytes gave files
 * larger than max-file-size: the next compaction picked them again ("a file larger than
 * max-file-size-bytes", or more than the target in one group) and rewrote the same data on
 * every run. The rows per target are estimated from the input files' bytes per row; the
 * default stays whenever a row group of it fits the target eight times.
 */
function rowGroupRows(target: bigint, tasks: readonly ScanTask[]): number {
  const bytes = tasks.reduce((a, t) => a + t.file.file_size_in_bytes, 0n);
  const rows = tasks.reduce((a, t) => a + t.file.record_count, 0n);
  if (bytes <= 0n || rows <= 0n) return DEFAULT_ROW_GROUP_ROWS;
  const perGroup = (target * rows) / bytes / BigInt(ROW_GROUPS_PER_FILE);
  if (perGroup >= BigInt(DEFAULT_ROW_GROUP_ROWS)) return DEFAULT_ROW_GROUP_ROWS;
  return Math.max(MIN_ROW_GROUP_ROWS, Number(perGroup));
}

/** The ORDER BY of a write unit: the sort order, or the Z-value scaled to the unit's own ranges. */
async function orderSql(engine: Engine, order: ResolvedOrder, selectSql: string, name: string): Promise<string | undefined> {
  if (order.kind === 'sort') return order.orderBy;
  if (order.kind !== 'zorder') return undefined;
  const [row] = await engine.all(zBoundsSql(order.columns, selectSql), `compute the z-order ranges of ${name}`);
  const bounds = order.columns.map((_, j) => ({ lo: toNum(row?.[`lo${j}`]), hi: toNum(row?.[`hi${j}`]) }));
  return zOrderSql(order.columns, bounds);
}

/** The current partition spec as SQL over the schema's columns. */
function partitionColumns(m: TableMetadata, schema: Schema, name: string): PartitionColumn[] {
  return specById(m, m['default-spec-id']).fields.map((f) => {
    const source = fieldById(schema, f['source-id']);
    if (!source || typeof source.type !== 'string') {
      throw new FloeError('schema', `table ${name}: partition field ${f.name} has source ${f['source-id']}, which is not a primitive column of the current schema`);
    }
    const column = source.path.map(quoteIdent).join('.');
    return { name: f.name, sql: transformSql(f.transform, source.type, column), type: resultType(f.transform, source.type) };
  });
}

function toNum(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function missing(path: string): never {
  throw internalError(`compaction planned file ${path}, which the scan does not list`);
}

/**
 * A group's partition in the words of partition paths (`ts_day=2024-05-01, id_bucket=3`;
 * spec: "Partition Transforms" human strings), not the stored values (a day is 19844).
 */
function partitionLabel(m: TableMetadata, schema: Schema, g: FileGroup): string {
  const spec = m['partition-specs'].find((s) => s['spec-id'] === g.specId);
  if (!spec || spec.fields.length === 0) return '';
  return spec.fields
    .map((f, i) => {
      const v = g.partition[i] ?? null;
      const source = fieldById(schema, f['source-id']);
      let text: string;
      try {
        text = source && typeof source.type === 'string' ? toHumanString(f.transform, source.type, v) : String(v);
      } catch {
        text = String(v);
      }
      return `${f.name}=${text}`;
    })
    .join(', ');
}
