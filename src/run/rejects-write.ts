/**
 * One write of a run's rejected rows to `<table>__rejects` (rejects-pending.ts decides when):
 * exactly once per attempt, and per run id the rows of its latest attempt.
 *
 * - The snapshot summary names the pipeline, the run id and the attempt (`floe.rejects.attempt`,
 *   a fresh id per staging). Every commit attempt re-checks the table: when a snapshot of the
 *   same attempt is already there (another host's recovery wrote these rows while this run was
 *   between its target commit and this write), nothing is written a second time.
 * - `replace`: a rerun of a caller-chosen run id whose earlier attempt wrote rejects (its
 *   checks kept `main` in place). The files holding that pipeline's rows of that run id are
 *   rewritten without them, and the new rows added, in one `overwrite` snapshot
 *   (copy-on-write): the run id's rows are then the latest attempt's, also when there are
 *   none (the data was fixed). Applying the same replacement twice gives the same table.
 */
import { formatTableId } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import { schemaFromColumns } from '../engine/infer-schema.js';
import { tableScanSql } from '../engine/read.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { FloeError } from '../errors.js';
import { piiProperties, type PiiColumn } from '../governance/policy.js';
import { loadOrCreate, writeAndCommit } from '../ingest/write-table.js';
import { reconcileColumns } from '../ingest/reconcile.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { and, pred } from '../table/expr/expr.js';
import { planScan } from '../table/scan.js';
import { currentSchema, nextSchemaId, refuseRowLineage } from '../table/snapshot-producer.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Engine } from '../engine/duckdb.js';
import type { FileIO } from '../io/fileio.js';
import { SUMMARY } from './summary-keys.js';

/** Snapshot summary key of a rejects write: the staging attempt whose rows it holds. */
const REJECTS_ATTEMPT = 'floe.rejects.attempt';

export interface RejectsTable {
  catalog: Catalog;
  io: FileIO;
  engine: Engine;
  warehouse: string;
  /** The pipeline's target table; its quarantine is `<table>__rejects`. */
  table: string;
}

export interface RejectsWrite {
  pipeline: string;
  runId: string;
  /** The staging attempt (absent for entries staged by an older floe). */
  attempt?: string;
  pii: PiiColumn[];
  /** The rows to add; undefined: none (a replacement that only removes). */
  selectSql: string | undefined;
  /** Remove the pipeline's earlier rows of this run id in the same snapshot. */
  replace: boolean;
}

export function rejectsTableName(table: string): string {
  return `${table}__rejects`;
}

/** The rows of this write are in the table: the commit was skipped. */
class AlreadyWritten extends Error {}
/** The table moved under a replacement: the files to rewrite are planned again. */
class Replan extends Error {}

/** Whether `m` has a snapshot of this attempt. */
export function attemptWritten(snapshots: readonly { summary: Readonly<Record<string, string>> }[], attempt: string | undefined): boolean {
  return attempt !== undefined && snapshots.some((s) => s.summary[REJECTS_ATTEMPT] === attempt);
}

/** Writes the rows (see the header), unless they are there already or there is nothing to change. */
export async function putRejects(t: RejectsTable, w: RejectsWrite): Promise<void> {
  const id = parseTableIdentifier(rejectsTableName(t.table));
  const name = formatTableId(id);
  const summary = { [SUMMARY.pipeline]: w.pipeline, [SUMMARY.runId]: w.runId, ...(w.attempt ? { [REJECTS_ATTEMPT]: w.attempt } : {}) };
  const incoming = w.selectSql === undefined ? undefined : schemaFromColumns(await t.engine.columns(w.selectSql, `read the rejected rows for ${name}`));
  for (let round = 1; ; round++) {
    // Without rows to add, a table that does not exist has nothing to replace either.
    const loaded = incoming
      ? await loadOrCreate({ catalog: t.catalog, io: t.io, id, warehouse: t.warehouse, properties: piiProperties(w.pii) }, incoming)
      : (await t.catalog.tableExists(id)) ? { table: await loadTable(t.catalog, t.io, id) } : undefined;
    if (!loaded) return;
    const { table, pendingCreate } = loaded;
    const exists = pendingCreate === undefined;
    const m = table.metadata;
    if (attemptWritten(m.snapshots, w.attempt)) return;
    refuseRowLineage(m, name, 'writes to');
    const removal = exists && w.replace ? await earlierRows(t, table, name, w.pipeline, w.runId) : undefined;
    if (!incoming && !removal) return;
    const schema = currentSchema(m);
    const r = incoming ? reconcileColumns(schema, incoming, name, 'add_columns', nextSchemaId(m), m['last-column-id']) : undefined;
    const added = r ? `SELECT ${r.projection} FROM (${w.selectSql}) AS __floe_in` : undefined;
    const selectSql = [added, removal?.keptSql].filter((s): s is string => s !== undefined).join(' UNION ALL BY NAME ');
    const planned = m['current-snapshot-id'] ?? null;
    try {
      const written = await writeAndCommit(
        { catalog: t.catalog, io: t.io, engine: t.engine, id, summary },
        table,
        {
          selectSql: r ? `SELECT ${r.schema.fields.map((f) => quoteIdent(f.name)).join(', ')} FROM (${selectSql}) AS __floe_rows` : selectSql,
          schema: r?.schema ?? schema,
          evolved: r?.evolved ?? false,
          operation: removal ? 'overwrite' : 'append',
          removeFiles: removal?.files,
          skipIfEmpty: !removal,
          validate: async (base) => {
            if (attemptWritten(base.metadata.snapshots, w.attempt)) throw new AlreadyWritten();
            if (removal && (base.metadata['current-snapshot-id'] ?? null) !== planned) throw new Replan();
          },
        },
        pendingCreate,
      );
      if (w.pii.length) await (await import('../governance/ingest.js')).syncPiiProperties(t.catalog, t.io, id, w.pii, written.committed);
      return;
    } catch (e) {
      if (e instanceof AlreadyWritten) return;
      if (e instanceof Replan && round < 5) continue;
      if (e instanceof Replan) throw new FloeError('conflict', `${name}: other writers kept changing the table while the rejected rows of run ${w.runId} of pipeline ${w.pipeline} replaced an earlier attempt's`, { context: { table: name, pipeline: w.pipeline, runId: w.runId } });
      throw e;
    }
  }
}

/**
 * The live data files of the rejects table holding rows of `pipeline`'s run `runId`, and SQL
 * over their other rows (kept by the rewrite); undefined when there are none.
 */
async function earlierRows(t: RejectsTable, table: LoadedTable, name: string, pipeline: string, runId: string): Promise<{ files: Set<string>; keptSql: string } | undefined> {
  const m = table.metadata;
  const fields = new Set(currentSchema(m).fields.map((f) => f.name));
  if (!fields.has('pipeline') || !fields.has('run_id') || m['current-snapshot-id'] === undefined || m['current-snapshot-id'] === null) return undefined;
  const filter = and([
    pred({ op: 'eq' as const, column: 'pipeline', literals: [{ kind: 'string' as const, value: pipeline }] }),
    pred({ op: 'eq' as const, column: 'run_id', literals: [{ kind: 'string' as const, value: runId }] }),
  ]);
  const plan = await planScan({ io: table.io, metadata: m, table: name, filter });
  const ours = `pipeline = ${quoteLiteral(pipeline)} AND run_id = ${quoteLiteral(runId)}`;
  if (!plan.dataFiles.length) return undefined;
  // A scan per file (a row does not say which file holds it), all looked through in one query.
  const scans: string[] = [];
  for (const task of plan.dataFiles) scans.push((await tableScanSql({ engine: t.engine, io: table.io, metadata: m, table: name, plan: { ...plan, dataFiles: [task] } })).sql);
  const found = await t.engine.all(scans.map((sql, i) => `(SELECT ${i} AS i FROM (${sql}) AS __r WHERE ${ours} LIMIT 1)`).join(' UNION ALL '), `look for run ${runId} in ${name}`);
  const holding = found.map((r) => Number(r.i));
  if (!holding.length) return undefined;
  return {
    files: new Set(holding.map((i) => plan.dataFiles[i]!.file.file_path)),
    keptSql: `SELECT * FROM (${holding.map((i) => scans[i]).join(' UNION ALL ')}) AS __k WHERE pipeline IS DISTINCT FROM ${quoteLiteral(pipeline)} OR run_id IS DISTINCT FROM ${quoteLiteral(runId)}`,
  };
}
