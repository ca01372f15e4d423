/**
 * The columns whose values check messages must not quote (withheldColumns, shared with write
 * errors in governance/withhold.ts), and whether a sql check's value may be quoted.
 */
import type { OutputColumn } from '../governance/sql-lineage.js';

export { withheldColumns } from '../governance/withhold.js';

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
