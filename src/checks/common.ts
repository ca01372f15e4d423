/**
 * Helpers shared by the check kinds: naming relations and columns safely in SQL, turning
 * DuckDB values into numbers and text, and wording counts.
 */
import type { ColumnInfo } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { TYPE_ID } from '../engine/types.js';
import { toJsonValue } from '../engine/values.js';
import { schemaError } from '../errors.js';
import { didYouMean } from '../pipeline/suggest.js';
import type { CheckContext, RelationName, Target } from './types.js';

/** `crm.contacts` as parts → `"crm"."contacts"`; a single string is one identifier. */
export function relationSql(name: RelationName): string {
  return typeof name === 'string' ? quoteIdent(name) : name.map(quoteIdent).join('.');
}

/**
 * The rows a check of this scope reads. Row-level checks read the new batch when there is
 * one (rows already in the table were checked when they arrived); set-level checks need
 * the whole table.
 */
export function targetFor(ctx: CheckContext, scope: 'batch' | 'table'): Target {
  return scope === 'batch' && ctx.batch ? ctx.batch : ctx.whole;
}

/**
 * The column as the relation spells it. DuckDB matches identifiers case-insensitively, so
 * `Email` finds `email`; a name that is not there at all is an evaluation error naming the
 * table and the columns it has (the schema cannot know a table's columns at validate time).
 */
export function resolveColumn(target: Target, name: string, table: string): ColumnInfo {
  const exact = target.columns.find((c) => c.name === name);
  if (exact) return exact;
  const folded = target.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  const names = target.columns.map((c) => c.name);
  throw schemaError(`column '${name}' does not exist in table ${table}${didYouMean(name, names)}`, {
    context: { table, column: name },
    hint: `its columns are: ${names.join(', ')}`,
  });
}

export const col = (c: ColumnInfo) => quoteIdent(c.name);

/** A count, sum or scalar from DuckDB (bigint, number, decimal) as a JS number. */
export function toNumber(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return Number(String(v));
}

/** A DuckDB value as short readable text (timestamps ISO, exact decimals). */
export function valueText(v: unknown): string {
  const j = toJsonValue((v ?? null) as never);
  if (j === null) return 'NULL';
  return typeof j === 'object' ? JSON.stringify(j) : String(j);
}

/** A scalar from a pipeline file as a SQL literal. */
export function literalSql(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw schemaError(`${v} is not a usable number`);
    return String(v);
  }
  return quoteLiteral(v);
}

export const isText = (c: ColumnInfo) => c.type.typeId === TYPE_ID.VARCHAR;

export { plural } from '../text-table.js';

/** A percentage with at most two decimals: 7.1428 → '7.14%', 5 → '5%'. */
export function percentText(p: number): string {
  return `${Number(p.toFixed(2))}%`;
}

/** Up to `n` items, then "and N more", so a long values list does not flood a report. */
export function listText(items: readonly string[], n = 10): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

/** Replaces `{{ this }}` and `{{ batch }}` in a check's SQL with the relations. */
export function substitute(sql: string, ctx: CheckContext): string {
  return sql
    .replace(/\{\{\s*this\s*\}\}/g, ctx.whole.sql)
    .replace(/\{\{\s*batch\s*\}\}/g, (ctx.batch ?? ctx.whole).sql);
}

/** What a message shows instead of the values of a PII-tagged column. */
export const WITHHELD = '(values withheld: PII column)';

/** Whether messages must not quote values of `column` (a PII-tagged column, ctx.withheld). */
export async function isWithheld(ctx: CheckContext, column: string): Promise<boolean> {
  return (await ctx.withheld?.())?.has(column.toLowerCase()) ?? false;
}

/**
 * Most common offending values with their counts, for kinds whose values are codes or keys
 * (accepted_values, relationships); never used for free text such as emails, which is why
 * format and unique report counts only. The values of a PII-tagged `column` are never
 * quoted (messages reach check output and floe.check_results, which no mask covers).
 */
export async function examples(ctx: CheckContext, column: string, from: string, expr: string, where: string, limit = 5): Promise<string> {
  if (await isWithheld(ctx, column)) return WITHHELD;
  const rows = await ctx.all(
    `SELECT CAST(${expr} AS VARCHAR) AS v, count(*) AS n FROM ${from} WHERE ${where} GROUP BY 1 ORDER BY n DESC, v LIMIT ${limit}`,
  );
  return rows.map((r) => `${shown(r.v === null ? 'NULL' : String(r.v))} (${toNumber(r.n)})`).join(', ');
}

/** A data value quoted for a message: control characters blanked, long values cut. */
function shown(s: string, max = 40): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `'${clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`}'`;
}
