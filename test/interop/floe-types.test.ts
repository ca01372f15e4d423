/**
 * Interop matrix, part 1: the types. floe loads DuckDB-written Parquet into Iceberg tables;
 * PyIceberg (SqlCatalog on floe's catalog) and Spark (JdbcCatalog, Iceberg 1.10) must read
 * exactly floe's rows.
 *
 *   ns.prim        every primitive floe load produces except time, NULLs, edges, -0.0; unpartitioned
 *   ns.prim_time   time (PyIceberg only: Spark 3.5 has no TIME type, Iceberg's Spark
 *                  reader refuses the table with "Spark does not support time fields")
 *   ns.nested      struct, list<struct>, map<string,long>, list<int>; NULL/empty at each level
 *   ns.nested_part nested, partitioned by identity on a struct field (st.a)
 *   ns.history     three appends then an overwrite, partitioned by month(ts) and k; time travel
 *   ns.decimal_limits  decimal(38,10) and decimal(38,0) at ±(10^38 - 1) units; Spark compares it
 *                  through CAST(... AS STRING) (see inputs.ts decimalLimitsSql on the oracle's
 *                  28-digit decimal context)
 *
 * fixed[L] is not covered: `floe load` cannot produce it. DuckDB reads a Parquet
 * FIXED_LEN_BYTE_ARRAY without logical type as BLOB, so the column becomes Iceberg binary
 * (src/engine/types.ts). Writing into a fixed[L] column of another tool's table is
 * oracle-review-fixed.test.ts.
 *
 * Comparison: rows are compared exactly (canonical encoding, matched by id, per column), and
 * the oracles' per-column checksums and counts are compared with checksums recomputed from
 * floe's rows. One Spark launch for the file; PyIceberg reads run while Spark works.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CanonicalRow,
  type PyIcebergReadResult,
  type SparkOp,
  type SparkSqlResult,
  type SparkTableRead,
  assertProvisioned,
  decimalString,
  pyicebergRead,
  sparkBatch,
} from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, deferred, mapLimit } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';
import { decimalLimitsSql, historySql, nestedSql, primSql, signedZeroSql, timeSql, writeParquet } from './helpers/inputs.js';
import {
  type LoadedTable,
  type TableCase,
  expectPyIcebergMatches,
  expectSameRows,
  expectSparkMatches,
  floeRows,
  inputRows,
  liveFiles,
  loadAll,
  loadedOrThrow,
  loadedTables,
  sparkIdent,
  sparkPartitionCheckSql,
} from './helpers/matrix.js';

const SPARK_TIMEOUT = 900_000;
const PY_TIMEOUT = 300_000;

let project: FloeProject;
let loaded = new Map<string, LoadedTable | Error>();
const cases = new Map<string, TableCase>();
let history: { snapshots: SnapshotInfo[]; rowsAt: CanonicalRow[][]; inputAt: CanonicalRow[][] };
let py: (key: string) => Promise<PyIcebergReadResult>;
let spark: () => Promise<{
  reads: Record<string, SparkTableRead>;
  partitionChecks: Record<string, SparkSqlResult>;
  decimalLimits: SparkSqlResult;
}>;

const ALL_TABLES = ['ns.prim', 'ns.prim_time', 'ns.nested', 'ns.nested_part', 'ns.history', 'ns.decimal_limits'];
const SPARK_TABLES = ['ns.prim', 'ns.nested', 'ns.nested_part', 'ns.history'];

/** PyIceberg reads: key → options. */
const pyReads = new Map<string, { table: string; filter?: string; snapshotId?: string }>();

const table = (name: string): LoadedTable => loadedOrThrow(loaded, name);

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('types');
  const f = (name: string) => join(project.inputs, name);
  await writeParquet(f('prim.parquet'), primSql());
  await writeParquet(f('signed-zero.parquet'), signedZeroSql());
  await writeParquet(f('time.parquet'), timeSql());
  await writeParquet(f('nested.parquet'), nestedSql());
  await writeParquet(f('decimal-limits.parquet'), decimalLimitsSql());
  const batches: [number, number][] = [[1, 10], [11, 20], [21, 30], [101, 106]];
  for (const [i, ids] of batches.entries()) await writeParquet(f(`history-${i + 1}.parquet`), historySql(i + 1, ids));

  const all: TableCase[] = [
    { table: 'ns.prim', steps: [{ files: [f('prim.parquet'), f('signed-zero.parquet')] }] },
    { table: 'ns.prim_time', steps: [{ files: [f('time.parquet')] }] },
    { table: 'ns.nested', steps: [{ files: [f('nested.parquet')] }] },
    { table: 'ns.decimal_limits', steps: [{ files: [f('decimal-limits.parquet')] }] },
    { table: 'ns.nested_part', partitionBy: ['st.a'], steps: [{ files: [f('nested.parquet')] }] },
    {
      table: 'ns.history',
      partitionBy: ['month(ts)', 'k'],
      steps: [
        { files: [f('history-1.parquet')] },
        { files: [f('history-2.parquet')], mode: 'append' },
        { files: [f('history-3.parquet')], mode: 'append' },
        { files: [f('history-4.parquet')], mode: 'overwrite' },
      ],
    },
  ];
  loaded = await loadAll(project, all);
  for (const c of all) cases.set(c.table, c);
  // Only tables floe loaded go to the oracles: a missing table would fail the whole Spark batch.
  const ok = loadedTables(loaded);
  const sparkTables = SPARK_TABLES.filter((t) => ok.includes(t));

  let snapshots: SnapshotInfo[] = [];
  if (ok.includes('ns.history')) {
    const h = table('ns.history');
    snapshots = await project.snapshots('ns.history');
    history = {
      snapshots,
      rowsAt: await mapLimit(snapshots, 2, (s) => floeRows(project, 'ns.history', h.fields, s['snapshot-id'])),
      inputAt: await mapLimit(snapshots, 2, (_, i) => inputRows(project, liveFiles(cases.get('ns.history')!, i), h.fields)),
    };
  }

  // Spark: one JVM for every read of this file, started now, awaited by the Spark tests.
  const ops: SparkOp[] = sparkTables.map((t) => ({ op: 'read', table: t, with_rows: true }));
  for (const s of snapshots) ops.push({ op: 'read', table: 'ns.history', snapshot_id: s['snapshot-id'], with_rows: true });
  const checks: string[] = [];
  for (const t of sparkTables) {
    const sql = sparkPartitionCheckSql(project.catalogName, table(t));
    if (sql) {
      checks.push(t);
      ops.push({ op: 'sql', sql });
    }
  }
  // Decimals past 28 digits: as text, which the oracle's canonical encoding passes through.
  const withLimits = ok.includes('ns.decimal_limits');
  if (withLimits) {
    ops.push({
      op: 'sql',
      sql: `SELECT CAST(id AS STRING) AS id, CAST(dec38 AS STRING) AS dec38, CAST(dec38_0 AS STRING) AS dec38_0 FROM ${sparkIdent(project.catalogName, 'ns.decimal_limits')}`,
    });
  }
  spark = deferred(async () => {
    const r = await sparkBatch({ ...project.catalog, ops, timeoutMs: SPARK_TIMEOUT - 60_000 });
    const reads: Record<string, SparkTableRead> = {};
    sparkTables.forEach((t, i) => (reads[t] = r.results[i] as SparkTableRead));
    snapshots.forEach((s, i) => (reads[`ns.history@${s['snapshot-id']}`] = r.results[sparkTables.length + i] as SparkTableRead));
    const partitionChecks: Record<string, SparkSqlResult> = {};
    checks.forEach((t, i) => (partitionChecks[t] = r.results[sparkTables.length + snapshots.length + i] as SparkSqlResult));
    const decimalLimits = withLimits ? (r.results.at(-1) as SparkSqlResult) : { sql: '', columns: [], rows: [] };
    return { reads, partitionChecks, decimalLimits };
  });

  // PyIceberg: every read started now, two at a time, while Spark runs.
  for (const t of ALL_TABLES) if (ok.includes(t)) pyReads.set(t, { table: t });
  for (const s of snapshots) pyReads.set(`ns.history@${s['snapshot-id']}`, { table: 'ns.history', snapshotId: s['snapshot-id'] });
  if (ok.includes('ns.history')) pyReads.set('ns.history?k', { table: 'ns.history', filter: "k = 'k1'" });
  if (ok.includes('ns.nested_part')) pyReads.set('ns.nested_part?st.a', { table: 'ns.nested_part', filter: 'st.a = 5' });
  const keys = [...pyReads.keys()];
  const all$ = deferred(() =>
    mapLimit(keys, 2, (k) => pyicebergRead({ ...project.catalog, ...pyReads.get(k)!, timeoutMs: PY_TIMEOUT - 30_000 }).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    )),
  );
  py = async (key) => {
    const i = keys.indexOf(key);
    if (i < 0) throw new Error(`no PyIceberg read ${key}`);
    const res = (await all$())[i]!;
    if (!res.ok) throw res.e;
    return res.r;
  };
}, 1_200_000);

afterAll(async () => {
  // Let the background oracles finish before the folder goes.
  await Promise.allSettled([spark?.(), py?.(loadedTables(loaded)[0] ?? '')]);
  project?.remove();
}, SPARK_TIMEOUT);


describe('floe writes, floe reads back the input rows', () => {
  for (const t of ALL_TABLES) {
    it(`${t}: floe query returns exactly the input rows`, () => {
      const x = table(t);
      expectSameRows(t, x.inputRows, x.rows, 'floe query');
    });
  }

  it('ns.history: four snapshots, append ×3 then overwrite, each parented on the previous', () => {
    table('ns.history');
    const ops = history.snapshots.map((s) => s.summary.operation);
    expect(ops).toEqual(['append', 'append', 'append', 'overwrite']);
    for (let i = 1; i < history.snapshots.length; i++) {
      expect(history.snapshots[i]!['parent-snapshot-id'], `snapshot ${i} parent`).toBe(history.snapshots[i - 1]!['snapshot-id']);
    }
    expect(history.snapshots.map((s) => s.summary['total-records'])).toEqual(['10', '20', '30', '6']);
    expect(history.snapshots.at(-1)!.refs).toEqual(['main']);
  });

  it('ns.history: floe query --snapshot reads each snapshot as the cumulative input', () => {
    table('ns.history');
    history.snapshots.forEach((s, i) => expectSameRows(`ns.history@${s['snapshot-id']} (step ${i + 1})`, history.inputAt[i]!, history.rowsAt[i]!, 'floe query --snapshot'));
  });
});

describe('PyIceberg (SqlCatalog on floe\'s catalog) reads floe\'s tables', () => {
  for (const t of ALL_TABLES) {
    it(`${t}: schema, count, per-column checksums and every row equal floe's`, async () => {
      const x = table(t);
      const r = await py(t);
      expect(r.snapshot_id, `${t}: PyIceberg read another snapshot`).toBe(String(x.described.metadata['current-snapshot-id']));
      expectPyIcebergMatches(t, x, r);
    }, PY_TIMEOUT);
  }

  it('ns.history: PyIceberg time travel to every snapshot equals floe query --snapshot', async () => {
    table('ns.history');
    for (const [i, s] of history.snapshots.entries()) {
      const r = await py(`ns.history@${s['snapshot-id']}`);
      expect(r.snapshot_id).toBe(s['snapshot-id']);
      expectSameRows(`ns.history@${s['snapshot-id']} (step ${i + 1})`, history.rowsAt[i]!, r.rows, 'PyIceberg');
    }
  }, PY_TIMEOUT);

  it("ns.history: PyIceberg filter k = 'k1' (identity partition) returns exactly those rows, pruning files", async () => {
    const x = table('ns.history');
    const full = await py('ns.history');
    const r = await py('ns.history?k');
    expectSameRows("ns.history k = 'k1'", x.rows.filter((row) => row.k === 'k1'), r.rows, 'PyIceberg (filtered)');
    expect(r.files_scanned, `files scanned with the filter (${r.files_scanned}) vs without (${full.files_scanned})`).toBeLessThan(full.files_scanned);
  }, PY_TIMEOUT);

  it('ns.nested_part: PyIceberg filter st.a = 5 (identity on a struct field) returns exactly those rows, pruning files', async () => {
    const x = table('ns.nested_part');
    const full = await py('ns.nested_part');
    const r = await py('ns.nested_part?st.a');
    const want = x.rows.filter((row) => (row.st as Record<string, unknown> | null)?.a === 5);
    expect(want.length).toBe(1);
    expectSameRows('ns.nested_part st.a = 5', want, r.rows, 'PyIceberg (filtered)');
    expect(r.files_scanned).toBeLessThan(full.files_scanned);
  }, PY_TIMEOUT);
});

describe('Spark (Iceberg JdbcCatalog on floe\'s catalog) reads floe\'s tables', () => {
  for (const t of SPARK_TABLES) {
    it(`${t}: count, per-column checksums and every row equal floe's`, async () => {
      const x = table(t);
      const r = (await spark()).reads[t]!;
      expect(r.snapshot_id, `${t}: Spark read another snapshot`).toBe(String(x.described.metadata['current-snapshot-id']));
      expectSparkMatches(t, x, x.rows, r);
    }, SPARK_TIMEOUT);
  }

  it('ns.history: Spark time travel to every snapshot equals floe query --snapshot', async () => {
    table('ns.history');
    const { reads } = await spark();
    for (const [i, s] of history.snapshots.entries()) {
      const r = reads[`ns.history@${s['snapshot-id']}`]!;
      expectSparkMatches(`ns.history@${s['snapshot-id']} (step ${i + 1})`, table('ns.history'), history.rowsAt[i]!, r);
    }
  }, SPARK_TIMEOUT);

  it('ns.decimal_limits: Spark reads decimal(38,10) and decimal(38,0) at their limits as floe does', async () => {
    const x = table('ns.decimal_limits');
    const r = (await spark()).decimalLimits;
    const sparkRows: CanonicalRow[] = r.rows.map((row) => ({
      id: Number(row.id),
      dec38: row.dec38 === null ? null : decimalString(String(row.dec38), 10),
      dec38_0: row.dec38_0 === null ? null : decimalString(String(row.dec38_0), 0),
    }));
    expect(x.rows.length).toBe(5);
    expectSameRows('ns.decimal_limits', x.rows, sparkRows, 'Spark');
  }, SPARK_TIMEOUT);

  for (const t of ['ns.nested_part', 'ns.history']) {
    it(`${t}: every stored partition value equals Iceberg Java's transform of the row`, async () => {
      table(t);
      const r = (await spark()).partitionChecks[t];
      expect(r, `${t}: no partition check ran`).toBeDefined();
      expect(r!.rows, `${t}: rows whose _partition differs from Java's transform (columns ${r!.columns.join(', ')})`).toEqual([]);
    }, SPARK_TIMEOUT);
  }
});
