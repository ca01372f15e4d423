/** `floe maintain expire|orphans|manifests` and `floe snapshot rollback|tag|branch`. */
import type { Command } from 'commander';
import { lazy } from '../lazy.js';

export function registerMaintain(program: Command): void {
  const maintain = program.command('maintain').description('keep a table healthy: expire snapshots, delete orphan files, rewrite manifests');
  maintain
    .command('expire <table>')
    .description('expire old snapshots (remove them from the table metadata), then delete the files only they referenced')
    .addHelpText(
      'after',
      '\nEach branch retains its head, then walks back through its ancestors and retains each one while fewer than\n' +
        '--retain-last are retained or while it was committed less than --older-than ago; the first that is neither\n' +
        'ends the walk: it and its older ancestors expire unless another ref retains them. Tags retain their snapshot; a snapshot no branch or tag\n' +
        'reaches is retained while younger than --older-than. A branch\'s own retention settings (floe snapshot branch\n' +
        '--retain-last/--max-snapshot-age) win over both options. A branch or tag other than main whose snapshot is older\n' +
        'than its max-ref-age-ms (floe snapshot tag|branch --retain) is removed. Files are deleted after the commit, and\n' +
        'only those no retained snapshot references. See docs/MAINTENANCE.md.',
    )
    .option('--older-than <duration>', 'snapshots committed longer ago than this expire, beyond the last --retain-last of each branch; e.g. 7d, 12h (default: table property history.expire.max-snapshot-age-ms, else 5d)')
    .option('--retain-last <n>', 'retain at least the last n snapshots of each branch, however old (1 or more; default: table property history.expire.min-snapshots-to-keep, else 1)')
    .option('--dry-run', 'print the snapshots that would expire and the files that would be deleted; commit and delete nothing')
    .option('--json', 'print NDJSON events on stdout')
    .action(lazy(() => import('../commands/maintain-expire.js')));
  maintain
    .command('orphans <table>')
    .description('delete files under the table location that no metadata references and that are older than --older-than')
    .addHelpText(
      'after',
      '\nAn --older-than below 1h is refused (exit 2): a write in progress has data files, manifests and a manifest list\n' +
        'that no metadata references until it commits. --allow-recent lifts that floor; use it only when no other writer\n' +
        'can be running against the table. Exits 1 if a delete fails. See docs/MAINTENANCE.md.',
    )
    .option('--older-than <duration>', 'only delete files last modified longer ago than this; younger files may belong to a write in progress', '3d')
    .option('--allow-recent', 'accept an --older-than below 1h; only when no other writer can be running')
    .option('--dry-run', 'print the orphan files; delete nothing')
    .option('--json', 'print NDJSON events on stdout')
    .action(lazy(() => import('../commands/maintain-orphans.js')));
  maintain
    .command('manifests <table>')
    .description('rewrite the current snapshot\'s data manifests clustered by partition and leave out manifests without live files (a "replace" snapshot; same rows)')
    .option('--dry-run', 'print the plan (data manifests now and after, entries, partitions); write and commit nothing')
    .option('--json', 'print NDJSON events on stdout')
    .action(lazy(() => import('../commands/maintain-manifests.js')));

  const snapshot = program.command('snapshot').description('move main back, and manage tags and branches');
  snapshot
    .command('rollback <table>')
    .description('move main back to one of its ancestors (the data of that snapshot becomes current)')
    .option('--to-snapshot <id|ref>', 'the ancestor snapshot: an id, or a tag or branch whose snapshot it is')
    .option('--to-time <time>', 'the ancestor main held just before this time, as the snapshot log records it (ISO-8601 or epoch ms)')
    .option('--json', 'print the result as JSON')
    .action(lazy(() => import('../commands/snapshot-rollback.js')));
  snapshot
    .command('tag <table> <name>')
    .description('create, move (--replace), change the retention of (--retain alone), or drop (--drop) a tag: a named snapshot that expiry keeps')
    .option('--snapshot <id|ref>', 'the snapshot to tag: an id, or a tag or branch whose snapshot to tag (default: the current snapshot, also with --replace)')
    .option('--as-of <time>', 'tag the snapshot main pointed at at this time (ISO-8601 or epoch ms)')
    .option('--retain <duration>', 'keep the tag for this long after its snapshot was committed (max-ref-age-ms)')
    .option('--replace', 'move an existing tag to --snapshot or --as-of (default: the current snapshot); to change only its retention, give --retain without --replace')
    .option('--drop', 'remove the tag')
    .option('--json', 'print the result as JSON')
    .action(lazy(() => import('../commands/snapshot-tag.js')));
  snapshot
    .command('branch <table> <name>')
    .description('create, move (--replace), change the retention of, or drop (--drop) a branch')
    .option('--snapshot <id|ref>', 'the snapshot the branch starts at: an id, or a tag or branch (default: the current snapshot, also with --replace)')
    .option('--as-of <time>', 'start the branch at the snapshot main pointed at at this time (ISO-8601 or epoch ms)')
    .option('--retain-last <n>', 'expiry keeps at least n snapshots of this branch (min-snapshots-to-keep)')
    .option('--max-snapshot-age <duration>', 'expiry keeps this branch\'s snapshots younger than this (max-snapshot-age-ms)')
    .option('--retain <duration>', 'keep the branch itself for this long after its head was committed (max-ref-age-ms)')
    .option('--replace', 'move an existing branch to --snapshot or --as-of (default: the current snapshot); to change only its retention, give the retention options without --replace')
    .option('--fast-forward <ref>', 'move the existing branch to the head of this branch or tag, or to this snapshot id, only if that only adds snapshots (publish an audited branch, or the snapshot a run whose checks failed staged)')
    .option('--drop', 'remove the branch (never main)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  floe snapshot branch sales.orders audit                         # a branch at the current snapshot
  floe snapshot branch sales.orders main --fast-forward audit     # publish it: main moves to audit's head
  floe snapshot branch sales.orders main --fast-forward ID        # publish a snapshot a failed audit staged
  floe snapshot branch sales.orders main --snapshot ID --replace  # make any snapshot current (undo a rollback)
  floe snapshot branch sales.orders audit --retain-last 5 --max-snapshot-age 7d`,
    )
    .action(lazy(() => import('../commands/snapshot-branch.js')));
}
