/**
 * What the results of a check run add up to, and how they are printed: a text table for
 * people, JSON for programs, JUnit XML for CI systems (one testcase per check, the
 * observed and expected values in each failure). Pure: no printing, no exiting.
 */
import { formatTable } from '../text-table.js';
import { stringifyJson } from '../iceberg/json.js';
import type { CheckProblem, CheckResult, Observed } from './types.js';
import { EXIT_CHECK_FAILED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../cli/exit.js';

export interface Summary {
  passed: number;
  warned: number;
  failed: number;
  errored: number;
}

export function summarizeResults(results: readonly CheckResult[]): Summary {
  const s: Summary = { passed: 0, warned: 0, failed: 0, errored: 0 };
  for (const r of results) {
    if (r.status === 'pass') s.passed++;
    else if (r.status === 'warn') s.warned++;
    else if (r.status === 'fail') s.failed++;
    else s.errored++;
  }
  return s;
}

/**
 * DESIGN §3 exit codes: 3 when a check at severity error failed (or a warning, with
 * `--warn-error`), 1 when a check could not be evaluated, 0 otherwise. An evaluation error
 * wins over a failure: the results are incomplete, and what was not evaluated may hide more.
 * A problem outside the checks wins over both: an invalid project file (a config error) is 2,
 * since the checks it declares were not run at all; any other problem is 1.
 */
export function checkRunExitCode(results: readonly CheckResult[], warnError = false, problems: readonly CheckProblem[] = []): number {
  if (problems.some((p) => p.kind === 'config' || p.kind === 'usage')) return EXIT_USAGE;
  if (problems.length > 0) return EXIT_FAILURE;
  const s = summarizeResults(results);
  if (s.errored > 0) return EXIT_FAILURE;
  if (s.failed > 0 || (warnError && s.warned > 0)) return EXIT_CHECK_FAILED;
  return EXIT_OK;
}

/**
 * Write-audit-publish (DESIGN §1): `main` moves only if no check at severity error failed.
 * A severity-error check that could not be evaluated blocks too, since its verdict is
 * unknown. A warn-severity check never blocks, even when it errored.
 */
export function shouldPublish(results: readonly CheckResult[]): boolean {
  return !results.some(blocks);
}

function blocks(r: CheckResult): boolean {
  return r.status === 'fail' || (r.status === 'error' && r.severity === 'error');
}

/**
 * Why an audit kept `main` where it was, for the run's error: the checks that failed and the
 * severity-error checks that could not be evaluated, each with its message ("2 checks failed:
 * a (…); b (…); 1 could not be evaluated: c (…)"). Warnings and warn-level errors, which did
 * not block, are left out.
 */
export function blockingText(results: readonly CheckResult[]): string {
  const line = (r: CheckResult) => `${r.name} (${r.message})`;
  const failed = results.filter((r) => r.status === 'fail');
  const errored = results.filter((r) => r.status === 'error' && blocks(r));
  const parts: string[] = [];
  if (failed.length) parts.push(`${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.map(line).join('; ')}`);
  if (errored.length) parts.push(`${errored.length}${failed.length ? '' : ` check${errored.length === 1 ? '' : 's'}`} could not be evaluated: ${errored.map(line).join('; ')}`);
  return parts.join('; ');
}

/** The overall verdict in one word, as JSON reports it. */
export function overallStatus(results: readonly CheckResult[], warnError = false, problems: readonly CheckProblem[] = []): 'pass' | 'warn' | 'fail' | 'error' {
  const code = checkRunExitCode(results, warnError, problems);
  if (code === EXIT_FAILURE || code === EXIT_USAGE) return 'error';
  if (code === EXIT_CHECK_FAILED) return 'fail';
  return results.some((r) => r.status === 'warn') ? 'warn' : 'pass';
}

export interface FormatOptions {
  /** `--warn-error`: warnings are failures (JUnit, JSON status). */
  warnError?: boolean;
  /** The snapshot each table was checked at, by table name. */
  snapshots?: ReadonlyMap<string, bigint | null>;
  /** What kept checks from running: invalid project files, a failure of the command itself. */
  problems?: readonly CheckProblem[];
}

/** `pipelines/x.yaml:8:5: checks[0]: message`, the compiler convention CI annotates from. */
export function problemText(p: CheckProblem): string {
  const where = p.file === null ? '' : `${p.file}${p.line !== null && p.line > 0 ? `:${p.line}:${p.col ?? 0}` : ''}: `;
  return `${where}${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** The project files that have problems, each once, in order. */
function problemFiles(problems: readonly CheckProblem[]): string[] {
  return [...new Set(problems.flatMap((p) => (p.file === null ? [] : [p.file])))];
}

const observedText = (v: Observed) => (v === null ? '' : String(v));

function summaryLine(results: readonly CheckResult[]): string {
  const s = summarizeResults(results);
  const n = results.length;
  return `${n} check${n === 1 ? '' : 's'}: ${s.passed} passed, ${s.warned} warned, ${s.failed} failed, ${s.errored} could not be evaluated`;
}

/**
 * Text for a terminal: control characters from the data (an ESC that starts a terminal
 * escape sequence, a carriage return that overwrites the line) are shown as `\u001b`
 * instead of acting on the terminal; line breaks and tabs stay.
 */
export function terminalText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A check's name as reports show it: with its pipeline in brackets (`not_null(id) [orders_us]`)
 * when another check of the same table has the same name (two pipelines write the table), so
 * that CI systems, which key a JUnit testcase by classname and name, keep both apart.
 */
function displayNames(results: readonly CheckResult[]): (r: CheckResult) => string {
  const seen = new Map<string, number>();
  const key = (r: CheckResult) => `${r.table}\u0000${r.name}`;
  for (const r of results) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1);
  return (r) => ((seen.get(key(r)) ?? 0) > 1 && r.pipeline !== undefined ? `${r.name} [${r.pipeline ?? 'ad-hoc'}]` : r.name);
}

/** An aligned table, then one line per check that did not pass, then the totals. */
export function formatText(results: readonly CheckResult[], options: FormatOptions = {}): string {
  return terminalText(textReport(results, options));
}

function textReport(results: readonly CheckResult[], options: FormatOptions): string {
  const problems = options.problems ?? [];
  // Nothing to check: an empty report, as other commands whose stdout is data print (README,
  // "Running from cron and Airflow"); floe check says why on stderr.
  if (results.length === 0 && problems.length === 0) return '';
  const header = ['table', 'check', 'status', 'observed', 'expected'];
  const shown = displayNames(results);
  // Cells are made safe before they are measured, so the columns still line up.
  const rows = results.map((r) => [r.table, shown(r), r.status === 'pass' ? 'pass' : r.status.toUpperCase(), observedText(r.observed), r.expected].map(terminalText));
  const out = results.length > 0 ? [formatTable(header, rows)] : [];
  const notes = results.filter((r) => r.status !== 'pass');
  if (notes.length > 0 || problems.length > 0) {
    if (out.length > 0) out.push('');
    for (const r of notes) out.push(`${r.status.toUpperCase()} ${r.table} ${shown(r)}: ${r.message}`);
    for (const p of problems) out.push(`ERROR ${problemText(p)}`);
  }
  const files = problemFiles(problems).length;
  const others = problems.filter((p) => p.file === null).length;
  const extra = [
    ...(files > 0 ? [`${files} invalid project file${files === 1 ? '' : 's'}`] : []),
    ...(others > 0 ? [`${others} other problem${others === 1 ? '' : 's'}`] : []),
  ];
  out.push(
    '',
    (results.length > 0 || extra.length === 0 ? summaryLine(results) : 'no checks ran') +
      (extra.length > 0 ? `; ${extra.join(', ')}` : '') +
      (options.warnError && results.some((r) => r.status === 'warn') ? ' (warnings fail: --warn-error)' : ''),
  );
  if (options.snapshots) {
    const at = [...options.snapshots].map(([t, id]) => `${t} at ${id === null ? 'no snapshot' : `snapshot ${id}`}`);
    if (at.length > 0) out.push(`checked ${at.join(', ')}`);
  }
  return out.join('\n');
}

/**
 * One JSON object: overall status, totals, and the results with snake_case keys (as floe's
 * NDJSON events). Snapshot ids are strings: they are longs, and most exceed JS's exact range.
 */
export function formatJson(results: readonly CheckResult[], options: FormatOptions = {}): string {
  const snapshotOf = (t: string) => {
    const id = options.snapshots?.get(t);
    return id === undefined || id === null ? null : String(id);
  };
  const problems = options.problems ?? [];
  return stringifyJson({
    status: overallStatus(results, options.warnError, problems),
    summary: summarizeResults(results),
    // What kept checks from running; always present, empty when nothing did.
    problems: problems.map((p) => ({ kind: p.kind, file: p.file, line: p.line, col: p.col, path: p.path, message: p.message })),
    results: results.map((r) => ({
      table: r.table,
      snapshot_id: snapshotOf(r.table),
      // floe check always says (null for ad-hoc checks); a caller that does not know leaves it out.
      ...(r.pipeline === undefined ? {} : { pipeline: r.pipeline }),
      name: r.name,
      kind: r.kind,
      severity: r.severity,
      scope: r.scope,
      status: r.status,
      observed: r.observed,
      expected: r.expected,
      message: r.message,
      duration_ms: r.durationMs,
    })),
  });
}

/**
 * JUnit XML as Jenkins, GitLab and GitHub reporters read it: a testsuite per table, a
 * testcase per check (classname the table). A failed check is a `<failure>`, a check that
 * could not be evaluated an `<error>`; a warning passes with the warning in `<system-out>`,
 * unless warnings fail.
 */
export function formatJunit(results: readonly CheckResult[], options: FormatOptions = {}): string {
  const problems = options.problems ?? [];
  const failing = (r: CheckResult) => r.status === 'fail' || (r.status === 'warn' && options.warnError === true);
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const byTable = new Map<string, CheckResult[]>();
  for (const r of results) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
  const count = (rs: readonly CheckResult[]) => ({
    tests: rs.length,
    failures: rs.filter(failing).length,
    errors: rs.filter((r) => r.status === 'error').length,
    time: seconds(rs.reduce((a, r) => a + r.durationMs, 0)),
  });
  const attrs = (o: Record<string, string | number>) => Object.entries(o).map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`).join('');
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const shown = displayNames(results);
  const all = count(results);
  // Problems outside the checks are error testcases: one per invalid project file (suite
  // "project files"), one per other problem (suite "floe check").
  const files = problemFiles(problems);
  const others = problems.filter((p) => p.file === null);
  const extra = files.length + others.length;
  out.push(`<testsuites${attrs({ name: 'floe check', tests: all.tests + extra, failures: all.failures, errors: all.errors + extra, time: all.time })}>`);
  for (const [table, rs] of byTable) {
    const c = count(rs);
    const snapshot = options.snapshots?.get(table);
    out.push(`  <testsuite${attrs({ name: table, tests: c.tests, failures: c.failures, errors: c.errors, skipped: 0, time: c.time })}>`);
    if (snapshot !== undefined && snapshot !== null) {
      out.push(`    <properties><property${attrs({ name: 'snapshot_id', value: String(snapshot) })}/></properties>`);
    }
    for (const r of rs) {
      const open = `    <testcase${attrs({ classname: table, name: shown(r), time: seconds(r.durationMs) })}`;
      const detail = escapeText(
        [`observed: ${observedText(r.observed)}`, `expected: ${r.expected}`, `severity: ${r.severity}`, `scope: ${r.scope}`, r.message].join('\n'),
      );
      if (r.status === 'error') {
        out.push(`${open}>`, `      <error${attrs({ message: r.message, type: r.kind })}>${escapeText(r.message)}</error>`, '    </testcase>');
      } else if (failing(r)) {
        const message = `observed ${observedText(r.observed) || 'nothing'}, expected ${r.expected}: ${r.message}`;
        out.push(`${open}>`, `      <failure${attrs({ message, type: r.kind })}>${detail}</failure>`, '    </testcase>');
      } else if (r.status === 'warn') {
        out.push(`${open}>`, `      <system-out>WARN (severity warn, not failing)\n${detail}</system-out>`, '    </testcase>');
      } else {
        out.push(`${open}/>`);
      }
    }
    out.push('  </testsuite>');
  }
  const problemSuite = (name: string, cases: { name: string; items: readonly CheckProblem[] }[]) => {
    out.push(`  <testsuite${attrs({ name, tests: cases.length, failures: 0, errors: cases.length, skipped: 0, time: '0.000' })}>`);
    for (const c of cases) {
      const first = c.items[0]!;
      out.push(
        `    <testcase${attrs({ classname: name, name: c.name, time: '0.000' })}>`,
        `      <error${attrs({ message: problemText(first), type: first.kind })}>${escapeText(c.items.map(problemText).join('\n'))}</error>`,
        '    </testcase>',
      );
    }
    out.push('  </testsuite>');
  };
  if (files.length > 0) problemSuite('project files', files.map((f) => ({ name: f, items: problems.filter((p) => p.file === f) })));
  if (others.length > 0) problemSuite('floe check', others.map((p) => ({ name: 'floe check', items: [p] })));
  out.push('</testsuites>');
  return out.join('\n');
}

/** Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates) are dropped. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also escape quotes, and line breaks, which parsers would normalise to spaces. */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
