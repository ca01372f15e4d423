/**
 * What a masked read (`floe query --mask`) may run. The masks live in the views of the
 * catalog tables the query names (views.ts); anything else DuckDB can read bypasses them:
 * the tables' own Parquet files (`read_parquet(...)`, a replacement scan `FROM 'x.parquet'`),
 * other files, and DuckDB's catalog functions, which print every view's SQL, hash salts
 * included (`duckdb_views()`, `information_schema.views`). So under --mask the query must be
 * SELECT statements whose every relation is:
 *
 * - a catalog table floe prepared a view for (`ns.table`, compared case-insensitively as
 *   DuckDB binds names);
 * - a common table expression in scope (a bare name defined by a WITH around it);
 * - one of a few table functions that read no data: range, generate_series, unnest.
 *
 * COPY, PRAGMA, SET, ATTACH and other statements are refused. The check reads DuckDB's own
 * parse tree (json_serialize_sql), so it sees names the way the engine binds them.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { usageError } from '../errors.js';

/** Table functions that produce values from their arguments and read nothing. */
const SAFE_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

interface MaskedQueryProblem {
  /** What the query reads that is not a masked view. */
  what: string;
  /** The text is not a SELECT (COPY, PRAGMA, SET, ATTACH, ...). */
  statement?: boolean;
}

/**
 * Pure: the problems of a parse tree (json_serialize_sql's output) under --mask, given the
 * catalog tables with masked views (`ns.table`, any case). Empty when the query may run.
 */
function maskedQueryProblems(tree: unknown, views: readonly string[]): MaskedQueryProblem[] {
  const allowed = new Set(views.map((v) => v.toLowerCase()));
  const problems: MaskedQueryProblem[] = [];
  const root = tree as { error?: boolean; error_type?: string; error_message?: string; statements?: unknown[] } | null;
  if (!root || typeof root !== 'object') return [{ what: 'a statement DuckDB cannot parse' }];
  if (root.error) {
    // A syntax error fails the query itself, before it reads anything; everything else that
    // does not serialise is a statement other than SELECT.
    if (root.error_type === 'parser') return [];
    return [{ what: 'a statement other than SELECT', statement: true }];
  }
  const walk = (n: unknown, ctes: ReadonlySet<string>): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x, ctes);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    let scope = ctes;
    const map = (node.cte_map as { map?: { key?: unknown }[] } | undefined)?.map;
    if (Array.isArray(map) && map.length > 0) {
      scope = new Set([...ctes, ...map.map((e) => String(e.key ?? '').toLowerCase())]);
    }
    if (node.type === 'BASE_TABLE') {
      const parts = [node.catalog_name, node.schema_name, node.table_name].map((x) => (typeof x === 'string' ? x : '')).filter((x) => x !== '');
      const name = parts.join('.');
      const ok = parts.length === 1 ? scope.has(name.toLowerCase()) : parts.length >= 2 && allowed.has(name.toLowerCase());
      if (!ok) problems.push({ what: parts.length === 1 ? `'${name}' (not a catalog table: a file or a DuckDB table)` : `${name} (not a catalog table floe has opened for this query)` });
    } else if (node.type === 'TABLE_FUNCTION') {
      const fn = node.function as { function_name?: unknown } | undefined;
      const name = String(fn?.function_name ?? '').toLowerCase();
      if (!SAFE_TABLE_FUNCTIONS.has(name)) problems.push({ what: `the table function ${name}()` });
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'cte_map') walk(v, scope);
    if (Array.isArray(map)) for (const e of map) walk(e, scope);
  };
  walk(root.statements ?? [], new Set());
  return problems;
}

/**
 * Refuses (usage error, exit 2) a `floe query --mask` SQL text that reads anything but the
 * masked views of `views` (see the module comment).
 */
export async function checkMaskedQuery(engine: Engine, sql: string, views: readonly string[]): Promise<void> {
  const rows = await engine.all(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`, 'parse the query');
  let tree: unknown = null;
  try {
    tree = JSON.parse(String(rows[0]?.j ?? 'null'));
  } catch {
    tree = null;
  }
  const problems = maskedQueryProblems(tree, views);
  if (problems.length === 0) return;
  if (problems.some((p) => p.statement)) {
    throw usageError('--mask runs only SELECT statements: COPY, PRAGMA, SET, ATTACH and the like could read or write past the PII masks', {
      hint: 'Write the query as a SELECT over ns.table names; --out FILE and --format csv|json|parquet write its result.',
    });
  }
  const list = [...new Set(problems.map((p) => p.what))];
  throw usageError(`--mask: the query reads ${list.join(', ')}; a masked query reads only catalog tables (ns.table), through their PII masks`, {
    context: { reads: list.join(', ') },
    hint: 'Name the tables as ns.table in a SELECT. Files, DuckDB catalog functions and statements other than SELECT are refused with --mask, because they would bypass the masks.',
  });
}
