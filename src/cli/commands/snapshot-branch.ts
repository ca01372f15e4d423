/**
 * `floe snapshot branch <table> <name> [--snapshot ID] [--retain-last N] [--max-snapshot-age DUR]
 * [--retain DUR] [--replace] [--fast-forward REF] [--drop] [--json]`.
 */
import type { Command } from 'commander';
import { countOption, durationOption, snapshotIdOption } from './maintain-common.js';
import { runRefCommand } from './snapshot-ref.js';

interface BranchCliOptions {
  snapshot?: string;
  retainLast?: string;
  maxSnapshotAge?: string;
  retain?: string;
  replace?: boolean;
  fastForward?: string;
  drop?: boolean;
  json?: boolean;
}

export default async function snapshotBranch(tableName: string, name: string, opts: BranchCliOptions, cmd: Command): Promise<number> {
  return runRefCommand(
    'branch',
    tableName,
    () => ({
      name,
      snapshotId: snapshotIdOption('--snapshot', opts.snapshot),
      minSnapshotsToKeep: countOption('--retain-last', opts.retainLast, 1),
      maxSnapshotAgeMs: durationOption('--max-snapshot-age', opts.maxSnapshotAge),
      maxRefAgeMs: durationOption('--retain', opts.retain),
      replace: opts.replace,
      ...(opts.fastForward !== undefined ? { fastForwardTo: opts.fastForward } : {}),
      drop: opts.drop,
    }),
    !!opts.json,
    cmd,
  );
}
