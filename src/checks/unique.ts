/**
 * `unique: [columns]` — no two rows share a value of the columns (one composite key). Needs
 * the whole table: a new row may duplicate an old one. As in SQL's UNIQUE, a key with a
 * NULL part equals nothing, so such rows are never duplicates (use not_null for that).
 * Values are not printed: keys are often emails or phone numbers.
 */
import { col, plural, resolveColumn, targetFor, toNumber } from './common.js';
import type { Evaluator } from './types.js';

export const unique: Evaluator<'unique'> = async (check, ctx) => {
  const t = targetFor(ctx, 'table');
  const cols = check.columns.map((name) => resolveColumn(t, name, ctx.table));
  const keys = cols.map(col).join(', ');
  const present = cols.map((c) => `${col(c)} IS NOT NULL`).join(' AND ');
  const row =
    (
      await ctx.all(
        `SELECT count(*) AS keys, coalesce(sum(n), 0) AS rows FROM ` +
          `(SELECT count(*) AS n FROM ${t.sql} WHERE ${present} GROUP BY ${keys} HAVING count(*) > 1) AS __dup`,
      )
    )[0] ?? {};
  const dupKeys = toNumber(row.keys);
  const dupRows = toNumber(row.rows);
  const what = cols.length === 1 ? cols[0]!.name : `(${cols.map((c) => c.name).join(', ')})`;
  return {
    passed: dupKeys === 0,
    scope: t.scope,
    observed: dupKeys,
    expected: '0 duplicates',
    message: dupKeys === 0 ? `every ${what} is unique` : `${plural(dupKeys, `value of ${what} occurs`, `values of ${what} occur`)} more than once, in ${plural(dupRows, 'row')}`,
  };
};
