/** `floe snapshot tag <table> <name> [--snapshot ID] [--retain DUR] [--replace] [--drop] [--json]`. */
import type { Command } from 'commander';
import { durationOption, snapshotIdOption } from './maintain-common.js';
import { runRefCommand } from './snapshot-ref.js';

interface TagCliOptions {
  snapshot?: string;
  retain?: string;
  replace?: boolean;
  drop?: boolean;
  json?: boolean;
}

export default async function snapshotTag(tableName: string, name: string, opts: TagCliOptions, cmd: Command): Promise<number> {
  return runRefCommand(
    'tag',
    tableName,
    () => ({ name, snapshotId: snapshotIdOption('--snapshot', opts.snapshot), maxRefAgeMs: durationOption('--retain', opts.retain), replace: opts.replace, drop: opts.drop }),
    !!opts.json,
    cmd,
  );
}
