/**
 * The columns whose values check messages must not quote: every column a PII tag with a
 * policy other than `none` reaches, by the table's tags (which follow renames,
 * governance/tags.ts) and, for a run, the pipeline's own `pii:` rules (a first run's table
 * has no tags yet). Lower-cased, as DuckDB binds names.
 */
import type { PiiColumn } from '../governance/policy.js';
import type { OutputColumn } from '../governance/sql-lineage.js';
import { currentColumnTags, type TaggedTable } from '../governance/tags.js';

export function withheldColumns(table: string, tagged: TaggedTable | undefined, extra: readonly PiiColumn[] = []): Set<string> {
  const tags = [...(tagged ? currentColumnTags(tagged, table) : []), ...extra];
  return new Set(tags.filter((c) => c.policy !== 'none').map((c) => c.column.toLowerCase()));
}

/**
 * Whether a value a sql check returns may be quoted (message, `observed`): not when it derives
 * from a withheld column of the checked table (`self`: the names the query gives it, lower-
 * case), nor from any column of another table (its tags are not known here), nor when its
 * lineage cannot be followed (governance/sql-lineage.ts). A count derives from no column.
 */
export function sqlValueWithheld(lineage: readonly OutputColumn[] | null, self: ReadonlySet<string>, withheld: ReadonlySet<string>): boolean {
  if (lineage === null || lineage.length !== 1) return true;
  const { taint } = lineage[0]!;
  if (taint.unsure) return true;
  for (const key of taint.from) {
    const [table = '', column = ''] = key.split('\u0000');
    if (!self.has(table) || withheld.has(column.toLowerCase())) return true;
  }
  return false;
}
