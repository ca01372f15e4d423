/** `floe snapshot rollback <table> (--to-snapshot ID|TAG|BRANCH | --to-time TIME) [--json]`: moves main back to an ancestor. */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { notFound, usageError } from '../../errors.js';
import type { TableMetadata } from '../../iceberg/types.js';
import type { LoadedTable } from '../../table/load.js';
import { watermarkUpdatesForMainMove } from '../../run/run-ids.js';
import { planRollback, type RollbackPlan, type RollbackTarget } from '../../table/refs.js';
import { parseAsOf, parseSnapshotSelector } from '../../table/snapshot-select.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, reportingS3RetriesUnlessJson } from '../output.js';
import { iso } from './maintain-common.js';
import { commitPlanned, refuseUnreadableSnapshot } from './snapshot-common.js';

interface RollbackCliOptions {
  toSnapshot?: string;
  toTime?: string;
  json?: boolean;
}

function target(opts: RollbackCliOptions, table: string): RollbackTarget {
  if ((opts.toSnapshot === undefined) === (opts.toTime === undefined)) {
    throw usageError(`table ${table}: give exactly one of --to-snapshot ID or --to-time TIME`, { context: { table } });
  }
  if (opts.toSnapshot !== undefined) {
    // Digits written as an id (a negative one too: Iceberg ids are signed) are a snapshot id
    // (or, when no snapshot has that id, a ref so named: planRollback); anything else (0123
    // too) names a tag or branch, as floe query --snapshot and snapshot tag --snapshot read it.
    if (opts.toSnapshot.trim() === '') throw usageError(`table ${table}: --to-snapshot needs a snapshot id, a tag or a branch name`, { context: { table } });
    const selector = parseSnapshotSelector(opts.toSnapshot);
    return selector.kind === 'id' ? { snapshotId: selector.snapshotId } : { ref: selector.name };
  }
  return { timestampMs: parseAsOf(opts.toTime!, '--to-time') };
}

/**
 * A table without snapshots has no snapshot to move main to. Unlike the maintenance commands'
 * nothing-to-do, the rollback asked for a target that cannot exist: refused (exit 1), naming it.
 */
function noHistoryRefused(t: LoadedTable, to: RollbackTarget, table: string): TableMetadata {
  if (t.metadata.refs.main !== undefined) return t.metadata;
  const what = 'snapshotId' in to ? `snapshot ${to.snapshotId}` : 'ref' in to ? `snapshot '${to.ref}' points at` : `snapshot committed before ${iso(to.timestampMs)}`;
  throw notFound(`table ${table} has no snapshots yet; there is no ${what} to roll back to`, {
    context: { table },
    hint: 'a rollback moves main back along its history; this table has none yet',
  });
}

/**
 * The rollback as planned on each commit attempt. A retry keeps the first plan's starting
 * point: if another writer moved main meanwhile, the rollback fails (exit 1) instead of
 * dropping that writer's snapshot from main. It keeps the first plan's target too: a tag
 * (or a ref named with digits) moved meanwhile does not change where main goes.
 */
export function rollbackPlanner(to: RollbackTarget, table: string): (t: LoadedTable, first?: RollbackPlan) => RollbackPlan {
  return (t, first) => {
    const pinned: RollbackTarget = first && !('timestampMs' in to) ? { snapshotId: first.to['snapshot-id'] } : to;
    return withWatermarks(t.metadata, planRollback(noHistoryRefused(t, pinned, table), pinned, table, first?.from));
  };
}

/**
 * The rollback with the watermark records of the pipelines whose recorded snapshot it takes
 * off main rewritten or removed in the same commit (run-ids.ts watermarkUpdatesForMainMove),
 * so a run after a later expiry does not resume from a rolled-back watermark.
 */
function withWatermarks(m: TableMetadata, plan: RollbackPlan): RollbackPlan {
  if (plan.change.updates.length === 0) return plan;
  const extra = watermarkUpdatesForMainMove(m, plan.to['snapshot-id']);
  return extra.length ? { ...plan, change: { ...plan.change, updates: [...plan.change.updates, ...extra] } } : plan;
}

export default async function snapshotRollback(tableName: string, opts: RollbackCliOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(!!opts.json);
  const started = Date.now();
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    // With --json, a failure ends stdout with an end event (status error, kind), as other commands do.
    const { plan, metadataLocation } = await (async () => {
      const id = parseTableIdentifier(tableName);
      const to = target(opts, tableName);
      return withProject(globalsOf(cmd), ({ catalog, io }) =>
        commitPlanned(catalog, io, id, rollbackPlanner(to, tableName), {}, (t, p) => refuseUnreadableSnapshot(t, p.to, tableName, `roll back to snapshot ${p.to['snapshot-id']}`, 'main stays where it is')),
      );
    })().catch(endOnError(out, started));
    const result = {
      table: tableName,
      from_snapshot: plan.from,
      to_snapshot: plan.to['snapshot-id'],
      to_committed_at: iso(plan.to['timestamp-ms']),
      changed: metadataLocation !== null,
      metadata_location: metadataLocation,
    };
    if (opts.json) {
      out.event('end', { status: 'ok', command: 'snapshot rollback', ...result });
      return 0;
    }
    if (!result.changed) out.out(`${tableName}: main is already at snapshot ${plan.to['snapshot-id']}; nothing to roll back`);
    else out.out(`${tableName}: rolled main back from snapshot ${plan.from} to ${plan.to['snapshot-id']} (committed ${result.to_committed_at})`);
    return 0;
  });
}
