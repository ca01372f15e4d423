/**
 * `range: { column, min, max }` — every non-NULL value within the bounds, inclusive.
 * Row-level. Bounds may be numbers or text (`"2020-01-01"` for a date column), which DuckDB
 * casts to the column's type. The message quotes the smallest and largest values, except
 * those of a PII-tagged column.
 */
import { col, isWithheld, literalSql, plural, resolveColumn, targetFor, toNumber, valueText, WITHHELD } from './common.js';
import { TYPE_ID } from '../engine/types.js';
import type { Evaluator } from './types.js';

export const range: Evaluator<'range'> = async (check, ctx) => {
  const t = targetFor(ctx, 'batch');
  const c = resolveColumn(t, check.column, ctx.table);
  const outside: string[] = [];
  if (check.min !== undefined) outside.push(`${col(c)} < ${literalSql(check.min)}`);
  if (check.max !== undefined) outside.push(`${col(c)} > ${literalSql(check.max)}`);
  // NaN is within no bounds. DuckDB orders it above every number, so a max caught it and a
  // min alone let it pass (`range: { column: amount, min: 0 }` passed a NaN amount).
  if (c.type.typeId === TYPE_ID.FLOAT || c.type.typeId === TYPE_ID.DOUBLE) outside.push(`isnan(${col(c)})`);
  const row =
    (await ctx.all(`SELECT count(*) FILTER (WHERE ${outside.join(' OR ')}) AS n, min(${col(c)}) AS lo, max(${col(c)}) AS hi FROM ${t.sql}`))[0] ?? {};
  const n = toNumber(row.n);
  const { min, max } = check;
  const bounds = min !== undefined && max !== undefined ? `outside [${min}, ${max}]` : min !== undefined ? `below ${min}` : `above ${max}`;
  // The smallest and largest values of a PII-tagged column are two people's raw values.
  const seen = row.lo === null || row.lo === undefined ? 'no values' : (await isWithheld(ctx, c.name)) ? `min and max ${WITHHELD}` : `min ${valueText(row.lo)}, max ${valueText(row.hi)}`;
  return {
    passed: n === 0,
    scope: t.scope,
    observed: n,
    expected: `0 rows ${bounds}`,
    message: n === 0 ? `no ${c.name} ${bounds} (${seen})` : `${plural(n, 'row')} with ${c.name} ${bounds} (${seen})`,
  };
};
