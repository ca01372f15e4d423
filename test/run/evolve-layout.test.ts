/**
 * Declarative layout: changing `partition_by` / `sort_by` in a pipeline file evolves the
 * table on the next `floe run` (old files stay in their spec, new files use the new one,
 * reads span both), `floe plan` shows the diff first, and files written to a sorted table
 * are sorted by its order with `sort_order_id` recorded (clustering on write).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { toLocalPath } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (partition: string, sort: string) =>
  `source: { kind: csv, path: data/in.csv }\ntarget:\n  table: lake.ev\n  partition_by: [${partition}]\n  sort_by: [${sort}]\n`;

/** Each live data file: its spec, sort order id and its rows' `n` in file order. */
async function files(p: Project) {
  const catalog = await openCatalog({ uri: `sqlite:${p.path('warehouse/catalog.db')}`, name: 'floe' }, p.dir);
  const engine = await openEngine({ threads: 1 });
  try {
    const t = await loadTable(catalog, new RoutingFileIO(), parseTableIdentifier('lake.ev'));
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: 'lake.ev' });
    const out = [];
    for (const task of plan.dataFiles) {
      const rows = await engine.all(`SELECT n FROM read_parquet(${quoteLiteral(toLocalPath(task.file.file_path))})`, 'read a data file');
      out.push({ spec: task.specId, order: task.file.sort_order_id ?? null, n: rows.map((r) => (r.n === null ? null : Number(r.n))) });
    }
    return out.sort((a, b) => a.spec - b.spec || Number(a.n[0]) - Number(b.n[0]));
  } finally {
    engine.close();
    await catalog.close();
  }
}

describe('partition_by and sort_by changes evolve the table on the next run', () => {
  let p: Project;
  let planOut: string;

  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('ev', pipeline('"day(ts)"', ''));
    await p.write('data/in.csv', 'id,n,ts\n1,10,2024-01-01 10:00:00\n2,20,2024-01-02 10:00:00\n');
    await p.run(['ev']);
    await p.pipeline('ev', pipeline('"month(ts)"', '"n desc"'));
    // The second batch also brings a new column.
    await p.write('data/in.csv', 'id,n,ts,region\n3,5,2024-03-01 10:00:00,eu\n4,50,2024-03-02 10:00:00,us\n5,30,2024-03-03 10:00:00,eu\n6,40,2024-04-01 10:00:00,us\n');
    const plan = await p.floe(['plan', 'ev']);
    expect(plan.code, show(plan)).toBe(0);
    planOut = plan.stdout;
    await p.run(['ev']);
  });

  it('floe plan shows the partition, sort and schema diff before the run', () => {
    expect(planOut).toContain('partition spec 0 [day(ts) as ts_day] → spec 1 [month(ts) as ts_month]');
    expect(planOut).toContain('sort order 0 [unsorted] → order 1 [n desc nulls last]');
    expect(planOut).toContain('add column region string');
  });

  it('the run evolves spec and sort order; old files keep spec 0, new ones use spec 1', async () => {
    const m = await p.metadata('lake.ev');
    expect(m['default-spec-id']).toBe(1);
    expect(m['partition-specs'].map((s) => s.fields.map((f) => [f.name, f.transform, f['field-id']]))).toEqual([
      [['ts_day', 'day', 1000]],
      [['ts_month', 'month', 1001]],
    ]);
    expect(m['default-sort-order-id']).toBe(1);
    const f = await files(p);
    expect(f.filter((x) => x.spec === 0).map((x) => x.n)).toEqual([[10], [20]]);
    expect(f.filter((x) => x.spec === 1).map((x) => x.n)).toEqual([[40], [50, 30, 5]]);
    expect(f.filter((x) => x.spec === 0).every((x) => x.order === null)).toBe(true);
    expect(f.filter((x) => x.spec === 1).every((x) => x.order === 1)).toBe(true);
  });

  it('reads span both specs', async () => {
    expect(await p.query('SELECT id, n, region FROM lake.ev ORDER BY id')).toEqual([
      { id: 1, n: 10, region: null },
      { id: 2, n: 20, region: null },
      { id: 3, n: 5, region: 'eu' },
      { id: 4, n: 50, region: 'us' },
      { id: 5, n: 30, region: 'eu' },
      { id: 6, n: 40, region: 'us' },
    ]);
    const monthly = await p.query("SELECT id FROM lake.ev WHERE ts >= TIMESTAMP '2024-03-02' ORDER BY id");
    expect(monthly.map((r) => r.id)).toEqual([4, 5, 6]);
  });

  it('an unchanged pipeline changes no layout on the next run', async () => {
    await p.write('data/in.csv', 'id,n,ts,region\n7,1,2024-04-02 10:00:00,eu\n');
    const plan = await p.floe(['plan', 'ev']);
    expect(plan.stdout).not.toContain('partition spec');
    const before = await p.metadata('lake.ev');
    await p.run(['ev']);
    const after = await p.metadata('lake.ev');
    expect(after['partition-specs']).toHaveLength(before['partition-specs'].length);
    expect(after['sort-orders']).toHaveLength(before['sort-orders'].length);
  });
});

describe('a new table from a pipeline with sort_by', () => {
  it('is created sorted, and its files are clustered', async () => {
    const p = await newProject();
    await p.pipeline('ev', pipeline('', '"n asc nulls last"'));
    await p.write('data/in.csv', 'id,n,ts\n1,3,2024-01-01 10:00:00\n2,,2024-01-01 11:00:00\n3,1,2024-01-01 12:00:00\n4,2,2024-01-01 13:00:00\n');
    await p.run(['ev']);
    const m = await p.metadata('lake.ev');
    expect(m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id'])!.fields).toEqual([
      { transform: 'identity', 'source-id': 2, direction: 'asc', 'null-order': 'nulls-last' },
    ]);
    const f = await files(p);
    expect(f).toEqual([{ spec: 0, order: 1, n: [1, 2, 3, null] }]);
  });
});

describe('partition_by naming a column the same run adds', () => {
  it('the run adds the column and the spec over it in the commit of its data, whose files use the new spec', async () => {
    const p = await newProject();
    await p.pipeline('ev', pipeline('', ''));
    await p.write('data/in.csv', 'id,n,ts\n1,1,2024-01-01 10:00:00\n');
    await p.run(['ev']);
    await p.pipeline('ev', pipeline('region', ''));
    await p.write('data/in.csv', 'id,n,ts,region\n2,2,2024-01-02 10:00:00,eu\n');
    const r = await p.run(['ev', '--json']);
    const commit = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit.schema_changes).toEqual(['add column region string', 'partition spec 0 [unpartitioned] → spec 1 [region as region]']);
    await p.write('data/in.csv', 'id,n,ts,region\n3,3,2024-01-03 10:00:00,us\n');
    await p.run(['ev']);
    expect((await files(p)).map((f) => [f.spec, f.n])).toEqual([[0, [1]], [1, [2]], [1, [3]]]);
    // One snapshot per run: the layout did not take a commit of its own.
    expect((await p.metadata('lake.ev')).snapshots).toHaveLength(3);
  });
});
