/**
 * `sql: "<query>"` or `sql: { query, expect }` — a custom query over `{{ this }}` (the
 * snapshot under check) and `{{ batch }}` (the new rows of an incremental run; the table
 * otherwise). It passes when its result equals `expect`, 0 by default (DESIGN §4).
 *
 * The result: a query returning one row of one column is read as that value
 * (`SELECT count(*) ...`); any other result is read as its number of rows, so a query that
 * lists offending rows passes when it lists none. The query runs once, wrapped, and its rows
 * are counted by DuckDB. A query DuckDB rejects is an evaluation error, never a pass.
 *
 * PII governance: the query reads only the rows under check and catalog tables (no files, no
 * DuckDB catalog functions: validate-sql.ts checkSqlCheckReads), and a returned value is quoted
 * (message, `observed`) only when it derives from no PII-tagged column (withheld.ts
 * sqlValueWithheld); otherwise it is withheld, as other checks withhold tagged values.
 */
import { toJsonValue } from '../engine/values.js';
import { FloeError, notFound } from '../errors.js';
import { outputLineage, type LineageTable } from '../governance/sql-lineage.js';
import { quoteIdent } from '../engine/sql.js';
import { substitute, toNumber, valueText } from './common.js';
import type { CheckContext, Evaluator, Observed } from './types.js';
import { checkQueryText, checkSqlCheckReads, withPlaceholders } from './validate-sql.js';
import { sqlValueWithheld } from './withheld.js';

export const sql: Evaluator<'sql'> = async (check, ctx) => {
  const written = checkQueryText(check.query);
  const { text, names } = withPlaceholders(written);
  const { tree, relations } = await checkSqlCheckReads(ctx.engine, text, check.name, ctx.table);
  const query = substitute(written, ctx).trim();
  const columns = await ctx.engine.columns(query, `prepare the query of check ${check.name} on ${ctx.table}`).catch(async (e: unknown) => {
    throw (e instanceof FloeError && /Catalog Error/.test(e.message) ? await missingTable(ctx, relations, names) : undefined) ?? e;
  });
  const first = columns.length === 1 ? ', first(__v) AS v' : '';
  let row: Record<string, unknown>;
  // `\n)`: a query ending in a `-- comment` (which floe validate accepts) must not comment out the wrapper.
  try {
    row = (await ctx.all(`SELECT count(*) AS n${first} FROM (${query}\n) AS __q${columns.length === 1 ? '(__v)' : ''}`))[0] ?? {};
  } catch (e) {
    throw await withoutValues(e, ctx, names, relations);
  }
  const n = toNumber(row.n);
  const scalar = columns.length === 1 && n === 1;
  const ok = matches(scalar ? row.v : n, check.expect);
  const hidden = scalar && (await withheldValue(ctx, tree, text, names, relations));
  const observed: Observed = scalar ? (hidden ? null : observedOf(row.v)) : n;
  const what = scalar ? (hidden ? 'returned a value derived from a PII column (value withheld)' : `returned ${valueText(row.v)}`) : `returned ${n} row${n === 1 ? '' : 's'}`;
  return {
    passed: ok,
    scope: 'table',
    observed,
    expected: `= ${String(check.expect)}`,
    message: `the query ${what}${ok ? '' : `, expected ${String(check.expect)}`}`,
  };
};

/**
 * A catalog table the query names that has no view: it is not in the catalog. DuckDB would
 * say `Table with name nope does not exist! Did you mean "pg_catalog.pg_enum"?`.
 */
async function missingTable(ctx: CheckContext, relations: readonly string[], names: ReadonlyMap<string, 'this' | 'batch'>): Promise<FloeError | undefined> {
  for (const r of relations) {
    if (names.has(r) || r === ctx.table.toLowerCase()) continue;
    try {
      await ctx.engine.columns(`SELECT * FROM ${r.split('.').map(quoteIdent).join('.')}`, 'find a table the query reads');
    } catch {
      return notFound(`the query reads table ${r}, which is not in the catalog (check the name with floe tables)`, { context: { table: ctx.table } });
    }
  }
  return undefined;
}

/**
 * An error of running the query, without the values DuckDB quotes in it (`Could not convert
 * string '<value>' to INT32`) when the query reads a PII-tagged column of the checked table or
 * another table (whose tags are unknown here). The raw error is not kept as the cause.
 */
async function withoutValues(e: unknown, ctx: CheckContext, names: ReadonlyMap<string, 'this' | 'batch'>, relations: readonly string[]): Promise<unknown> {
  if (!(e instanceof FloeError) || !/'/.test(e.message)) return e;
  const self = new Set([...names.keys(), ctx.table.toLowerCase()]);
  const tagged = ((await ctx.withheld?.())?.size ?? 0) > 0 || relations.some((r) => !self.has(r));
  if (!tagged) return e;
  const message = `${e.message.replace(/'(?:[^']|'')*'/g, "'…'")} (quoted values withheld: the check reads PII-tagged columns)`;
  return new FloeError(e.kind, message, { context: e.context, ...(e.hint !== undefined ? { hint: e.hint } : {}) });
}

/**
 * Whether the one value the query returned derives from a PII-tagged column (or from a column
 * whose tags are unknown here). The lineage sees `{{ this }}`, `{{ batch }}` and the checked
 * table by name with the checked rows' columns, other tables with their views' columns.
 */
async function withheldValue(ctx: CheckContext, tree: unknown, text: string, names: ReadonlyMap<string, 'this' | 'batch'>, relations: readonly string[]): Promise<boolean> {
  const self = new Set([...names.keys(), ctx.table.toLowerCase()]);
  const tables = new Map<string, LineageTable>();
  for (const [name, kind] of names) tables.set(name, { columns: (kind === 'batch' ? (ctx.batch ?? ctx.whole) : ctx.whole).columns.map((c) => c.name) });
  tables.set(ctx.table.toLowerCase(), { columns: ctx.whole.columns.map((c) => c.name) });
  for (const name of new Set(relations)) {
    if (tables.has(name)) continue;
    // A table the check names: its view's columns. One DuckDB cannot describe leaves the lineage unknown (withheld).
    const cols = await ctx.engine.columns(`SELECT * FROM ${name.split('.').map(quoteIdent).join('.')}`, `describe a table read by a sql check on ${ctx.table}`).catch(() => undefined);
    if (cols) tables.set(name, { columns: cols.map((c) => c.name) });
  }
  const withheld = (await ctx.withheld?.()) ?? new Set<string>();
  return sqlValueWithheld(outputLineage(tree, tables, text), self, withheld);
}

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
