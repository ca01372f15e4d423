/**
 * The volume baseline leaves out the batches that write-audit-publish rejected: a run whose
 * `not_null` failed staged its snapshot without moving main, and its volume (which passed)
 * was the next run's baseline, so a series of rejected batches raised the norm until a batch
 * far from anything published passed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { one, useEngine } from './helpers.js';

const tmp = useTmpDirs('floe-check-review-volume-');
beforeAll(assertBuilt);

const PIPELINE = `name: v
source: { kind: csv, path: data/v.csv }
target: { table: raw.v, mode: overwrite }
checks:
  - not_null: [amount]
  - volume: { max_change: 50% }
`;

/** `rows` rows; the first has no amount when `nullFirst`. */
function csv(rows: number, nullFirst = false): string {
  let s = 'id,amount\n';
  for (let i = 0; i < rows; i++) s += `${i},${nullFirst && i === 0 ? '' : i}\n`;
  return s;
}

describe('volume after a run whose audit kept main in place', () => {
  it('compares with the last published count, not with the rejected batch', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    await mkdir(path.join(dir, 'data'));
    await writeFile(path.join(dir, 'pipelines', 'v.yaml'), PIPELINE);
    const data = path.join(dir, 'data', 'v.csv');

    await writeFile(data, csv(10));
    const first = await floeIn(dir, ['run', 'v']);
    expect(first.code, show(first)).toBe(0);

    // 15 rows (+50%, within the volume's bound) but a NULL amount: main stays at 10 rows.
    await writeFile(data, csv(15, true));
    const rejected = await floeIn(dir, ['run', 'v']);
    expect(rejected.code, show(rejected)).toBe(3);
    expect(rejected.stderr).toContain('main was not moved: 1 check failed: not_null(amount)');

    // 22 rows: +47% against the rejected 15, +120% against the 10 that main holds.
    await writeFile(data, csv(22));
    const next = await floeIn(dir, ['run', 'v']);
    expect(next.code, show(next)).toBe(3);
    expect(next.stderr).toContain('volume (22 new rows, +120% against 10 (median of the last run), beyond ±50%)');

    const q = await floeIn(dir, ['query', 'SELECT count(*) AS n FROM raw.v', '--format', 'csv']);
    expect(q.stdout.trim().split('\n')[1]).toBe('10');
  }, 60_000);
});

describe('volume of two pipelines that append to one table', () => {
  it('compares each pipeline with its own earlier batches', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    await mkdir(path.join(dir, 'data'));
    for (const [region, rows] of [['eu', 100], ['us', 10]] as const) {
      await writeFile(
        path.join(dir, 'pipelines', `${region}.yaml`),
        `name: orders_${region}\nsource: { kind: csv, path: data/${region}.csv }\ntarget: { table: raw.orders }\nchecks:\n  - volume: { max_change: 30% }\n`,
      );
      await writeFile(path.join(dir, 'data', `${region}.csv`), csv(rows));
    }
    // Each brings the same batch twice: no change against its own last run.
    for (let i = 0; i < 2; i++) {
      for (const region of ['eu', 'us']) {
        const r = await floeIn(dir, ['run', `orders_${region}`]);
        expect(r.code, show(r)).toBe(0);
      }
    }
    const q = await floeIn(dir, ['query', "SELECT pipeline, message FROM floe.check_results WHERE pipeline = 'orders_us' ORDER BY checked_at", '--format', 'csv']);
    expect(q.stdout).toContain('10 new rows, +0% against 10 (median of the last run)');
  }, 60_000);
});

describe('volume message of a one-row batch', () => {
  const engine = useEngine();
  it('says 1 new row, not 1 new rows', async () => {
    await engine().run('CREATE TABLE one_new AS SELECT 1 AS id', 'create test table');
    const r = await one(engine(), 'one_new', { volume: { max_change: '10%' } }, { batchRelation: 'one_new', history: async () => [4] });
    expect(r).toMatchObject({ status: 'fail', observed: 1, message: '1 new row, -75% against 4 (median of the last run), beyond ±10%' });
    const first = await one(engine(), 'one_new', { volume: { max_change: '10%' } }, { history: async () => [] });
    expect(first.message).toBe('1 row; no earlier runs to compare with, so this run starts the baseline');
  });
});
