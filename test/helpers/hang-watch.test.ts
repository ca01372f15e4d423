/**
 * The hang reporter itself: a child still running is described with its command, its stderr
 * and a stack, then killed.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeReportArgs, reportAndKillLive, watchChild } from './hang-watch.js';

const exited = (c: ReturnType<typeof spawn>) => new Promise<string | null>((r) => c.on('close', (_code, sig) => r(sig)));

describe('reportAndKillLive', () => {
  it('is empty when nothing runs', async () => {
    expect(await reportAndKillLive()).toBe('');
  });

  it('gives a Node child\'s JS stack and handles, then kills it', async () => {
    const report = nodeReportArgs();
    const script = "process.stderr.write('waiting for a reply\\n'); function waitForever() { setInterval(() => {}, 1000); } waitForever();";
    const child = spawn(process.execPath, [...report.args, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    watchChild(child, { label: 'node waiting-forever', kind: 'node', reportFile: report.reportFile });
    const closed = exited(child);
    await new Promise<void>((r) => child.stderr.once('data', () => r()));
    const text = await reportAndKillLive();
    expect(text).toMatch(/child still running when the test failed, after \d+\.\d s: node waiting-forever/);
    expect(text).toContain('waiting for a reply');
    expect(text).toContain('JS stack');
    expect(text).toMatch(/active handles: .*timer/);
    expect(await closed).toBe('SIGKILL');
    expect(await reportAndKillLive()).toBe('');
  });

  it('gives a Python child\'s traceback (faulthandler on SIGABRT)', async () => {
    const child = spawn('python3', ['-c', "import sys, time\ndef wait_forever():\n    print('waiting', file=sys.stderr, flush=True)\n    time.sleep(600)\nwait_forever()"], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONFAULTHANDLER: '1' },
    });
    watchChild(child, { label: 'python sleeper', kind: 'python' });
    const closed = exited(child);
    await new Promise<void>((r) => child.stderr.once('data', () => r()));
    const text = await reportAndKillLive();
    expect(text).toContain('python sleeper');
    expect(text).toContain('in wait_forever');
    expect(await closed).not.toBeNull();
  });
});
