/** `floe table evolve <table> ...`: schema, partition spec and sort order changes. */
import type { Command } from 'commander';
import { collect, lazy } from '../lazy.js';

export function registerEvolve(table: Command): void {
  table
    .command('evolve <table>')
    .description('change a table\'s schema, partition spec, sort order or properties in one atomic commit; no data file is rewritten')
    .option('--add-column <spec>', 'add an optional column: "name type [first | after col] [doc \'text\']"; dotted names add to a struct; the type may be nested: struct<lat: double>, list<string>, map<string, long>', collect, [])
    .option('--rename-column <old=new>', 'rename a column (dotted old name for nested columns)', collect, [])
    .option('--drop-column <name>', 'drop a column; refused when a partition spec, the sort order or the identifier fields use it', collect, [])
    .option('--widen-column <name=type>', 'widen a column: int→long, float→double, decimal(P,S)→decimal(P2,S) with P2>P; also a map value or list element ("tags.value=long")', collect, [])
    .option('--make-optional <name>', 'make a required column (or a map value, list element) optional', collect, [])
    .option('--partition-by <expr...>', 'replace the partition fields, e.g. "day(ts)" "bucket(16, id)"; "none" for unpartitioned')
    .option('--add-partition-field <expr>', 'add a partition field: "month(ts) [as name]"', collect, [])
    .option('--drop-partition-field <name>', 'remove a partition field by name (or expression, e.g. "day(ts)")', collect, [])
    .option('--sort-by <expr...>', 'replace the sort order: "col [asc|desc] [nulls first|last]"...; "none" for unsorted')
    .option('--set-property <key=value>', 'set a table property', collect, [])
    .option('--remove-property <key>', 'remove a table property (nothing changes when it is not set)', collect, [])
    .option('--dry-run', 'show the changes and the resulting layout; commit nothing')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Old data files keep the partition spec they were written with; new writes use the new one.
Changes are checked against the Iceberg spec first: a forbidden change (narrowing a type,
dropping a partition source, a name that is taken, ...) fails with exit 2 and changes nothing.

Examples:
  floe table evolve sales.orders --add-column "channel string after id" --widen-column qty=long
  floe table evolve sales.orders --rename-column cust=customer_id --drop-column legacy_flag
  floe table evolve sales.orders --partition-by "month(order_ts)" "bucket(16, customer_id)"
  floe table evolve sales.orders --sort-by "order_ts desc" --dry-run
  floe table evolve sales.orders --remove-property floe.maintain.expire.after-run`,
    )
    .action(lazy(() => import('../commands/table-evolve.js')));
}
