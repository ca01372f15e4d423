/**
 * The columns whose values check messages must not quote: every column a PII tag with a
 * policy other than `none` reaches, by the table's tags (which follow renames,
 * governance/tags.ts) and, for a run, the pipeline's own `pii:` rules (a first run's table
 * has no tags yet). Lower-cased, as DuckDB binds names.
 */
import type { PiiColumn } from '../governance/policy.js';
import { currentColumnTags, type TaggedTable } from '../governance/tags.js';

export function withheldColumns(table: string, tagged: TaggedTable | undefined, extra: readonly PiiColumn[] = []): Set<string> {
  const tags = [...(tagged ? currentColumnTags(tagged, table) : []), ...extra];
  return new Set(tags.filter((c) => c.policy !== 'none').map((c) => c.column.toLowerCase()));
}
