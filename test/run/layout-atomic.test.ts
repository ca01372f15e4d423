/**
 * A pipeline's changed partition_by / sort_by commits with the run's data, in one commit: a
 * run that fails leaves the table's layout as it was (it used to commit the layout on its own
 * before writing, so a failed run left a new default spec behind), and a snapshot staged by a
 * failed check brings the spec its files need without making it the table's default.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pyicebergRead, sparkRead } from '../interop/oracle.js';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (o: { partition?: string; sort?: string; mode?: string; policy?: string; extra?: string }) =>
  [
    'source: { kind: jsonl, path: data/in.jsonl }',
    'columns: { amount: { type: double } }',
    'target:',
    '  table: raw.sales',
    `  mode: ${o.mode ?? 'append'}`,
    ...(o.mode === 'merge' ? ['  key: [id]'] : []),
    `  partition_by: [${o.partition ?? ''}]`,
    `  sort_by: [${o.sort ?? ''}]`,
    ...(o.policy ? [`  on_schema_change: ${o.policy}`] : []),
    o.extra ?? '',
  ].join('\n');

const rows = (...r: [number, string, string][]) => r.map(([id, region, amount]) => JSON.stringify({ id, region, amount })).join('\n') + '\n';

/** The parts of the metadata a layout change moves, and the snapshot count. */
async function layout(p: Project) {
  const m = await p.metadata('raw.sales');
  return {
    spec: m['default-spec-id'],
    specs: m['partition-specs'].length,
    order: m['default-sort-order-id'],
    orders: m['sort-orders'].length,
    snapshots: m.snapshots.length,
    main: m.refs['main']?.['snapshot-id'],
  };
}

async function firstLoad(mode?: string): Promise<Project> {
  const p = await newProject();
  await p.pipeline('sales', pipeline({ mode }));
  await p.write('data/in.jsonl', rows([1, 'eu', '10.5'], [2, 'us', '20']));
  await p.run(['sales']);
  return p;
}

describe('a run that changes the layout and fails', () => {
  it('a column the table lacks (on_schema_change: fail): the spec and sort order stay as they were, and the next good run evolves them with its data', async () => {
    const p = await firstLoad();
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ partition: 'region', sort: 'amount', policy: 'fail' }));
    await p.write('data/in.jsonl', rows([3, 'eu', '7']).replace('}', ', "channel": "web"}'));
    const failed = await p.floe(['run', 'sales']);
    expect(failed.code, show(failed)).not.toBe(0);
    expect(failed.stderr).toContain('channel');
    expect(await layout(p)).toEqual(before);

    await p.write('data/in.jsonl', rows([3, 'eu', '7'], [4, 'us', '8']));
    const ok = await p.run(['sales', '--json']);
    const commit = ok.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit.schema_changes).toEqual(['partition spec 0 [unpartitioned] → spec 1 [region as region]', 'sort order 0 [unsorted] → order 1 [amount asc nulls first]']);
    const after = await layout(p);
    expect(after).toMatchObject({ spec: 1, specs: 2, order: 1, orders: 2, snapshots: before.snapshots + 1 });
    expect(await p.query('SELECT id, region, amount FROM raw.sales ORDER BY id')).toEqual([
      { id: 1, region: 'eu', amount: 10.5 },
      { id: 2, region: 'us', amount: 20 },
      { id: 3, region: 'eu', amount: 7 },
      { id: 4, region: 'us', amount: 8 },
    ]);
    // The other engines read the one commit: PyIceberg prunes by the new spec, Spark reads every row.
    const catalog = { catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse') };
    const eu = await pyicebergRead({ ...catalog, table: 'raw.sales', filter: "region == 'eu'" });
    expect(eu.rows!.map((r) => Number(r.id)).sort()).toEqual([1, 3]);
    const spark = await sparkRead({ ...catalog, tables: ['raw.sales'] });
    expect(spark.tables['raw.sales']!.count).toBe(4);
    // The audit log: the failed run changed nothing; the good one added a snapshot and moved the layout, in one entry.
    const audit = await p.query("SELECT outcome, changes FROM floe.audit_log WHERE command = 'run' ORDER BY started_at");
    expect(audit.map((r) => r.outcome)).toEqual(['ok', 'failed', 'ok']);
    expect(JSON.parse(audit[1]!.changes as string)).toEqual([]);
    const [entry] = JSON.parse(audit[2]!.changes as string);
    expect(entry.snapshots).toHaveLength(1);
    expect(entry.layout).toEqual({ partition_spec: { from: 0, to: 1 }, sort_order: { from: 0, to: 1 } });
  }, 600_000);

  it('an overwrite with no row (refused without allow_empty): the layout stays as it was', async () => {
    const p = await firstLoad('overwrite');
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ mode: 'overwrite', partition: 'region', extra: 'rejects: { max_ratio: 1 }\n' }));
    // Its one row is malformed: quarantined, and none is left to write.
    await p.write('data/in.jsonl', rows([3, 'eu', 'not a number']));
    const failed = await p.floe(['run', 'sales']);
    expect(failed.code, show(failed)).not.toBe(0);
    expect(failed.stderr).toContain('no row to write');
    expect(await layout(p)).toEqual(before);
  }, 60_000);

  it('whose partition column the input lacks: refused before anything is written, the data not committed either', async () => {
    const p = await firstLoad();
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ partition: 'country' }));
    await p.write('data/in.jsonl', rows([3, 'eu', '7']));
    const r = await p.floe(['run', 'sales']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain("partition column 'country': no such column");
    expect(r.stderr).toContain('nothing was written');
    expect(await layout(p)).toEqual(before);
  }, 60_000);
});

describe('an append with no row that changes the layout', () => {
  it('commits the layout alone: no snapshot, the new spec the default', async () => {
    const p = await firstLoad();
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ partition: 'region', extra: 'rejects: { max_ratio: 1 }\n' }));
    await p.write('data/in.jsonl', rows([3, 'eu', 'not a number']));
    const r = await p.run(['sales', '--json']);
    const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(JSON.stringify(events)).toContain('partition spec 0 [unpartitioned] → spec 1 [region as region]');
    expect(await layout(p)).toEqual({ ...before, spec: 1, specs: 2 });
  }, 60_000);

  it('whose input also brings a new column: the layout over existing columns is committed alone all the same', async () => {
    const p = await firstLoad();
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ partition: 'region', extra: 'rejects: { max_ratio: 1 }\n' }));
    await p.write('data/in.jsonl', rows([3, 'eu', 'not a number']).replace('}', ', "channel": "web"}'));
    const r = await p.run(['sales', '--json']);
    expect(r.stdout).toContain('partition spec 0 [unpartitioned] → spec 1 [region as region]');
    expect(await layout(p)).toEqual({ ...before, spec: 1, specs: 2 });
  }, 60_000);
});

describe('a run that changes the layout and fails a check', () => {
  it('stages its snapshot with the new spec added but not the default; publishing it keeps the rows readable; the next run makes the layout the default', async () => {
    const p = await firstLoad();
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ partition: 'region', extra: 'checks:\n  - unique: [id]\n' }));
    await p.write('data/in.jsonl', rows([3, 'eu', '7'], [3, 'us', '8']));
    const failed = await p.floe(['run', 'sales']);
    expect(failed.code, show(failed)).toBe(3);
    const staged = await layout(p);
    // main and the defaults as before; one spec more, for the staged snapshot's files.
    expect(staged).toEqual({ ...before, specs: 2, snapshots: before.snapshots + 1 });
    const m = await p.metadata('raw.sales');
    const stagedId = m.snapshots.find((s) => s['snapshot-id'] !== before.main)!['snapshot-id'];

    const ff = await p.floe(['snapshot', 'branch', 'raw.sales', 'main', '--fast-forward', String(stagedId)]);
    expect(ff.code, show(ff)).toBe(0);
    expect((await p.query('SELECT id, region FROM raw.sales ORDER BY id, region')).map((r) => [r.id, r.region])).toEqual([
      [1, 'eu'],
      [2, 'us'],
      [3, 'eu'],
      [3, 'us'],
    ]);
    expect(await layout(p)).toMatchObject({ spec: 0, specs: 2, main: stagedId });

    await p.pipeline('sales', pipeline({ partition: 'region' }));
    await p.write('data/in.jsonl', rows([5, 'eu', '1']));
    const ok = await p.run(['sales', '--json']);
    const commit = ok.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    // The spec the staged snapshot added is reused, not added again.
    expect(commit.schema_changes).toEqual(['partition spec 0 [unpartitioned] → existing spec 1 [region as region]']);
    expect(await layout(p)).toMatchObject({ spec: 1, specs: 2 });
  }, 60_000);
});

describe('a merge that changes the layout', () => {
  it.each(['copy-on-write', 'merge-on-read'])('commits it with the merged rows (%s): one snapshot, new files in the new spec', async (writeMode) => {
    const p = await firstLoad('merge');
    const ev = await p.floe(['table', 'evolve', 'raw.sales', '--set-property', `write.merge.mode=${writeMode}`]);
    expect(ev.code, show(ev)).toBe(0);
    const before = await layout(p);
    await p.pipeline('sales', pipeline({ mode: 'merge', partition: 'region' }));
    await p.write('data/in.jsonl', rows([2, 'us', '25'], [3, 'eu', '7']));
    const ok = await p.run(['sales', '--json']);
    const commit = ok.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit.schema_changes).toEqual(['partition spec 0 [unpartitioned] → spec 1 [region as region]']);
    expect(await layout(p)).toMatchObject({ spec: 1, specs: 2, snapshots: before.snapshots + 1 });
    expect((await p.query('SELECT id, amount FROM raw.sales ORDER BY id')).map((r) => [r.id, r.amount])).toEqual([
      [1, 10.5],
      [2, 25],
      [3, 7],
    ]);
  }, 60_000);
});
