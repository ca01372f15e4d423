/**
 * `floe check [table...] [--all] [--format text|json|junit] [--warn-error]` (DESIGN §3):
 * the checks of the pipelines that write each table, run against its current snapshot —
 * for CI and cron. Ad-hoc checks as flags (`--freshness updated_at=6h --not-null email
 * --row-count-min 1`) replace the pipeline checks, for a quick CI line.
 *
 * Exit codes, the worst outcome wins: 2 bad usage or an invalid project file · 1 a check could
 * not be evaluated (the reason is printed), or the command failed · 3 a check at severity
 * error failed, or a warning with --warn-error · 0 every check passed (warnings allowed).
 * An invalid pipeline file does not stop the checks of the valid ones: it is reported beside
 * their results (docs/CHECKS.md). With --format json or junit, stdout (or --out FILE, written
 * whole or not at all) is a complete report even when the command fails. Results are appended to floe.check_results unless
 * --no-history; failing to record them is a warning, never a change of the verdict.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { currentAudit } from '../../audit/context.js';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { MissingCatalog } from '../../catalog/missing.js';
import { evaluateChecks } from '../../checks/evaluate.js';
import { lastDataChange } from '../../checks/freshness.js';
import { appendCheckResults, historyLookup, type HistoryRun } from '../../checks/history.js';
import { checkRunExitCode, formatJson, formatJunit, formatText, problemText, terminalText } from '../../checks/results.js';
import type { CheckProblem, CheckResult, SnapshotInfo } from '../../checks/types.js';
import { openReportFile, type ReportFile } from '../../checks/report-file.js';
import { prepareCheckViews } from '../../checks/views.js';
import { withheldColumns } from '../../checks/withheld.js';
import { openEngine, type Engine } from '../../engine/duckdb.js';
import { pausePoint, throwIfCancelled } from '../../cancel.js';
import { createTableView, type TableScan } from '../../engine/read.js';
import { type ErrorKind, FloeError, usageError } from '../../errors.js';
import { type Diagnostic, formatDiagnostic } from '../../pipeline/diagnostics.js';
import { validateProject } from '../../pipeline/load.js';
import { locate, parseYaml, type YamlSource } from '../../pipeline/parse.js';
import { findProjectFile } from '../../pipeline/project.js';
import { type Check, checkItem, checkList } from '../../pipeline/schema-checks.js';
import { loadTable } from '../../table/load.js';
import { globalsOf, type ProjectContext, withProject } from '../context.js';
import { plural } from '../../text-table.js';
import { EXIT_FAILURE, exitCodeFor } from '../exit.js';
import { consoleOutput, type Output, reportingS3Retries } from '../output.js';

interface CheckOptions {
  all?: boolean;
  format: 'text' | 'json' | 'junit';
  warnError?: boolean;
  freshness?: string[];
  notNull?: string[];
  unique?: string[];
  rowCountMin?: string;
  rowCountMax?: string;
  /** false with --no-history */
  history?: boolean;
  /** --out FILE: the report goes there (whole, or not at all) instead of stdout. */
  out?: string;
}

/** One set of checks on one table: a pipeline's, or the ad-hoc flags'. */
interface Planned {
  table: string;
  pipeline: string | null;
  checks: Check[];
  /** The pipeline file that declares the checks (absolute); none for ad-hoc flags. */
  file?: string;
}

/** The report once made: printed by the caller, to stdout or to --out FILE. */
interface Report {
  body?: string;
}

export default async function check(tables: string[], opts: CheckOptions, cmd: Command): Promise<number> {
  const out = consoleOutput();
  const report: Report = {};
  // --out is checked, and its temporary file made, before any work: a path that cannot be
  // written fails now, not after every check has run.
  const file = opts.out === undefined ? undefined : await openReportFile(opts.out);
  try {
    let code: number;
    try {
      code = await checkTables(tables, opts, cmd, out, report);
    } catch (e) {
      // A CI job reads JSON or JUnit whatever happened: a failure of the command itself is
      // reported as a problem, then propagates (its message on stderr, its exit code).
      if (report.body === undefined && opts.format !== 'text') {
        const err = e instanceof FloeError ? e : undefined;
        const message = err ? `${err.message}${err.hint ? ` (${err.hint})` : ''}` : e instanceof Error ? e.message : String(e);
        report.body = render([], opts, new Map(), [{ kind: err?.kind ?? 'internal', file: null, line: null, col: null, path: null, message }]);
      }
      if (report.body !== undefined) await emit(report.body, file, opts, out).catch(() => undefined);
      throw e;
    }
    if (report.body !== undefined) await emit(report.body, file, opts, out);
    return code;
  } finally {
    await file?.discard();
  }
}

async function emit(body: string, file: ReportFile | undefined, opts: CheckOptions, out: Output): Promise<void> {
  if (!file) {
    if (body !== '') out.out(body);
    return;
  }
  await file.commit(body === '' || body.endsWith('\n') ? body : `${body}\n`);
  out.err(`floe: wrote the ${opts.format} report to ${file.target}`);
}

async function checkTables(tables: string[], opts: CheckOptions, cmd: Command, out: Output, report: Report): Promise<number> {
  if (tables.length === 0 && !opts.all) throw usageError('name the tables to check, or give --all');
  if (tables.length > 0 && opts.all) throw usageError('give table names or --all, not both');
  for (const t of tables) parseTableIdentifier(t);
  const globals = globalsOf(cmd);
  const adHoc = adHocChecks(opts);
  const done = (results: CheckResult[], snapshots: Map<string, bigint | null>, problems: CheckProblem[]) => {
    report.body = render(results, opts, snapshots, problems);
    // Why a check could not be evaluated also goes to stderr, where CI logs show it.
    if (opts.format !== 'text') {
      for (const r of results) if (r.status === 'error') out.err(terminalText(`floe: ${r.table} ${r.name}: ${r.message}`));
    }
    const code = checkRunExitCode(results, opts.warnError === true, problems);
    if (code !== 0) reportFailures(results, problems, opts.warnError === true);
    return code;
  };

  let plan: Planned[];
  // Invalid project files: reported beside the results of the valid pipelines, never instead of them.
  let problems: CheckProblem[] = [];
  let pipelinesRead = 0;
  if (adHoc.length > 0 && !opts.all) {
    plan = unique(tables).map((table) => ({ table, pipeline: null, checks: adHoc }));
  } else {
    const load = await validateProject(globals.project);
    const errors = load.diagnostics.filter((d) => d.severity === 'error');
    for (const d of errors) out.err(load.redact(formatDiagnostic(d)));
    const projectDir = load.project?.dir ?? path.dirname(await findProjectFile(globals.project));
    problems = errors.map((d) => problemOf(d, projectDir));
    // Without floe.yaml there is no catalog to read: the report holds only its problems.
    if (!load.project) return done([], new Map(), problems);
    pipelinesRead = load.pipelines.length;
    const declared: Planned[] = load.pipelines.map((lp) => ({
      table: lp.pipeline.kind === 'identity' ? lp.pipeline.outputs.profiles : lp.pipeline.target.table,
      pipeline: lp.name,
      checks: lp.pipeline.checks,
      file: lp.file,
    }));
    if (adHoc.length > 0) {
      plan = unique(declared.map((p) => p.table)).map((table) => ({ table, pipeline: null, checks: adHoc }));
    } else {
      plan = declared.filter((p) => p.checks.length > 0 && (opts.all || tables.includes(p.table)));
      const without = tables.filter((t) => !plan.some((p) => p.table === t));
      if (without.length > 0) {
        const what = `no checks for ${without.join(', ')}: no ${problems.length > 0 ? 'valid ' : ''}pipeline that writes ${without.length === 1 ? 'it' : 'them'} declares checks`;
        // With invalid files the checks may well be declared in one of them: report those.
        if (problems.length === 0) {
          throw usageError(what, { hint: 'add checks: to the pipeline, or give ad-hoc checks such as --not-null COLUMN or --freshness COLUMN=6h' });
        }
        out.err(`floe: ${what}`);
      }
    }
  }
  if (plan.length === 0) {
    if (problems.length === 0) {
      // A warning, not a failure (exit 0, an empty report: docs/CHECKS.md), that says how many
      // pipelines were read, so a CI log tells a project without checks from one whose pipelines were not found.
      out.err(adHoc.length > 0
        ? 'floe: no pipeline writes a table for --all to check with the ad-hoc checks; nothing to check (name the tables instead)'
        : `floe: warning: no pipeline declares checks (${plural(pipelinesRead, 'pipeline')} read); nothing to check; the report is empty`);
    }
    // Still a report: a CI job that reads JSON or JUnit must find one, with no test in it.
    return done([], new Map(), problems);
  }

  // Retried S3 requests: one summary line on stderr at the end (stdout may be JSON or JUnit).
  return reportingS3Retries(out, () => withProject(globals, async (ctx) => {
    const engine = await openEngine();
    try {
      const history = await historyLookup({ engine, catalog: ctx.catalog, io: ctx.io });
      const runs: HistoryRun[] = [];
      const snapshots = new Map<string, bigint | null>();
      const scans = new Map<string, TableScan | FloeError>();
      const withheld = new Map<string, Set<string>>();
      const dataChanges = new Map<string, SnapshotInfo['dataChange']>();
      for (const p of plan) {
        const started = Date.now();
        const scan = await scanOf(ctx, engine, p.table, scans, withheld, dataChanges);
        let results: CheckResult[];
        if (scan instanceof FloeError) {
          results = p.checks.map((c) => unevaluated(c, p.table, scan, p.pipeline));
        } else {
          const change = dataChanges.get(p.table);
          const snapshot: SnapshotInfo | null = scan.snapshot
            ? { id: scan.snapshot['snapshot-id'], timestampMs: scan.snapshot['timestamp-ms'], ...(change === undefined ? {} : { dataChange: change }) }
            : null;
          snapshots.set(p.table, snapshot?.id ?? null);
          const relation = p.table.split('.');
          // A referenced table that cannot be loaded is reported by the checks that read it.
          await prepareCheckViews(engine, ctx.catalog, ctx.io, p.checks, { table: p.table, relation }).catch(() => undefined);
          const tagged = withheld.get(p.table) ?? new Set<string>();
          await pausePoint('check', p.table);
          results = (await evaluateChecks({ engine, checks: p.checks, relation, table: p.table, snapshot, schema: scan.schema, history, pipeline: p.pipeline, withheld: async () => tagged }))
            .map((r) => ({ ...r, pipeline: p.pipeline }));
          if (p.file) results = await withDeclaration(results, p.file, ctx.project.dir);
        }
        // A signal: the checks it interrupted have no result (each says why), so none is reported or recorded (src/cancel.ts).
        throwIfCancelled();
        runs.push({ pipeline: p.pipeline, snapshotId: snapshots.get(p.table) ?? null, checkedAt: started, results });
      }
      const all = runs.flatMap((r) => r.results);
      // The audit row names what was checked, at which snapshot (also with --no-history, when
      // floe.check_results, the table it changes, does not say). Tables that could not be
      // loaded were not checked; their checks' errors say why.
      for (const [table, id] of snapshots) currentAudit()?.reportTable(table, { action: 'checked', snapshotId: id });
      if (opts.history !== false && !(ctx.catalog instanceof MissingCatalog)) await recordHistory(ctx, engine, runs, out);
      return done(all, snapshots, problems);
    } finally {
      engine.close();
    }
    // A project without a catalog yet gets none: its tables do not exist, and there is no
    // catalog to record the results in (recordHistory skips it).
  }, { create: false }));
}

/**
 * Why the command did not pass, for its floe.audit_log row (error_kind is the first one's):
 * in the order that decides the exit code (checkRunExitCode), so that error_kind agrees with
 * exit_code. The project files' problems (2), then the checks that could not be evaluated
 * (1), then the failed checks (3). Also when no check ran at all (only invalid files).
 */
function reportFailures(results: readonly CheckResult[], problems: readonly CheckProblem[], warnError: boolean): void {
  const audit = currentAudit();
  if (!audit) return;
  const byExit = [...problems].sort((a, b) => Number(b.kind === 'config' || b.kind === 'usage') - Number(a.kind === 'config' || a.kind === 'usage'));
  for (const p of byExit) audit.reportError(p.kind as ErrorKind, problemText(p));
  for (const r of results) if (r.status === 'error') audit.reportError(unevaluatedKind.get(r) ?? 'internal', `${r.table}: ${r.name}: ${r.message}`);
  for (const r of results) if (r.status === 'fail' || (warnError && r.status === 'warn')) audit.reportError('check', `${r.table}: ${r.name}: ${r.message}`);
}

/**
 * A check that could not be evaluated (SQL DuckDB rejects, a column the table lacks) is a
 * mistake in the pipeline file: its message says where the check is declared, as
 * `file:line:col`, so CI points at the line to edit.
 */
async function withDeclaration(results: CheckResult[], file: string, projectDir: string): Promise<CheckResult[]> {
  if (!results.some((r) => r.status === 'error')) return results;
  let source: YamlSource;
  try {
    source = parseYaml(await readFile(file, 'utf8'), file).source;
  } catch {
    return results;
  }
  const shown = relativeTo(projectDir, file);
  // Results come in the order of the pipeline's checks: one result per item of `checks:`.
  return results.map((r, i) => {
    if (r.status !== 'error') return r;
    const at = locate(source, ['checks', i]);
    return { ...r, message: `${r.message} (check declared at ${shown}:${at.line}:${at.col})` };
  });
}

/** `file` relative to the project folder, with forward slashes; absolute when it lies outside. */
function relativeTo(projectDir: string, file: string): string {
  const rel = path.relative(projectDir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** A diagnostic of `floe validate` as a problem of the report, its file relative to the project folder. */
function problemOf(d: Diagnostic, projectDir: string): CheckProblem {
  return { kind: 'config', file: relativeTo(projectDir, d.file), line: d.line > 0 ? d.line : null, col: d.line > 0 ? d.col : null, path: d.path === '' ? null : d.path, message: d.message };
}

/** The ad-hoc flags as check items, validated by the pipeline file's own schema and named the same way. */
function adHocChecks(opts: CheckOptions): Check[] {
  const items: [flag: string, value: string, item: unknown][] = [];
  for (const v of opts.freshness ?? []) {
    const eq = v.lastIndexOf('=');
    const item = eq < 0 ? { max_age: v } : { column: v.slice(0, eq), max_age: v.slice(eq + 1) };
    items.push(['--freshness', v, { freshness: item }]);
  }
  for (const v of opts.notNull ?? []) items.push(['--not-null', v, { not_null: columnsOf(v) }]);
  for (const v of opts.unique ?? []) items.push(['--unique', v, { unique: columnsOf(v) }]);
  if (opts.rowCountMin !== undefined || opts.rowCountMax !== undefined) {
    const count = (flag: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v.trim())) throw usageError(`${flag} '${v}' is not a whole number of rows`);
      return Number(v.trim());
    };
    const min = count('--row-count-min', opts.rowCountMin);
    const max = count('--row-count-max', opts.rowCountMax);
    items.push(['--row-count-min/--row-count-max', `${min ?? ''}..${max ?? ''}`, { row_count: { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) } }]);
  }
  for (const [flag, value, item] of items) {
    const r = checkItem.safeParse(item);
    if (!r.success) {
      const why = r.error.issues.map((i) => i.message).join('; ');
      throw usageError(`${flag} '${value}': ${why}`, { hint: flag === '--freshness' ? 'write COLUMN=DURATION (e.g. updated_at=6h), or DURATION for the age of the latest snapshot' : undefined });
    }
  }
  return checkList.parse(items.map(([, , item]) => item));
}

const columnsOf = (v: string) => v.split(',').map((c) => c.trim()).filter((c) => c !== '');
const unique = <T>(xs: readonly T[]) => [...new Set(xs)];

/** The table's rows as a view, once per table; `withheld` gets its PII-tagged columns (check messages never quote their values), `dataChanges` when its snapshot last changed the data (freshness). */
async function scanOf(
  ctx: ProjectContext,
  engine: Engine,
  table: string,
  cache: Map<string, TableScan | FloeError>,
  withheld: Map<string, Set<string>>,
  dataChanges: Map<string, SnapshotInfo['dataChange']>,
): Promise<TableScan | FloeError> {
  const hit = cache.get(table);
  if (hit) return hit;
  let scan: TableScan | FloeError;
  try {
    const id = parseTableIdentifier(table);
    if (ctx.catalog instanceof MissingCatalog) {
      scan = new FloeError('not-found', `table ${table} does not exist: ${ctx.catalog.why}`, { hint: 'run its pipeline first; if the catalog should exist, check catalog.uri in floe.yaml' });
    } else if (!(await ctx.catalog.tableExists(id))) {
      scan = new FloeError('not-found', `table ${table} does not exist in the catalog`, { hint: 'run its pipeline first, or check the name with floe tables' });
    } else {
      const t = await loadTable(ctx.catalog, ctx.io, id);
      scan = await createTableView(engine, [...id.namespace, id.name], { io: t.io, metadata: t.metadata, table });
      withheld.set(table, withheldColumns(table, t.metadata));
      if (scan.snapshot) dataChanges.set(table, lastDataChange(t.metadata.snapshots, scan.snapshot));
    }
  } catch (e) {
    if (!(e instanceof FloeError)) throw e;
    scan = e;
  }
  cache.set(table, scan);
  return scan;
}

/**
 * Why the checks of a table that could not be loaded did not run (not-found, io, corrupt), for
 * the audit row's error_kind; only kinds whose exit code is 1, the code these results give.
 */
const unevaluatedKind = new WeakMap<CheckResult, ErrorKind>();

function unevaluated(c: Check, table: string, e: FloeError, pipeline: string | null): CheckResult {
  const result = { ...unevaluatedResult(c, table, e), pipeline };
  if (exitCodeFor(e.kind) === EXIT_FAILURE) unevaluatedKind.set(result, e.kind);
  return result;
}

function unevaluatedResult(c: Check, table: string, e: FloeError): CheckResult {
  return {
    table,
    name: c.name,
    kind: c.kind,
    severity: c.severity,
    status: 'error',
    scope: 'table',
    observed: null,
    expected: '',
    message: `could not be evaluated: ${e.message}${e.hint ? ` (${e.hint})` : ''}`,
    durationMs: 0,
  };
}

async function recordHistory(ctx: ProjectContext, engine: Engine, runs: HistoryRun[], out: Output): Promise<void> {
  try {
    await appendCheckResults({ catalog: ctx.catalog, io: ctx.io, engine, warehouse: ctx.project.paths.warehouse, runs });
  } catch (e) {
    out.err(`floe: warning: the results were not recorded in floe.check_results: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function render(results: CheckResult[], opts: CheckOptions, snapshots: Map<string, bigint | null>, problems: CheckProblem[]): string {
  const options = { warnError: opts.warnError === true, snapshots, problems };
  if (opts.format === 'json') return formatJson(results, options);
  if (opts.format === 'junit') return formatJunit(results, options);
  return formatText(results, options);
}
