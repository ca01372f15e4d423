/**
 * The benchmark runner: `npm run bench [scenario...] [--quick] [--reps N] [--results-dir DIR]
 * [--wait-idle[=SECONDS]] [--list]`. See bench/README.md.
 *
 * Exit code: 0 when every run that was attempted succeeded, whether or not goals are met
 * (the goals table says that); 1 when a run failed; 2 on a usage error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAvg, startEnv } from './lib/env.js';
import { runCase } from './lib/execute.js';
import { chooseRssMethod } from './lib/measure.js';
import { goalsTable, mergeLatest, readLatest, stubResult, writeResults } from './lib/report.js';
import type { CaseResult, Report, Scenario, ScenarioContext, ScenarioResult } from './lib/types.js';
import { SCENARIOS, findScenario } from './scenarios/index.js';

const USAGE = `usage: npm run bench -- [scenario...] [--quick] [--reps N] [--results-dir DIR] [--wait-idle[=SECONDS]] [--max-load X] [--list]
  scenario      an id (1, 7) or key (csv-load, cold-start); default: every implemented one
  --quick       small inputs and few repetitions: a smoke test, not figures to judge goals on
  --reps N      repetitions per process (default per scenario: 3 for loads, 15 for cold start)
  --results-dir where to write results (default bench/results)
  --wait-idle   before each scenario, wait (up to SECONDS, default 600) for the 1-min load average to fall below --max-load (default 1.5)
  --list        list the scenarios and exit`;

interface Options {
  names: string[];
  quick: boolean;
  reps?: number;
  resultsDir?: string;
  waitIdleS?: number;
  maxLoad: number;
  list: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { names: [], quick: false, maxLoad: 1.5, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--list') o.list = true;
    else if (a === '--help' || a === '-h') usage();
    else if (a === '--reps' || a.startsWith('--reps=')) o.reps = positiveInt(a, value());
    else if (a === '--results-dir' || a.startsWith('--results-dir=')) o.resultsDir = value();
    else if (a === '--max-load' || a.startsWith('--max-load=')) o.maxLoad = Number(value());
    else if (a === '--wait-idle') o.waitIdleS = 600;
    else if (a.startsWith('--wait-idle=')) o.waitIdleS = positiveInt(a, value());
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else o.names.push(a);
  }
  if (!(o.maxLoad > 0)) usage('--max-load must be a positive number');
  return o;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer, not ${v}`);
  return n;
}

function usage(problem?: string): never {
  if (problem) process.stderr.write(`bench: ${problem}\n`);
  process.stderr.write(USAGE + '\n');
  process.exit(problem ? 2 : 0);
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function waitIdle(maxLoad: number, maxS: number): Promise<void> {
  const until = Date.now() + maxS * 1000;
  while (loadAvg()[0]! >= maxLoad && Date.now() < until) {
    log(`load average ${loadAvg().join(' / ')} ≥ ${maxLoad}: waiting (up to ${Math.ceil((until - Date.now()) / 1000)} s more)`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

async function runScenario(s: Scenario, o: Options, ctx: ScenarioContext, tmpRoot: string, method: ReturnType<typeof chooseRssMethod>): Promise<ScenarioResult> {
  if (o.waitIdleS !== undefined) await waitIdle(o.maxLoad, o.waitIdleS);
  const env = startEnv(ctx.repoRoot, method);
  const before = loadAvg();
  if (before[0]! >= o.maxLoad) log(`warning: load average ${before.join(' / ')} (≥ ${o.maxLoad}); figures will be noisy (try --wait-idle)`);
  const reps = o.reps ?? (o.quick ? s.reps?.quick ?? 1 : s.reps?.full ?? 3);
  const base = { id: s.id, key: s.key, title: s.title, measures: s.measures, ...(s.hidden ? { hidden: true } : {}) };
  log(`scenario ${s.id} (${s.key}): ${s.title}, ${reps} rep(s)${o.quick ? ', quick' : ''}`);
  const measuredAt = new Date().toISOString();
  const cases: CaseResult[] = [];
  try {
    for (const c of (await s.prepare?.(ctx)) ?? []) cases.push(await runCase(c, reps, method, tmpRoot, log));
  } catch (err) {
    const note = `harness error: ${err instanceof Error ? err.message : String(err)}`;
    log(`scenario ${s.id}: ${note}`);
    return { ...base, status: 'failed', note, measured_at: measuredAt, quick: o.quick, reps, env: env.finish(), cases, goals: [] };
  }
  const tidy = (cmd: string): string => cmd.replaceAll(ctx.repoRoot + '/', '').replaceAll(process.execPath, 'node');
  for (const c of cases) for (const k of c.contenders) k.command = tidy(k.command);
  return {
    ...base,
    status: 'measured',
    measured_at: measuredAt,
    quick: o.quick,
    reps,
    env: env.finish(),
    cases,
    goals: s.goals?.(cases, ctx) ?? [],
  };
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.id.padEnd(9)}${s.key.padEnd(16)}${s.title}${s.implemented ? '' : '  (not yet implemented)'}${s.hidden ? '  (hidden)' : ''}\n`);
    return 0;
  }
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const resultsDir = resolve(o.resultsDir ?? join(repoRoot, 'bench', 'results'));
  const selected: Scenario[] = [];
  for (const name of o.names) {
    const s = findScenario(name);
    if (!s) usage(`no scenario ${name} (see --list)`);
    if (!s.implemented) log(`scenario ${s.id} (${s.key}) is not yet implemented; skipped`);
    else if (!selected.includes(s)) selected.push(s);
  }
  if (o.names.length === 0) selected.push(...SCENARIOS.filter((s) => s.implemented && !s.hidden));

  const method = chooseRssMethod();
  if (method === 'procfs') log('/usr/bin/time not found (Debian package `time`): peak RSS by polling /proc/<pid>/status VmHWM');
  const ctx: ScenarioContext = { repoRoot, cacheDir: join(repoRoot, '.cache', 'bench'), quick: o.quick, log };
  const tmpRoot = mkdtempSync(join(tmpdir(), 'floe-bench-'));
  const fresh: ScenarioResult[] = [];
  try {
    for (const s of selected) fresh.push(await runScenario(s, o, ctx, tmpRoot, method));
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }

  const now = new Date().toISOString();
  const run: Report = { schema: 'floe-bench/1', generated_at: now, scenarios: fresh };
  const { report: latest, kept } = mergeLatest(SCENARIOS, readLatest(resultsDir), fresh, now);
  const { timestamped } = writeResults(resultsDir, now.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z'), run, latest);
  for (const id of kept) log(`latest.* keep the full-run figures of scenario ${id}; this quick run's are in ${timestamped}`);

  const shown = SCENARIOS.flatMap((s) => fresh.filter((r) => r.id === s.id).concat(s.implemented ? [] : [stubResult(s)]));
  process.stdout.write('\n' + goalsTable({ ...run, scenarios: shown }) + '\n');
  log(`wrote ${timestamped}, ${join(resultsDir, 'latest.json')}, ${join(resultsDir, 'latest.md')}`);
  const failed = fresh.some((s) => s.status === 'failed' || s.cases?.some((c) => c.contenders.some((k) => k.status === 'failed')));
  return failed ? 1 : 0;
}

process.exitCode = await main();
