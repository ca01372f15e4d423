/** `kind: parquet`, read by DuckDB's Parquet reader (columns matched by name across files). */
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { quoteIdent } from '../engine/sql.js';
import { describeFiles, expandFiles, fileListSql, sourceFiles } from './files.js';
import { NO_HIVE } from './no-hive.js';
import { refuseInexactDoubles, refuseWideDecimals } from './parquet-decimals.js';
import { refuseCaseTwins } from './parquet-names.js';
import { SOURCE_FILE_COLUMN, type Extracted, type Source, type SourceContext } from './source.js';

type ParquetConfig = Extract<SourceConfig, { kind: 'parquet' }>;

export function parquetSource(config: ParquetConfig): Source {
  return {
    kind: 'parquet',
    async extract(ctx: SourceContext): Promise<Extracted> {
      // Globs expanded, each file once: a file two patterns match was read twice.
      const files = await expandFiles(ctx, await sourceFiles(config.path, ctx));
      const relation = ctx.engine.uniqueName('parquet');
      await ctx.engine.run(
        `CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS SELECT * FROM read_parquet(${fileListSql(files)}, union_by_name = true, ${NO_HIVE}, filename = '${SOURCE_FILE_COLUMN}')`,
        `read the Parquet files of pipeline ${ctx.pipeline}`,
        { kind: 'source', context: { pipeline: ctx.pipeline, files: describeFiles(files) } },
      );
      // Columns whose names differ only in case: DuckDB renamed the second, past the pipeline's rules (parquet-names.ts).
      const columns = await ctx.engine.columns(`SELECT * FROM ${quoteIdent(relation)}`, `read the columns of pipeline ${ctx.pipeline}`, { kind: 'source' });
      await refuseCaseTwins(ctx.engine, files, columns, `pipeline ${ctx.pipeline}`);
      // Decimals wider than 38 digits, which DuckDB reads as wrong doubles (parquet-decimals.ts).
      await refuseWideDecimals(ctx.engine, files, columns, `pipeline ${ctx.pipeline}`);
      // Integers and long decimals of one file made doubles by a float column of another.
      await refuseInexactDoubles(ctx.engine, files, columns, `pipeline ${ctx.pipeline}`);
      return { relation, describe: describeFiles(files) };
    },
  };
}
