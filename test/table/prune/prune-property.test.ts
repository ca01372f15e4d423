/**
 * Pruning never changes a result: random filters over small tables written by floe (real
 * Parquet files, real metrics), each run with and without pruning. Also: bounds pruning on
 * an unpartitioned table whose files hold sorted, disjoint id ranges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../../src/engine/duckdb.js';
import { writeTable } from '../../../src/ingest/write-table.js';
import { prepareViews } from '../../../src/query/query.js';
import { seeded } from '../../helpers/random.js';
import { type Fixture, openFixture } from './fixture.js';

let f: Fixture;
let engine: Engine;
beforeAll(async () => {
  f = await openFixture();
  engine = await openEngine();
});
afterAll(async () => {
  engine?.close();
  await f?.close();
});

const ROWS = 400;
const source = (part: number, parts: number) => `
  SELECT i::BIGINT AS id,
    CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 37) % 50)::INTEGER END AS k,
    CASE WHEN i % 11 = 0 THEN NULL ELSE 'key-' || lpad(((i * 13) % 40)::VARCHAR, 2, '0') || repeat('x', (i % 3) * 10) END AS s,
    CASE WHEN i % 13 = 0 THEN 'NaN'::DOUBLE WHEN i % 17 = 0 THEN NULL WHEN i % 19 = 0 THEN -0.0::DOUBLE
         ELSE ((i * 7919) % 1000) / 10.0 - 50 END AS x,
    (((i * 31) % 10000) / 100.0)::DECIMAL(10, 2) AS amt,
    TIMESTAMP '2024-01-01' + to_seconds(i * 3607) AS ts,
    (DATE '2024-01-01' + (i % 60)::INTEGER)::DATE AS dt
  FROM range(${ROWS}) t(i) WHERE i % ${parts} = ${part}`;

async function ids(sql: string, prune: boolean): Promise<{ ids: number[]; kept: number; total: number }> {
  const views = await prepareViews(engine, f.catalog, f.io, sql, undefined, { prune });
  const rows = await engine.all(sql, 'test query');
  return { ids: rows.map((r) => Number(r.id)), kept: views[0]!.filesScanned, total: views[0]!.pruning?.dataFiles.total ?? views[0]!.filesScanned };
}

function randomFilter(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const cmp = () => pick(['=', '<', '<=', '>', '>=', '<>']);
  const pad = (n: number) => String(n).padStart(2, '0');
  const term = (): string => {
    switch (int(0, 10)) {
      case 0:
        return `id ${cmp()} ${pick([0, 1, 2, ROWS - 2, ROWS - 1, ROWS, int(-5, ROWS + 5)])}`;
      case 1:
        return `id IN (${[int(0, ROWS), int(0, ROWS), int(0, ROWS)].join(', ')})`;
      case 2:
        // Partition boundaries of truncate[20] and their neighbours are where mistakes hide.
        return pick([`k ${cmp()} ${pick([-1, 0, 1, 19, 20, 21, 39, 40, 41, 49, 50, int(-5, 55)])}`, 'k IS NULL', 'k IS NOT NULL', `k BETWEEN ${int(0, 30)} AND ${int(20, 50)}`]);
      case 3:
        return pick([`s ${cmp()} 'key-${pad(int(0, 40))}'`, `s LIKE 'key-${int(0, 3)}%'`, `s LIKE 'key-${pad(int(0, 40))}x%'`, 's IS NULL']);
      case 4:
        return pick([`x ${cmp()} ${int(-60, 60)}.5`, `x ${cmp()} 0`, `x ${cmp()} -0.0`, 'x IS NULL', `x IN (0, ${int(-50, 50)}.0)`]);
      case 5:
        return `amt ${cmp()} ${int(0, 100)}.${pad(int(0, 99))}`;
      case 6:
        return `ts ${cmp()} TIMESTAMP '2024-01-${pad(int(1, 17))} ${pad(int(0, 23))}:${pad(int(0, 59))}:00'`;
      case 7:
        return `ts ${pick(['<', '>='])} '2024-01-${pad(int(1, 17))}'`;
      case 8:
        return `dt ${cmp()} DATE '2024-${pick(['01', '02'])}-${pad(int(1, 28))}'`;
      case 9:
        return `dt BETWEEN '2024-01-${pad(int(1, 28))}' AND '2024-02-${pad(int(1, 28))}'`;
      default:
        return `id % 3 = ${int(0, 2)}`; // not prunable: must simply be ignored
    }
  };
  const n = int(1, 3);
  const parts = Array.from({ length: n }, term);
  return parts.reduce((acc, t) => (r() < 0.3 ? `(${acc} OR ${t})` : `${acc} AND ${t}`));
}

describe('pruned results equal unpruned results', () => {
  beforeAll(async () => {
    for (let part = 0; part < 3; part++) {
      await writeTable({
        catalog: f.catalog,
        io: f.io,
        engine,
        id: { namespace: ['ns'], name: 'p' },
        selectSql: source(part, 3),
        mode: 'append',
        warehouse: `${f.dir}/warehouse`,
        partitionBy: [
          { sourceName: 'k', transform: 'truncate[20]' },
          { sourceName: 'id', transform: 'bucket[2]' },
        ],
      });
    }
  });

  it('over 120 random filters, pruning files in most', async () => {
    // Every row, read once without pruning: the reference each pruned query is checked against.
    const all = await ids('SELECT * FROM ns.p', false);
    await engine.run('CREATE OR REPLACE TABLE ref_p AS SELECT * FROM ns.p', 'reference rows');
    const r = seeded(20_261_129);
    let pruned = 0;
    for (let i = 0; i < 120; i++) {
      const where = randomFilter(r);
      const a = await ids(`SELECT id FROM ns.p WHERE ${where} ORDER BY id`, true);
      const expected = (await engine.all(`SELECT id FROM ref_p WHERE ${where} ORDER BY id`, 'reference')).map((x) => Number(x.id));
      expect(a.ids, where).toEqual(expected);
      expect(a.total).toBe(all.kept);
      if (a.kept < a.total) pruned++;
    }
    expect(all.ids).toHaveLength(ROWS);
    expect(pruned).toBeGreaterThan(40);
  });
});

describe('an unpartitioned table of sorted files', () => {
  beforeAll(async () => {
    for (let part = 0; part < 8; part++) {
      await writeTable({
        catalog: f.catalog,
        io: f.io,
        engine,
        id: { namespace: ['ns'], name: 'sorted' },
        selectSql: `SELECT i::BIGINT AS id, 'name-' || lpad(i::VARCHAR, 4, '0') AS name FROM range(${part * 100}, ${part * 100 + 100}) t(i)`,
        mode: 'append',
        warehouse: `${f.dir}/warehouse`,
      });
    }
  });

  it('keeps only the files whose id and name bounds can match', async () => {
    const plan = async (where: string) => {
      const [v] = await prepareViews(engine, f.catalog, f.io, `SELECT * FROM ns.sorted WHERE ${where}`, undefined, { planOnly: true });
      return `${v!.pruning!.dataFiles.kept}/${v!.pruning!.dataFiles.total}`;
    };
    expect(await plan('id BETWEEN 250 AND 260')).toBe('1/8');
    expect(await plan('id = 799 OR id = 0')).toBe('2/8');
    expect(await plan('id >= 700')).toBe('1/8');
    expect(await plan('id > 799')).toBe('0/8');
    expect(await plan('id IS NULL')).toBe('0/8');
    expect(await plan("name LIKE 'name-03%'")).toBe('1/8');
    expect(await plan("name >= 'name-0650'")).toBe('2/8');
    expect(await plan('id % 2 = 0')).toBe('8/8');
    expect((await ids('SELECT id FROM ns.sorted WHERE id BETWEEN 250 AND 252 ORDER BY id', true)).ids).toEqual([250, 251, 252]);
  });
});
