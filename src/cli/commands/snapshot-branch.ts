/**
 * `floe snapshot branch <table> <name> [--snapshot ID|REF | --as-of TIME] [--retain-last N] [--max-snapshot-age DUR]
 * [--retain DUR] [--replace] [--fast-forward REF] [--drop] [--json]`.
 */
import type { Command } from 'commander';
import { watermarkUpdatesForMainMove } from '../../run/run-ids.js';
import type { LoadedTable } from '../../table/load.js';
import type { RefPlan } from '../../table/refs.js';
import { countOption, durationOption } from './maintain-common.js';
import { runRefCommand, snapshotOptions } from './snapshot-ref.js';

interface BranchCliOptions {
  snapshot?: string;
  asOf?: string;
  retainLast?: string;
  maxSnapshotAge?: string;
  retain?: string;
  replace?: boolean;
  fastForward?: string;
  drop?: boolean;
  json?: boolean;
}

/**
 * Moving main (`--replace`, `--fast-forward`) rewrites or removes, in the same commit, the
 * watermark records of the pipelines whose recorded snapshot is no longer an ancestor of main
 * (run-ids.ts watermarkUpdatesForMainMove); a new branch or another branch changes none.
 */
function mainMoved(t: LoadedTable, plan: RefPlan): RefPlan {
  if (plan.name !== 'main' || plan.after === null || plan.after === plan.before || plan.change.updates.length === 0) return plan;
  const extra = watermarkUpdatesForMainMove(t.metadata, plan.after);
  return extra.length ? { ...plan, change: { ...plan.change, updates: [...plan.change.updates, ...extra] } } : plan;
}

export default async function snapshotBranch(tableName: string, name: string, opts: BranchCliOptions, cmd: Command): Promise<number> {
  return runRefCommand(
    'branch',
    tableName,
    () => ({
      name,
      ...snapshotOptions(opts.snapshot, opts.asOf),
      minSnapshotsToKeep: countOption('--retain-last', opts.retainLast, 1),
      maxSnapshotAgeMs: durationOption('--max-snapshot-age', opts.maxSnapshotAge),
      maxRefAgeMs: durationOption('--retain', opts.retain),
      replace: opts.replace,
      ...(opts.fastForward !== undefined ? { fastForwardTo: opts.fastForward } : {}),
      drop: opts.drop,
    }),
    !!opts.json,
    cmd,
    mainMoved,
  );
}
