/**
 * Partitioned writes: every file holds rows of exactly one partition tuple, and the tuple in
 * DataFile.partition is exact. Checked two ways: DuckDB recomputing the transforms over each
 * written file, and the pure JS transforms (src/iceberg/transforms) over rows read back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/sql.js';
import { transformSql } from '../../src/engine/transform-sql.js';
import { icebergValueOf } from '../../src/engine/types.js';
import { registerFloeFunctions } from '../../src/engine/udf.js';
import { type PartitionColumn, type WrittenFile, writeDataFiles } from '../../src/engine/write-parquet.js';
import { bindTransform, resultType } from '../../src/iceberg/transforms/index.js';
import type { NestedField, PrimitiveType, Schema } from '../../src/iceberg/types.js';
import { one, useEngine, useTmp } from './helpers.js';

const f = (id: number, name: string, type: PrimitiveType): NestedField => ({ id, name, required: false, type });

const SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: [f(1, 'id', 'long'), f(2, 'region', 'string'), f(3, 'ts', 'timestamptz'), f(4, 'amount', 'decimal(10, 2)')],
};

type Spec = [transform: string, source: string][];

function partitionColumns(schema: Schema, spec: Spec): PartitionColumn[] {
  return spec.map(([transform, source]) => {
    const type = schema.fields.find((x) => x.name === source)!.type as PrimitiveType;
    return { name: `${source}_${transform}`, sql: transformSql(transform, type, quoteIdent(source)), type: resultType(transform, type) };
  });
}

/** Asserts that every row of every file maps to the file's partition tuple; returns rows per tuple. */
async function checkFiles(engine: Engine, files: WrittenFile[], schema: Schema, spec: Spec): Promise<Map<string, bigint>> {
  const cols = partitionColumns(schema, spec);
  const perTuple = new Map<string, bigint>();
  for (const file of files) {
    const path = quoteLiteral(file.localPath);
    // DuckDB: one distinct tuple per file, equal to the recorded one.
    const tuples = await engine.all(
      `SELECT DISTINCT ${cols.map((c, i) => `${c.sql} AS p${i}`).join(', ')} FROM read_parquet(${path})`, 'recompute');
    expect(tuples).toHaveLength(1);
    expect(cols.map((c, i) => icebergValueOf(c.type, tuples[0]![`p${i}`] ?? null))).toEqual(file.dataFile.partition);
    // JS transforms over rows read back, independent of the SQL above.
    const rows = await engine.all(`SELECT ${spec.map(([, s]) => quoteIdent(s)).join(', ')} FROM read_parquet(${path}) LIMIT 25`, 'sample');
    for (const row of rows) {
      const tuple = spec.map(([transform, source]) => {
        const type = schema.fields.find((x) => x.name === source)!.type as PrimitiveType;
        return bindTransform(transform, type)(icebergValueOf(type, row[source] ?? null));
      });
      expect(tuple).toEqual(file.dataFile.partition);
    }
    const key = JSON.stringify(file.dataFile.partition, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    perTuple.set(key, (perTuple.get(key) ?? 0n) + file.dataFile.record_count);
    const n = await one(engine, `SELECT count(*) AS n FROM read_parquet(${path})`);
    expect(n.n).toBe(file.dataFile.record_count);
  }
  return perTuple;
}

const ROWS = `
  SELECT i AS id, CASE i % 3 WHEN 0 THEN 'EU' WHEN 1 THEN 'US' END AS region,
         TIMESTAMPTZ '2024-01-31 23:00:00+00' + to_seconds(i * 60) AS ts, (i % 1000) / 100 AS amount
  FROM range(30000) t(i)`;

describe('writeDataFiles with a partition spec', () => {
  const engine = useEngine();
  const tmp = useTmp();
  beforeAll(() => registerFloeFunctions(engine().connection));
  const spec: Spec = [['identity', 'region'], ['bucket[2]', 'id']];

  it('rolls several files per partition when the target is small', async () => {
    const dir = await tmp();
    const files = await writeDataFiles({
      engine: engine(), selectSql: ROWS, schema: SCHEMA, partition: partitionColumns(SCHEMA, spec),
      targetFileSizeBytes: 1, rowGroupSize: 2048, outputDir: dir, fileNamePrefix: 'small',
    });
    const perTuple = await checkFiles(engine(), files, SCHEMA, spec);
    // 3 regions (one NULL) × 2 buckets of about 5000 rows; with a 1-byte target every row
    // group closes a file. ROW_GROUP_SIZE is a soft threshold over filtered scans (groups of
    // up to ~3700 rows were seen), so only "more than one file per partition" is asserted.
    expect(perTuple.size).toBe(6);
    expect([...perTuple.values()].reduce((a, b) => a + b)).toBe(30000n);
    for (const [tuple, n] of perTuple) {
      const inTuple = files.filter((x) => JSON.stringify(x.dataFile.partition) === tuple);
      expect(inTuple.length, tuple).toBeGreaterThan(1);
      expect(inTuple.reduce((a, x) => a + x.dataFile.record_count, 0n)).toBe(n);
    }
    expect(new Set(files.map((x) => x.dataFile.partition[0]))).toEqual(new Set(['EU', 'US', null]));
    expect(new Set(files.map((x) => x.dataFile.partition[1]))).toEqual(new Set([0, 1]));
  });

  it('writes one file per partition in a single pass when partitions are small', async () => {
    const dir = await tmp();
    const files = await writeDataFiles({
      engine: engine(), selectSql: ROWS, schema: SCHEMA, partition: partitionColumns(SCHEMA, spec),
      targetFileSizeBytes: 128 << 20, outputDir: dir, fileNamePrefix: 'big',
    });
    const perTuple = await checkFiles(engine(), files, SCHEMA, spec);
    expect(files).toHaveLength(6);
    expect(perTuple.size).toBe(6);
    for (const x of files) {
      // region is the identity source: its bounds are the partition value itself.
      const region = x.dataFile.partition[0];
      expect(x.dataFile.upper_bounds!.get(2) && Buffer.from(x.dataFile.upper_bounds!.get(2)!).toString()).toBe(region ?? undefined);
      expect(x.dataFile.null_value_counts!.get(2)).toBe(region === null ? x.dataFile.record_count : 0n);
    }
  });

  it('mixes both strategies: a large partition rolls, small ones share one COPY', async () => {
    const dir = await tmp();
    const monthSpec: Spec = [['month', 'ts'], ['identity', 'region']];
    const files = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT id, CASE WHEN id < 30000 THEN 'BIG' ELSE 'small' || (id % 5) END AS region, ts, amount
                  FROM (${ROWS} UNION ALL SELECT 30000 + i, NULL, TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', NULL FROM range(40) t(i))`,
      schema: SCHEMA, partition: partitionColumns(SCHEMA, monthSpec),
      targetFileSizeBytes: 40_000, rowGroupSize: 2048, outputDir: dir, fileNamePrefix: 'mixed',
    });
    const perTuple = await checkFiles(engine(), files, SCHEMA, monthSpec);
    // BIG spans two months (Jan, Feb 2024 = months 648, 649); the small ones sit at month -1.
    expect(perTuple.get('[648,"BIG"]')).toBe(60n);
    expect(perTuple.get('[649,"BIG"]')).toBe(29940n);
    expect(files.filter((x) => x.dataFile.partition[1] === 'BIG' && x.dataFile.partition[0] === 649).length).toBeGreaterThan(1);
    for (let k = 0; k < 5; k++) {
      expect(perTuple.get(`[-1,"small${k}"]`)).toBe(8n);
      expect(files.filter((x) => x.dataFile.partition[1] === `small${k}`)).toHaveLength(1);
    }
    expect(files.map((x) => x.localPath.slice(dir.length + 1))).toEqual(files.map((_, i) => `mixed-${String(i).padStart(5, '0')}.parquet`));
  });

  it('reads partition values back exactly, whatever their type', async () => {
    const dir = await tmp();
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [f(1, 'ts', 'timestamptz'), f(2, 'd', 'decimal(38, 10)'), f(3, 'dt', 'date'), f(4, 'l', 'long'), f(5, 'b', 'binary'), f(6, 'x', 'int')],
    };
    const exact: Spec = [['identity', 'ts'], ['identity', 'd'], ['identity', 'dt'], ['identity', 'l'], ['identity', 'b'],
      ['day', 'ts'], ['hour', 'ts'], ['truncate[4]', 'd'], ['void', 'x']];
    const files = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT TIMESTAMPTZ '1969-12-31 23:59:59.999999+00' AS ts, '-12345678901234567890.0123456789'::DECIMAL(38,10) AS d,
                         DATE '0044-03-15 (BC)' AS dt, 9223372036854775807 AS l, '\\x00\\xFF'::BLOB AS b, 5 AS x`,
      schema, partition: partitionColumns(schema, exact), targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'exact',
    });
    expect(files).toHaveLength(1);
    expect(files[0]!.dataFile.partition).toEqual([
      -1n, -123456789012345678900123456789n, -735160 /* 15 March 44 BC, proleptic Gregorian */, 9223372036854775807n, Uint8Array.of(0, 255), -1, -1,
      -123456789012345678900123456792n, null,
    ]);
    await checkFiles(engine(), files, schema, exact);
  });

  it('keeps every partition file sorted by the sort order', async () => {
    const dir = await tmp();
    const files = await writeDataFiles({
      engine: engine(), selectSql: ROWS, schema: SCHEMA, partition: partitionColumns(SCHEMA, spec),
      targetFileSizeBytes: 128 << 20, outputDir: dir, fileNamePrefix: 'sorted', orderBy: 'amount DESC, id',
    });
    for (const x of files) {
      const r = await one(engine(),
        `SELECT count(*) FILTER (WHERE prev_amount < amount OR (prev_amount = amount AND prev_id > id)) AS bad
         FROM (SELECT amount, id, lag(amount) OVER w AS prev_amount, lag(id) OVER w AS prev_id
               FROM read_parquet(${quoteLiteral(x.localPath)}, file_row_number = true) WINDOW w AS (ORDER BY file_row_number))`);
      expect(r.bad).toBe(0n);
    }
  });

  it('counts NaN per file when several files carry NaNs', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 'k', 'int'), f(2, 'v', 'double'), f(3, 'w', 'float')] };
    const files = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT i % 4 AS k, CASE WHEN i % (2 + i % 4) = 0 THEN 'NaN'::DOUBLE ELSE i END AS v,
                         CASE WHEN i % 4 = 3 THEN 'NaN'::FLOAT END AS w FROM range(400) t(i)`,
      schema, partition: partitionColumns(schema, [['identity', 'k']]), targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'nan',
    });
    expect(files).toHaveLength(4);
    for (const x of files) {
      const r = await one(engine(),
        `SELECT count(*) FILTER (WHERE isnan(v)) AS v, count(*) FILTER (WHERE isnan(w)) AS w FROM read_parquet(${quoteLiteral(x.localPath)})`);
      expect(x.dataFile.nan_value_counts).toEqual(new Map([[2, r.v], [3, r.w]]));
    }
    expect(files.map((x) => x.dataFile.nan_value_counts!.get(3))).toEqual([0n, 0n, 0n, 100n]);
  });

  it('writes nothing for an empty partitioned query', async () => {
    const dir = await tmp();
    const files = await writeDataFiles({
      engine: engine(), selectSql: `${ROWS} LIMIT 0`, schema: SCHEMA, partition: partitionColumns(SCHEMA, spec),
      targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'none',
    });
    expect(files).toEqual([]);
    const tables = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__floe_%'`, 'list');
    expect(tables).toEqual([]);
  });
});
