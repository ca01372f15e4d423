/**
 * `sql: "<query>"` or `sql: { query, expect }` — a custom query over `{{ this }}` (the
 * snapshot under check) and `{{ batch }}` (the new rows of an incremental run; the table
 * otherwise). It passes when its result equals `expect`, 0 by default (DESIGN §4).
 *
 * The result: a query returning one row of one column is read as that value
 * (`SELECT count(*) ...`); any other result is read as its number of rows, so a query that
 * lists offending rows passes when it lists none. The query runs once, wrapped, and its rows
 * are counted by DuckDB. A query DuckDB rejects is an evaluation error, never a pass.
 */
import { toJsonValue } from '../engine/values.js';
import { substitute, toNumber, valueText } from './common.js';
import type { Evaluator, Observed } from './types.js';

export const sql: Evaluator<'sql'> = async (check, ctx) => {
  const query = substitute(check.query, ctx).trim().replace(/;\s*$/, '');
  const columns = await ctx.engine.columns(query, `prepare the query of check ${check.name} on ${ctx.table}`);
  const first = columns.length === 1 ? ', first(__v) AS v' : '';
  const row = (await ctx.all(`SELECT count(*) AS n${first} FROM (${query}) AS __q${columns.length === 1 ? '(__v)' : ''}`))[0] ?? {};
  const n = toNumber(row.n);
  const scalar = columns.length === 1 && n === 1;
  const observed: Observed = scalar ? observedOf(row.v) : n;
  const ok = matches(scalar ? row.v : n, check.expect);
  const what = scalar ? `returned ${valueText(row.v)}` : `returned ${n} row${n === 1 ? '' : 's'}`;
  return {
    passed: ok,
    scope: 'table',
    observed,
    expected: `= ${String(check.expect)}`,
    message: `the query ${what}${ok ? '' : `, expected ${String(check.expect)}`}`,
  };
};

function observedOf(v: unknown): Observed {
  const j = toJsonValue((v ?? null) as never);
  return j === null || typeof j !== 'object' ? j : JSON.stringify(j);
}

/** Numbers compare as numbers (a count is a BIGINT, `expect: 0` a JS number), text as text. */
function matches(v: unknown, expect: string | number | boolean): boolean {
  if (v === null || v === undefined) return false;
  if (typeof expect === 'boolean') return v === expect;
  if (typeof expect === 'number') {
    if (typeof v === 'bigint') return Number.isInteger(expect) && v === BigInt(expect);
    const n = typeof v === 'number' ? v : Number(valueText(v));
    return !Number.isNaN(n) && n === expect;
  }
  return valueText(v) === expect;
}
