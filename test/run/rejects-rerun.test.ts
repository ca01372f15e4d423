/**
 * Rejects of a run whose checks kept `main` in place, and its reruns with the same --run-id
 * (src/run/rejects-pending.ts, src/run/rejects-write.ts): the rejects table holds each run
 * id's rejected rows once, those of its latest attempt — the same rows for a rerun of the same
 * input, the new ones (or none) for a rerun after the data was fixed. Other runs' rows stay.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, rejectsByRun, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

/** id 3 twice: the unique check fails. Line 3 has too many fields, line 5 a qty that is not a long. */
const BLOCKED = ['id,item,qty', '1,apple,10', '2,pear,20,surplus', '3,plum,30', '4,fig,many', '3,plum,31', ''].join('\n');
/** The duplicate removed; the bad qty too, the extra field kept. */
const FIXED = ['id,item,qty', '1,apple,10', '2,pear,20,surplus', '3,plum,30', '4,fig,40', ''].join('\n');
/** Nothing rejected. */
const CLEAN = ['id,item,qty', '1,apple,10', '2,pear,20', '3,plum,30', '4,fig,40', ''].join('\n');

async function ordersProject(): Promise<Project> {
  const p = await newProject();
  await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ncolumns:\n  qty: { type: long }\ntarget: { table: sales.orders, mode: append }\nrejects: { max_ratio: 0.5 }\nchecks:\n  - unique: [id]\n');
  // A first, published run with one reject of its own.
  await p.write('data/orders.csv', ['id,item,qty', '10,melon,1', '11,lime,x', ''].join('\n'));
  await p.run(['orders', '--run-id', 'r0']);
  return p;
}

const lines = async (p: Project, runId: string) =>
  (await p.query(`SELECT line FROM sales.orders__rejects WHERE run_id = '${runId}' ORDER BY line`)).map((r) => Number(r.line));

const count = async (p: Project) => Number((await p.query('SELECT count(*) AS n FROM sales.orders'))[0]!.n);

describe('a rerun of a run whose checks kept main in place', () => {
  it('with the same input: the rejects stay once (the rerun replaces them by the same rows)', async () => {
    const p = await ordersProject();
    await p.write('data/orders.csv', BLOCKED);
    const first = await p.run(['orders', '--run-id', 'r1'], 3);
    expect(first.stderr).toMatch(/main was not moved/);
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 2 });
    const again = await p.run(['orders', '--run-id', 'r1'], 3);
    expect(again.stderr, show(again)).toMatch(/main was not moved/);
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 2 });
    expect(await lines(p, 'r1')).toEqual([3, 5]);
    // The replacement is one snapshot naming the run; r0's rows were not rewritten.
    const snaps = await p.snapshots('sales.orders__rejects');
    expect(snaps.map((s) => [s.summary['floe.run-id'], s.summary.operation])).toEqual([['r0', 'append'], ['r1', 'append'], ['r1', 'overwrite']]);
    expect(snaps[2]!.summary['deleted-data-files']).toBe('1');
    expect(await count(p)).toBe(1);
  });

  it('after the data was fixed: the run id keeps the new attempt\'s rejects, and a further rerun is skipped', async () => {
    const p = await ordersProject();
    await p.write('data/orders.csv', BLOCKED);
    await p.run(['orders', '--run-id', 'r1'], 3);
    expect(await lines(p, 'r1')).toEqual([3, 5]);
    await p.write('data/orders.csv', FIXED);
    const fixed = await p.run(['orders', '--run-id', 'r1', '--json']);
    expect(fixed.stdout).toMatch(/"event":"commit"/);
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 1 });
    expect(await lines(p, 'r1')).toEqual([3]);
    expect(await count(p)).toBe(1 + 3);
    const skipped = await p.run(['orders', '--run-id', 'r1', '--json']);
    expect(skipped.stdout).toContain('already committed');
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 1 });
  });

  it('after the data was fixed to no rejects at all: the run id has none left', async () => {
    const p = await ordersProject();
    await p.write('data/orders.csv', BLOCKED);
    await p.run(['orders', '--run-id', 'r1'], 3);
    await p.write('data/orders.csv', CLEAN);
    await p.run(['orders', '--run-id', 'r1']);
    expect(await rejectsByRun(p)).toEqual({ r0: 1 });
    expect(await count(p)).toBe(1 + 4);
    expect((await p.snapshots('sales.orders__rejects')).at(-1)!.summary).toMatchObject({ 'floe.run-id': 'r1', operation: 'overwrite' });
  });

  it('a streamed run (parse rejects only) fixed to no rejects: none left either', async () => {
    const p = await newProject();
    await p.pipeline('tickets', 'source: { kind: jsonl, path: data/t.jsonl }\ntarget: { table: sales.orders, mode: append }\nrejects: { max_ratio: 0.5 }\nchecks:\n  - unique: [id]\n');
    await p.write('data/t.jsonl', ['{"id": 1}', '{"id": 2, "s": "broken', '{"id": 1}', ''].join('\n'));
    await p.run(['tickets', '--run-id', 'r1'], 3);
    expect(await rejectsByRun(p)).toEqual({ r1: 1 });
    await p.run(['tickets', '--run-id', 'r1'], 3);
    expect(await rejectsByRun(p)).toEqual({ r1: 1 });
    await p.write('data/t.jsonl', ['{"id": 1}', '{"id": 2}', ''].join('\n'));
    await p.run(['tickets', '--run-id', 'r1']);
    expect(await rejectsByRun(p)).toEqual({});
    expect(await count(p)).toBe(2);
  });

  it('the target\'s unpublished snapshot expired before the rerun: the rejects table\'s own snapshot names the earlier attempt', async () => {
    const p = await ordersProject();
    await p.write('data/orders.csv', BLOCKED);
    await p.run(['orders', '--run-id', 'r1'], 3);
    const exp = await p.floe(['maintain', 'expire', 'sales.orders', '--older-than', '0s', '--retain-last', '1']);
    expect(exp.code, show(exp)).toBe(0);
    expect((await p.snapshots('sales.orders')).some((s) => s.summary['floe.run-id'] === 'r1')).toBe(false);
    await p.write('data/orders.csv', FIXED);
    await p.run(['orders', '--run-id', 'r1']);
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 1 });
  });

  it('a fixed rerun killed right after its target commit: the next run replaces the earlier rejects, not adds to them', async () => {
    const blocked = async () => {
      const p = await ordersProject();
      await p.write('data/orders.csv', BLOCKED);
      await p.run(['orders', '--run-id', 'r1'], 3);
      await p.write('data/orders.csv', FIXED);
      return p;
    };
    const scratch = await blocked();
    const log = scratch.path('io.log');
    await scratch.run(['orders', '--run-id', 'r1'], 0, { FLOE_FAULT_IO_LOG: log });
    const ops = readFileSync(log, 'utf8').trim().split('\n');
    const target = ops.findIndex((l) => /^\d+ write .*\/sales\/orders\/metadata\/[^/]*\.metadata\.json$/.test(l)) + 1;
    expect(target, ops.join('\n')).toBeGreaterThan(0);

    const p = await blocked();
    const killed = await p.floe(['run', 'orders', '--run-id', 'r1'], { FLOE_FAULT_KILL_AFTER_IO: String(target + 1) });
    expect(killed.signal, show(killed)).toBe('SIGKILL');
    expect(await count(p)).toBe(1 + 3);
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 2 });
    const next = await p.run(['orders', '--run-id', 'r1', '--json']);
    expect(next.stdout).toContain('already committed');
    expect(await rejectsByRun(p)).toEqual({ r0: 1, r1: 1 });
    expect(await lines(p, 'r1')).toEqual([3]);
  });

  it('runs without --run-id never replace each other\'s rejects', async () => {
    const p = await ordersProject();
    await p.write('data/orders.csv', BLOCKED);
    await p.run(['orders'], 3);
    await p.run(['orders'], 3);
    const rows = await p.query("SELECT count(*) AS n, count(DISTINCT run_id) AS runs FROM sales.orders__rejects WHERE run_id <> 'r0'");
    expect(rows).toEqual([{ n: 4, runs: 2 }]);
  });
});
