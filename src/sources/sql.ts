/**
 * `kind: sql`: a DuckDB query over catalog tables by name (`ns.table`), for curated and
 * metric tables. The runner orders sql pipelines after the pipelines that write the
 * tables they read (src/pipeline/order.ts).
 *
 * `incremental:` keeps a high-watermark like every other source (DESIGN §1). When the cursor
 * column reaches the table as the query returns it, the query's rows are filtered here, in
 * the column's own type, so DuckDB reads only the new rows (it pushes the filter down to the
 * Parquet row groups); otherwise the runner keeps the rows above the watermark after its
 * column rules ran, as it does for file sources.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { configError } from '../errors.js';
import type { FileIO } from '../io/fileio.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { prepareViews } from '../query/query.js';
import { queryErrorAtFile, queryFileAt, runnableQuery, sqlPipelineReads } from '../governance/sql-pipeline.js';
import { charIndex, lineCol, parseTree } from '../governance/sql-reads.js';
import { unrepeatable, unrepeatableWarning } from './sql-volatile.js';
import type { CursorState, Extracted, Source, SourceContext } from './source.js';

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
      // Errors name the pipeline file, line and column (governance/sql-pipeline.ts queryFileAt).
      const file = ctx.pipelineFile === undefined ? undefined : { file: ctx.pipelineFile, projectDir: ctx.projectDir };
      await governance.check(ctx.engine, query, ctx.pipeline, views.map((v) => v.table), file);
      const relation = ctx.engine.uniqueName('sql');
      await ctx.engine
        .run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${query}`, `run the query of pipeline ${ctx.pipeline}`, {
          kind: 'config',
          context: { pipeline: ctx.pipeline },
          userSql: query,
        })
        .catch((e: unknown) => {
          throw queryErrorAtFile(e, query, file);
        });
      const inheritedPii = await governance.outputTags(ctx.engine, query, relation);
      const cursor = ctx.cursor;
      const tagged = inheritedPii.some((t) => t.column === cursor?.column);
      // A cursor the query reads masked is a hash or a mask, not the input's values: its order
      // says nothing of theirs, so the rows above its watermark were a chance few (or none).
      const masked = cursor ? inheritedPii.find((t) => t.column === cursor.column && t.policy !== 'none') : undefined;
      if (cursor && masked) {
        throw configError(`pipeline ${ctx.pipeline}: the incremental cursor ${cursor.column} is read masked (pii ${masked.tag}: ${masked.policy}, from ${views.map((v) => v.table).join(', ')}): its values do not keep the order of the input's, so an incremental run would leave out rows above the watermark`, {
          context: { pipeline: ctx.pipeline, cursor: cursor.column },
          hint: 'Name a column without a PII tag in incremental.cursor (an update time or a sequence of the input), or read it through a query column that carries no tag.',
        });
      }
      const read = cursor && !tagged ? await aboveWatermark(ctx.engine, relation, cursor) : relation;
      // The clock, chance and unordered windows: the run warns that a rerun gives another table (sql-volatile.ts).
      const warnings = unrepeatable(await parseTree(ctx.engine, query)).map((u) => {
        const index = u.at === undefined ? undefined : charIndex(query, u.at);
        const inQuery = index === undefined ? undefined : (({ line, col }) => `query line ${line}, column ${col}`)(lineCol(query, index));
        return unrepeatableWarning(u, queryFileAt(file, query, index) ?? inQuery);
      });
      return {
        relation: read,
        describe: `query over ${views.map((v) => v.table).join(', ') || 'no catalog table'}`,
        ...(inheritedPii.length ? { inheritedPii } : {}),
        ...(warnings.length ? { warnings } : {}),
      };
    },
  };
}

/**
 * A view of `relation`'s rows whose cursor is above the bound (or NULL: the runner counts
 * those and says it left them out), or `relation` itself when the bound cannot be compared
 * here: no bound yet, a cursor the pipeline's rules change (`asRead` false), or a bound that
 * is not a value of the column's type (the runner then reports it, naming the pipeline).
 */
async function aboveWatermark(engine: Engine, relation: string, cursor: CursorState): Promise<string> {
  if (cursor.after === null || cursor.asRead !== true) return relation;
  const column = (await engine.columns(`SELECT * FROM ${quoteIdent(relation)} LIMIT 0`, 'read the columns of the query')).find((c) => c.name === cursor.column);
  if (!column) return relation;
  const type = column.type.toString();
  const bound = `TRY_CAST(${quoteLiteral(cursor.after)} AS ${type})`;
  const fits = await engine.all(`SELECT ${bound} IS NOT NULL AS ok`, 'check the watermark against the cursor type');
  if (fits[0]?.ok !== true) return relation;
  const c = quoteIdent(cursor.column);
  const filtered = engine.uniqueName('sql_incremental');
  await engine.run(
    `CREATE OR REPLACE TEMP VIEW ${quoteIdent(filtered)} AS SELECT * FROM ${quoteIdent(relation)} WHERE (${c} ${cursor.inclusive ? '>=' : '>'} ${bound} OR ${c} IS NULL)`,
    'filter the query by its incremental cursor',
  );
  return filtered;
}
