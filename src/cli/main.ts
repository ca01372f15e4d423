/**
 * floe's command-line program. Each command lives in commands/<name>.ts and is imported
 * only when it runs, so `floe --help` never loads DuckDB, SQLite or a driver.
 * This layer is the only one that prints or exits; commands return data or throw FloeError.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { cancelGraceMs, installCancelHandling, workInterruptedBy } from '../cancel.js';
import { FloeError, notesOf } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor, exitCodeForSignal, stdoutFailure, watchStdout } from './exit.js';
import { collect, lazy } from './lazy.js';
import { registerCompact } from './register/compact.js';
import { registerEvolve } from './register/evolve.js';
import { registerIdentity } from './register/identity.js';
import { registerMaintain } from './register/maintain.js';
import { registerTableCommands } from './register/table.js';

export interface GlobalOptions {
  project?: string;
  debug?: boolean;
}

export function buildProgram(): Command {
  const program = new Command('floe')
    .description('Declarative lakehouse ingestion into Apache Iceberg tables')
    .version('0.1.0')
    .option('--project <path>', 'floe.yaml, or the folder that holds it (default: search from the current folder up)')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('init [dir]')
    .description('scaffold floe.yaml and a pipelines/ folder')
    .action(lazy(() => import('./commands/init.js')));

  program
    .command('validate [pipelines...]')
    .description('parse and check floe.yaml and pipeline files; reports every error with file:line:col')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/validate.js')));

  program
    .command('plan [pipelines...]')
    .description('show what a run would do: source, target, schema and partition changes; writes nothing')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/plan.js')));

  program
    .command('run [pipelines...]')
    .description('run pipelines: extract, normalise, write and commit each target table')
    .option('--all', 'run every pipeline in the project')
    .option('--full-refresh', 'ignore stored cursors and read sources from the start; an append pipeline then replaces its table\'s rows (an overwrite snapshot), a merge pipeline upserts them')
    .option('--concurrency <n>', 'pipelines run at once (dependencies still run first)', '2')
    .option('--run-id <id>', 'an id for this run (e.g. Airflow\'s run id); a run id already committed is a no-op')
    .option('--lock-timeout <duration>', 'how long to wait for another run writing the same table', '10m')
    .option('--no-audit', 'publish without evaluating the pipelines\' checks first')
    .option('--json', 'print NDJSON events on stdout')
    .action(lazy(() => import('./commands/run.js')));

  program
    .command('schema')
    .description('print the JSON Schema of pipeline files (default) or of floe.yaml ("floe"), for editors')
    .addArgument(new Argument('[which]', 'which file format').choices(['pipeline', 'floe']).default('pipeline'))
    .action(lazy(() => import('./commands/schema.js')));

  program
    .command('load <table> <files...>')
    .description('ad-hoc load of CSV, JSON Lines, JSON or Parquet files into a table, created from the files\' schema if absent')
    .addOption(new Option('--mode <mode>', 'append to or replace the table contents').choices(['append', 'overwrite']).default('append'))
    .option('--allow-empty', 'with --mode overwrite: let input without rows empty the table (refused by default)')
    .option('--partition-by <expr...>', 'partition fields for a new table, e.g. "day(ts)" "bucket(16, id)" country')
    .addOption(new Option('--format <format>', 'input format (default: from the file extension)').choices(['csv', 'jsonl', 'json', 'parquet']))
    .option('--json', 'print NDJSON events on stdout')
    .action(lazy(() => import('./commands/load.js')));

  program
    .command('tables [namespace]')
    .description('list the tables in the catalog')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/tables.js')));

  program
    .command('describe <table>')
    .description('schema, partitioning, sort order, properties and current snapshot of a table')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/describe.js')));

  program
    .command('snapshots <table>')
    .description('the snapshots of a table, oldest first, with their summaries')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/snapshots.js')));

  program
    .command('query <sql>')
    .description('run SQL with DuckDB over catalog tables, each visible under its own name (ns.table)')
    .option('--snapshot <id|ref>', 'read every table at this snapshot id, or at this tag or branch (time travel)')
    .option('--as-of <time>', 'read every table as it was at this time (ISO-8601 or epoch ms)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json', 'parquet']).default('table'))
    .option('--out <file>', 'write the result to a file instead of stdout (required for parquet)')
    .option('--explain', 'print each table\'s scan plan (filters used for pruning, manifests and data files kept of total) instead of running the query')
    .option('--mask', 'read every PII-tagged column (table property floe.pii.<column>) through its policy: hash, mask or redact')
    .action(lazy(() => import('./commands/query.js')));

  program
    .command('check [tables...]')
    .description('run the checks of the pipelines that write these tables, or ad-hoc checks, against their current data')
    .option('--all', 'check every table written by a pipeline that declares checks')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .option('--warn-error', 'treat warnings as failures (exit 3)')
    .option('--freshness <[column=]duration>', 'ad-hoc: newest value of column (or the latest snapshot) at most this old, e.g. updated_at=6h', collect, [])
    .option('--not-null <columns>', 'ad-hoc: no NULLs in these comma-separated columns', collect, [])
    .option('--unique <columns>', 'ad-hoc: these comma-separated columns form a unique key', collect, [])
    .option('--row-count-min <n>', 'ad-hoc: at least n rows')
    .option('--row-count-max <n>', 'ad-hoc: at most n rows')
    .option('--no-history', 'do not record the results in floe.check_results')
    .option('--out <file>', 'write the report to this file instead of stdout (whole or not at all; its folder must exist)')
    .action(lazy(() => import('./commands/check.js')));

  const table = program.command('table').description('create, register (adopt), evolve and drop tables');
  registerTableCommands(table);
  registerEvolve(table);

  registerCompact(program);
  registerMaintain(program);
  registerIdentity(program);

  for (const group of [program, ...groupsUnder(program)]) group.on('command:*', () => unknownCommand(group, group.args[0] ?? ''));
  return program;
}

/** Commands that have subcommands (table, maintain, snapshot, identity), at any depth. */
function groupsUnder(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => (c.commands.length ? [c, ...groupsUnder(c)] : []));
}

/**
 * A word that is a command elsewhere: `floe table describe` is `floe describe`. The key is
 * the group's path and the word; the value the command to run instead.
 */
const ELSEWHERE: Readonly<Record<string, string>> = {
  'floe list': 'floe tables',
  'floe ls': 'floe tables',
  'floe rollback': 'floe snapshot rollback <table>',
  'floe tag': 'floe snapshot tag <table> <name>',
  'floe branch': 'floe snapshot branch <table> <name>',
  'floe expire': 'floe maintain expire <table>',
  'floe orphans': 'floe maintain orphans <table>',
  'floe evolve': 'floe table evolve <table>',
  'floe create': 'floe table create <table>',
  'floe drop': 'floe table drop <table>',
  'floe register': 'floe table register <table> <metadata-file>',
  'floe table describe': 'floe describe <table>',
  'floe table show': 'floe describe <table>',
  'floe table list': 'floe tables',
  'floe table ls': 'floe tables',
  'floe table snapshots': 'floe snapshots <table>',
  'floe table load': 'floe load <table> <files...>',
  'floe table query': 'floe query "<sql>"',
  'floe table compact': 'floe compact <table>',
  'floe table expire': 'floe maintain expire <table>',
  'floe table rollback': 'floe snapshot rollback <table>',
  'floe table tag': 'floe snapshot tag <table> <name>',
  'floe table branch': 'floe snapshot branch <table> <name>',
  'floe snapshot list': 'floe snapshots <table>',
  'floe snapshot ls': 'floe snapshots <table>',
  'floe snapshot expire': 'floe maintain expire <table>',
  'floe maintain compact': 'floe compact <table>',
  'floe maintain rollback': 'floe snapshot rollback <table>',
};

/** The words that name a command: `floe table create`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * A word that is not a subcommand of `group`: commander's "unknown command" with its own
 * "Did you mean" for a typo, or the command that does it elsewhere (exit 2 either way).
 */
function unknownCommand(group: Command, word: string): never {
  const instead = ELSEWHERE[`${commandPath(group)} ${word}`];
  if (instead !== undefined) group.error(`error: unknown command '${word}' for '${commandPath(group)}'\n(Did you mean ${instead}?)`, { code: 'commander.unknownCommand' });
  group.args = [word];
  // Commander's own (in its JavaScript, not its typings): the message and "Did you mean" of
  // `floe tabel`. It throws (exitOverride); the throw below is for the type checker.
  (group as unknown as { unknownCommand(): void }).unknownCommand();
  throw new CommanderError(1, 'commander.unknownCommand', `unknown command '${word}'`);
}

/**
 * `floe help <words...>` for words that are no command: commander printed the parent's help
 * on stderr; it is a usage error like `floe <words...>`, with the same message.
 */
function checkHelpWords(program: Command, argv: readonly string[]): void {
  const [, , first, ...rest] = argv;
  if (first !== 'help' || rest.some((a) => a.startsWith('-'))) return;
  let cmd = program;
  for (const word of rest) {
    // `help` is commander's own command, listed by no group.
    if (!cmd.commands.length || word === 'help') return;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) unknownCommand(cmd, word);
    cmd = sub;
  }
}

/** The error main() reported (a stdout write error a command threw is not told twice). */
let reported: unknown;

export async function main(argv: string[]): Promise<void> {
  watchStdout();
  // At exit: the last write (a run's summary, its `end` event) fails after the command returned.
  process.on('exit', () => {
    const failure = stdoutFailure();
    if (failure === undefined || failure === reported) return;
    const code = process.exitCode === undefined ? 0 : Number(process.exitCode);
    process.stderr.write(`floe: could not write the output to stdout (${failure.message}); ${code === 0 ? 'the command itself completed' : `the command's own exit code was ${code}`}\n`);
    if (code === 0) process.exitCode = EXIT_FAILURE;
  });
  // SIGINT, SIGTERM and SIGHUP stop the command at a safe point rather than kill it (src/cancel.ts,
  // cli/signals.ts); a second one, or the grace period running out, ends the process at once.
  installCancelHandling({ graceMs: cancelGraceMs(), forceExit: (signal) => process.exit(exitCodeForSignal(signal)) });
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    checkHelpWords(program, argv);
    await program.parseAsync(nestedHelpArgv(argv));
  } catch (e) {
    reported = e;
    process.exitCode = reportError(e, debug);
    // A command a signal stopped ends with the signal's status, also when it failed while stopping (cli/lazy.ts).
    const signal = workInterruptedBy();
    if (signal !== undefined) process.exitCode = exitCodeForSignal(signal);
  }
}

/**
 * `floe help table evolve` read as `floe table evolve --help`: commander's `help` command looks
 * one level deep, so it printed the `table` group's help for a subcommand of a group.
 */
export function nestedHelpArgv(argv: string[]): string[] {
  const [node = '', script = '', first, ...rest] = argv;
  // `floe help help`: the help of help is the program's.
  if (first === 'help' && rest.length === 1 && rest[0] === 'help') return [node, script, 'help'];
  if (first !== 'help' || rest.length < 2 || rest.some((a) => a.startsWith('-'))) return argv;
  return [node, script, ...rest, '--help'];
}

function reportError(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // help and version "errors" are normal exits; the message was already printed. Help that
    // commander shows in place of an error (a group without its subcommand: `floe table`)
    // has exitCode 1: a usage error.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : EXIT_USAGE;
    return e.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (e instanceof FloeError) {
    process.stderr.write(`floe: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    for (const note of notesOf(e)) process.stderr.write(`${note}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n${e.cause instanceof Error ? `caused by: ${e.cause.stack}\n` : ''}`);
    return exitCodeFor(e.kind);
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`floe: internal error: ${message}\n`);
  for (const note of notesOf(e)) process.stderr.write(`${note}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('  (run with --debug for the stack trace)\n');
  return EXIT_FAILURE;
}
