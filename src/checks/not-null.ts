/** `not_null: [columns]` — no NULL in any of them. Row-level, so the new batch when there is one. */
import { col, plural, resolveColumn, targetFor, toNumber } from './common.js';
import type { Evaluator } from './types.js';

export const notNull: Evaluator<'not_null'> = async (check, ctx) => {
  const t = targetFor(ctx, 'batch');
  const cols = check.columns.map((name) => resolveColumn(t, name, ctx.table));
  const select = cols.map((c, i) => `count(*) FILTER (WHERE ${col(c)} IS NULL) AS n${i}`).join(', ');
  const row = (await ctx.all(`SELECT ${select} FROM ${t.sql}`))[0] ?? {};
  const counts = cols.map((c, i) => ({ name: c.name, n: toNumber(row[`n${i}`]) }));
  const total = counts.reduce((a, c) => a + c.n, 0);
  const bad = counts.filter((c) => c.n > 0);
  const message =
    total === 0
      ? `no nulls in ${cols.map((c) => c.name).join(', ')}`
      : bad.map((c) => `${c.name} has ${plural(c.n, 'null')}`).join(', ');
  return { passed: total === 0, scope: t.scope, observed: total, expected: '0 nulls', message };
};
