/**
 * `--where <SQL predicate>`: limits a compaction to the data files holding at least one row
 * that matches (deleted rows excluded). Evaluated by DuckDB over each file's rows, a hundred
 * files per query, each part stopping at its first match (LIMIT 1); Parquet statistics let
 * DuckDB skip most row groups of files that cannot match.
 */
import { usageError } from '../../errors.js';
import type { Engine } from '../../engine/duckdb.js';
import { tableScanSql } from '../../engine/read.js';
import type { FileIO } from '../../io/fileio.js';
import type { TableMetadata } from '../../iceberg/types.js';
import type { ScanPlan, ScanTask } from '../scan.js';

export interface WhereInput {
  engine: Engine;
  io: FileIO;
  metadata: TableMetadata;
  table: string;
  plan: ScanPlan;
  predicate: string;
}

const BATCH = 100;

export async function filterByPredicate(o: WhereInput): Promise<ScanTask[]> {
  const tasks = o.plan.dataFiles;
  if (tasks.length === 0) return [];
  const scan = (ts: ScanTask[]) => tableScanSql({ engine: o.engine, io: o.io, metadata: o.metadata, table: o.table, plan: { ...o.plan, dataFiles: ts } });
  // The predicate is closed on a line of its own, so a trailing `-- comment` in it comments
  // out nothing of floe's. Bind once, so a bad column or syntax is a usage error naming --where. Every file is read
  // in the table schema, so one file binds like the whole table (and stages nothing more).
  const one = await scan(tasks.slice(0, 1));
  try {
    await o.engine.columns(`SELECT 1 FROM (${one.sql}) AS __t WHERE (${o.predicate}\n)`, 'check --where');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw usageError(`--where: not a valid predicate over table ${o.table}: ${o.predicate} (${msg})`, { cause: e, context: { table: o.table } });
  }
  const keep: ScanTask[] = [];
  for (let i = 0; i < tasks.length; i += BATCH) {
    const chunk = tasks.slice(i, i + BATCH);
    const parts: string[] = [];
    for (let j = 0; j < chunk.length; j++) {
      const file = await scan([chunk[j]!]);
      parts.push(`(SELECT ${j} AS f FROM (${file.sql}) AS __t WHERE (${o.predicate}\n) LIMIT 1)`);
    }
    const rows = await o.engine.all(parts.join(' UNION ALL '), `evaluate --where over table ${o.table}`, { context: { table: o.table } });
    for (const r of rows) keep.push(chunk[Number(r.f)]!);
  }
  return keep;
}
