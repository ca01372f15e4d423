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

export function scenarioEnv(repoRoot: string, method: RssMethod, before: number[]): ScenarioEnv {
  return {
    git_commit: git(repoRoot, 'rev-parse', '--short=12', 'HEAD') || 'unknown',
    git_uncommitted_src: git(repoRoot, 'status', '--porcelain', '--', 'src', 'bin') !== '',
    floe_built_at: existsSync(join(repoRoot, 'dist', 'cli', 'main.js')) ? statSync(join(repoRoot, 'dist', 'cli', 'main.js')).mtime.toISOString() : null,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    mem_bytes: totalmem(),
    platform: `${platform()} ${release()}`,
    rss_method: method,
    load_avg_before: before,
    load_avg_after: loadAvg(),
  };
}
