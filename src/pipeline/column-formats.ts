/**
 * `columns.<c>.format` on a date or timestamp `type` (without `normalize:`) is a pattern for
 * DuckDB's strptime. A specifier DuckDB does not know (`%Q`) passed the schema and failed the
 * run while it normalised the rows, naming neither the file nor the line. Each such pattern
 * is tried once with DuckDB at every project load instead, so `floe validate` reports it at
 * its file:line:col and `floe run` stops before reading the source. DuckDB is opened only
 * when some pipeline has such a pattern. (With `normalize: timestamp` the pattern is the
 * normaliser's, checked by the schema.)
 */
import { type Diagnostic, formatPath } from './diagnostics.js';
import { locate, type YamlSource } from './parse.js';
import type { Pipeline } from './schema-pipeline.js';

export async function columnFormatDiagnostics(files: readonly { file: string; source: YamlSource; pipeline: Pipeline }[]): Promise<Diagnostic[]> {
  const given = files.flatMap(({ file, source, pipeline }) =>
    pipeline.kind !== 'ingest'
      ? []
      : Object.entries(pipeline.columns).flatMap(([column, rule]) =>
          rule.format !== undefined && rule.normalize === undefined && rule.type !== undefined && /^(date|timestamp)/.test(rule.type)
            ? (typeof rule.format === 'string' ? [rule.format] : rule.format).map((format, i) => ({ file, source, column, format, at: typeof rule.format === 'string' ? ['format'] : ['format', i] }))
            : [],
        ),
  );
  if (given.length === 0) return [];
  const { openEngine } = await import('../engine/duckdb.js');
  const { quoteLiteral } = await import('../engine/sql.js');
  const engine = await openEngine({ threads: 1 });
  try {
    const out: Diagnostic[] = [];
    for (const g of given) {
      try {
        await engine.all(`SELECT try_strptime(NULL::VARCHAR, ${quoteLiteral(g.format)}) AS t`, 'check a column format');
      } catch (e) {
        const why = (e instanceof Error ? e.message : String(e)).replace(/^[\s\S]*?(Failed to parse format specifier)/, '$1').split('\n')[0];
        out.push({ file: g.file, ...locate(g.source, ['columns', g.column, ...g.at]), path: formatPath(['columns', g.column, ...g.at]), message: `not a strptime pattern DuckDB can read: ${why}`, severity: 'error' });
      }
    }
    return out;
  } finally {
    engine.close();
  }
}
