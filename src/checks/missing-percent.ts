/**
 * `missing_percent: { column, max }` — the share of NULLs in a column. Checked on both the
 * new batch and the whole table when there is a batch: a bad batch is caught even when a
 * large table dilutes it, and a table that drifted is caught even when each batch is fine.
 * The result reports the worse of the two.
 */
import { col, percentText, resolveColumn, toNumber } from './common.js';
import type { Evaluator, Target } from './types.js';

interface Measure {
  t: Target;
  column: string;
  total: number;
  missing: number;
  pct: number;
}

export const missingPercent: Evaluator<'missing_percent'> = async (check, ctx) => {
  const targets: Target[] = ctx.batch ? [ctx.batch, ctx.whole] : [ctx.whole];
  const measured: Measure[] = [];
  for (const t of targets) {
    const c = resolveColumn(t, check.column, ctx.table);
    const row = (await ctx.all(`SELECT count(*) AS total, count(*) FILTER (WHERE ${col(c)} IS NULL) AS missing FROM ${t.sql}`))[0] ?? {};
    const total = toNumber(row.total);
    const missing = toNumber(row.missing);
    measured.push({ t, column: c.name, total, missing, pct: total === 0 ? 0 : (missing / total) * 100 });
  }
  const worst = measured.reduce((a, b) => (b.pct > a.pct ? b : a));
  const describe = (m: Measure) =>
    `${measured.length > 1 ? `${m.t.scope}: ` : ''}${m.missing} of ${m.total} rows (${percentText(m.pct)}) have no ${m.column}`;
  return {
    passed: worst.pct <= check.max,
    scope: worst.t.scope,
    observed: percentText(worst.pct),
    expected: `<= ${percentText(check.max)}`,
    message: measured.map(describe).join('; '),
  };
};
