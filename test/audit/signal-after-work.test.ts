/**
 * A signal that arrives once the command's work is over, while its audit row is being
 * committed, stops nothing: the command did all it set out to do. Its exit code is its own,
 * the same as its floe.audit_log row says (Airflow, reading 143, would mark the finished task
 * failed and run it again: a second append of the same rows).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, floeIn, floeOk, show, startFloe, useTmpDirs, writeProject, type RunResult } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-audit-signal-');
beforeAll(assertBuilt);

function waitForLine(child: ChildProcess, done: Promise<RunResult>, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${line}" within 60 s; stderr so far:\n${seen}`)), 60_000);
    const onData = (d: Buffer | string) => {
      seen += String(d);
      if (seen.includes(line)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    void done.then((r) => {
      clearTimeout(timer);
      reject(new Error(`floe ended before "${line}":\n${show(r)}`));
    });
  });
}

describe('a signal while the audit row is committed', () => {
  for (const [signal, args, code] of [
    ['SIGTERM', (csv: string) => ['load', 'raw.orders', csv], 0],
    ['SIGINT', () => ['check', 'raw.orders', '--row-count-min', '10', '--no-history'], 3],
  ] as const) {
    it(`${signal} after ${args('x')[0]} finished: the command's exit code ${code}, as its audit row says`, async () => {
      const project = await writeProject(await tmp());
      const csv = path.join(project, 'orders.csv');
      await (await import('node:fs/promises')).writeFile(csv, 'id\n1\n2\n');
      await floeOk(project, ['load', 'raw.orders', csv]);
      const child = startFloe(['--project', project, ...args(csv)], { cwd: project, env: { FLOE_TEST_PAUSE_AT: 'commit:floe.audit_log' } });
      const done = collect(child);
      await waitForLine(child, done, 'floe-test: paused at commit:floe.audit_log');
      child.kill(signal);
      const r = await done;
      expect(r.code, show(r)).toBe(code);
      expect(r.stderr, show(r)).toContain(`floe: ${signal} arrived after the command had finished; its result stands`);
      const rows = await floeIn(project, ['query', 'SELECT command, outcome, exit_code FROM floe.audit_log ORDER BY started_at', '--format', 'json']);
      expect(JSON.parse(rows.stdout).at(-1), show(rows)).toEqual({ command: args('x')[0], outcome: code === 0 ? 'ok' : 'failed', exit_code: code });
      if (code === 0) expect(r.stdout).toContain('appended to raw.orders: 2 rows');
    }, 120_000);
  }
});

describe('a signal while the audit row of a failed command is committed', () => {
  it('keeps its error and exit code, and says the signal came after', async () => {
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'orders.csv');
    await (await import('node:fs/promises')).writeFile(csv, 'id\n1\n');
    await floeOk(project, ['load', 'raw.orders', csv]);
    const child = startFloe(['--project', project, 'load', 'raw.orders', path.join(project, 'missing.csv')], { cwd: project, env: { FLOE_TEST_PAUSE_AT: 'commit:floe.audit_log' } });
    const done = collect(child);
    await waitForLine(child, done, 'floe-test: paused at commit:floe.audit_log');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr.replace(/^floe-test: .*\n/gm, ''), show(r)).toBe(`floe: input file not found: ${path.join(project, 'missing.csv')}\nfloe: SIGTERM arrived after the command had finished; its result stands\n`);
  }, 120_000);
});
