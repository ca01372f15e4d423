/** `floe compact <table>`: rewrites small files (binpack, sort, zorder). */
import type { Command } from 'commander';
import { lazy } from '../lazy.js';

export function registerCompact(program: Command): void {
  program
    .command('compact <table>')
    .description('rewrite small (and oversized) data files into files near the target size, optionally sorted or z-ordered; one replace snapshot (several with --partial-progress)')
    .option('--strategy <name>', 'binpack (default), sort, zorder, or "zorder(col1, col2)"')
    .option('--sort <order>', 'with sort: "col [asc|desc] [nulls first|last], ..." (transforms allowed); default the table\'s sort order')
    .option('--zorder <columns>', 'with zorder: comma-separated columns, e.g. customer_id,event_ts')
    .option('--target-file-size <size>', 'output file size, e.g. 128MiB (default: table property write.target-file-size-bytes, else 512MiB)')
    .option('--min-file-size <size>', 'files smaller than this are rewritten (default 75% of the target)')
    .option('--max-file-size <size>', 'files larger than this are rewritten (default 180% of the target)')
    .option('--min-input-files <n>', 'a file group with fewer files is left alone unless it has deletes or too much data', '5')
    .option('--max-group-size <size>', 'largest amount of data rewritten as one file group (default 100GiB)')
    .option('--delete-file-threshold <n>', 'a data file with at least this many delete files applied is rewritten (default 1)')
    .option('--rewrite-all', 'rewrite every data file (in --where), whatever its size')
    .option('--where <predicate>', 'DuckDB SQL over the table\'s columns; only files holding matching rows are rewritten, e.g. "region = \'eu\'"')
    .option('--partial-progress', 'commit file groups in several snapshots (see --max-commits)')
    .option('--max-commits <n>', 'with --partial-progress: at most this many commits (default 10)')
    .option('--commit-every <n>', 'commit every n file groups (implies partial progress)')
    .option('--rewrite-to-current-spec', 'also rewrite files written under older partition specs into the current spec')
    .option('--dry-run', 'print the plan (file groups and why); rewrite nothing')
    .option('--json', 'print NDJSON events on stdout')
    .addHelpText(
      'after',
      `
Defaults follow Iceberg's rewrite_data_files. Rows deleted by position or equality delete
files are dropped; delete files that no longer apply to any data file are removed. Appends
that commit while compaction runs are kept; if a file being rewritten is removed or gets new
deletes meanwhile, compaction fails with exit 1 and the table is unchanged, except that with
--partial-progress the commits that landed before stay (the error names their snapshots).
Sizes: bytes, or KiB/MiB/GiB (also k/m/g) and KB/MB/GB (powers of 1000); --min-file-size
must be below the target and --max-file-size above it (exit 2 otherwise).

Examples:
  floe compact sales.orders
  floe compact sales.orders --target-file-size 128MiB --where "order_date >= DATE '2026-01-01'"
  floe compact sales.orders --strategy sort --sort "customer_id, order_ts desc"
  floe compact web.events --strategy "zorder(user_id, event_ts)" --dry-run`,
    )
    .action(lazy(() => import('../commands/compact.js')));
}
