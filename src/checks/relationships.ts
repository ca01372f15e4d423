/**
 * `relationships: { column, to: { table, column } }` — every non-NULL value exists in the
 * other table's column (a foreign key). Row-level: the new batch when there is one. The
 * other table must be visible as a view named `ns.table` (views.ts: prepareCheckViews).
 */
import { notFound } from '../errors.js';
import { col, examples, plural, relationSql, resolveColumn, targetFor, toNumber } from './common.js';
import type { CheckContext, Evaluator, Target } from './types.js';

export const relationships: Evaluator<'relationships'> = async (check, ctx) => {
  const t = targetFor(ctx, 'batch');
  const c = resolveColumn(t, check.column, ctx.table);
  const parent = await parentTarget(ctx, check.to.table);
  const p = resolveColumn(parent, check.to.column, check.to.table);
  const ref = `${check.to.table}.${p.name}`;
  const where = `__c.${col(c)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${parent.sql} AS __p WHERE __p.${col(p)} = __c.${col(c)})`;
  const from = `${t.sql} AS __c`;
  const n = toNumber((await ctx.all(`SELECT count(*) AS n FROM ${from} WHERE ${where}`))[0]?.n);
  const expected = `0 rows without a match in ${ref}`;
  if (n === 0) return { passed: true, scope: t.scope, observed: 0, expected, message: `every ${c.name} exists in ${ref}` };
  const seen = await examples(ctx, c.name, from, `__c.${col(c)}`, where);
  return { passed: false, scope: t.scope, observed: n, expected, message: `${plural(n, 'row')} with ${c.name} not in ${ref}: ${seen}` };
};

async function parentTarget(ctx: CheckContext, table: string): Promise<Target> {
  const sql = relationSql(table.split('.'));
  try {
    const columns = await ctx.engine.columns(`SELECT * FROM ${sql}`, `read the referenced table ${table}`);
    return { sql, scope: 'table', columns };
  } catch (e) {
    throw notFound(`the referenced table ${table} is not available`, {
      cause: e,
      context: { table },
      hint: `check that ${table} exists in the catalog (floe tables)`,
    });
  }
}
