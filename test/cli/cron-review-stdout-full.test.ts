/**
 * A cron job's stdout on a full disk (`floe run --json >> /var/log/floe.ndjson`), shown with
 * /dev/full (every write fails with ENOSPC). The stdout listener threw the error, so Node died
 * with an uncaught exception and its stack trace: a --json run at its first event, before its
 * work, leaving no audit row; a text run after its commit, with exit 1. Now the command runs to
 * its end (commit, audit, lock released) and exits 1 with one line saying the output was lost;
 * a check's exit 3 stays 3, and a reader closing the pipe (`| head -1`) is still not a failure.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { childEnv, FLOE_BIN } from '../helpers/floe-process.js';
import { assertBuilt, countRows, floeIn, floeOk, show, smallCsv, STACK_LINE, useTmpDirs, writeProject, type RunResult } from './helpers.js';

const tmp = useTmpDirs('floe-cron-stdout-');

/** floe with stdout on /dev/full (a file that is always full), stderr collected. */
function floeToFullDisk(project: string, args: readonly string[]): Promise<RunResult> {
  const fd = openSync('/dev/full', 'w');
  try {
    const child = spawn(process.execPath, [FLOE_BIN, '--project', project, ...args], { cwd: '/', env: childEnv(), stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
    });
  } finally {
    closeSync(fd);
  }
}

const LOST = 'floe: could not write the output to stdout (ENOSPC: no space left on device, write)';

function expectOutputLost(r: RunResult, code: number, tail: string): void {
  expect(r.code, show(r)).toBe(code);
  expect(r.stderr, show(r)).toContain(`${LOST}; ${tail}`);
  expect(r.stderr, show(r)).not.toMatch(STACK_LINE);
  expect(r.stderr, show(r)).not.toContain('internal error');
}

async function auditOutcomes(project: string, command: string): Promise<string> {
  const r = await floeOk(project, ['query', `SELECT outcome, exit_code FROM floe.audit_log WHERE command = '${command}' ORDER BY started_at`, '--format', 'csv']);
  return r.stdout.trim().split('\n').slice(1).join(' ');
}

describe('floe with stdout on a full disk', () => {
  let project: string;

  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(path.join(project, 'data'));
    await mkdir(path.join(project, 'pipelines'));
    await writeFile(path.join(project, 'data', 'orders.csv'), smallCsv(5));
    await writeFile(
      path.join(project, 'pipelines', 'orders.yaml'),
      'name: orders\nsource: { kind: csv, path: data/*.csv }\ntarget: { table: raw.orders, mode: append }\nchecks:\n  - row_count: { max: 12 }\n',
    );
  });

  it('a --json run commits, records itself and exits 1 saying the output was lost', async () => {
    const r = await floeToFullDisk(project, ['run', 'orders', '--json']);
    expectOutputLost(r, 1, 'the command itself completed');
    expect(await countRows(project, 'raw.orders')).toBe(5n);
    expect(await auditOutcomes(project, 'run')).toBe('ok,0');
    const locks = path.join(project, 'warehouse', '.floe-locks');
    expect(existsSync(locks) ? readdirSync(locks) : []).toEqual([]);
  });

  it('a text run commits once and exits 1; the next run (stdout fine) is not blocked', async () => {
    const r = await floeToFullDisk(project, ['run', 'orders']);
    expectOutputLost(r, 1, 'the command itself completed');
    expect(await countRows(project, 'raw.orders')).toBe(10n);
    expect(await auditOutcomes(project, 'run')).toBe('ok,0 ok,0');
    // The next run is not blocked (its check, at most 12 rows, then fails on 15: exit 3, as always).
    const next = await floeIn(project, ['run', 'orders', '--json']);
    expect(next.code, show(next)).toBe(3);
    expect(next.stdout, show(next)).toContain('15 rows, more than the maximum of 12');
  });

  it('query in every format exits 1 with the line, not an internal error', async () => {
    for (const format of ['table', 'csv', 'json']) {
      const r = await floeToFullDisk(project, ['query', 'SELECT * FROM range(50000)', '--format', format]);
      expectOutputLost(r, 1, 'the command itself completed');
    }
  });

  it("a failed check keeps its exit 3 and says so; validate, tables and check's junit exit 1", async () => {
    const failed = await floeToFullDisk(project, ['check', 'raw.orders', '--row-count-max', '3', '--format', 'junit']);
    expectOutputLost(failed, 3, "the command's own exit code was 3");
    for (const args of [['validate'], ['tables'], ['schema'], ['check', 'raw.orders', '--row-count-max', '100', '--format', 'junit']]) {
      const r = await floeToFullDisk(project, args);
      expectOutputLost(r, 1, 'the command itself completed');
    }
  });

  it('a reader that closes the pipe early is still no failure', async () => {
    const piped = spawn('bash', ['-c', `"${process.execPath}" "${FLOE_BIN}" --project "${project}" query "SELECT * FROM range(200000)" --format csv 2>/dev/null | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { env: childEnv() });
    let out = '';
    piped.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise((resolve) => piped.on('close', resolve));
    expect(out.trim()).toBe('0');
  });
});
