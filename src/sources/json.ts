/**
 * `kind: jsonl` and `kind: json`, read by DuckDB's JSON reader. `records_path` (a dot path
 * such as `data.items`) selects the array of records inside each document.
 */
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { quoteIdent } from '../engine/sql.js';
import { describeFiles, fileListSql, sourceFiles } from './files.js';
import type { Extracted, Source, SourceContext } from './source.js';

type JsonConfig = Extract<SourceConfig, { kind: 'json' | 'jsonl' }>;

export function jsonSource(config: JsonConfig): Source {
  return {
    kind: config.kind,
    async extract(ctx: SourceContext): Promise<Extracted> {
      const files = await sourceFiles(config.path, ctx);
      const format = config.kind === 'jsonl' ? 'newline_delimited' : 'auto';
      let select = `SELECT * FROM read_json(${fileListSql(files)}, format = '${format}', union_by_name = true)`;
      if (config.records_path) {
        // Each document is read as one row; the records array is unnested into rows.
        const path = config.records_path.split('.').map(quoteIdent).join('.');
        select = `SELECT unnest(__r, recursive := false) FROM (SELECT unnest(${path}) AS __r FROM read_json(${fileListSql(files)}, format = '${format}', records = true, union_by_name = true) AS __doc)`;
      }
      const relation = ctx.engine.uniqueName(config.kind);
      await ctx.engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${select}`, `read the JSON files of pipeline ${ctx.pipeline}`, {
        kind: 'source',
        context: { pipeline: ctx.pipeline, files: describeFiles(files) },
      });
      return { relation, describe: describeFiles(files) };
    },
  };
}
