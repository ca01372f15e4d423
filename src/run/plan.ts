/**
 * `floe plan`: what a run would do, without writing anything — the source, the target,
 * the schema diff and the partition/sort diff. File and sql sources are described through
 * DuckDB (their views are lazy, so only file headers are read); database and HTTP sources
 * are not contacted, so their schema diff is left to the run.
 */
import type { Catalog } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import { FloeError } from '../errors.js';
import { openEngine } from '../engine/duckdb.js';
import { schemaFromColumns } from '../engine/infer-schema.js';
import { quoteIdent } from '../engine/sql.js';
import { reconcileColumns } from '../ingest/reconcile.js';
import { columnName } from '../iceberg/schema.js';
import type { FileIO } from '../io/fileio.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import type { Redactor } from '../pipeline/secrets.js';
import { createSource } from '../sources/index.js';
import { SOURCE_FILE_COLUMN } from '../sources/source.js';
import { loadTable } from '../table/load.js';
import { currentSchema } from '../table/snapshot-producer.js';
import { planNormalize } from './normalize.js';
import { registerNormalizers } from './udf-normalize.js';

export interface PipelinePlan {
  pipeline: string;
  source: string;
  target: string;
  mode: string;
  tableExists: boolean;
  schema: string[];
  partitioning: string[];
  sortOrder: string[];
  problems: string[];
}

const LAZY_SOURCES = new Set(['csv', 'json', 'jsonl', 'parquet', 'sql']);

export async function planPipeline(lp: LoadedPipeline, catalog: Catalog, io: FileIO, projectDir: string, redact: Redactor): Promise<PipelinePlan> {
  const p = lp.pipeline;
  if (p.kind !== 'ingest') {
    return { pipeline: lp.name, source: 'identity', target: p.outputs.profiles, mode: 'identity', tableExists: false, schema: [], partitioning: [], sortOrder: [], problems: ['identity pipelines are not planned yet'] };
  }
  const id = parseTableIdentifier(p.target.table);
  const table = (await catalog.tableExists(id)) ? await loadTable(catalog, io, id) : undefined;
  const out: PipelinePlan = {
    pipeline: lp.name,
    source: p.source.kind,
    target: p.target.table,
    mode: p.target.mode,
    tableExists: table !== undefined,
    schema: [],
    partitioning: [],
    sortOrder: [],
    problems: [],
  };
  const wanted = p.target.partition_by.map((e) => `${e.transform}(${e.source})`);
  if (!table) {
    out.partitioning = wanted.length ? [`create partitioned by ${wanted.join(', ')}`] : ['create unpartitioned'];
  } else {
    const m = table.metadata;
    const schema = currentSchema(m);
    const spec = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
    const has = (spec?.fields ?? []).map((f) => `${f.transform}(${columnName(schema, f['source-id']) ?? f['source-id']})`);
    if (has.join(',') !== wanted.join(',')) out.partitioning = [`table is partitioned by [${has.join(', ')}], the pipeline asks for [${wanted.join(', ')}]; floe run keeps the table's spec`];
  }
  if (p.target.sort_by.length) out.sortOrder = [`sort_by ${p.target.sort_by.map((s) => s.source).join(', ')} is recorded but not applied to writes yet`];
  if (!LAZY_SOURCES.has(p.source.kind)) {
    out.source = `${p.source.kind} (not contacted by plan)`;
    return out;
  }
  const engine = await openEngine({ threads: 1 });
  try {
    registerNormalizers(engine.connection);
    const extracted = await (await createSource(p.source, lp.resolved, catalog, io)).extract({ engine, projectDir, pipeline: lp.name, redact });
    out.source = `${p.source.kind}: ${redact(extracted.describe)}`;
    const cols = await engine.columns(`SELECT * FROM ${quoteIdent(extracted.relation)}`, `describe the source of ${lp.name}`, { kind: 'source' });
    const norm = planNormalize(cols.map((c) => c.name).filter((c) => c !== SOURCE_FILE_COLUMN), p.columns, lp.name);
    const typed = await engine.columns(`SELECT ${norm.select} FROM ${quoteIdent(extracted.relation)}`, `describe the columns of ${lp.name}`, { kind: 'source' });
    const incoming = schemaFromColumns(typed);
    if (!table) {
      out.schema = incoming.fields.map((f) => `create column ${f.name} ${typeof f.type === 'string' ? f.type : f.type.type}`);
    } else {
      const r = reconcileColumns(currentSchema(table.metadata), incoming, p.target.table, p.target.on_schema_change);
      out.schema = r.changes.length ? r.changes : ['no schema change'];
    }
  } catch (e) {
    out.problems.push(redact(e instanceof FloeError ? e.message : String(e)));
  } finally {
    engine.close();
  }
  return out;
}
