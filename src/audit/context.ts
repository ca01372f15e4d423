/**
 * The audit context of the running command: what the audit log records besides what it
 * observes in the catalog (changes.ts). A command may report tables, snapshots and row counts
 * that the catalog cannot show (for example rows read, or a table it only checked):
 *
 *   import { currentAudit } from '../../audit/context.js';
 *   currentAudit()?.reportTable('crm.contacts', { snapshotId, rows });
 *
 * Outside a command (library use, tests) there is no context and reports go nowhere.
 */
export interface ReportedTable {
  table: string;
  /** What the command did with it, in the row's `changes` (`checked`); `reported` when not said. */
  action?: string;
  snapshotId?: bigint | null;
  rows?: number | bigint | null;
  /** Files the command deleted or changed outside any commit (`floe maintain orphans`). */
  files?: number;
}

export interface ReportedError {
  kind: string;
  message: string;
}

export class AuditContext {
  readonly reported: ReportedTable[] = [];
  /** Failures of a command that ends with a non-zero exit code rather than an exception (a run's failed pipelines, failed checks). */
  readonly errors: ReportedError[] = [];

  reportError(kind: string, message: string): void {
    this.errors.push({ kind, message });
  }

  reportTable(table: string, detail: Omit<ReportedTable, 'table'> = {}): void {
    this.reported.push({ table, ...detail });
  }
}

let current: AuditContext | undefined;

export function currentAudit(): AuditContext | undefined {
  return current;
}

/** Used by the command wrapper (cli/lazy.ts) only. */
export function setCurrentAudit(ctx: AuditContext | undefined): void {
  current = ctx;
}
