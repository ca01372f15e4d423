/**
 * The built CLI as a child process, shared by the end-to-end suites (test/cli, test/run):
 * `node bin/floe.js ...`, with no colours and no inherited FLOE_* settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeReportArgs, watchChild } from './hang-watch.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FLOE_BIN = path.join(ROOT, 'bin', 'floe.js');

/** These suites run the built CLI; a missing build is a loud failure, never a skip. */
export function assertBuilt(suite: string): void {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error(`dist/cli/main.js is missing: run \`npm run build\` before ${suite}`);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** No colours, no inherited FLOE_* settings; `extra` adds (or, with undefined, removes) variables. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FLOE_')) env[k] = v;
  env.NO_COLOR = '1';
  env.FORCE_COLOR = '0';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Starts `node bin/floe.js ...args` with piped stdout and stderr. */
export function spawnFloe(args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}): ChildProcess {
  const report = nodeReportArgs();
  const child = spawn(process.execPath, [...report.args, FLOE_BIN, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  watchChild(child, { label: `floe ${args.join(' ')}`, kind: 'node', reportFile: report.reportFile });
  return child;
}

/** Collects a started child's output and exit. */
export function collect(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
