/**
 * `floe run --all` as a scheduler sees it: a failed pipeline's dependents are not run and
 * say so in --json (one event per pipeline, every outcome), independent pipelines still run,
 * and the exit code is the failure's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('run --all with a failing upstream pipeline', () => {
  it('--json has a skip event for every pipeline not run, naming the failed one; the end event counts them', async () => {
    const p = await newProject();
    await p.write('data/orders.csv', 'id,amount\n1,10\n2,20\n');
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
    await p.pipeline('cust', 'source: { kind: csv, path: data/missing.csv }\ntarget: { table: raw.cust }\n');
    await p.pipeline('agg', 'source: { kind: sql, query: "SELECT o.id, c.id AS cid FROM raw.orders o LEFT JOIN raw.cust c ON o.id = c.id" }\ntarget: { table: mart.agg, mode: overwrite }\n');
    await p.pipeline('agg2', 'source: { kind: sql, query: "SELECT * FROM mart.agg" }\ntarget: { table: mart.agg2, mode: overwrite }\n');
    await p.pipeline('indep', 'source: { kind: sql, query: "SELECT count(*) AS n FROM raw.orders" }\ntarget: { table: mart.indep, mode: overwrite }\n');
    const r = await p.run(['--all', '--json'], 1);
    const evs = events(r.stdout);
    const outcome = (name: string) => evs.filter((e) => e.pipeline === name && ['commit', 'skip', 'error'].includes(e.event)).map((e) => e.event);
    // Every pipeline has exactly one outcome event.
    expect(outcome('orders'), r.stdout).toEqual(['commit']);
    expect(outcome('indep'), r.stdout).toEqual(['commit']);
    expect(outcome('cust'), r.stdout).toEqual(['error']);
    expect(outcome('agg'), r.stdout).toEqual(['skip']);
    expect(outcome('agg2'), r.stdout).toEqual(['skip']);
    expect(evs.find((e) => e.event === 'skip' && e.pipeline === 'agg')).toMatchObject({ table: 'mart.agg', reason: 'upstream-failed', upstream: 'cust', failed_pipeline: 'cust' });
    expect(evs.find((e) => e.event === 'skip' && e.pipeline === 'agg2')).toMatchObject({ table: 'mart.agg2', reason: 'upstream-failed', upstream: 'agg', failed_pipeline: 'cust' });
    expect(evs.some((e) => e.event === 'start' && (e.pipeline === 'agg' || e.pipeline === 'agg2'))).toBe(false);
    expect(evs.at(-1)).toMatchObject({ event: 'end', status: 'failed', pipelines: 5, failed: 1, not_run: 2 });
    expect((await p.tables()).filter((t) => !t.startsWith('floe.'))).toEqual(['mart.indep', 'raw.orders']);

    const text = await p.run(['--all'], 1);
    expect(text.stderr).toContain('agg: not run: upstream pipeline cust failed');
    expect(text.stderr).toContain('agg2: not run: upstream pipeline agg was not run (cust failed)');
  });
});

describe('run --all with two pipelines writing one table', () => {
  it('runs them one after another in run order (by name), so an overwrite and an append give the same table every time', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n2\n');
    await p.write('data/b.csv', 'id\n3\n');
    await p.pipeline('a_full', 'source: { kind: csv, path: data/a.csv }\ntarget: { table: raw.t, mode: overwrite }\n');
    await p.pipeline('b_delta', 'source: { kind: csv, path: data/b.csv }\ntarget: { table: raw.t }\n');
    await p.write('data/c.csv', 'id\n9\n');
    await p.pipeline('c_other', 'source: { kind: csv, path: data/c.csv }\ntarget: { table: raw.other }\n');
    for (let i = 0; i < 2; i++) {
      const r = await p.run(['--all', '--concurrency', '3', '--json']);
      const evs = events(r.stdout);
      const at = (type: string, name: string) => evs.findIndex((e) => e.event === type && e.pipeline === name);
      expect(at('start', 'b_delta'), r.stdout).toBeGreaterThan(at('commit', 'a_full'));
      // Pipelines of other tables are not held back.
      expect(at('start', 'c_other'), r.stdout).toBeLessThan(at('commit', 'a_full'));
      expect(await p.query('SELECT id FROM raw.t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    }
  });

  it('a failure of the first does not skip the second: it does not read the first one\'s rows', async () => {
    const p = await newProject();
    await p.write('data/b.csv', 'id\n3\n');
    await p.pipeline('a_full', 'source: { kind: csv, path: data/missing.csv }\ntarget: { table: raw.t, mode: overwrite }\n');
    await p.pipeline('b_delta', 'source: { kind: csv, path: data/b.csv }\ntarget: { table: raw.t }\n');
    const r = await p.run(['--all', '--json'], 1);
    const evs = events(r.stdout);
    expect(evs.find((e) => e.event === 'commit' && e.pipeline === 'b_delta'), r.stdout).toBeDefined();
    expect(evs.findIndex((e) => e.event === 'start' && e.pipeline === 'b_delta')).toBeGreaterThan(evs.findIndex((e) => e.event === 'error' && e.pipeline === 'a_full'));
  });
});
