/**
 * Interop of partition and schema evolution on a format v1 table, through the CLI. floe
 * creates a v1 table partitioned by day(ts) and region, then:
 *
 *   1. drops day(ts) (v1: it stays as a void field), adds bucket(4, id), renames region → area
 *      (the identity field keeps its name and id), widens qty int → long, sorts by id desc;
 *   2. adds day(ts) back: in v1 a new field id (Java's rule), and the void field whose name it
 *      takes is renamed ts_day_1000;
 *
 * with a load in each of the three specs, the last one by `floe run` of a pipeline. Then
 * PyIceberg and Spark 3.5 / Iceberg 1.10.1 read the table: the same field ids, specs, sort
 * order and rows; every file's stored partition values equal what Iceberg Java's transform
 * functions compute, spec by spec; Spark appends into the v1 spec, and floe reads its rows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NestedField } from '../../src/iceberg/types.js';
import { type CanonicalRow, type PyIcebergReadResult, type SparkAppendResult, type SparkSqlResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, assertBuilt, currentFields, type Described } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, expectSameSchema, floeRows, sparkIdent } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.evo_v1';
const SPARK_TIMEOUT = 900_000;

const SPARK_ROWS: CanonicalRow[] = [
  { id: 9001, qty: 6000000000, ts: '2024-07-07T07:07:07.000000', area: 'apac' },
  { id: 9002, qty: null, ts: null, area: null },
];

let project: FloeProject;
let described: Described;
let fields: NestedField[];
let rows: CanonicalRow[];
let py: PyIcebergReadResult;
let spark: { before: SparkTableRead; mismatches: SparkSqlResult[]; specs: SparkSqlResult; appended: SparkAppendResult; after: SparkTableRead };
let afterSpark: CanonicalRow[];

type Spec = { 'spec-id': number; fields: { name: string; transform: string; 'source-id': number; 'field-id': number }[] };

/**
 * Rows of spec `spec` whose stored partition value differs from Iceberg Java's transform of the
 * row. Spark's `_partition` is the union of every spec's fields by field id, each named as the
 * latest spec that has it names it (Iceberg Java's Partitioning.partitionType): field 1000 is
 * `ts_day_1000` there, and `ts_day` is field 1003.
 */
function mismatchSql(spec: Spec, byId: Map<number, string>, unionName: Map<number, string>): string {
  const cat = project.catalogName;
  const checks = spec.fields.map((f) => {
    const src = `\`${byId.get(f['source-id'])!}\``;
    const m = /^(bucket|truncate)\[(\d+)\]$/.exec(f.transform);
    const expected =
      f.transform === 'identity' ? src : f.transform === 'void' ? 'NULL' : m ? `\`${cat}\`.system.${m[1]}(${m[2]}, ${src})` : `\`${cat}\`.system.${f.transform}s(${src})`;
    return `NOT (_partition.\`${unionName.get(f['field-id'])!}\` <=> ${expected})`;
  });
  return `SELECT CAST(id AS STRING) AS id FROM ${sparkIdent(cat, TABLE)} WHERE _spec_id = ${spec['spec-id']} AND (${checks.join(' OR ')})`;
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('evolve-v1');
  const f = (name: string) => join(project.inputs, name);
  await writeParquet(
    f('a.parquet'),
    `SELECT i::BIGINT AS id, (i * 10)::INT AS qty, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i * 31) HOUR AS ts,
            CASE WHEN i % 3 = 0 THEN NULL WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region FROM range(1, 9) AS t(i)`,
  );
  await writeParquet(
    f('b.parquet'),
    `SELECT i::BIGINT AS id, (i * 1000000000)::BIGINT AS qty, TIMESTAMP '2024-03-01 12:00:00' + INTERVAL (i * 5) DAY AS ts,
            CASE WHEN i % 2 = 0 THEN 'eu' END AS area FROM range(101, 107) AS t(i)`,
  );
  await writeParquet(
    f('c.parquet'),
    `SELECT i::BIGINT AS id, CASE WHEN i % 4 = 0 THEN NULL ELSE i END::BIGINT AS qty,
            CASE WHEN i = 203 THEN NULL ELSE TIMESTAMP '1969-12-31 22:00:00' + INTERVAL (i * 7) HOUR END AS ts,
            'latam' AS area FROM range(201, 206) AS t(i)`,
  );
  await project.ok([
    'table', 'create', TABLE, '--property', 'format-version=1',
    '--column', 'id long', '--column', 'qty int', '--column', 'ts timestamp', '--column', 'region string',
    '--partition-by', 'day(ts)', 'region',
  ]);
  await project.load(TABLE, [f('a.parquet')]);
  await project.ok([
    'table', 'evolve', TABLE,
    '--drop-partition-field', 'day(ts)',
    '--add-partition-field', 'bucket(4, id)',
    '--rename-column', 'region=area',
    '--widen-column', 'qty=long',
    '--sort-by', 'id desc nulls last',
    // apache/iceberg#16341 (docs/EVOLUTION.md): Iceberg 1.10.1's vectorized reader and a widened int.
    '--set-property', 'read.parquet.vectorization.enabled=false',
  ]);
  await project.load(TABLE, [f('b.parquet')]);
  await project.ok(['table', 'evolve', TABLE, '--add-partition-field', 'day(ts)']);
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(join(project.dir, 'pipelines', 'late.yaml'), `name: late\nsource: { kind: parquet, path: ${f('c.parquet')} }\ntarget: { table: ${TABLE}, mode: append }\n`);
  await project.ok(['run', 'late']);

  described = await project.describe(TABLE);
  fields = currentFields(described);
  rows = await floeRows(project, TABLE, fields);
  py = await pyicebergRead({ ...project.catalog, table: TABLE });
  const byId = new Map(fields.map((x) => [x.id, x.name]));
  const specs = described.metadata['partition-specs'] as unknown as Spec[];
  const unionName = new Map<number, string>();
  for (const s of [...specs].sort((a, b) => b['spec-id'] - a['spec-id'])) for (const x of s.fields) if (!unionName.has(x['field-id'])) unionName.set(x['field-id'], x.name);
  const ident = sparkIdent(project.catalogName, TABLE);
  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: TABLE, with_rows: true },
      ...specs.map((s) => ({ op: 'sql' as const, sql: mismatchSql(s, byId, unionName) })),
      { op: 'sql', sql: `SELECT spec_id, CAST(count(*) AS INT) AS files FROM ${ident}.files GROUP BY spec_id ORDER BY spec_id` },
      { op: 'append', table: TABLE, rows: SPARK_ROWS },
      { op: 'read', table: TABLE, with_rows: true },
    ],
  });
  const results = r.results;
  spark = {
    before: results[0] as SparkTableRead,
    mismatches: results.slice(1, 1 + specs.length) as SparkSqlResult[],
    specs: results[1 + specs.length] as SparkSqlResult,
    appended: results[2 + specs.length] as SparkAppendResult,
    after: results[3 + specs.length] as SparkTableRead,
  };
  afterSpark = await floeRows(project, TABLE, fields);
}, 1_200_000);

afterAll(() => project?.remove());

describe('a v1 table evolved through floe table evolve, with files in three specs', () => {
  it('keeps v1 partition field ids: removed fields become void, a re-added field gets a new id', () => {
    const m = described.metadata;
    expect(m['format-version']).toBe(1);
    expect(fields.map((x) => [x.id, x.name, x.type])).toEqual([[1, 'id', 'long'], [2, 'qty', 'long'], [3, 'ts', 'timestamp'], [4, 'area', 'string']]);
    const specs = (m['partition-specs'] as unknown as Spec[]).map((s) => s.fields.map((x) => [x['field-id'], x.name, x.transform, x['source-id']]));
    expect(specs).toEqual([
      [[1000, 'ts_day', 'day', 3], [1001, 'region', 'identity', 4]],
      [[1000, 'ts_day', 'void', 3], [1001, 'region', 'identity', 4], [1002, 'id_bucket', 'bucket[4]', 1]],
      [[1000, 'ts_day_1000', 'void', 3], [1001, 'region', 'identity', 4], [1002, 'id_bucket', 'bucket[4]', 1], [1003, 'ts_day', 'day', 3]],
    ]);
    expect((m as unknown as Record<string, unknown>)['last-partition-id']).toBe(1003);
    expect(m['default-spec-id']).toBe(2);
    expect(rows.length).toBe(19);
  });

  it('PyIceberg sees the same schema ids and rows', () => {
    expectSameSchema(fields, py);
    expectSameRows(TABLE, rows, py.rows, 'PyIceberg');
  });

  it('Spark reads the same rows, and every stored partition value is what Iceberg Java computes, in each spec', () => {
    expect(spark.before.schema.map((c) => c.name)).toEqual(['id', 'qty', 'ts', 'area']);
    expectSameRows(TABLE, rows, spark.before.rows, 'Spark');
    for (const m of spark.mismatches) expect(m.rows, m.sql).toEqual([]);
    expect(spark.specs.rows.map((x) => Number(x.spec_id))).toEqual([0, 1, 2]);
  });

  it("Spark appends into the evolved v1 spec, and floe reads Spark's rows", () => {
    expect(spark.appended.appended).toBe(SPARK_ROWS.length);
    expect(spark.after.count).toBe(rows.length + SPARK_ROWS.length);
    expectSameRows(`${TABLE} after Spark's append`, afterSpark, spark.after.rows, 'Spark');
    expectSameRows(`${TABLE} Spark's rows`, SPARK_ROWS, afterSpark.filter((r) => Number(r.id) > 9000), 'floe query');
  });
});
