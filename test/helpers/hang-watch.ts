/**
 * A test that times out while a child process is still running says only "Test timed out".
 * The children the suite starts (floe, the Python oracles) are registered here; when a test
 * fails, test/setup/hang-report.ts describes every child still running — its command line,
 * how long it has run, the tail of its stderr and, where the child can give one, a stack —
 * and then kills it, so that a hang is diagnosable from the CI log alone.
 *
 * Stacks: Node children are started with a diagnostic report on SIGUSR2
 * (`nodeReportArgs`); Python children run with PYTHONFAULTHANDLER=1, which prints every
 * thread's traceback on SIGABRT.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Kind = 'node' | 'python';

interface Watched {
  child: ChildProcess;
  label: string;
  kind: Kind;
  started: number;
  /** Kill the whole process group (the child was started detached). */
  group: boolean;
  reportFile?: string;
  stderrTail: string;
}

const TAIL_CHARS = 6000;
const live = new Set<Watched>();
let seq = 0;

// One folder for every worker: file names carry the worker pid; a report is removed with its child.
const REPORT_DIR = path.join(tmpdir(), 'floe-test-reports');

/** Node options that make the child write a diagnostic report to the returned file on SIGUSR2. */
export function nodeReportArgs(): { args: string[]; reportFile: string } {
  mkdirSync(REPORT_DIR, { recursive: true });
  const name = `report-${process.pid}-${++seq}.json`;
  return {
    args: ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${REPORT_DIR}`, `--report-filename=${name}`],
    reportFile: path.join(REPORT_DIR, name),
  };
}

/** Watches a started child until it closes. */
export function watchChild(child: ChildProcess, o: { label: string; kind: Kind; group?: boolean; reportFile?: string }): void {
  const w: Watched = { child, label: o.label.slice(0, 400), kind: o.kind, started: Date.now(), group: o.group ?? false, reportFile: o.reportFile, stderrTail: '' };
  live.add(w);
  child.stderr?.on('data', (d: Buffer | string) => {
    w.stderrTail = (w.stderrTail + String(d)).slice(-TAIL_CHARS);
  });
  child.on('close', () => {
    live.delete(w);
    if (w.reportFile) rmSync(w.reportFile, { force: true });
  });
}

function signal(w: Watched, sig: NodeJS.Signals): void {
  try {
    if (w.group && w.child.pid) process.kill(-w.child.pid, sig);
    else w.child.kill(sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The JS stack and the live libuv handles of a Node diagnostic report. */
function summariseReport(file: string): string {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as {
      javascriptStack?: { message?: string; stack?: string[] };
      libuv?: { type: string; is_active?: boolean; is_referenced?: boolean; details?: string; remoteEndpoint?: unknown }[];
    };
    const stack = (r.javascriptStack?.stack ?? []).slice(0, 30).join('\n    ');
    const handles = (r.libuv ?? []).filter((h) => h.is_active).map((h) => `${h.type}${h.details ? ` ${h.details}` : ''}`);
    return `JS stack: ${r.javascriptStack?.message ?? ''}\n    ${stack}\nactive handles: ${handles.join(', ') || 'none'}`;
  } catch (e) {
    return `(the report could not be read: ${(e as Error).message})`;
  }
}

/**
 * Describes and kills every watched child still running. Returns the description, empty
 * when nothing was running.
 */
export async function reportAndKillLive(): Promise<string> {
  const hung = [...live];
  if (hung.length === 0) return '';
  for (const w of hung) signal(w, w.kind === 'node' ? 'SIGUSR2' : 'SIGABRT');
  // Give the reports and tracebacks a moment; a process blocked in native code writes none.
  for (let i = 0; i < 30; i++) {
    if (hung.every((w) => w.kind !== 'node' || !w.reportFile || existsSync(w.reportFile) || w.child.exitCode !== null)) break;
    await sleep(100);
  }
  await sleep(500);
  const parts = hung.map((w) => {
    const secs = ((Date.now() - w.started) / 1000).toFixed(1);
    const report = w.reportFile && existsSync(w.reportFile) ? summariseReport(w.reportFile) : w.kind === 'node' ? '(no diagnostic report: the main thread did not answer SIGUSR2)' : '';
    return `child still running when the test failed, after ${secs} s: ${w.label}\n--- stderr (tail)\n${w.stderrTail.trimEnd()}\n--- ${report}`;
  });
  for (const w of hung) {
    signal(w, 'SIGKILL');
    live.delete(w);
    if (w.reportFile) rmSync(w.reportFile, { force: true });
  }
  return parts.join('\n\n');
}
