/**
 * The audit log: one row per audited floe command in the Iceberg table floe.audit_log, in one
 * snapshot per command, the table created on first use.
 *
 * The row is written without DuckDB (append.ts, parquet.ts): a command's record then costs
 * no DuckDB session of its own. Only a table append.ts cannot write (partitioned, or given a
 * column type it does not cover) goes through DuckDB and ingest/write-table.ts as
 * floe.check_results does: one `SELECT ... FROM (VALUES ...)` with every column cast.
 *
 * Columns: COLUMNS below (readers must not rely on their order; later versions may add
 * columns).
 */
import type { Catalog } from '../catalog/catalog.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { IcebergValue, PrimitiveType } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import type { AuditActor } from './actor.js';
import { appendRowsWithoutEngine, type RowColumn } from './append.js';
import type { TableChange } from './changes.js';
import { AUDIT_LOG_NAME, AUDIT_LOG_TABLE } from './command.js';
import type { ReportedTable } from './context.js';
import { upkeepAfterAppend } from './upkeep.js';

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
  outcome: 'ok' | 'failed' | 'cancelled';
  exitCode: number;
  errorKind: string | null;
  errorMessage: string | null;
  floeVersion: string;
}

/**
 * floe's bookkeeping tables that a command changes besides its data: the rows they gain are
 * not the command's rows (floe.check_results, checks/history.ts, holds one per check
 * evaluated), so they count towards no row total; they are still listed with their snapshots.
 */
const NOT_DATA = new Set(['floe.check_results']);

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
      if (NOT_DATA.has(c.table)) continue;
      if (s.addedRecords !== null) added = (added ?? 0) + s.addedRecords;
      if (s.deletedRecords !== null) deleted = (deleted ?? 0) + s.deletedRecords;
    }
    // A ref set to an existing snapshot (rollback, tag, branch): that snapshot is what the command acted on.
    for (const ref of c.refs ?? []) if (ref.to !== null && !snapshotIds.includes(ref.to.toString())) snapshotIds.push(ref.to.toString());
    changes.push({
      table: c.table,
      action: c.action,
      snapshots: c.snapshots.map((s) => ({
        snapshot_id: s.snapshotId.toString(),
        operation: s.operation,
        added_records: s.addedRecords,
        deleted_records: s.deletedRecords,
      })),
      ...(c.refs?.length ? { refs: c.refs.map((r) => ({ ref: r.ref, type: r.type, from: r.from?.toString() ?? null, to: r.to?.toString() ?? null })) } : {}),
      ...(c.expiredSnapshots?.length ? { expired_snapshots: c.expiredSnapshots.map(String) } : {}),
      ...(c.layout ? { layout: c.layout } : {}),
    });
  }
  for (const rep of r.reported) {
    tables.add(rep.table);
    const id = rep.snapshotId === undefined || rep.snapshotId === null ? null : rep.snapshotId.toString();
    if (id !== null && !snapshotIds.includes(id)) snapshotIds.push(id);
    changes.push({ table: rep.table, action: rep.action ?? 'reported', snapshot_id: id, rows: rep.rows === undefined || rep.rows === null ? null : Number(rep.rows), ...(rep.files !== undefined ? { files: rep.files } : {}) });
  }
  return { tables: [...tables], snapshotIds, rowsAdded: added, rowsDeleted: deleted, changes };
}

type Summary = ReturnType<typeof summarize>;

const text = (v: string | null | undefined): string | null => (v === null || v === undefined ? null : v.replaceAll('\0', ''));
const long = (v: number | null): bigint | null => (v === null ? null : BigInt(v));
const micros = (ms: number): bigint => BigInt(ms) * 1000n;

/** DuckDB's name for each type an audit column has; the Iceberg type follows (ICEBERG_TYPE), as a table created from the DuckDB query gets it. */
type DuckType = 'VARCHAR' | 'TIMESTAMPTZ' | 'BIGINT' | 'INTEGER';
const ICEBERG_TYPE: Record<DuckType, PrimitiveType> = { VARCHAR: 'string', TIMESTAMPTZ: 'timestamptz', BIGINT: 'long', INTEGER: 'int' };

/**
 * The one list of the audit log's columns: name, type, and the value a record gives it, as
 * written (text without NUL characters, timestamps in microseconds, longs as bigint). The
 * JS-written row (auditRecordValues), the DuckDB query (auditRecordSql) and the schema
 * (AUDIT_COLUMNS) are all derived from it, so a column cannot be added to one and not another.
 */
const COLUMNS: readonly { name: string; type: DuckType; value: (r: AuditRecord, s: Summary) => IcebergValue }[] = [
  { name: 'audit_id', type: 'VARCHAR', value: (r) => text(r.auditId) },
  { name: 'started_at', type: 'TIMESTAMPTZ', value: (r) => micros(r.startedMs) },
  { name: 'finished_at', type: 'TIMESTAMPTZ', value: (r) => micros(r.finishedMs) },
  { name: 'duration_ms', type: 'BIGINT', value: (r) => BigInt(Math.max(0, r.finishedMs - r.startedMs)) },
  { name: 'actor', type: 'VARCHAR', value: (r) => text(r.actor.actor) },
  { name: 'actor_kind', type: 'VARCHAR', value: (r) => text(r.actor.kind) },
  { name: 'ci_system', type: 'VARCHAR', value: (r) => text(r.actor.ciSystem) },
  { name: 'ci_job', type: 'VARCHAR', value: (r) => text(r.actor.ciJob) },
  { name: 'os_user', type: 'VARCHAR', value: (r) => text(r.actor.osUser) },
  { name: 'host', type: 'VARCHAR', value: (r) => text(r.host) },
  { name: 'command', type: 'VARCHAR', value: (r) => text(r.command) },
  { name: 'arguments', type: 'VARCHAR', value: (r) => text(JSON.stringify(r.arguments)) },
  { name: 'project', type: 'VARCHAR', value: (r) => text(r.project) },
  { name: 'tables', type: 'VARCHAR', value: (_, s) => text(s.tables.join(',')) },
  { name: 'snapshot_ids', type: 'VARCHAR', value: (_, s) => text(s.snapshotIds.join(',')) },
  { name: 'rows_added', type: 'BIGINT', value: (_, s) => long(s.rowsAdded) },
  { name: 'rows_deleted', type: 'BIGINT', value: (_, s) => long(s.rowsDeleted) },
  { name: 'changes', type: 'VARCHAR', value: (_, s) => text(JSON.stringify(s.changes)) },
  { name: 'outcome', type: 'VARCHAR', value: (r) => text(r.outcome) },
  { name: 'exit_code', type: 'INTEGER', value: (r) => r.exitCode },
  { name: 'error_kind', type: 'VARCHAR', value: (r) => text(r.errorKind) },
  { name: 'error_message', type: 'VARCHAR', value: (r) => text(r.errorMessage) },
  { name: 'floe_version', type: 'VARCHAR', value: (r) => text(r.floeVersion) },
];

/** The audit log's columns as append.ts takes them. */
export const AUDIT_COLUMNS: readonly RowColumn[] = COLUMNS.map(({ name, type }) => ({ name, type: ICEBERG_TYPE[type] }));

/** The record's values in column order, as written. */
export function auditRecordValues(r: AuditRecord): IcebergValue[] {
  const s = summarize(r);
  return COLUMNS.map((c) => c.value(r, s));
}

/** One value of auditRecordValues as the SQL literal the DuckDB path casts to the column's type. */
function sqlLiteral(type: DuckType, v: IcebergValue): string {
  if (v === null) return 'NULL';
  // Whole milliseconds (micros() of a ms time), spelled as before: ISO-8601 in UTC.
  if (type === 'TIMESTAMPTZ') return quoteLiteral(new Date(Number((v as bigint) / 1000n)).toISOString());
  if (type === 'VARCHAR') return quoteLiteral(v as string);
  return (v as bigint | number).toString();
}

/** The record as one DuckDB query returning one row (the DuckDB path of appendAuditRecord). */
export function auditRecordSql(r: AuditRecord): string {
  const s = summarize(r);
  const values = COLUMNS.map((c) => sqlLiteral(c.type, c.value(r, s)));
  const names = COLUMNS.map((c) => quoteIdent(c.name));
  const select = COLUMNS.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
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
    // The log's upkeep (upkeep.ts) when the append left it due.
    if (done.metadata) await upkeepAfterAppend(o.catalog, o.io, AUDIT_LOG_TABLE, AUDIT_LOG_NAME, done.metadata, 'the next command tries again');
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
