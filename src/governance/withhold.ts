/**
 * The table columns whose values a failed write must not quote (ingest/reconcile.ts
 * `withheld`): its messages reach the terminal, `--json` events and floe.audit_log's
 * error_message, where no mask applies. Pure: no IO.
 */
import { withheldColumns } from '../checks/withheld.js';
import type { TableMetadata } from '../iceberg/types.js';
import type { PiiColumn } from './policy.js';

/**
 * Every column a PII tag with a policy other than `none` reaches: the table's tags (set by
 * pipelines or by hand with `floe table evolve --set-property`, followed across renames) and
 * the writer's own (`pii`: a pipeline's rules, which a first run's table does not hold yet).
 * Lower-cased. A tag floe cannot read withholds every column's values rather than none.
 */
export function writeWithheld(m: TableMetadata, table: string, pii: readonly PiiColumn[] = []): Set<string> {
  try {
    return withheldColumns(table, m, pii);
  } catch {
    const current = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
    return new Set((current?.fields ?? []).map((f) => f.name.toLowerCase()));
  }
}
