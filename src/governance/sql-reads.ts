/**
 * What a SQL text reads, from DuckDB's own parse tree (json_serialize_sql), for the two
 * readers that must see PII-tagged tables only through their masked views: `floe query
 * --mask` (masked-query.ts) and `sql` pipelines (sql-pipeline.ts). Anything else DuckDB can
 * read bypasses the masks: the tables' own Parquet files (`read_parquet(...)`, a replacement
 * scan `FROM 'x.parquet'`), other files, DuckDB's catalog functions and schemas (which print
 * every view's SQL, hash salts included: `duckdb_views()`, `information_schema.views`), and
 * statements other than SELECT (COPY, ATTACH, PRAGMA, SET).
 *
 * A relation is allowed when it is:
 * - a catalog table (`ns.table`, any case, as DuckDB binds names): with `views` given, one floe
 *   opened a view for; without (`floe validate`, before any table is opened), any qualified
 *   name outside DuckDB's own schemas;
 * - a common table expression in scope (a bare name defined by a WITH around it);
 * - one of a few table functions that read no data: range, generate_series, unnest.
 *
 * Pure: parse tree in, problems out.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';

/** Table functions that produce values from their arguments and read nothing. */
export const SAFE_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest']);

/** Table functions that read files (any path: the warehouse's data files are files too). */
const FILE_FUNCTIONS = /^(read_|parquet_|sniff_csv$|glob$|iceberg_|delta_)/;

/** DuckDB's own schemas and databases: a name in them is never a catalog table's view. */
const DUCKDB_SCHEMAS = new Set(['information_schema', 'pg_catalog']);
const DUCKDB_DATABASES = new Set(['system', 'temp']);

export type ReadProblemKind = 'statement' | 'statements' | 'file' | 'function' | 'relation';

export interface ReadProblem {
  kind: ReadProblemKind;
  /** What the query reads that is not a masked view, for messages. */
  what: string;
  /** Byte offset in the SQL text (DuckDB's query_location), when the tree gives one. */
  at?: number;
  /**
   * A qualified name outside DuckDB's own databases and schemas that floe opened no view for:
   * a table that is not in the catalog (still refused: DuckDB must not resolve it to anything).
   */
  missing?: true;
}

/** The default database and schema of a DuckDB session: `memory.x`, `main.x` name DuckDB's own tables. */
const DUCKDB_DEFAULTS = new Set(['memory', 'main']);

/** The parse tree of a SQL text, or null when DuckDB's output is not JSON. */
export async function parseTree(engine: Engine, sql: string): Promise<unknown> {
  const rows = await engine.all(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`, 'parse the query');
  try {
    return JSON.parse(String(rows[0]?.j ?? 'null'));
  } catch {
    return null;
  }
}

interface Root {
  error?: boolean;
  error_type?: string;
  error_message?: string;
  statements?: unknown[];
}

/**
 * Pure: what the parse tree reads besides masked catalog views. `views`: the catalog tables
 * with views (`ns.table`, any case); undefined when they are not known yet (then any
 * qualified name outside DuckDB's own schemas passes). A syntax error is no problem here: it
 * fails the query itself, before it reads anything. `relations`, when given, receives every
 * qualified name the query reads (`ns.table`, lower-case), allowed or not.
 */
export function readProblems(tree: unknown, views?: readonly string[], relations?: string[]): ReadProblem[] {
  const allowed = views ? new Set(views.map((v) => v.toLowerCase())) : undefined;
  const problems: ReadProblem[] = [];
  const root = tree as Root | null;
  if (!root || typeof root !== 'object') return [{ kind: 'statement', what: 'a statement DuckDB cannot parse' }];
  if (root.error) {
    if (root.error_type === 'parser') return [];
    // Everything else that does not serialise is a statement other than SELECT.
    return [{ kind: 'statement', what: 'a statement other than SELECT' }];
  }
  const at = (node: Record<string, unknown>) => (typeof node.query_location === 'number' && node.query_location < 2 ** 40 ? { at: node.query_location } : {});
  const walk = (n: unknown, ctes: ReadonlySet<string>): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x, ctes);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    let scope = ctes;
    const map = (node.cte_map as { map?: { key?: unknown }[] } | undefined)?.map;
    if (Array.isArray(map) && map.length > 0) scope = new Set([...ctes, ...map.map((e) => String(e.key ?? '').toLowerCase())]);
    if (node.type === 'BASE_TABLE') {
      const parts = [node.catalog_name, node.schema_name, node.table_name].map((x) => (typeof x === 'string' ? x : '')).filter((x) => x !== '');
      const name = parts.join('.');
      const lower = parts.map((p) => p.toLowerCase());
      if (parts.length > 1) relations?.push(lower.join('.'));
      if (parts.length === 1) {
        if (!scope.has(name.toLowerCase())) {
          const file = /[./\\]/.test(name);
          problems.push({ kind: file ? 'file' : 'relation', what: file ? `'${name}' (not a catalog table: a file)` : `'${name}' (not a catalog table: a file or a DuckDB table)`, ...at(node) });
        }
      } else if (allowed ? !allowed.has(lower.join('.')) : lower.slice(0, -1).some((p) => DUCKDB_SCHEMAS.has(p)) || (parts.length >= 3 && DUCKDB_DATABASES.has(lower[0]!))) {
        const own = lower.slice(0, -1).some((p) => DUCKDB_SCHEMAS.has(p)) || DUCKDB_DATABASES.has(lower[0]!) || DUCKDB_DEFAULTS.has(lower[0]!);
        if (allowed && !own) problems.push({ kind: 'relation', what: `${name} (not a catalog table)`, missing: true, ...at(node) });
        else problems.push({ kind: 'relation', what: allowed ? `${name} (not a catalog table)` : `${name} (DuckDB's own catalog, not a floe table)`, ...at(node) });
      }
    } else if (node.type === 'TABLE_FUNCTION') {
      const fn = node.function as { function_name?: unknown } | undefined;
      const name = String(fn?.function_name ?? '').toLowerCase();
      if (!SAFE_TABLE_FUNCTIONS.has(name)) problems.push({ kind: FILE_FUNCTIONS.test(name) ? 'file' : 'function', what: `the table function ${name}()`, ...at(node) });
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'cte_map') walk(v, scope);
    if (Array.isArray(map)) for (const e of map) walk(e, scope);
  };
  walk(root.statements ?? [], new Set());
  if ((root.statements?.length ?? 0) > 1) problems.unshift({ kind: 'statements', what: `${root.statements!.length} statements` });
  return problems;
}

/** The character index in `text` of a UTF-8 byte offset (DuckDB's query_location). */
export function charIndex(text: string, byteOffset: number): number {
  const buf = Buffer.from(text, 'utf8');
  return buf.subarray(0, Math.max(0, Math.min(byteOffset, buf.length))).toString('utf8').length;
}

/** 1-based line and column of a character index in `text`. */
export function lineCol(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, col: index - (before.lastIndexOf('\n') + 1) + 1 };
}
