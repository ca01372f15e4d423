/** What a figure was measured on: machine, node, the commit floe was built from, the load. */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import type { RssMethod } from './measure.js';
import type { ScenarioEnv } from './types.js';

function git(repoRoot: string, ...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function loadAvg(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

function builtAt(repoRoot: string): string | null {
  const main = join(repoRoot, 'dist', 'cli', 'main.js');
  return existsSync(main) ? statSync(main).mtime.toISOString() : null;
}

/**
 * Taken when a scenario starts; `finish` adds the load average at the end and whether floe
 * changed underneath (others build and commit in the same tree while benchmarks run).
 */
export function startEnv(repoRoot: string, method: RssMethod): { finish(): ScenarioEnv } {
  const commit = git(repoRoot, 'rev-parse', '--short=12', 'HEAD') || 'unknown';
  const built = builtAt(repoRoot);
  const env: Omit<ScenarioEnv, 'load_avg_after' | 'floe_rebuilt_during_run' | 'head_moved_during_run'> = {
    git_commit: commit,
    git_uncommitted_src: git(repoRoot, 'status', '--porcelain', '--', 'src', 'bin') !== '',
    floe_built_at: built,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    mem_bytes: totalmem(),
    platform: `${platform()} ${release()}`,
    rss_method: method,
    load_avg_before: loadAvg(),
  };
  return {
    finish: () => ({
      ...env,
      load_avg_after: loadAvg(),
      floe_rebuilt_during_run: builtAt(repoRoot) !== built,
      head_moved_during_run: (git(repoRoot, 'rev-parse', '--short=12', 'HEAD') || 'unknown') !== commit,
    }),
  };
}
