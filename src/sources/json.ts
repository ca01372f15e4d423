/**
 * `kind: jsonl` and `kind: json`, read by DuckDB's JSON reader. `records_path` (a dot path
 * such as `data.items`) selects the array of records inside each document.
 */
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { describeFiles, expandFiles, fileListSql, sourceFiles } from './files.js';
import { SOURCE_FILE_COLUMN, type Extracted, type Source, type SourceContext } from './source.js';

type JsonConfig = Extract<SourceConfig, { kind: 'json' | 'jsonl' }>;

export function jsonSource(config: JsonConfig): Source {
  return {
    kind: config.kind,
    async extract(ctx: SourceContext): Promise<Extracted> {
      const files = await sourceFiles(config.path, ctx);
      const format = config.kind === 'jsonl' ? 'newline_delimited' : 'auto';
      // JSON Lines: a malformed line is skipped by the reader and quarantined from a raw
      // line scan below, with its line number; a malformed .json document still fails.
      const lenient = config.kind === 'jsonl' ? ', ignore_errors = true' : '';
      let select = `SELECT * FROM read_json(${fileListSql(files)}, format = '${format}', union_by_name = true, filename = '${SOURCE_FILE_COLUMN}'${lenient})`;
      // ignore_errors leaves an all-NULL row where a malformed line was; the line itself is
      // quarantined below, so that row is dropped here.
      if (lenient) select = `SELECT * FROM (${select}) AS __r WHERE NOT regexp_matches(CAST(to_json(__r) AS VARCHAR), '^\\{("(?:[^"\\\\]|\\\\.)*":null,)*"${SOURCE_FILE_COLUMN}":"(?:[^"\\\\]|\\\\.)*"\\}$')`;
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
      if (config.kind !== 'jsonl') return { relation, describe: describeFiles(files) };
      const rejects = ctx.engine.uniqueName('jsonl_rejects');
      const expanded = await expandFiles(ctx, files);
      const lines = expanded.map(
        (f) =>
          `SELECT ${quoteLiteral(f)} AS source, row_number() OVER ()::BIGINT AS line, raw FROM read_csv(${quoteLiteral(f)}, columns = {'raw': 'VARCHAR'}, header = false, delim = ${quoteLiteral('\u0001')}, quote = '', escape = '', auto_detect = false)`,
      );
      await ctx.engine.run(
        `CREATE OR REPLACE TEMP VIEW ${quoteIdent(rejects)} AS SELECT source, line, raw, 'malformed JSON' AS reason FROM (${lines.join(' UNION ALL ')}) WHERE trim(raw) <> '' AND NOT json_valid(raw)`,
        `scan the JSON lines of pipeline ${ctx.pipeline}`,
        { kind: 'source' },
      );
      return { relation, rejects, describe: describeFiles(files) };
    },
  };
}
