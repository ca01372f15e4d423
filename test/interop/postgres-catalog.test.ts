/**
 * Interop through a shared Postgres catalog: floe commits a table to a Postgres catalog
 * (catalog.uri: postgresql://…), then PyIceberg's SqlCatalog (postgresql+psycopg2://) and
 * Spark's JdbcCatalog (jdbc:postgresql://, jdbc.user / jdbc.password) open the same catalog
 * and read the same rows; Spark commits an append there and floe reads it back.
 * The catalog lives in a private schema (currentSchema= / options=-csearch_path=).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, spawnFloe, type RunResult } from '../helpers/floe-process.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';
import { assertBuilt } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';
import { runOracleScript, type PyIcebergReadResult, type SparkOpResult, type SparkTableRead, type SparkVersions } from './oracle.js';

const TABLE = 'lake.orders';
let db: TestSchema;
let dir: string;
let warehouse: string;
let py: PyIcebergReadResult;
let spark: SparkVersions & { results: SparkOpResult[] };
let afterSpark: Record<string, unknown>[];

const floe = (args: string[]): Promise<RunResult> => collect(spawnFloe(['--project', dir, ...args], dir));
async function ok(args: string[]): Promise<RunResult> {
  const r = await floe(args);
  if (r.code !== 0) throw new Error(`floe ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  return r;
}

setupOnce(async () => {
  assertBuilt();
  db = await createTestSchema('interop');
  dir = mkdtempSync(join(tmpdir(), 'floe-pg-interop-'));
  warehouse = join(dir, 'warehouse');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: ${db.url}\n  name: floe\n`);
  writeFileSync(join(dir, 'data/a.csv'), 'id,customer,amount,ordered_at\n1,ann,12.50,2026-01-02T03:04:05Z\n2,bob,7.25,2026-01-03T00:00:00Z\n');
  writeFileSync(join(dir, 'data/b.csv'), 'id,customer,amount,ordered_at\n3,cyd,100.00,2026-02-01T12:00:00Z\n');
  await ok(['load', TABLE, join(dir, 'data/a.csv'), '--partition-by', 'month(ordered_at)']);
  await ok(['load', TABLE, join(dir, 'data/b.csv')]);

  const pyUri = `postgresql+psycopg2://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.database}?options=-csearch_path%3D${db.schema}`;
  py = await runOracleScript<PyIcebergReadResult>(
    'pyiceberg_read.py',
    ['--catalog-uri', pyUri, '--catalog-name', 'floe', '--warehouse', warehouse, '--table', TABLE],
    { timeoutMs: 120_000, needSpark: false },
  );
  spark = await runOracleScript(
    'spark_batch.py',
    [
      '--catalog-uri', `jdbc:postgresql://${db.host}:${db.port}/${db.database}?currentSchema=${db.schema}`,
      '--catalog-name', 'floe',
      '--warehouse', warehouse,
      '--catalog-prop', `jdbc.user=${db.user}`,
      '--catalog-prop', `jdbc.password=${db.password}`,
      '--ops-json', '-',
    ],
    {
      timeoutMs: 900_000,
      needSpark: true,
      stdin: JSON.stringify([
        { op: 'read', table: TABLE, with_rows: true },
        { op: 'sql', sql: `INSERT INTO floe.lake.orders SELECT 4L, 'dan', CAST(1.00 AS DECIMAL(18,3)), TIMESTAMP '2026-03-01 00:00:00 UTC'` },
      ]),
    },
  );
  afterSpark = JSON.parse((await ok(['query', `SELECT id, customer FROM ${TABLE} ORDER BY id`, '--format', 'json'])).stdout);
}, 1_200_000);

afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a floe table in a Postgres catalog, read by PyIceberg and Spark', () => {
  it('PyIceberg SqlCatalog reads the same rows floe wrote', () => {
    expect(py.row_count).toBe(3);
    expect(py.rows!.map((r) => [r.id, r.customer])).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
      ['3', 'cyd'],
    ]);
    expect(py.metadata_location).toContain(`${warehouse}/lake/orders/metadata/00001-`);
  });

  it('Spark JdbcCatalog reads the same rows and column checksums as PyIceberg', () => {
    const read = spark.results[0] as SparkTableRead;
    expect(read.count).toBe(3);
    expect(read.rows).toEqual(py.rows);
    expect(read.columns).toEqual(py.columns);
    expect(read.snapshot_id).toBe(py.snapshot_id);
  });

  it("floe reads Spark's append committed through the same catalog", () => {
    expect(afterSpark).toEqual([
      { id: 1, customer: 'ann' },
      { id: 2, customer: 'bob' },
      { id: 3, customer: 'cyd' },
      { id: 4, customer: 'dan' },
    ]);
  });
});
