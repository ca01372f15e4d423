/**
 * `kind: sql`: a DuckDB query over catalog tables by name (`ns.table`), for curated and
 * metric tables. The runner orders sql pipelines after the pipelines that write the
 * tables they read (src/pipeline/order.ts).
 */
import type { Catalog } from '../catalog/catalog.js';
import { quoteIdent } from '../engine/sql.js';
import type { FileIO } from '../io/fileio.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { prepareViews } from '../query/query.js';
import { runnableQuery, sqlPipelineReads } from '../governance/sql-pipeline.js';
import type { Extracted, Source, SourceContext } from './source.js';

type SqlConfig = Extract<SourceConfig, { kind: 'sql' }>;

export function sqlSource(config: SqlConfig, catalog: Catalog, io: FileIO): Source {
  return {
    kind: 'sql',
    async extract(ctx: SourceContext): Promise<Extracted> {
      const query = runnableQuery(config.query);
      // PII-tagged columns are read masked, so a curated table inherits its inputs' masks, and
      // the query may read nothing else (no files): governance/sql-pipeline.ts, docs/GOVERNANCE.md.
      const governance = sqlPipelineReads();
      const views = await prepareViews(ctx.engine, catalog, io, query, undefined, { mask: governance.mask });
      await governance.check(ctx.engine, query, ctx.pipeline, views.map((v) => v.table));
      const relation = ctx.engine.uniqueName('sql');
      await ctx.engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${query}`, `run the query of pipeline ${ctx.pipeline}`, {
        kind: 'config',
        context: { pipeline: ctx.pipeline },
      });
      const inheritedPii = await governance.outputTags(ctx.engine, query, relation);
      return { relation, describe: `query over ${views.map((v) => v.table).join(', ') || 'no catalog table'}`, ...(inheritedPii.length ? { inheritedPii } : {}) };
    },
  };
}
