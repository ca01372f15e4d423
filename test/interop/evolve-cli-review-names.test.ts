/**
 * A column named like a partition field (docs/EVOLUTION.md): Iceberg Java refuses it, and so
 * does floe. On a table floe created partitioned by day(ts) (field ts_day):
 *
 *   Spark 3.5 / Iceberg 1.10.1 refuses `ALTER TABLE ... ADD COLUMN ts_day`;
 *   `floe table evolve --add-column ts_day` exits 2, and a run adding ts_day from its input fails;
 *   renaming ts itself to ts_day is allowed by both, and Spark reads the table afterwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SparkSqlResult, type SparkTableRead, assertProvisioned, sparkBatch } from './oracle.js';
import { FloeProject, assertBuilt, type RunResult } from './helpers/floe-cli.js';
import { sparkIdent } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.names';
const SPARK_TIMEOUT = 900_000;

let project: FloeProject;
let floeAdd: RunResult;
let floeRun: RunResult;
let sparkAddError: string;
let sparkAfterRename: { read: SparkTableRead; rename: SparkSqlResult };

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('evolve-names');
  await project.ok(['table', 'create', TABLE, '--column', 'id long', '--column', 'ts timestamp', '--partition-by', 'day(ts)']);
  const ident = sparkIdent(project.catalogName, TABLE);
  // Spark's refusal is a failed op: its script exits non-zero with the Java message on stderr.
  sparkAddError = await sparkBatch({ ...project.catalog, timeoutMs: SPARK_TIMEOUT - 60_000, ops: [{ op: 'sql', sql: `ALTER TABLE ${ident} ADD COLUMN ts_day string` }] }).then(
    () => '',
    (e: Error) => e.message,
  );
  floeAdd = await project.run(['table', 'evolve', TABLE, '--add-column', 'ts_day string']);
  writeFileSync(join(project.inputs, 'n.csv'), 'id,ts,ts_day\n1,2024-01-01 00:00:00,x\n');
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(
    join(project.dir, 'pipelines', 'n.yaml'),
    `name: n\nsource: { kind: csv, path: ${join(project.inputs, 'n.csv')} }\ntarget: { table: ${TABLE}, mode: append, on_schema_change: add_columns }\n`,
  );
  floeRun = await project.run(['run', 'n']);
  await project.ok(['table', 'evolve', TABLE, '--rename-column', 'ts=ts_day']);
  writeFileSync(join(project.inputs, 'm.csv'), 'id,ts_day\n2,2024-02-02 02:00:00\n');
  await project.ok(['load', TABLE, join(project.inputs, 'm.csv')]);
  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: TABLE, with_rows: true },
      { op: 'sql', sql: `SELECT CAST(id AS STRING) AS id FROM ${ident} WHERE NOT (_partition.ts_day <=> ${'`'}${project.catalogName}${'`'}.system.days(ts_day))` },
    ],
  });
  sparkAfterRename = { read: r.results[0] as SparkTableRead, rename: r.results[1] as SparkSqlResult };
}, 1_200_000);

afterAll(() => project?.remove());

describe('a column named like a partition field', () => {
  it('Spark refuses ADD COLUMN ts_day, and so does floe table evolve (exit 2)', () => {
    expect(sparkAddError).toContain('Cannot create identity partition sourced from different field in schema: ts_day');
    expect(floeAdd.code, floeAdd.stderr).toBe(2);
    expect(floeAdd.stderr).toContain("cannot add column 'ts_day': partition field 'ts_day' of spec 0 (day(ts)) has that name");
  });

  it('a run adding ts_day from its input fails and commits nothing', () => {
    expect(floeRun.code, floeRun.stderr).toBe(1);
    expect(floeRun.stderr).toContain("column 'ts_day' (id 3) would take the name of partition field 'ts_day'");
  });

  it('renaming the source column itself to the field name is allowed, and Spark reads the table with the right partition values', () => {
    expect(sparkAfterRename.read.schema.map((c) => c.name)).toEqual(['id', 'ts_day']);
    expect(sparkAfterRename.read.count).toBe(1);
    expect(sparkAfterRename.rename.rows).toEqual([]);
  });
});
