/**
 * The quarantine survives a kill at any point of a run (src/run/rejects-pending.ts): the
 * run is SIGKILLed right after each FileIO operation from the staging of its rejected rows to
 * the deletion of the staged file (src/io/fault.ts), then run again with the same --run-id.
 * Afterwards the target holds the good rows once and `<table>__rejects` the rejected rows
 * once, whichever side of the target commit the kill fell on. A rejects write that fails after
 * the target commit is an error naming both, and the next run adds the rows.
 */
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, rejectsByRun, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const ORDERS = [
  'id,item,qty',
  '1,apple,10',
  '2,pear,20,surplus', // too many fields: a parse reject
  '3,plum,many', // qty is not a long: a conversion reject
  '4,fig,40',
  '5,kiwi,50',
  '',
].join('\n');
const GOOD = 3;
const REJECTED = 2;

async function ordersProject(): Promise<Project> {
  const p = await newProject();
  await p.write('data/orders.csv', ORDERS);
  await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ncolumns:\n  qty: { type: long }\ntarget: { table: sales.orders, mode: append }\nrejects: { max_ratio: 0.5 }\n');
  return p;
}

const count = async (p: Project, sql: string) => Number((await p.query(sql))[0]!.n);

/** The files staged and not yet cleaned up. */
function pendingFiles(p: Project): string[] {
  try {
    return readdirSync(p.path('warehouse/.floe-pending-rejects/sales.orders'));
  } catch {
    return [];
  }
}

/** The FileIO operations of an uninterrupted run, as `n op location` lines. */
async function ioLog(project = ordersProject, pipeline = 'orders'): Promise<string[]> {
  const p = await project();
  const log = p.path('io.log');
  const r = await p.floe(['run', pipeline, '--run-id', 'r1'], { FLOE_FAULT_IO_LOG: log });
  expect(r.code, show(r)).toBe(0);
  const { readFileSync } = await import('node:fs');
  return readFileSync(log, 'utf8').trim().split('\n');
}

describe('rejected rows across kills', () => {
  let ops: string[];
  let points: number[];
  beforeAll(async () => {
    ops = await ioLog();
    const index = (re: RegExp) => {
      const i = ops.findIndex((l) => re.test(l));
      expect(i, `${re}\n${ops.join('\n')}`).toBeGreaterThanOrEqual(0);
      return i + 1;
    };
    const staged = index(/^\d+ putLocalFile .*\.floe-pending-rejects\//);
    const target = index(/^\d+ write .*\/sales\/orders\/metadata\/[^/]*\.metadata\.json$/);
    const rejects = index(/^\d+ write .*\/orders__rejects\/metadata\/[^/]*\.metadata\.json$/);
    const removed = index(/^\d+ delete .*\.floe-pending-rejects\//);
    expect(staged).toBeLessThan(target);
    expect(target).toBeLessThan(rejects);
    expect(rejects).toBeLessThan(removed);
    // Every operation from the staging to the cleanup, and the last one before the staging.
    const first = Math.max(1, staged - 1);
    points = Array.from({ length: removed - first + 1 }, (_, i) => first + i);
  });

  it('every kill point: a rerun with the same --run-id leaves the good rows once and the rejects once', async () => {
    const outcomes: string[] = [];
    for (const k of points) {
      const p = await ordersProject();
      const killed = await p.floe(['run', 'orders', '--run-id', 'r1'], { FLOE_FAULT_KILL_AFTER_IO: String(k) });
      expect(killed.signal, `kill after op ${k}: ${ops[k - 1]}\n${show(killed)}`).toBe('SIGKILL');
      const committed = (await p.exists('sales.orders')) && (await p.snapshots('sales.orders')).some((s) => s.summary['floe.run-id'] === 'r1');
      outcomes.push(`${k}:${committed ? 'after' : 'before'}`);
      const rerun = await p.floe(['run', 'orders', '--run-id', 'r1', '--json']);
      expect(rerun.code, `kill after op ${k}: ${ops[k - 1]}\n${show(rerun)}`).toBe(0);
      if (committed) expect(rerun.stdout, `kill after op ${k}`).toContain('already committed');
      expect(await count(p, 'SELECT count(*) AS n FROM sales.orders'), `kill after op ${k}: ${ops[k - 1]}`).toBe(GOOD);
      expect(await rejectsByRun(p), `kill after op ${k}: ${ops[k - 1]}`).toEqual({ r1: REJECTED });
      expect(pendingFiles(p), `kill after op ${k}`).toEqual([]);
    }
    // The kills fell on both sides of the target commit.
    expect(outcomes.some((o) => o.endsWith('before')), outcomes.join(' ')).toBe(true);
    expect(outcomes.some((o) => o.endsWith('after')), outcomes.join(' ')).toBe(true);
  });

  it('a kill after the target commit: the next run with another run id adds the owed rows, and its own', async () => {
    const p = await ordersProject();
    const target = ops.findIndex((l) => /\/sales\/orders\/metadata\/[^/]*\.metadata\.json$/.test(l)) + 1;
    const killed = await p.floe(['run', 'orders', '--run-id', 'r1'], { FLOE_FAULT_KILL_AFTER_IO: String(target + 1) });
    expect(killed.signal, show(killed)).toBe('SIGKILL');
    expect(await count(p, 'SELECT count(*) AS n FROM sales.orders')).toBe(GOOD);
    expect(await rejectsByRun(p)).toEqual({});
    expect(pendingFiles(p)).toHaveLength(1);
    const next = await p.floe(['run', 'orders', '--run-id', 'r2', '--json']);
    expect(next.code, show(next)).toBe(0);
    expect(next.stdout).toMatch(/added 2 quarantined row\(s\) of run r1 of pipeline orders to sales\.orders__rejects/);
    expect(await count(p, 'SELECT count(*) AS n FROM sales.orders')).toBe(2 * GOOD);
    expect(await rejectsByRun(p)).toEqual({ r1: REJECTED, r2: REJECTED });
    expect(pendingFiles(p)).toEqual([]);
    // The rejects' snapshots name their runs.
    expect((await p.snapshots('sales.orders__rejects')).map((s) => s.summary['floe.run-id'])).toEqual(['r1', 'r2']);
  });
});

describe('a streamed run (parse rejects only, counted in the write\'s beforeCommit)', () => {
  const tickets = async () => {
    const p = await newProject();
    await p.write('data/t.jsonl', ['{"id": 1, "s": "a"}', '{"id": 2, "s": "broken', '{"id": 3, "s": "c"}', ''].join('\n'));
    await p.pipeline('tickets', 'source: { kind: jsonl, path: data/t.jsonl }\ntarget: { table: sales.orders, mode: append }\nrejects: { max_ratio: 0.5 }\n');
    return p;
  };

  it('killed right after its staging, and right after the target commit: a rerun leaves 2 rows and 1 reject', async () => {
    const ops = await ioLog(tickets, 'tickets');
    const staged = ops.findIndex((l) => /^\d+ putLocalFile .*\.floe-pending-rejects\//.test(l)) + 1;
    const target = ops.findIndex((l) => /\/sales\/orders\/metadata\/[^/]*\.metadata\.json$/.test(l)) + 1;
    expect(staged, ops.join('\n')).toBeGreaterThan(0);
    expect(target, ops.join('\n')).toBeGreaterThan(staged);
    for (const [k, committed] of [[staged, false], [target + 1, true]] as const) {
      const p = await tickets();
      const killed = await p.floe(['run', 'tickets', '--run-id', 'r1'], { FLOE_FAULT_KILL_AFTER_IO: String(k) });
      expect(killed.signal, show(killed)).toBe('SIGKILL');
      expect(await p.exists('sales.orders')).toBe(committed);
      const rerun = await p.floe(['run', 'tickets', '--run-id', 'r1']);
      expect(rerun.code, show(rerun)).toBe(0);
      expect(await count(p, 'SELECT count(*) AS n FROM sales.orders'), `kill after op ${k}`).toBe(2);
      expect(await rejectsByRun(p), `kill after op ${k}`).toEqual({ r1: 1 });
      expect(pendingFiles(p)).toEqual([]);
    }
  });
});

describe('a rejects write that fails after the target commit', () => {
  it('is an error naming the committed snapshot and the kept rows; the next run adds them once', async () => {
    const p = await ordersProject();
    // A quarantine table whose `line` column cannot take the run's BIGINT line numbers.
    await p.write('data/bad-rejects.csv', 'pipeline,run_id,line\nx,y,not-a-number\n');
    const made = await p.floe(['load', 'sales.orders__rejects', p.path('data/bad-rejects.csv')]);
    expect(made.code, show(made)).toBe(0);
    const failed = await p.floe(['run', 'orders', '--run-id', 'r1']);
    expect(failed.code, show(failed)).toBe(1);
    expect(failed.stderr).toMatch(/pipeline orders: sales\.orders was committed \(snapshot \d+\), but its 2 quarantined row\(s\) could not be written to sales\.orders__rejects/);
    expect(failed.stderr).toMatch(/next run of a pipeline writing sales\.orders adds them/);
    expect(await count(p, 'SELECT count(*) AS n FROM sales.orders')).toBe(GOOD);
    expect(pendingFiles(p)).toHaveLength(1);

    // While the quarantine table still refuses the rows, a run stops before committing anything.
    const blocked = await p.floe(['run', 'orders', '--run-id', 'r2']);
    expect(blocked.code, show(blocked)).toBe(1);
    expect(blocked.stderr).toMatch(/quarantined rows of run r1 of pipeline orders \(committed to sales\.orders\) could not be added to sales\.orders__rejects/);
    expect(await count(p, 'SELECT count(*) AS n FROM sales.orders')).toBe(GOOD);

    const dropped = await p.floe(['table', 'drop', 'sales.orders__rejects']);
    expect(dropped.code, show(dropped)).toBe(0);
    const rerun = await p.floe(['run', 'orders', '--run-id', 'r1', '--json']);
    expect(rerun.code, show(rerun)).toBe(0);
    expect(rerun.stdout).toContain('already committed');
    expect(await count(p, 'SELECT count(*) AS n FROM sales.orders')).toBe(GOOD);
    expect(await rejectsByRun(p)).toEqual({ r1: REJECTED });
    expect(pendingFiles(p)).toEqual([]);
  });
});
