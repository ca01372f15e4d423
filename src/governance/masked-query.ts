/**
 * What a masked read (`floe query --mask`) may run. The masks live in the views of the
 * catalog tables the query names (views.ts); anything else DuckDB can read bypasses them
 * (sql-reads.ts says what and why). So under --mask the query must be SELECT statements whose
 * every relation is a catalog table floe prepared a view for, a common table expression in
 * scope, or one of a few table functions that read no data (range, generate_series, unnest).
 *
 * COPY, PRAGMA, SET, ATTACH and other statements are refused. The check reads DuckDB's own
 * parse tree (json_serialize_sql), so it sees names the way the engine binds them.
 */
import { type Engine, wrapDuckDBError } from '../engine/duckdb.js';
import { notFound, usageError } from '../errors.js';
import { parseTree, readProblems } from './sql-reads.js';

/**
 * Refuses (usage error, exit 2) a `floe query --mask` SQL text that reads anything but the
 * masked views of `views` (see the module comment).
 */
export async function checkMaskedQuery(engine: Engine, sql: string, views: readonly string[]): Promise<void> {
  const tree = await parseTree(engine, sql);
  // A text that does not parse on its own is refused, never run: csv and parquet output wrap it
  // in `COPY (<sql>) TO ...`, where `...) TO 'x.csv' (FORMAT csv); COPY (SELECT 1` parses as two
  // statements, the first reading past the masks (read_parquet of the table's own files).
  if ((tree as { error?: boolean; error_type?: string } | null)?.error && (tree as { error_type?: string }).error_type === 'parser') await refuseUnparsed(engine, sql);
  const problems = readProblems(tree, views).filter((p) => p.kind !== 'statements');
  if (problems.length === 0) return;
  if (problems.some((p) => p.kind === 'statement')) {
    throw usageError('--mask runs only SELECT statements: COPY, PRAGMA, SET, ATTACH and the like could read or write past the PII masks', {
      hint: 'Write the query as a SELECT over ns.table names; --out FILE and --format csv|json|parquet write its result.',
    });
  }
  // Tables that are not in the catalog: not-found as without --mask (exit 1), still refused before the query runs.
  if (problems.every((p) => p.missing)) {
    const names = [...new Set(problems.map((p) => p.what.replace(/ \(not a catalog table\)$/, '')))];
    throw notFound(`${names.length === 1 ? 'table' : 'tables'} ${names.join(', ')} ${names.length === 1 ? 'does' : 'do'} not exist in the catalog`, {
      context: { table: names.join(', ') },
      hint: 'Run `floe tables` to list the tables in the catalog.',
    });
  }
  const list = [...new Set(problems.map((p) => p.what))];
  throw usageError(`--mask: the query reads ${list.join(', ')}; a masked query reads only catalog tables (ns.table), through their PII masks`, {
    context: { reads: list.join(', ') },
    hint: 'Name the tables as ns.table in a SELECT. Files, DuckDB catalog functions and statements other than SELECT are refused with --mask, because they would bypass the masks.',
  });
}

/** DuckDB's own syntax error for the text alone (line and column, as without --mask), or a refusal. */
async function refuseUnparsed(engine: Engine, sql: string): Promise<never> {
  try {
    const prepared = await engine.connection.prepare(sql);
    prepared.destroySync();
  } catch (e) {
    throw wrapDuckDBError(e, 'run the query', { userSql: sql });
  }
  throw usageError('--mask: the query does not parse as one SELECT on its own; a masked query runs only such a query', {
    hint: 'Name the tables as ns.table in a SELECT; --out FILE and --format csv|json|parquet write its result.',
  });
}
