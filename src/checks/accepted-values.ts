/**
 * `accepted_values: { column, values }` — every non-NULL value is one of the list. Row-level.
 * On a text column every listed value is compared as text (`values: [1, 2]` means '1', '2');
 * on other columns DuckDB casts the literals to the column's type, and a literal that does
 * not fit (`'x'` for an int column) is an evaluation error.
 */
import { col, examples, isText, listText, literalSql, plural, resolveColumn, targetFor, toNumber } from './common.js';
import type { Evaluator } from './types.js';

export const acceptedValues: Evaluator<'accepted_values'> = async (check, ctx) => {
  const t = targetFor(ctx, 'batch');
  const c = resolveColumn(t, check.column, ctx.table);
  const list = check.values.map((v) => literalSql(isText(c) ? String(v) : v)).join(', ');
  const where = `${col(c)} IS NOT NULL AND ${col(c)} NOT IN (${list})`;
  const n = toNumber((await ctx.all(`SELECT count(*) AS n FROM ${t.sql} WHERE ${where}`))[0]?.n);
  const expected = `0 rows outside [${listText(check.values.map(String))}]`;
  if (n === 0) return { passed: true, scope: t.scope, observed: 0, expected, message: `every ${c.name} is an accepted value` };
  const seen = await examples(ctx, c.name, t.sql, col(c), where);
  return {
    passed: false,
    scope: t.scope,
    observed: n,
    expected,
    message: `${plural(n, 'row')} with ${c.name} outside the accepted values: ${seen}`,
  };
};
