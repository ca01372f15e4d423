/**
 * Interop matrix, part 2: partitioning. One primitive data set (helpers/inputs.ts primSql:
 * 40 rows, NULLs in every column, pre-1970 values, type extremes) is loaded by `floe load
 * --partition-by` into one table per (transform, source type); rows with NULL source values
 * land in null partitions.
 *
 * Per table:
 *  - floe query returns exactly the input rows;
 *  - PyIceberg (SqlCatalog on floe's catalog) returns exactly floe's rows (exact canonical
 *    rows, matched by id, plus per-column checksums and counts);
 *  - Spark (JdbcCatalog) returns the same count, per-column checksums and rows;
 *  - every stored partition value (Spark's `_partition`, i.e. the manifest entry) equals what
 *    Iceberg Java's own transform functions (system.bucket/truncate/years/months/days/hours)
 *    compute from the row -- bucket on uuid excepted: Spark sees uuid as a string, so that
 *    one is covered by PyIceberg's pruning check instead.
 * PyIceberg row filters on partition columns must return exactly the matching rows, scanning
 * fewer files than the full scan for identity, bucket and the time transforms; filters on
 * non-partition columns exercise floe's column bounds (a wrong bound prunes a live file).
 *
 * One Spark launch for the whole file, running while the PyIceberg reads run.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CanonicalRow,
  type CanonicalValue,
  type PyIcebergReadResult,
  type SparkOp,
  type SparkSqlResult,
  type SparkTableRead,
  assertProvisioned,
  pyicebergRead,
  sparkBatch,
} from './oracle.js';
import { FloeProject, assertBuilt, deferred, mapLimit } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';
import { PRIM_ROWS, STRINGS, primSql, writeParquet } from './helpers/inputs.js';
import {
  type LoadedTable,
  expectPyIcebergMatches,
  expectSameRows,
  expectSparkMatches,
  loadAll,
  loadedOrThrow,
  loadedTables,
  sparkPartitionCheckSql,
} from './helpers/matrix.js';
import { compareUtf8 } from './helpers/rows.js';

const SPARK_TIMEOUT = 900_000;
const PY_TIMEOUT = 600_000;

/** table name → --partition-by expressions. */
const PARTITIONED: Record<string, string[]> = {
  // identity
  'part.identity_s': ['s'],
  'part.identity_i': ['i'],
  'part.identity_dt': ['dt'],
  'part.identity_b': ['b'],
  'part.identity_dec9': ['dec9'],
  // bucket[N]
  'part.bucket_i': ['bucket(4, i)'],
  'part.bucket_l': ['bucket(8, l)'],
  'part.bucket_s': ['bucket(5, s)'],
  'part.bucket_u': ['bucket(3, u)'],
  'part.bucket_dec9': ['bucket(4, dec9)'],
  'part.bucket_dec38': ['bucket(4, dec38)'],
  'part.bucket_dt': ['bucket(6, dt)'],
  'part.bucket_ts': ['bucket(6, ts)'],
  'part.bucket_tstz': ['bucket(6, tstz)'],
  'part.bucket_bin': ['bucket(4, bin)'],
  'part.bucket_id': ['bucket(8, id)'],
  // truncate[W]
  'part.truncate_s': ['truncate(3, s)'],
  'part.truncate_i': ['truncate(10, i)'],
  'part.truncate_l': ['truncate(1000, l)'],
  // W = 37 divides the unscaled minimum -999999999 (= -3^4 · 37 · 333667), so the minimum
  // truncates to itself; see the corner case below for a W that leaves decimal(9, 2).
  'part.truncate_dec9': ['truncate(37, dec9)'],
  'part.truncate_dec38': ['truncate(7, dec38)'],
  'part.truncate_bin': ['truncate(2, bin)'],
  // time
  'part.year_ts': ['year(ts)'],
  'part.month_ts': ['month(ts)'],
  'part.day_ts': ['day(ts)'],
  'part.hour_ts': ['hour(ts)'],
  'part.year_tstz': ['year(tstz)'],
  'part.month_tstz': ['month(tstz)'],
  'part.day_tstz': ['day(tstz)'],
  'part.hour_tstz': ['hour(tstz)'],
  'part.year_dt': ['year(dt)'],
  'part.month_dt': ['month(dt)'],
  'part.day_dt': ['day(dt)'],
  // void, and several fields at once
  'part.void_s': ['void(s)'],
  'part.multi': ['b', 'bucket(4, id)', 'month(ts)', 'truncate(2, s)'],
};
const TABLES = Object.keys(PARTITIONED);

type Pred = (r: CanonicalRow) => boolean;
const num = (v: CanonicalValue | undefined): number | null =>
  v === null || v === undefined ? null : typeof v === 'number' ? v : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : Number(v);
const str = (v: CanonicalValue | undefined) => (v === null || v === undefined ? null : String(v));
/** Canonical dates/timestamps (4-digit years) order as text. */
const between = (c: string, lo: string, hi: string): Pred => (r) => {
  const v = str(r[c]);
  return v !== null && v >= lo && v < hi;
};

interface FilterCase {
  table: string;
  filter: string;
  where: Pred;
  /** The filter is on a partition source whose transform projects it: fewer files must be scanned. */
  prunes: boolean;
}

const FILTERS: FilterCase[] = [
  // identity
  { table: 'part.identity_s', filter: `s = '${STRINGS[3]}'`, where: (r) => r.s === STRINGS[3], prunes: true },
  { table: 'part.identity_i', filter: 'i = -1', where: (r) => r.i === -1, prunes: true },
  { table: 'part.identity_dt', filter: "dt = '1969-12-31'", where: (r) => r.dt === '1969-12-31', prunes: true },
  { table: 'part.identity_b', filter: 'b = true', where: (r) => r.b === true, prunes: true },
  { table: 'part.identity_dec9', filter: 'dec9 = 7.50', where: (r) => r.dec9 === '7.50', prunes: true },
  { table: 'part.identity_s', filter: 's IS NULL', where: (r) => r.s === null, prunes: true },
  // bucket
  { table: 'part.bucket_i', filter: 'i = -1', where: (r) => r.i === -1, prunes: true },
  { table: 'part.bucket_l', filter: 'l = 7', where: (r) => r.l === '7', prunes: true },
  { table: 'part.bucket_s', filter: `s = '${STRINGS[6]}'`, where: (r) => r.s === STRINGS[6], prunes: true },
  { table: 'part.bucket_u', filter: "u = 'e4da3b7f-bbce-2345-d777-2b0674a318d5'", where: (r) => r.u === 'e4da3b7f-bbce-2345-d777-2b0674a318d5', prunes: true },
  { table: 'part.bucket_u', filter: "u = 'ffffffff-ffff-ffff-ffff-ffffffffffff'", where: (r) => r.u === 'ffffffff-ffff-ffff-ffff-ffffffffffff', prunes: true },
  { table: 'part.bucket_dec9', filter: 'dec9 = 7.50', where: (r) => r.dec9 === '7.50', prunes: true },
  { table: 'part.bucket_dt', filter: "dt = '1969-05-22'", where: (r) => r.dt === '1969-05-22', prunes: true },
  { table: 'part.bucket_ts', filter: "ts = '1969-12-31T23:59:59.999999'", where: (r) => r.ts === '1969-12-31T23:59:59.999999', prunes: true },
  { table: 'part.bucket_tstz', filter: "tstz = '2021-03-04T13:06:07.123456+00:00'", where: (r) => r.tstz === '2021-03-04T13:06:07.123456Z', prunes: true },
  // truncate
  { table: 'part.truncate_s', filter: "s LIKE '0123%'", where: (r) => typeof r.s === 'string' && r.s.startsWith('0123'), prunes: true },
  { table: 'part.truncate_i', filter: 'i = -1', where: (r) => r.i === -1, prunes: true },
  { table: 'part.truncate_l', filter: 'l = 7', where: (r) => r.l === '7', prunes: true },
  { table: 'part.truncate_dec9', filter: 'dec9 = -3.75', where: (r) => r.dec9 === '-3.75', prunes: true },
  { table: 'part.truncate_dec9', filter: 'dec9 = -9999999.99', where: (r) => r.dec9 === '-9999999.99', prunes: true },
  // time transforms, before and after the epoch
  { table: 'part.day_ts', filter: "ts >= '1969-12-31T00:00:00' AND ts < '1970-01-01T00:00:00'", where: between('ts', '1969-12-31T00', '1970-01-01T00'), prunes: true },
  { table: 'part.hour_ts', filter: "ts >= '1969-12-31T23:00:00' AND ts < '1970-01-01T00:00:00'", where: between('ts', '1969-12-31T23', '1970-01-01T00'), prunes: true },
  { table: 'part.month_ts', filter: "ts >= '1969-12-01T00:00:00' AND ts < '1970-01-01T00:00:00'", where: between('ts', '1969-12-01', '1970-01-01'), prunes: true },
  { table: 'part.year_ts', filter: "ts < '1969-01-01T00:00:00'", where: between('ts', '0000', '1969-01-01'), prunes: true },
  { table: 'part.day_tstz', filter: "tstz >= '2024-01-01T00:00:00+00:00' AND tstz < '2024-01-02T00:00:00+00:00'", where: between('tstz', '2024-01-01T00', '2024-01-02T00'), prunes: true },
  { table: 'part.hour_tstz', filter: "tstz >= '1969-12-31T23:00:00+00:00' AND tstz < '1970-01-01T00:00:00+00:00'", where: between('tstz', '1969-12-31T23', '1970-01-01T00'), prunes: true },
  { table: 'part.month_tstz', filter: "tstz >= '2024-01-01T00:00:00+00:00'", where: between('tstz', '2024-01-01', '9999'), prunes: true },
  { table: 'part.year_tstz', filter: "tstz < '2000-01-01T00:00:00+00:00'", where: between('tstz', '0000', '2000-01-01'), prunes: true },
  { table: 'part.day_dt', filter: "dt < '1969-01-01'", where: between('dt', '0000', '1969-01-01'), prunes: true },
  { table: 'part.month_dt', filter: "dt >= '1969-12-01' AND dt < '1970-02-01'", where: between('dt', '1969-12-01', '1970-02-01'), prunes: true },
  { table: 'part.year_dt', filter: "dt < '1900-01-01'", where: between('dt', '0000', '1900-01-01'), prunes: true },
  // void keeps every file; several fields at once
  { table: 'part.void_s', filter: "s = 'a'", where: (r) => r.s === 'a', prunes: false },
  { table: 'part.multi', filter: 'b = false AND id = 4', where: (r) => r.b === false && r.id === 4, prunes: true },
  // column bounds (metrics) on a table bucketed by id: a bound that excludes a live value loses rows
  { table: 'part.bucket_id', filter: `s = '${STRINGS[4]}'`, where: (r) => r.s === STRINGS[4], prunes: false },
  { table: 'part.bucket_id', filter: `s = '${STRINGS[5]}'`, where: (r) => r.s === STRINGS[5], prunes: false },
  { table: 'part.bucket_id', filter: "s >= 'zzzz'", where: (r) => typeof r.s === 'string' && compareUtf8(r.s, 'zzzz') >= 0, prunes: false },
  { table: 'part.bucket_id', filter: "u >= '80000000-0000-0000-0000-000000000000'", where: (r) => typeof r.u === 'string' && r.u >= '80000000-0000-0000-0000-000000000000', prunes: false },
  { table: 'part.bucket_id', filter: "u <= '7fffffff-ffff-ffff-ffff-ffffffffffff'", where: (r) => typeof r.u === 'string' && r.u <= '7fffffff-ffff-ffff-ffff-ffffffffffff', prunes: false },
  // (PyIceberg's filter parser takes no exponents: 1e24 and -1e30 written out)
  { table: 'part.bucket_id', filter: 'd > 1000000000000000000000000.0', where: (r) => (num(r.d) ?? NaN) > 1e24, prunes: false },
  { table: 'part.bucket_id', filter: 'f < -1000000000000000000000000000000.0', where: (r) => (num(r.f) ?? NaN) < -1e30, prunes: false },
  { table: 'part.bucket_id', filter: 'dec38 > 100000000', where: (r) => r.dec38 !== null && Number(r.dec38) > 1e8, prunes: false },
  { table: 'part.bucket_id', filter: "dt < '1900-03-01'", where: between('dt', '0000', '1900-03-01'), prunes: false },
  { table: 'part.bucket_id', filter: "ts < '1900-01-02T00:00:00'", where: between('ts', '0000', '1900-01-02'), prunes: false },
  { table: 'part.bucket_id', filter: 'l = -9223372036854775808', where: (r) => r.l === '-9223372036854775808', prunes: false },
];

let project: FloeProject;
let loaded = new Map<string, LoadedTable | Error>();
let py: (key: string) => Promise<PyIcebergReadResult>;
let spark: () => Promise<{ reads: Record<string, SparkTableRead>; checks: Record<string, SparkSqlResult | null> }>;

const table = (name: string): LoadedTable => loadedOrThrow(loaded, name);
const filterKey = (f: FilterCase) => `${f.table}?${f.filter}`;

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('partitions');
  const prim = join(project.inputs, 'prim.parquet');
  await writeParquet(prim, primSql());
  loaded = await loadAll(project, TABLES.map((t) => ({ table: t, partitionBy: PARTITIONED[t], steps: [{ files: [prim] }] })));
  // Only tables floe loaded go to the oracles: a missing table would fail the whole Spark batch.
  const ok = loadedTables(loaded);

  // Spark: one JVM reads every table and checks every partition value, in the background.
  const readable = TABLES.filter((t) => ok.includes(t));
  const ops: SparkOp[] = readable.map((t) => ({ op: 'read', table: t, with_rows: true }));
  const checked: string[] = [];
  for (const t of readable) {
    const sql = sparkPartitionCheckSql(project.catalogName, table(t));
    if (sql) {
      checked.push(t);
      ops.push({ op: 'sql', sql });
    }
  }
  spark = deferred(async () => {
    const r = await sparkBatch({ ...project.catalog, ops, timeoutMs: SPARK_TIMEOUT - 60_000 });
    const reads: Record<string, SparkTableRead> = {};
    readable.forEach((t, i) => (reads[t] = r.results[i] as SparkTableRead));
    const checks: Record<string, SparkSqlResult | null> = {};
    checked.forEach((t, i) => (checks[t] = r.results[readable.length + i] as SparkSqlResult));
    return { reads, checks };
  });

  // PyIceberg: full reads, then filtered reads, two at a time.
  const reads = new Map<string, { table: string; filter?: string }>();
  for (const t of readable) reads.set(t, { table: t });
  for (const f of FILTERS) if (ok.includes(f.table)) reads.set(filterKey(f), { table: f.table, filter: f.filter });
  const keys = [...reads.keys()];
  const all = deferred(() =>
    mapLimit(keys, 2, (k) =>
      pyicebergRead({ ...project.catalog, ...reads.get(k)!, timeoutMs: 240_000 }).then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
    ),
  );
  py = async (key) => {
    const i = keys.indexOf(key);
    if (i < 0) throw new Error(`no PyIceberg read ${key}`);
    const res = (await all())[i]!;
    if (!res.ok) throw res.e;
    return res.r;
  };
}, 1_200_000);

afterAll(async () => {
  await Promise.allSettled([spark?.(), py?.(loadedTables(loaded)[0] ?? '')]);
  project?.remove();
}, SPARK_TIMEOUT);

describe('floe writes partitioned tables, floe reads back the input rows', () => {
  for (const t of TABLES) {
    it(`${t} [${PARTITIONED[t]!.join(', ')}]: floe query returns exactly the input rows`, () => {
      const x = table(t);
      expect(x.rows.length).toBe(PRIM_ROWS);
      expect(x.partition.map((f) => f.transform).length).toBe(PARTITIONED[t]!.length);
      expectSameRows(t, x.inputRows, x.rows, 'floe query');
    });
  }
});

describe('floe refuses what Iceberg cannot store', () => {
  it('truncate(50, dec9) of -9999999.99 (→ -10000000.00, outside decimal(9, 2)) fails and commits nothing', async () => {
    // Iceberg Java 1.10.1 refuses the same write in Spark ("Cannot write value as decimal(9,2),
    // too large: -10000000.00" from its Avro manifest writer): the spec's truncate result type
    // is the source's decimal(9, 2), which cannot hold it.
    const file = join(project.inputs, 'dec9-min.parquet');
    await writeParquet(file, "SELECT 1::INTEGER AS id, CAST('-9999999.99' AS DECIMAL(9,2)) AS dec9");
    const r = await project.run(['load', 'part.truncate50_dec9_min', file, '--partition-by', 'truncate(50, dec9)']);
    expect(r.code, `floe load exited ${r.code}: ${r.stderr}`).not.toBe(0);
    const tables = await project.run(['tables', 'part', '--json']);
    if (tables.stdout.includes('truncate50_dec9_min')) {
      const snaps = await project.snapshots('part.truncate50_dec9_min');
      expect(snaps, 'a failed first load left a snapshot').toEqual([]);
    }
  });


  it('hour(dt) on a date column fails and creates no table', async () => {
    const prim = join(project.inputs, 'prim.parquet');
    const r = await project.run(['load', 'part.hour_dt', prim, '--partition-by', 'hour(dt)']);
    expect(r.code, `floe load --partition-by hour(dt) exited ${r.code}: ${r.stderr}`).not.toBe(0);
    expect(r.stderr).toMatch(/hour/i);
    const tables = await project.run(['tables', 'part', '--json']);
    expect(tables.code).toBe(0);
    expect(tables.stdout).not.toContain('hour_dt');
  });
});

describe('PyIceberg reads floe\'s partitioned tables', () => {
  for (const t of TABLES) {
    it(`${t} [${PARTITIONED[t]!.join(', ')}]: schema, count, checksums and every row equal floe's`, async () => {
      const x = table(t);
      const r = await py(t);
      expect(r.snapshot_id).toBe(String(x.described.metadata['current-snapshot-id']));
      expectPyIcebergMatches(t, x, r);
    }, PY_TIMEOUT);
  }

  for (const f of FILTERS) {
    it(`${f.table}: filter ${f.filter} returns exactly the matching rows${f.prunes ? ', scanning fewer files' : ''}`, async () => {
      const x = table(f.table);
      const want = x.rows.filter(f.where);
      expect(want.length, `the data set has rows matching ${f.filter}`).toBeGreaterThan(0);
      const r = await py(filterKey(f));
      expectSameRows(`${f.table} where ${f.filter}`, want, r.rows, 'PyIceberg (filtered)');
      const full = await py(f.table);
      if (f.prunes) {
        expect(r.files_scanned, `files scanned with the filter vs ${full.files_scanned} without`).toBeLessThan(full.files_scanned);
      } else {
        expect(r.files_scanned).toBeLessThanOrEqual(full.files_scanned);
      }
    }, PY_TIMEOUT);
  }
});

describe('Spark reads floe\'s partitioned tables', () => {
  for (const t of TABLES) {
    it(`${t} [${PARTITIONED[t]!.join(', ')}]: count, per-column checksums and every row equal floe's`, async () => {
      const x = table(t);
      const r = (await spark()).reads[t]!;
      expect(r.snapshot_id).toBe(String(x.described.metadata['current-snapshot-id']));
      expectSparkMatches(t, x, x.rows, r);
    }, SPARK_TIMEOUT);
  }

  for (const t of TABLES) {
    const uuidBucketOnly = PARTITIONED[t]!.every((e) => /^bucket\(\d+, u\)$/.test(e));
    if (uuidBucketOnly) continue; // Spark cannot compute a uuid bucket; PyIceberg's pruning covers it above
    it(`${t} [${PARTITIONED[t]!.join(', ')}]: every stored partition value equals Iceberg Java's transform`, async () => {
      table(t);
      const r = (await spark()).checks[t];
      expect(r, `${t}: no partition check ran`).toBeTruthy();
      expect(r!.rows, `${t}: rows whose _partition differs from Java's transform (columns ${r!.columns.join(', ')})`).toEqual([]);
    }, SPARK_TIMEOUT);
  }
});
