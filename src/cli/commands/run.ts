/**
 * `floe run [pipeline...] [--all] [--full-refresh] [--concurrency N] [--json]`
 * Exit codes (DESIGN §3): 0 all ok · 1 a pipeline failed · 2 a config error.
 * `--json` prints NDJSON events on stdout (start, extract, retry, commit, skip, error, end);
 * logs go to stderr and the spinner shows only on a TTY.
 */
import type { Command } from 'commander';
import { openCatalog } from '../../catalog/open.js';
import { usageError } from '../../errors.js';
import { RoutingFileIO } from '../../io/resolve.js';
import { formatDiagnostic, hasErrors } from '../../pipeline/diagnostics.js';
import { parseDuration } from '../../pipeline/duration.js';
import { validateProject } from '../../pipeline/load.js';
import { currentAudit } from '../../audit/context.js';
import { runPipelines, type RunOutcome } from '../../run/runner.js';
import { MAX_RUN_ID_LENGTH } from '../../run/run-pipeline.js';
import { cancelledBy, isCancelledError } from '../../cancel.js';
import { writesTables } from '../../pipeline/order.js';
import { EXIT_CHECK_FAILED, EXIT_FAILURE, EXIT_USAGE, exitCodeFor } from '../exit.js';
import { noteTargets } from '../signals.js';
import { globalsOf } from '../context.js';
import { consoleOutput, formatTable, endOnError, reportingS3RetriesUnlessJson } from '../output.js';

/** A source request that waits at least this long before its retry is told on stderr while it waits (text output). */
const HTTP_WAIT_NOTICE_MS = 5_000;

interface RunOptions {
  all?: boolean;
  fullRefresh?: boolean;
  concurrency: string;
  json?: boolean;
  runId?: string;
  lockTimeout: string;
  audit: boolean;
}

export default async function run(names: string[], opts: RunOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const started = Date.now();
    // A refused command line ends --json output with an end event too, as an invalid project does.
    const { concurrency, lockTimeoutMs } = (() => {
      try {
        if (names.length === 0 && !opts.all) throw usageError('name the pipelines to run, or give --all');
        if (names.length > 0 && opts.all) throw usageError('give pipeline names or --all, not both');
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw usageError(`--concurrency must be a positive integer, got ${opts.concurrency}`);
        // An empty id (a scheduler's template that rendered to nothing) was stored but never
        // looked up, so every retry ran again: refused, as a too-long one is, before any run.
        if (opts.runId !== undefined && opts.runId.trim() === '') throw usageError("--run-id is empty: give this run's id (Airflow: --run-id {{ run_id }}), or leave the option out for a fresh id per run");
        if (opts.runId !== undefined && opts.runId.length > MAX_RUN_ID_LENGTH) throw usageError(`--run-id is ${opts.runId.length} characters long; at most ${MAX_RUN_ID_LENGTH} are accepted`);
        const lockTimeoutMs = parseDuration(opts.lockTimeout);
        return { concurrency, lockTimeoutMs };
      } catch (e) {
        return endOnError(out, started)(e);
      }
    })();
    const load = await validateProject(globalsOf(cmd).project, { select: names });
    if (hasErrors(load.diagnostics) || !load.project) {
      for (const d of load.diagnostics) out.err(load.redact(formatDiagnostic(d)));
      // The audit record says why the run did not start (error_kind config, each error's text).
      for (const d of load.diagnostics) if (d.severity === 'error') currentAudit()?.reportError('config', load.redact(formatDiagnostic(d)));
      out.event('end', { status: 'invalid', errors: load.diagnostics.length });
      return EXIT_USAGE;
    }
    // What a signal's line names when nothing was committed to them (cli/signals.ts).
    noteTargets(load.pipelines.flatMap((lp) => writesTables(lp.pipeline)));
    // A catalog that cannot be opened still ends the --json stream with an end event.
    const catalog = await openCatalog(load.project.catalog, load.project.dir).catch(endOnError(out, started));
    const spinner = !opts.json && process.stderr.isTTY ? (await import('ora')).default({ stream: process.stderr }).start(`running ${load.pipelines.length} pipeline(s)`) : undefined;
    let outcomes: RunOutcome[];
    try {
      outcomes = await runPipelines(
        {
          project: load.project,
          catalog,
          io: RoutingFileIO.forStorage(load.project.storage),
          redact: load.redact,
          fullRefresh: opts.fullRefresh,
          runId: opts.runId,
          lockTimeoutMs,
          noAudit: opts.audit === false,
          onEvent: (type, fields) => {
            out.event(type, fields);
            if (spinner && type === 'start') spinner.text = `running ${String(fields.pipeline)}`;
            if (spinner && type === 'progress') spinner.text = `running ${String(fields.pipeline)}: ${fields.phase === 'write' ? 'writing' : 'rows staged'}`;
            // Without --json a warning event (a recovered cursor, a failed expiry after the run) goes to stderr.
            if (!opts.json && type === 'warning') out.err(`floe: ${String(fields.pipeline)}: warning: ${String(fields.message)}`);
            // A source's request waiting a while before it is retried (an API's Retry-After): said while it waits.
            if (!opts.json && type === 'retry' && fields.scope === 'http' && Number(fields.wait_ms) >= HTTP_WAIT_NOTICE_MS) {
              out.err(`floe: ${String(fields.pipeline)}: waiting ${Math.round(Number(fields.wait_ms) / 1000)} s before attempt ${String(fields.attempt)} of ${String(fields.max_attempts)} for page ${String(fields.page)} (${String(fields.reason)})`);
            }
          },
        },
        load,
        concurrency,
      );
    } finally {
      spinner?.stop();
      await catalog.close();
    }
    const failed = outcomes.filter((o) => o.status === 'failed');
    const signal = cancelledBy();
    if (signal !== undefined) {
      // Stopped by a signal: the end event says so; cli/lazy.ts prints the one line of what was
      // committed and exits with the signal's status. A pipeline's failure of its own is still told.
      for (const o of failed) if (o.error) currentAudit()?.reportError(o.error.kind, `${o.pipeline}: ${load.redact(o.error.message)}`);
      for (const o of failed) if (o.error && !isCancelledError(o.error) && !opts.json) out.err(load.redact(`floe: ${o.pipeline}: ${o.error.message}`));
      const ok = outcomes.filter((o) => o.status === 'ok').length;
      const notRun = outcomes.filter((o) => o.status === 'skipped' && o.failedUpstream !== undefined).length;
      out.event('end', { status: 'cancelled', signal, pipelines: outcomes.length, ok, failed: failed.length, not_run: notRun, duration_ms: Date.now() - started });
      return exitCodeFor('cancelled');
    }
    // The run ends with an exit code, not an exception: the audit log records why.
    for (const o of failed) if (o.error) currentAudit()?.reportError(o.error.kind, `${o.pipeline}: ${load.redact(o.error.message)}`);
    // Not run because an upstream pipeline failed (each also had its skip event).
    const notRun = outcomes.filter((o) => o.status === 'skipped' && o.failedUpstream !== undefined).length;
    out.event('end', { status: failed.length ? 'failed' : 'ok', pipelines: outcomes.length, failed: failed.length, not_run: notRun, duration_ms: Date.now() - started });
    if (!opts.json && outcomes.length === 0) {
      // An empty table alone read like a run that did something.
      out.err(`floe: no pipeline files in ${load.project.paths.pipelines}; nothing was run`);
      return 0;
    }
    if (!opts.json) {
      for (const o of outcomes) {
        if (o.error) out.err(load.redact(`floe: ${o.pipeline}: ${o.error.message}${o.error.hint ? `\n  hint: ${o.error.hint}` : ''}`));
      }
      out.out(
        formatTable(
          ['pipeline', 'table', 'status', 'rows_read', 'rows_written', 'rejects', 'snapshot_id', 'duration'],
          outcomes.map((o) => [
            o.pipeline,
            o.table,
            o.status,
            o.result?.rowsRead ?? '',
            o.result?.rowsWritten ?? '',
            o.result?.rejects ?? '',
            o.result?.snapshotId ?? '',
            o.result ? `${(o.result.durationMs / 1000).toFixed(1)} s` : '',
          ]),
        ),
      );
    }
    if (!opts.json) {
      for (const o of outcomes) {
        const changed = o.result?.valuesChanged;
        if (changed) out.err(`floe: ${o.pipeline}: ${changed} ${changed === 1 ? 'row' : 'rows'} written with a value a normaliser nulled or adjusted; why is in ${o.table}__rejects (kept = true)`);
      }
    }
    if (failed.length === 0) return 0;
    // A config error outranks a failure, which outranks a failed check (exit 3).
    const codes = failed.map((o) => (o.error ? exitCodeFor(o.error.kind) : EXIT_FAILURE));
    if (codes.includes(EXIT_USAGE)) return EXIT_USAGE;
    if (codes.includes(EXIT_FAILURE)) return EXIT_FAILURE;
    return EXIT_CHECK_FAILED;
  });
}
