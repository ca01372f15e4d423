/**
 * The shapes of scenarios (what to run) and of results (what was seen). Result fields are
 * snake_case because they are the JSON written to bench/results/, read by people and CI.
 */
import type { RssMethod } from './measure.js';

export interface ScenarioContext {
  repoRoot: string;
  /** .cache/bench: generated inputs and transpiled baselines. */
  cacheDir: string;
  quick: boolean;
  log: (msg: string) => void;
}

export interface RunSpec {
  argv: string[];
  env?: Record<string, string>;
}

export interface Contender {
  id: string;
  label: string;
  role: 'candidate' | 'baseline';
  /** Set when the contender cannot run here (floe not built, no .venv): recorded as not run, with this text. */
  unavailable?: string;
  /** The command of one run; `dir` is a fresh empty directory, also the child's cwd. */
  command(dir: string): RunSpec | Promise<RunSpec>;
  /** Checks a successful run's stdout (a row count, say): a problem makes the run count as failed. */
  verify?(stdout: string): { problem?: string; info?: Record<string, string | number> };
  timeoutMs?: number;
}

export interface Case {
  id: string;
  label: string;
  params: Record<string, string | number>;
  /** Run in this order within each repetition: the candidate first, then the baselines. */
  contenders: Contender[];
}

export interface Scenario {
  id: string;
  key: string;
  title: string;
  measures: string;
  /** false: listed in latest.md as "not yet implemented", never run. */
  implemented: boolean;
  /** Not run by default (the harness self-test). */
  hidden?: boolean;
  /** Repetitions of each contender; --reps overrides. */
  reps?: { full: number; quick: number };
  prepare?(ctx: ScenarioContext): Promise<Case[]>;
  goals?(cases: CaseResult[], ctx: ScenarioContext): GoalResult[];
}

export interface RunResult {
  rep: number;
  wall_ms: number;
  peak_rss_bytes: number | null;
  exit_code: number | null;
  ok: boolean;
  problem?: string;
}

export interface ContenderResult {
  id: string;
  label: string;
  role: 'candidate' | 'baseline';
  command: string;
  status: 'ok' | 'failed' | 'not-run';
  note?: string;
  info?: Record<string, string | number>;
  runs: RunResult[];
  median_wall_ms: number | null;
  /** Largest peak RSS over the runs: the figure a memory goal is held to. */
  peak_rss_bytes: number | null;
  median_peak_rss_bytes: number | null;
  /** Candidate median wall / this median wall (1 for the candidate itself). */
  candidate_over_this: number | null;
  stderr_tail?: string;
}

export interface CaseResult {
  id: string;
  label: string;
  params: Record<string, string | number>;
  contenders: ContenderResult[];
}

export interface GoalResult {
  id: string;
  text: string;
  value: number | null;
  measured: string;
  /** null: could not be judged (a contender did not run or failed). */
  met: boolean | null;
}

export interface ScenarioEnv {
  git_commit: string;
  /** Files under src/ or bin/ differ from the commit: dist/ was built from a work in progress. */
  git_uncommitted_src: boolean;
  /** When dist/cli/main.js was built (floe runs from dist/), or null if it is absent. */
  floe_built_at: string | null;
  /** dist/ was rebuilt while the scenario ran: its runs may mix two builds of floe. */
  floe_rebuilt_during_run: boolean;
  /** HEAD moved while the scenario ran (others commit in the same tree); dist/ is what ran. */
  head_moved_during_run: boolean;
  node: string;
  cpu: string;
  cpus: number;
  mem_bytes: number;
  platform: string;
  rss_method: RssMethod;
  load_avg_before: number[];
  load_avg_after: number[];
}

export interface ScenarioResult {
  id: string;
  key: string;
  title: string;
  measures: string;
  status: 'measured' | 'failed' | 'not-implemented';
  hidden?: boolean;
  note?: string;
  measured_at?: string;
  quick?: boolean;
  reps?: number;
  env?: ScenarioEnv;
  cases?: CaseResult[];
  goals: GoalResult[];
}

export interface Report {
  schema: 'floe-bench/1';
  generated_at: string;
  scenarios: ScenarioResult[];
}
