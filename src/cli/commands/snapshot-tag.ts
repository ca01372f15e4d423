/** `floe snapshot tag <table> <name> [--snapshot ID|REF | --as-of TIME] [--retain DUR] [--replace] [--drop] [--json]`. */
import type { Command } from 'commander';
import { durationOption } from './maintain-common.js';
import { runRefCommand, snapshotOptions } from './snapshot-ref.js';

interface TagCliOptions {
  snapshot?: string;
  asOf?: string;
  retain?: string;
  replace?: boolean;
  drop?: boolean;
  json?: boolean;
}

export default async function snapshotTag(tableName: string, name: string, opts: TagCliOptions, cmd: Command): Promise<number> {
  return runRefCommand(
    'tag',
    tableName,
    () => ({ name, ...snapshotOptions(opts.snapshot, opts.asOf), maxRefAgeMs: durationOption('--retain', opts.retain), replace: opts.replace, drop: opts.drop }),
    !!opts.json,
    cmd,
  );
}
