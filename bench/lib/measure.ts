/**
 * Runs one command as a child process and measures its wall time and peak RSS.
 *
 * Wall time: performance.now() around spawn → 'close', in this (the runner's) process.
 *
 * Peak RSS, two methods, chosen once per run of the harness (see README):
 * - 'gnu-time' (preferred): the command runs under `/usr/bin/time -f '%M' -o FILE`. GNU
 *   time reads ru_maxrss from wait4(2), the kernel's own high-water mark of resident memory,
 *   exact and with no sampling. For a tree of processes it is the largest single process,
 *   not the sum; every command benchmarked here is one process. The report goes to a file
 *   so that it never mixes with the child's stderr.
 * - 'procfs' (fallback when /usr/bin/time is absent, Debian package `time`): the runner polls
 *   /proc/<pid>/status every POLL_MS for VmHWM (also a kernel high-water mark) of the child
 *   and of its descendants, and keeps the largest. Because VmHWM never decreases, polling
 *   only misses growth in the last interval before exit; the trade-off is stated in results.
 * Node offers no RUSAGE_CHILDREN (process.resourceUsage() is the current process only),
 * hence these two.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RssMethod = 'gnu-time' | 'procfs';
export const GNU_TIME = '/usr/bin/time';
const POLL_MS = 20;
const KEEP_OUTPUT = 64 * 1024;

export interface CommandSpec {
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface Measurement {
  wallMs: number;
  peakRssBytes: number | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The first 64 KiB of stdout (results of the child), and the last 64 KiB of stderr. */
  stdout: string;
  stderrTail: string;
}

/** FLOE_BENCH_RSS=procfs forces the fallback (used by the self-test); otherwise GNU time if present. */
export function chooseRssMethod(env: NodeJS.ProcessEnv = process.env): RssMethod {
  const forced = env.FLOE_BENCH_RSS;
  if (forced === 'procfs' || forced === 'gnu-time') return forced;
  if (forced) throw new Error(`FLOE_BENCH_RSS must be gnu-time or procfs, not ${forced}`);
  return existsSync(GNU_TIME) ? 'gnu-time' : 'procfs';
}

export async function measure(spec: CommandSpec, method: RssMethod): Promise<Measurement> {
  const [cmd, ...args] = spec.argv;
  if (!cmd) throw new Error('empty command');
  const scratch = method === 'gnu-time' ? await mkdtemp(join(tmpdir(), 'floe-bench-time-')) : undefined;
  const timeFile = scratch ? join(scratch, 'time.txt') : undefined;
  const argv = timeFile ? [GNU_TIME, '-f', '%M', '-o', timeFile, '--', cmd, ...args] : [cmd, ...args];

  const started = performance.now();
  // detached: the child leads its own process group, so a timeout can stop it and its children.
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    if (stdout.length < KEEP_OUTPUT) stdout += d.slice(0, KEEP_OUTPUT - stdout.length);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-KEEP_OUTPUT);
  });

  let polledPeak = 0;
  const poller =
    method === 'procfs' && child.pid !== undefined
      ? setInterval(() => (polledPeak = Math.max(polledPeak, treeHighWaterMark(child.pid!))), POLL_MS)
      : undefined;
  if (poller && child.pid !== undefined) polledPeak = treeHighWaterMark(child.pid);

  let timedOut = false;
  const timer =
    spec.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          if (child.pid !== undefined) {
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }, spec.timeoutMs)
      : undefined;

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  const wallMs = performance.now() - started;
  if (poller) clearInterval(poller);
  if (timer) clearTimeout(timer);

  let peakRssBytes: number | null = method === 'procfs' ? polledPeak || null : null;
  if (timeFile) {
    // GNU time exits with the child's status, and writes "Command exited with non-zero
    // status N" (or "terminated by signal") on a line before the format line.
    const report = await readFile(timeFile, 'utf8').catch(() => '');
    const m = /^(\d+)$/m.exec(report.trim().split('\n').pop() ?? '');
    if (m) peakRssBytes = Number(m[1]) * 1024; // %M is in KiB
    await rm(scratch!, { recursive: true, force: true });
  }
  return { wallMs, peakRssBytes, exitCode: code, signal, timedOut, stdout, stderrTail: stderr };
}

/** The largest VmHWM among pid and its descendants, in bytes (0 when they are gone). */
function treeHighWaterMark(pid: number): number {
  let peak = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // exited between listing and reading
    }
  }
  return peak;
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ')) {
          const n = Number(c);
          if (c.trim() && Number.isInteger(n)) {
            out.push(n);
            queue.push(n);
          }
        }
      } catch {
        // gone
      }
    }
  }
  return out;
}
