/**
 * `floe run`: pipelines in dependency order. Independent pipelines run in parallel, up to
 * `concurrency` at once; a pipeline starts when every pipeline it reads from has finished,
 * and is skipped (not run on stale input) when one of them failed.
 */
import pLimit from 'p-limit';
import { FloeError } from '../errors.js';
import type { LoadedPipeline, ProjectLoad } from '../pipeline/load.js';
import { type PipelineRunResult, type RunContext, runIngestPipeline } from './run-pipeline.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import { writesTables } from '../pipeline/order.js';

export interface RunOutcome {
  pipeline: string;
  table: string;
  status: 'ok' | 'skipped' | 'failed';
  result?: PipelineRunResult;
  error?: FloeError;
  /** For a pipeline skipped because an upstream one failed: the pipeline that failed. */
  failedUpstream?: string;
}

export async function runPipelines(ctx: RunContext, load: ProjectLoad, concurrency: number): Promise<RunOutcome[]> {
  const byName = new Map(load.pipelines.map((p) => [p.name, p]));
  const done = new Map<string, Promise<RunOutcome>>();
  const limit = pLimit(Math.max(1, concurrency));
  // Pipelines writing the same table run one after another in run order (dependencies first,
  // then by name), whatever the outcome: the table lock would serialise them anyway, but in
  // whichever order they reached it, so an overwrite and an append left different tables from
  // one run to the next.
  const position = new Map(load.order.order.map((n, i) => [n, i]));
  const writers = new Map<string, string[]>();
  for (const lp of [...load.pipelines].sort((a, b) => (position.get(a.name) ?? 0) - (position.get(b.name) ?? 0))) {
    for (const t of writesTables(lp.pipeline)) writers.set(t, [...(writers.get(t) ?? []), lp.name]);
  }
  const sameTableBefore = (lp: LoadedPipeline) => [...new Set(writesTables(lp.pipeline).flatMap((t) => {
    const list = writers.get(t) ?? [];
    return list.slice(0, list.indexOf(lp.name));
  }))];
  const run = (lp: LoadedPipeline): Promise<RunOutcome> => {
    const existing = done.get(lp.name);
    if (existing) return existing;
    const promise = (async (): Promise<RunOutcome> => {
      const deps = (load.order.dependsOn.get(lp.name) ?? []).filter((d) => byName.has(d));
      const upstream = await Promise.all(deps.map((d) => run(byName.get(d)!)));
      const table = lp.pipeline.kind === 'ingest' ? lp.pipeline.target.table : lp.pipeline.outputs.profiles;
      const failed = upstream.find((u) => u.status === 'failed' || (u.status === 'skipped' && u.error !== undefined)); // not run on stale input, transitively
      if (failed) {
        // The pipeline that failed, also when `failed` was itself skipped because of it.
        const root = failed.failedUpstream ?? failed.pipeline;
        const why = failed.status === 'failed' ? `upstream pipeline ${root} failed` : `upstream pipeline ${failed.pipeline} was not run (${root} failed)`;
        const error = new FloeError('source', `not run: ${why}`, { context: { pipeline: lp.name, upstream: failed.pipeline } });
        // --json reports every pipeline's outcome: a pipeline not run still gets its event.
        ctx.onEvent?.('skip', { pipeline: lp.name, table, reason: 'upstream-failed', upstream: failed.pipeline, failed_pipeline: root, note: error.message });
        return { pipeline: lp.name, table, status: 'skipped', error, failedUpstream: root };
      }
      await Promise.all(sameTableBefore(lp).map((n) => run(byName.get(n)!)));
      return limit(async () => {
        ctx.onEvent?.('start', { pipeline: lp.name, table });
        try {
          // Identity resolution (and its normaliser libraries) loads only for identity pipelines.
          const result = lp.pipeline.kind === 'identity' ? await (await import('./identity-run.js')).runIdentityPipeline(ctx, lp) : await runIngestPipeline(ctx, lp);
          ctx.onEvent?.(result.status === 'skipped' ? 'skip' : 'commit', {
            pipeline: lp.name,
            table,
            snapshot_id: result.snapshotId,
            rows_read: result.rowsRead,
            rows_written: result.rowsWritten,
            rejects: result.rejects,
            ...(result.valuesChanged ? { values_changed: result.valuesChanged } : {}),
            schema_changes: result.schemaChanges,
            duration_ms: result.durationMs,
            ...(result.note ? { note: result.note } : {}),
          });
          if (result.status === 'ok' && result.snapshotId !== null && mayExpireAfterRun(result)) await maintainAfterRun(ctx, lp.name, table);
          return { pipeline: lp.name, table, status: result.status, result };
        } catch (e) {
          const error = withSourcePath(e instanceof FloeError ? e : new FloeError('internal', e instanceof Error ? e.message : String(e), { cause: e }), lp);
          ctx.onEvent?.('error', { pipeline: lp.name, table, kind: error.kind, message: ctx.redact(error.message) });
          return { pipeline: lp.name, table, status: 'failed', error };
        }
      });
    })();
    done.set(lp.name, promise);
    return promise;
  };
  return Promise.all(load.pipelines.map(run));
}

/**
 * False when the run's commit shows the table without `floe.maintain.expire.after-run`
 * (table/expire-auto.ts): then neither the expiry's modules nor the table are loaded again.
 */
function mayExpireAfterRun(result: PipelineRunResult): boolean {
  return result.tableProperties === undefined || 'floe.maintain.expire.after-run' in result.tableProperties;
}

/**
 * `floe.maintain.expire.after-run=true` on the table: expire by its retention properties after
 * the run's commit (docs/MAINTENANCE.md). A failure is a warning; the commit stands.
 */
async function maintainAfterRun(ctx: RunContext, pipeline: string, table: string): Promise<void> {
  try {
    const { expireAfterRun } = await import('../table/expire-auto.js');
    const r = await expireAfterRun(ctx.catalog, ctx.io, parseTableIdentifier(table));
    if (r && (r.plan.expire.length > 0 || r.plan.removeRefs.length > 0)) {
      const f = r.files;
      ctx.onEvent?.('maintain', {
        pipeline,
        table,
        action: 'expire',
        expired_snapshots: r.plan.expire.length,
        deleted_files: f.contentFiles.length + f.manifests.length + f.manifestLists.length + f.statisticsFiles.length,
      });
    }
  } catch (e) {
    ctx.onEvent?.('warning', { pipeline, table, message: ctx.redact(`expiry after the run failed: ${e instanceof Error ? e.message : String(e)}`) });
  }
}

/** A write refused for a column (ingest/reconcile.ts, engine/write-parquet.ts). */
const WRITE_REFUSED = /cannot write to \S+: column "/;

/**
 * A write refused for a column (schema drift: a type the table cannot take, a value that does
 * not fit, a NULL in a required column) names the pipeline's input files too, so the person
 * on call knows which export changed. DuckDB reads a glob's files as one relation, so the
 * path is the pipeline's, not the one file.
 */
function withSourcePath(error: FloeError, lp: LoadedPipeline): FloeError {
  const p = lp.pipeline;
  if (p.kind !== 'ingest' || !('path' in p.source) || !WRITE_REFUSED.test(error.message)) return error;
  const paths = [p.source.path].flat().join(', ');
  return new FloeError(error.kind, `${error.message} (input: ${p.source.kind} ${paths})`, { cause: error, context: { ...error.context, source: paths }, hint: error.hint, retryable: error.retryable });
}
