/**
 * The crash switch itself (src/io/fault.ts): parsing of the variables, and a child process
 * that really dies by SIGKILL right after its Nth FileIO operation, with exactly N done.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { faultPlanFromEnv } from '../../src/io/fault.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'floe-fault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('faultPlanFromEnv', () => {
  it('is off without the variables', () => {
    expect(faultPlanFromEnv({})).toBeUndefined();
  });
  it('reads the count, the operations counted and the log', () => {
    const p = faultPlanFromEnv({ FLOE_FAULT_KILL_AFTER_IO: '7', FLOE_FAULT_IO_OPS: 'write, delete', FLOE_FAULT_IO_LOG: '/tmp/x' })!;
    expect(p.killAfter).toBe(7);
    expect([...p.ops]).toEqual(['write', 'delete']);
    expect(p.log).toBe('/tmp/x');
    expect(faultPlanFromEnv({ FLOE_FAULT_IO_LOG: '/tmp/x' })!.killAfter).toBe(Infinity);
  });
  it('refuses a count or an operation it does not understand', () => {
    expect(() => faultPlanFromEnv({ FLOE_FAULT_KILL_AFTER_IO: '0' })).toThrow(/positive integer/);
    expect(() => faultPlanFromEnv({ FLOE_FAULT_KILL_AFTER_IO: 'x' })).toThrow(/positive integer/);
    expect(() => faultPlanFromEnv({ FLOE_FAULT_KILL_AFTER_IO: '1', FLOE_FAULT_IO_OPS: 'rename' })).toThrow(/rename/);
  });
});

function runChild(script: string, env: Record<string, string>): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, script);
  return new Promise((res) => {
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout) => {
      const e = err as (Error & { code?: number; signal?: string }) | null;
      res({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout });
    });
  });
}

describe('FLOE_FAULT_KILL_AFTER_IO through the resolver', () => {
  const script = (out: string) => `
import { RoutingFileIO } from ${JSON.stringify(join(ROOT, 'src/io/resolve.ts'))};
const io = new RoutingFileIO();
for (let i = 1; i <= 5; i++) {
  await io.write(${JSON.stringify(out)} + '/f' + i, new TextEncoder().encode('x'));
  await io.exists(${JSON.stringify(out)} + '/f' + i);
}
console.log('finished');
`;

  it('SIGKILLs the process right after the Nth counted operation', async () => {
    const out = join(dir, 'kill3');
    const log = join(dir, 'kill3.log');
    const r = await runChild(script(out), { FLOE_FAULT_KILL_AFTER_IO: '3', FLOE_FAULT_IO_OPS: 'write', FLOE_FAULT_IO_LOG: log });
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).not.toContain('finished');
    expect([1, 2, 3, 4, 5].map((i) => existsSync(join(out, `f${i}`)))).toEqual([true, true, true, false, false]);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([1, 2, 3].map((i) => `${i} write ${out}/f${i}`));
  });

  it('counts every operation by default, and only counts without a kill count', async () => {
    const out = join(dir, 'count');
    const log = join(dir, 'count.log');
    const killed = await runChild(script(join(dir, 'all')), { FLOE_FAULT_KILL_AFTER_IO: '4' });
    expect(killed.signal).toBe('SIGKILL');
    expect([1, 2, 3].map((i) => existsSync(join(dir, 'all', `f${i}`)))).toEqual([true, true, false]);
    const r = await runChild(script(out), { FLOE_FAULT_IO_LOG: log });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('finished');
    expect(readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[1])).toEqual(Array(5).fill(['write', 'exists']).flat());
  });
});
