/** `floe table create | register | drop`: making, adopting and removing catalog tables. */
import type { Command } from 'commander';
import { collect, lazy } from '../lazy.js';

export function registerTableCommands(table: Command): void {
  table
    .command('create <table>')
    .description('create an empty table: columns, partition spec, sort order and properties')
    .option('--column <spec>', 'a column, in order (repeat): "name type [required] [doc \'text\']", e.g. "id long required", "amount decimal(12,2)"', collect, [])
    .option('--partition-by <expr...>', 'partition fields, e.g. "day(ts)" "bucket(16, id)" country')
    .option('--sort-by <field...>', 'the default sort order, "col [asc|desc] [nulls first|last]" (new files are written sorted by it)')
    .option('--property <key=value>', 'a table property (repeat)', collect, [])
    .option('--if-not-exists', 'succeed without change when the table already exists')
    .option('--json', 'print NDJSON events on stdout')
    .addHelpText(
      'after',
      `
The table is created in the project's warehouse at <warehouse>/<namespace>/<name>, with
format version 2 unless --property format-version=N says otherwise. Partition expressions:
col, year(ts), month(ts), day(ts), hour(ts), bucket(N, col), truncate(W, col); a column takes
at most one of year/month/day/hour (Iceberg refuses redundant partition fields).

Examples:
  floe table create sales.orders --column "id long required" --column "order_ts timestamptz" --column "amount decimal(12,2)"
  floe table create sales.daily_orders --column "id long" --column "order_ts timestamptz" --partition-by "day(order_ts)" "bucket(16, id)"
  floe table create web.events --column "user_id long" --column "ts timestamptz" --sort-by "ts desc" --property write.target-file-size-bytes=134217728
  floe table create sales.orders --column "id long" --if-not-exists`,
    )
    .action(lazy(() => import('../commands/table-create.js')));
  table
    .command('register <table> <metadata-file>')
    .description('adopt an existing Iceberg table from its metadata file, or from its folder (version-hint.text, else the highest version); no file is rewritten')
    .option('--map-location <FROM=TO>', 'read stored locations starting with FROM from TO instead (repeatable)', collect, [])
    .addHelpText(
      'after',
      `
The catalog entry points at the metadata file as it is; floe's next commit writes a new
metadata file under the table's location. A folder is the table's folder or its metadata/
folder. A metadata file of a table the catalog already has is refused (two entries over the
same files would overwrite each other's history).

Examples:
  floe table register raw.events /data/lake/events/metadata/00042-1f0c.metadata.json
  floe table register raw.events /data/lake/events
  floe table register raw.events s3://bucket/lake/events/metadata/v7.metadata.json
  floe table register raw.trips ./fixtures/trips --map-location s3a://old-bucket/trips=/data/trips`,
    )
    .action(lazy(() => import('../commands/table-register.js')));
  table
    .command('drop <table>')
    .description('remove a table from the catalog (its files stay; use --purge to delete them)')
    .option('--purge', 'also delete the table\'s data and metadata files (and, on a local disk, the folders they leave empty)')
    .addHelpText(
      'after',
      `
Without --purge every file stays, so the table can be registered again from its metadata
file. --purge deletes the table's files under its location: those its metadata names and
everything under <location>/data/ and <location>/metadata/; other files there (and other
catalog tables that live there) are kept and listed. It then removes the folders this leaves
empty; a folder that still holds other files is kept.

Examples:
  floe table drop scratch.tmp_orders
  floe table drop scratch.tmp_orders --purge
  floe table register scratch.tmp_orders /path/to/warehouse/scratch/tmp_orders   # undo a drop without --purge`,
    )
    .action(lazy(() => import('../commands/table-drop.js')));
}
