/**
 * The audit log: one row per audited floe command in the Iceberg table floe.audit_log, in one
 * snapshot per command, the table created on first use.
 *
 * The row is written without DuckDB (append.ts, parquet.ts): a command's record then costs
 * no DuckDB session of its own. Only a table append.ts cannot write (partitioned, or given a
 * column type it does not cover) goes through DuckDB and ingest/write-table.ts as
 * floe.check_results does: one `SELECT ... FROM (VALUES ...)` with every column cast.
 *
 * Columns (readers must not rely on their order; later versions may add columns):
 *   audit_id, started_at, finished_at, duration_ms, actor, actor_kind, ci_system, ci_job,
 *   os_user, host, command, arguments, project, tables, snapshot_ids, rows_added,
 *   rows_deleted, changes, outcome, exit_code, error_kind, error_message, floe_version
 */
import type { Catalog } from '../catalog/catalog.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { IcebergValue, PrimitiveType, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import type { AuditActor } from './actor.js';
import { appendRowsWithoutEngine, type RowColumn } from './append.js';
import type { TableChange } from './changes.js';
import { AUDIT_LOG_NAME, AUDIT_LOG_TABLE } from './command.js';
import type { ReportedTable } from './context.js';
import { upkeepDue } from './upkeep.js';

export interface AuditRecord {
  auditId: string;
  startedMs: number;
  finishedMs: number;
  actor: AuditActor;
  host: string | null;
  /** `run`, `table drop`, ... */
  command: string;
  /** The command line after `floe`, secrets redacted. */
  arguments: readonly string[];
  project: string | null;
  changes: readonly TableChange[];
  reported: readonly ReportedTable[];
  outcome: 'ok' | 'failed';
  exitCode: number;
  errorKind: string | null;
  errorMessage: string | null;
  floeVersion: string;
}

/** Name and DuckDB type; the Iceberg type follows (ICEBERG_TYPE), as a table created from the DuckDB query gets it. */
const COLUMNS: [name: string, type: 'VARCHAR' | 'TIMESTAMPTZ' | 'BIGINT' | 'INTEGER'][] = [
  ['audit_id', 'VARCHAR'],
  ['started_at', 'TIMESTAMPTZ'],
  ['finished_at', 'TIMESTAMPTZ'],
  ['duration_ms', 'BIGINT'],
  ['actor', 'VARCHAR'],
  ['actor_kind', 'VARCHAR'],
  ['ci_system', 'VARCHAR'],
  ['ci_job', 'VARCHAR'],
  ['os_user', 'VARCHAR'],
  ['host', 'VARCHAR'],
  ['command', 'VARCHAR'],
  ['arguments', 'VARCHAR'],
  ['project', 'VARCHAR'],
  ['tables', 'VARCHAR'],
  ['snapshot_ids', 'VARCHAR'],
  ['rows_added', 'BIGINT'],
  ['rows_deleted', 'BIGINT'],
  ['changes', 'VARCHAR'],
  ['outcome', 'VARCHAR'],
  ['exit_code', 'INTEGER'],
  ['error_kind', 'VARCHAR'],
  ['error_message', 'VARCHAR'],
  ['floe_version', 'VARCHAR'],
];

const ICEBERG_TYPE: Record<(typeof COLUMNS)[number][1], PrimitiveType> = { VARCHAR: 'string', TIMESTAMPTZ: 'timestamptz', BIGINT: 'long', INTEGER: 'int' };

/** The audit log's columns as append.ts takes them. */
export const AUDIT_COLUMNS: readonly RowColumn[] = COLUMNS.map(([name, type]) => ({ name, type: ICEBERG_TYPE[type] }));

const text = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : quoteLiteral(v.replaceAll('\0', '')));
const num = (v: number | bigint | null | undefined) => (v === null || v === undefined ? 'NULL' : v.toString());

/** The tables, snapshot ids and row totals of a record: detected changes first, then reports. */
export function summarize(r: Pick<AuditRecord, 'changes' | 'reported'>): {
  tables: string[];
  snapshotIds: string[];
  rowsAdded: number | null;
  rowsDeleted: number | null;
  changes: unknown[];
} {
  const tables = new Set<string>();
  const snapshotIds: string[] = [];
  let added: number | null = null;
  let deleted: number | null = null;
  const changes: unknown[] = [];
  for (const c of r.changes) {
    tables.add(c.table);
    for (const s of c.snapshots) {
      snapshotIds.push(s.snapshotId.toString());
      if (s.addedRecords !== null) added = (added ?? 0) + s.addedRecords;
      if (s.deletedRecords !== null) deleted = (deleted ?? 0) + s.deletedRecords;
    }
    changes.push({
      table: c.table,
      action: c.action,
      snapshots: c.snapshots.map((s) => ({
        snapshot_id: s.snapshotId.toString(),
        operation: s.operation,
        added_records: s.addedRecords,
        deleted_records: s.deletedRecords,
      })),
    });
  }
  for (const rep of r.reported) {
    tables.add(rep.table);
    const id = rep.snapshotId === undefined || rep.snapshotId === null ? null : rep.snapshotId.toString();
    if (id !== null && !snapshotIds.includes(id)) snapshotIds.push(id);
    changes.push({ table: rep.table, action: 'reported', snapshot_id: id, rows: rep.rows === undefined || rep.rows === null ? null : Number(rep.rows) });
  }
  return { tables: [...tables], snapshotIds, rowsAdded: added, rowsDeleted: deleted, changes };
}

/**
 * The record's values in column order, as written: text without NUL characters, timestamps
 * in microseconds, longs as bigint.
 */
export function auditRecordValues(r: AuditRecord): IcebergValue[] {
  const s = summarize(r);
  const t = (v: string | null | undefined): string | null => (v === null || v === undefined ? null : v.replaceAll('\0', ''));
  const long = (v: number | null): bigint | null => (v === null ? null : BigInt(v));
  return [
    t(r.auditId),
    BigInt(r.startedMs) * 1000n,
    BigInt(r.finishedMs) * 1000n,
    BigInt(Math.max(0, r.finishedMs - r.startedMs)),
    t(r.actor.actor),
    t(r.actor.kind),
    t(r.actor.ciSystem),
    t(r.actor.ciJob),
    t(r.actor.osUser),
    t(r.host),
    t(r.command),
    t(JSON.stringify(r.arguments)),
    t(r.project),
    t(s.tables.join(',')),
    t(s.snapshotIds.join(',')),
    long(s.rowsAdded),
    long(s.rowsDeleted),
    t(JSON.stringify(s.changes)),
    t(r.outcome),
    r.exitCode,
    t(r.errorKind),
    t(r.errorMessage),
    t(r.floeVersion),
  ];
}

/** The record as one DuckDB query returning one row (the DuckDB path of appendAuditRecord). */
export function auditRecordSql(r: AuditRecord): string {
  const s = summarize(r);
  const values = [
    text(r.auditId),
    text(new Date(r.startedMs).toISOString()),
    text(new Date(r.finishedMs).toISOString()),
    num(Math.max(0, r.finishedMs - r.startedMs)),
    text(r.actor.actor),
    text(r.actor.kind),
    text(r.actor.ciSystem),
    text(r.actor.ciJob),
    text(r.actor.osUser),
    text(r.host),
    text(r.command),
    text(JSON.stringify(r.arguments)),
    text(r.project),
    text(s.tables.join(',')),
    text(s.snapshotIds.join(',')),
    num(s.rowsAdded),
    num(s.rowsDeleted),
    text(JSON.stringify(s.changes)),
    text(r.outcome),
    num(r.exitCode),
    text(r.errorKind),
    text(r.errorMessage),
    text(r.floeVersion),
  ];
  const names = COLUMNS.map(([n]) => quoteIdent(n));
  const select = COLUMNS.map(([n, t]) => `CAST(${quoteIdent(n)} AS ${t}) AS ${quoteIdent(n)}`).join(', ');
  return `SELECT ${select} FROM (VALUES (${values.join(', ')})) AS __audit(${names.join(', ')})`;
}

export interface AppendAuditOptions {
  catalog: Catalog;
  io: FileIO;
  warehouse: string;
  record: AuditRecord;
}

/** Appends the record to floe.audit_log (created on first use) in one snapshot. */
export async function appendAuditRecord(o: AppendAuditOptions): Promise<void> {
  const done = await appendRowsWithoutEngine({
    catalog: o.catalog,
    io: o.io,
    id: AUDIT_LOG_TABLE,
    warehouse: o.warehouse,
    columns: AUDIT_COLUMNS,
    rows: [auditRecordValues(o.record)],
  });
  if (done) {
    if (done.metadata) await upkeepAfterAppend(o, done.metadata);
    return;
  }
  const [{ openEngine }, { writeTable }] = await Promise.all([import('../engine/duckdb.js'), import('../ingest/write-table.js')]);
  const engine = await openEngine({ threads: 1 });
  try {
    await writeTable({
      catalog: o.catalog,
      io: o.io,
      engine,
      id: AUDIT_LOG_TABLE,
      selectSql: auditRecordSql(o.record),
      mode: 'append',
      warehouse: o.warehouse,
      schemaPolicy: 'add_columns',
    });
  } finally {
    engine.close();
  }
}

/**
 * The log's upkeep (upkeep.ts) when the append left it due: the record is committed, so a
 * failure here is a warning on stderr and the next append tries again.
 */
async function upkeepAfterAppend(o: AppendAuditOptions, metadata: TableMetadata): Promise<void> {
  const due = upkeepDue(metadata);
  if (!due.compact && !due.expire) return;
  try {
    const { runUpkeep } = await import('./upkeep.js');
    await runUpkeep(o.catalog, o.io, AUDIT_LOG_TABLE, due);
  } catch (e) {
    process.stderr.write(`floe: warning: the upkeep of ${AUDIT_LOG_NAME} (compaction, expiry) did not finish; the next command tries again: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
