/**
 * Pruning end to end through `floe query`'s planning (query/query.ts prepareViews): which
 * data files are opened, counted through a FileIO wrapper, and what rows come back.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../../src/engine/duckdb.js';
import { quoteLiteral } from '../../../src/engine/sql.js';
import { buildPartitionSpec } from '../../../src/iceberg/metadata-builder.js';
import { toBinary } from '../../../src/iceberg/conversions.js';
import { type DataFile, DataFileContent, type StructType } from '../../../src/iceberg/types.js';
import { prepareViews } from '../../../src/query/query.js';
import { commitTable } from '../../../src/table/commit.js';
import { loadTable } from '../../../src/table/load.js';
import { planScan } from '../../../src/table/scan.js';
import { appendFiles, type Fixture, newTable, openFixture } from './fixture.js';

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

const dataFile = (path: string, partition: DataFile['partition'], extra: Partial<DataFile> = {}): DataFile => ({
  content: DataFileContent.DATA,
  file_path: path,
  file_format: 'PARQUET',
  partition,
  record_count: 1n,
  file_size_in_bytes: existsSync(path) ? BigInt(statSync(path).size) : 100n,
  ...extra,
});

async function rows(sql: string, prune = true): Promise<unknown[]> {
  await prepareViews(engine, f.catalog, f.io, sql, undefined, { prune });
  return (await engine.all(sql, 'test query')).map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

describe('a table of 1,000 identity partitions, one file each', () => {
  const id = { namespace: ['ns'], name: 'wide' };
  beforeAll(async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [
        { id: 1, name: 'p', required: true, type: 'int' },
        { id: 2, name: 'v', required: true, type: 'long' },
      ],
    };
    await newTable(f, id, schema, [{ sourceName: 'p', transform: 'identity' }]);
    const dir = join(f.dir, 'src-wide');
    // One COPY writes all 1,000 one-row files (p=N/data_0.parquet), with Iceberg field ids.
    await engine.run(
      `COPY (SELECT i::INTEGER AS p, (i * 10)::BIGINT AS v FROM range(1000) t(i)) TO ${quoteLiteral(dir)} ` +
        `(FORMAT parquet, PARTITION_BY (p), WRITE_PARTITION_COLUMNS true, FIELD_IDS {p: 1, v: 2})`,
      'write test files',
    );
    const files = readdirSync(dir).map((sub) => {
      const p = Number(sub.replace('p=', ''));
      const [name] = readdirSync(join(dir, sub));
      return dataFile(join(dir, sub, name!), [p]);
    });
    expect(files).toHaveLength(1000);
    await appendFiles(f, id, files);
  });

  it('opens one data file (≤ 1%) for a query on one partition, with the right row', async () => {
    f.io.opened.clear();
    expect(await rows('SELECT p, v FROM ns.wide WHERE p = 417')).toEqual([[417, 4170]]);
    expect(f.io.opened.size).toBe(1);
    expect([...f.io.opened][0]).toMatch(/p=417\//);
  });

  it('opens every file without pruning, and reports kept/total in the plan', async () => {
    f.io.opened.clear();
    expect(await rows('SELECT count(*) FROM ns.wide WHERE p = 417', false)).toEqual([[1]]);
    expect(f.io.opened.size).toBe(1000);
    const [view] = await prepareViews(engine, f.catalog, f.io, 'SELECT * FROM ns.wide WHERE p IN (3, 5) OR p >= 998', undefined, { planOnly: true });
    expect(view!.pruning).toEqual({ filter: 'p IN (3, 5) OR p >= 998', manifests: { kept: 1, total: 1 }, dataFiles: { kept: 4, total: 1000 } });
  });

  it('does not prune a table referenced twice, nor through an outer join', async () => {
    const twice = await prepareViews(engine, f.catalog, f.io, 'SELECT * FROM ns.wide WHERE p = 1 UNION ALL SELECT * FROM ns.wide', undefined, { planOnly: true });
    expect(twice[0]!.filesScanned).toBe(1000);
    const outer = await prepareViews(
      engine,
      f.catalog,
      f.io,
      'SELECT * FROM (SELECT 1 AS k) a LEFT JOIN ns.wide w ON w.p = a.k WHERE w.p IS NULL',
      undefined,
      { planOnly: true },
    );
    expect(outer[0]!.filesScanned).toBe(1000);
  });
});

describe('a table with two partition specs', () => {
  const id = { namespace: ['ns'], name: 'evolved' };
  const schema: StructType = {
    type: 'struct',
    fields: [
      { id: 1, name: 'region', required: false, type: 'string' },
      { id: 2, name: 'ts', required: false, type: 'timestamp' },
    ],
  };
  const HOUR = 3_600_000_000n;
  const DAY0 = 19_723n * 24n * HOUR; // 2024-01-01
  beforeAll(async () => {
    await newTable(f, id, schema, [{ sourceName: 'region', transform: 'identity' }]);
    const fake = (name: string) => join(f.dir, `${name}.parquet`);
    const ts = (v: bigint) => toBinary('timestamp', v);
    // spec 0: by region; every file spans days 0-9.
    await appendFiles(
      f,
      id,
      ['eu', 'us', 'ap'].map((r) => ({
        ...dataFile(fake(`s0-${r}`), [r]),
        lower_bounds: new Map([[2, ts(DAY0)]]),
        upper_bounds: new Map([[2, ts(DAY0 + 10n * 24n * HOUR - 1n)]]),
      })),
    );
    // spec 1: by day(ts); one file per day 0-4, every region inside.
    await commitTable(f.catalog, f.io, id, async (base) => {
      const spec = buildPartitionSpec(base.metadata.schemas[0]!, [{ sourceName: 'ts', transform: 'day' }], 1, base.metadata['last-partition-id'], base.metadata['partition-specs']);
      return { requirements: [], updates: [{ action: 'add-spec', spec }, { action: 'set-default-spec', 'spec-id': -1 }] };
    });
    await appendFiles(
      f,
      id,
      [0, 1, 2, 3, 4].map((d) => ({
        ...dataFile(fake(`s1-d${d}`), [19_723 + d]),
        lower_bounds: new Map([[1, toBinary('string', 'ap')]]),
        upper_bounds: new Map([[1, toBinary('string', 'us')]]),
      })),
    );
  });

  async function kept(where: string): Promise<string[]> {
    const table = await loadTable(f.catalog, f.io, id);
    const [view] = await prepareViews(engine, f.catalog, f.io, `SELECT * FROM ns.evolved WHERE ${where}`, undefined, { planOnly: true });
    expect(view!.pruning!.dataFiles.total).toBe(8);
    const plan = await planScan({ io: table.io, metadata: table.metadata, table: 'ns.evolved' });
    expect(plan.dataFiles).toHaveLength(8);
    const names = (await view!.localFiles()).map((p) => p.replace(/^.*\//, '').replace('.parquet', ''));
    return names.sort();
  }

  it('evaluates each manifest and file with its own spec', async () => {
    // region: spec-0 files by partition value, spec-1 files by their bounds (all contain 'eu').
    expect(await kept("region = 'eu'")).toEqual(['s0-eu', 's1-d0', 's1-d1', 's1-d2', 's1-d3', 's1-d4']);
    // ts: spec-1 files by day, spec-0 files by their bounds (days 0-9).
    expect(await kept("ts >= TIMESTAMP '2024-01-04 12:00:00'")).toEqual(['s0-ap', 's0-eu', 's0-us', 's1-d3', 's1-d4']);
    expect(await kept("ts >= '2024-01-20'")).toEqual([]);
    expect(await kept("region = 'zz'")).toEqual([]);
    expect(await kept("region = 'us' AND ts < '2024-01-02'")).toEqual(['s0-us', 's1-d0']);
  });
});
