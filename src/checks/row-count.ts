/** `row_count: { min, max }` — the table's number of rows (whole table: a quiet batch is normal). */
import { plural, targetFor, toNumber } from './common.js';
import type { Evaluator } from './types.js';

export const rowCount: Evaluator<'row_count'> = async (check, ctx) => {
  const t = targetFor(ctx, 'table');
  const rows = await ctx.all(`SELECT count(*) AS n FROM ${t.sql}`);
  const n = toNumber(rows[0]?.n);
  const { min, max } = check;
  const expected = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `>= ${min}` : `<= ${max}`;
  const low = min !== undefined && n < min;
  const high = max !== undefined && n > max;
  const message = low ? `${plural(n, 'row')}, fewer than the minimum of ${min}` : high ? `${plural(n, 'row')}, more than the maximum of ${max}` : plural(n, 'row');
  return { passed: !low && !high, scope: t.scope, observed: n, expected, message };
};
