/**
 * `format: { column, pattern | builtin }` — every non-NULL value, as text, matches the
 * pattern as a whole (DuckDB's regexp_full_match, RE2 syntax: no look-around or
 * back-references; a pattern RE2 rejects is an evaluation error). Row-level. Values are not
 * printed: formats are checked on emails and phone numbers.
 */
import { quoteLiteral } from '../engine/sql.js';
import { col, plural, resolveColumn, targetFor, toNumber } from './common.js';
import type { Evaluator } from './types.js';

/**
 * email: the HTML living standard's "valid e-mail address", with a dot required in the
 * domain (an address at a bare host name is a data error here). e164: ITU-T E.164, a plus
 * sign and up to 15 digits, no leading zero, optionally followed by an extension as RFC 3966
 * writes it (`;ext=12`), the form `normalize: phone` gives a number with an extension. uuid: RFC 9562's 8-4-4-4-12 hex form.
 */
export const BUILTIN_FORMATS = {
  email: "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
  e164: '\\+[1-9][0-9]{1,14}(;ext=[0-9]+)?',
  uuid: '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
} as const;

export const format: Evaluator<'format'> = async (check, ctx) => {
  const t = targetFor(ctx, 'batch');
  const c = resolveColumn(t, check.column, ctx.table);
  const pattern = check.builtin ? BUILTIN_FORMATS[check.builtin] : check.pattern!;
  const what = check.builtin ? `the ${check.builtin} format` : `/${check.pattern}/`;
  const row =
    (
      await ctx.all(
        `SELECT count(${col(c)}) AS total, count(*) FILTER (WHERE ${col(c)} IS NOT NULL AND NOT regexp_full_match(CAST(${col(c)} AS VARCHAR), ${quoteLiteral(pattern)})) AS n FROM ${t.sql}`,
      )
    )[0] ?? {};
  const n = toNumber(row.n);
  const total = toNumber(row.total);
  return {
    passed: n === 0,
    scope: t.scope,
    observed: n,
    expected: `0 rows not matching ${what}`,
    message: n === 0 ? `all ${plural(total, 'value')} of ${c.name} match ${what}` : `${n} of ${plural(total, 'value')} of ${c.name} do not match ${what}`,
  };
};
