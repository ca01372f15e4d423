/**
 * `floe validate` reads the query of every `sql` check with DuckDB's parser, so a syntax
 * error, or a statement that is not a query, is reported at file:line:col before any run or
 * CI check meets it. Parsing only: which tables and columns a query names is known only
 * against the data, at evaluation. `{{ this }}` and `{{ batch }}` stand for relations and are
 * read as table names.
 */
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { locate, type YamlSource } from '../pipeline/parse.js';
import type { Check } from '../pipeline/schema-checks.js';

export interface SqlCheckFile {
  file: string;
  source: YamlSource;
  checks: readonly Check[];
}

/** Why DuckDB cannot parse `query` as one SELECT, or undefined when it can. */
export type SqlParser = (query: string) => Promise<string | undefined>;

/** The problems of the sql checks of these files; pure apart from `parse`. */
export async function sqlCheckDiagnostics(files: readonly SqlCheckFile[], parse: SqlParser): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const f of files) {
    for (const [i, c] of f.checks.entries()) {
      if (c.kind !== 'sql') continue;
      const query = c.query.replace(/\{\{\s*(this|batch)\s*\}\}/g, '__floe_$1').trim().replace(/;\s*$/, '');
      const problem = await parse(query);
      if (problem === undefined) continue;
      const simple = typeof scalarOf(f.source, i) === 'string';
      const at = locate(f.source, simple ? ['checks', i, 'sql'] : ['checks', i, 'sql', 'query']);
      out.push({ file: f.file, ...at, path: `checks[${i}].sql${simple ? '' : '.query'}`, message: `DuckDB cannot read this query: ${problem}`, severity: 'error' });
    }
  }
  return out;
}

function scalarOf(source: YamlSource, i: number): unknown {
  const item = source.doc.getIn(['checks', i, 'sql']);
  return typeof item === 'string' ? item : undefined;
}

/** A parser backed by a DuckDB session (opened once, for every query of the project). */
export async function withDuckDBParser<T>(fn: (parse: SqlParser) => Promise<T>): Promise<T> {
  const { openEngine } = await import('../engine/duckdb.js');
  const { quoteLiteral } = await import('../engine/sql.js');
  const engine = await openEngine({ threads: 1 });
  try {
    return await fn(async (query) => {
      const rows = await engine.all(`SELECT json_serialize_sql(${quoteLiteral(query)}) AS j`, 'parse the query of a sql check');
      const j = JSON.parse(String(rows[0]?.j ?? '{}')) as { error?: boolean; error_message?: string; statements?: unknown[] };
      if (j.error) return j.error_message === 'Only SELECT statements can be serialized to json!' ? 'a check runs one SELECT query (or WITH ... SELECT)' : (j.error_message ?? 'unknown error');
      if ((j.statements?.length ?? 0) !== 1) return 'a check runs one SELECT query, not several statements';
      return undefined;
    });
  } finally {
    engine.close();
  }
}
