/**
 * Runs one case: its contenders alternate (candidate, baseline A, baseline B, candidate, …)
 * for `reps` repetitions, so that drift in machine load hits every contender alike rather
 * than all the runs of one. Each run gets a fresh temp directory as cwd, removed afterwards.
 * A contender that fails once is not run again (its later runs would only repeat the error).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fmtBytes, fmtMs, median } from './format.js';
import { measure, type RssMethod } from './measure.js';
import type { Case, CaseResult, Contender, ContenderResult, RunResult } from './types.js';

const STDERR_KEPT = 2000;

export async function runCase(
  c: Case,
  reps: number,
  method: RssMethod,
  tmpRoot: string,
  log: (msg: string) => void,
): Promise<CaseResult> {
  const state = c.contenders.map((k) => ({
    contender: k,
    result: {
      id: k.id,
      label: k.label,
      role: k.role,
      command: '',
      status: k.unavailable ? 'not-run' : 'ok',
      ...(k.unavailable ? { note: k.unavailable } : {}),
      runs: [],
      median_wall_ms: null,
      peak_rss_bytes: null,
      median_peak_rss_bytes: null,
      candidate_over_this: null,
    } as ContenderResult,
  }));
  for (const s of state) if (s.contender.unavailable) log(`${c.label}: ${s.contender.label} not run: ${s.contender.unavailable}`);

  for (let rep = 1; rep <= reps; rep++) {
    for (const s of state) {
      if (s.result.status !== 'ok') continue;
      const run = await runOnce(s.contender, s.result, rep, method, tmpRoot, c.id);
      s.result.runs.push(run);
      log(
        `${c.label} · rep ${rep}/${reps} · ${s.contender.label}: ` +
          (run.ok ? `${fmtMs(run.wall_ms)}, peak RSS ${fmtBytes(run.peak_rss_bytes)}` : `FAILED: ${run.problem}`),
      );
    }
  }

  for (const { result } of state) summarise(result);
  const candidate = state.find((s) => s.contender.role === 'candidate')?.result.median_wall_ms ?? null;
  for (const { result } of state) {
    result.candidate_over_this = candidate !== null && result.median_wall_ms ? candidate / result.median_wall_ms : null;
  }
  return { id: c.id, label: c.label, params: c.params, contenders: state.map((s) => s.result) };
}

async function runOnce(
  k: Contender,
  result: ContenderResult,
  rep: number,
  method: RssMethod,
  tmpRoot: string,
  caseId: string,
): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpRoot, `${caseId}-${k.id}-r${rep}-`));
  try {
    const spec = await k.command(dir);
    // The run's temp dir differs every time: show it as $RUN.
    result.command ||= spec.argv.map((a) => shellQuote(a.replaceAll(dir, '$RUN'))).join(' ');
    const m = await measure({ argv: spec.argv, cwd: dir, ...(spec.env ? { env: spec.env } : {}), ...(k.timeoutMs ? { timeoutMs: k.timeoutMs } : {}) }, method);
    let problem: string | undefined;
    if (m.timedOut) problem = `timed out after ${fmtMs(k.timeoutMs ?? 0)}`;
    else if (m.exitCode !== 0) problem = `exit code ${m.exitCode ?? `null (signal ${m.signal})`}`;
    else if (k.verify) {
      const v = k.verify(m.stdout);
      problem = v.problem;
      if (v.info) result.info = v.info;
    }
    if (problem) {
      result.status = 'failed';
      result.note = problem;
      result.stderr_tail = m.stderrTail.slice(-STDERR_KEPT);
    }
    return {
      rep,
      wall_ms: Math.round(m.wallMs * 10) / 10,
      peak_rss_bytes: m.peakRssBytes,
      exit_code: m.exitCode,
      ok: !problem,
      ...(problem ? { problem } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function summarise(r: ContenderResult): void {
  if (r.status !== 'ok' || r.runs.length === 0) return;
  r.median_wall_ms = median(r.runs.map((x) => x.wall_ms));
  const rss = r.runs.map((x) => x.peak_rss_bytes).filter((x): x is number => x !== null);
  r.peak_rss_bytes = rss.length > 0 ? Math.max(...rss) : null;
  r.median_peak_rss_bytes = median(rss);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./$-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
