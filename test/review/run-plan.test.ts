/**
 * `floe plan` agrees with what `floe run` then does: a sql pipeline whose input table an
 * upstream pipeline of the same run creates is not a problem for plan (run orders them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe plan before the first run of dependent pipelines', () => {
  it('plans a sql pipeline over a table an upstream pipeline creates: exit 0, and run --all then succeeds', async () => {
    const p = await newProject();
    await p.write('data/orders.csv', 'id,amount\n1,10\n2,20\n');
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
    await p.pipeline('agg', 'source: { kind: sql, query: "SELECT o.id, o.amount * 2 AS twice FROM raw.orders o" }\ntarget: { table: mart.agg, mode: overwrite }\n');
    const plan = await p.floe(['plan']);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain('agg: sql: query over raw.orders → mart.agg (overwrite, new table)');
    expect(plan.stdout).toContain('columns known once orders has created raw.orders (it runs first)');
    expect(plan.stdout).not.toContain('problem');
    const json = JSON.parse((await p.floe(['plan', '--json'])).stdout) as { pipeline: string; problems: string[] }[];
    expect(json.map((x) => x.pipeline).sort()).toEqual(['agg', 'orders']);
    for (const x of json) expect(x.problems, x.pipeline).toEqual([]);
    await p.run(['--all']);
    expect(await p.query('SELECT id, twice FROM mart.agg ORDER BY id')).toEqual([{ id: 1, twice: 20 }, { id: 2, twice: 40 }]);
  });

  it('planned alone, the sql pipeline still reports the missing table (run of it alone would fail too)', async () => {
    const p = await newProject();
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
    await p.pipeline('agg', 'source: { kind: sql, query: "SELECT count(*) AS n FROM raw.orders" }\ntarget: { table: mart.agg, mode: overwrite }\n');
    const plan = await p.floe(['plan', 'agg']);
    expect(plan.code, show(plan)).toBe(1);
    expect(plan.stdout).toMatch(/problem: .*raw\.orders/);
  });
});
