/**
 * `volume: { max_change, window }` — this run's row count against the median of the counts
 * of the last `window` runs (history.ts reads them from floe.check_results); the check
 * fails when the change is beyond ±max_change percent.
 *
 * The count is the new batch's when there is one (an incremental run's volume is what it
 * brought), otherwise the whole table's; the two are separate series in the history. The
 * median, not the mean, so one odd run does not move the baseline. With no earlier runs the
 * check passes and this run's count starts the baseline.
 */
import { internalError } from '../errors.js';
import { percentText, plural, targetFor, toNumber } from './common.js';
import type { Evaluator } from './types.js';

export const volume: Evaluator<'volume'> = async (check, ctx) => {
  const t = targetFor(ctx, 'batch');
  const n = toNumber((await ctx.all(`SELECT count(*) AS n FROM ${t.sql}`))[0]?.n);
  const limit = `±${percentText(check.max_change)}`;
  if (!ctx.history) {
    throw internalError('the check history (floe.check_results) was not given to compare with');
  }
  const previous = (
    await ctx.history({ table: ctx.table, check: check.name, scope: t.scope, limit: check.window, excludeSnapshotId: ctx.snapshot?.id ?? null, ...(ctx.pipeline !== undefined ? { pipeline: ctx.pipeline } : {}) })
  ).slice(0, check.window);
  const rows = plural(n, t.scope === 'batch' ? 'new row' : 'row');
  if (previous.length === 0) {
    return { passed: true, scope: t.scope, observed: n, expected: `within ${limit} of the median of the last ${check.window === 1 ? 'run' : `${check.window} runs`}`, message: `${rows}; no earlier runs to compare with, so this run starts the baseline` };
  }
  const base = median(previous);
  const change = base === 0 ? (n === 0 ? 0 : Infinity) : ((n - base) / base) * 100;
  const runs = previous.length === 1 ? 'the last run' : `the last ${previous.length} runs`;
  const changeText = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${percentText(change)}` : 'up from 0';
  const ok = Math.abs(change) <= check.max_change;
  return {
    passed: ok,
    scope: t.scope,
    observed: n,
    expected: `within ${limit} of ${base}`,
    message: `${rows}, ${changeText} against ${base} (median of ${runs})${ok ? '' : `, beyond ${limit}`}`,
  };
};

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
