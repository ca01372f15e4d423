/**
 * Interop for floe.audit_log, whose rows floe writes without DuckDB (src/audit/parquet.ts):
 * PyIceberg and Spark read the same rows as floe, PyIceberg prunes files by the written column
 * bounds, and Spark's files metadata table shows the metrics (counts, bounds) of each file.
 *
 *   load ×2, a failed load, table drop → 4 audit rows in 4 files → PyIceberg + Spark read
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PyIcebergReadResult, type SparkSqlResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, assertBuilt } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';

const LOG = 'floe.audit_log';
const SPARK_TIMEOUT = 900_000;

let project: FloeProject;
let floeRows: Record<string, unknown>[];
let py: { all: PyIcebergReadResult; drop: PyIcebergReadResult };
let spark: { table: SparkTableRead; files: SparkSqlResult; failed: SparkSqlResult };

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('audit');
  const csv = join(project.inputs, 'a.csv');
  writeFileSync(csv, 'id,name\n1,ann\n2,bob\n');
  await project.load('ns.a', [csv]);
  await project.load('ns.a', [csv]);
  const failed = await project.run(['load', 'ns.a', join(project.inputs, 'missing.csv')]);
  if (failed.code !== 1) throw new Error(`the failing load exited ${failed.code}: ${failed.stderr}`);
  await project.ok(['table', 'drop', 'ns.a']);
  floeRows = await project.query(`SELECT audit_id, command, outcome, exit_code, rows_added, tables FROM ${LOG} ORDER BY started_at`);
  const [all, drop] = await Promise.all([
    pyicebergRead({ ...project.catalog, table: LOG }),
    pyicebergRead({ ...project.catalog, table: LOG, filter: "command == 'table drop'" }),
  ]);
  py = { all, drop };
  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: LOG, with_rows: true },
      {
        op: 'sql',
        sql:
          'SELECT record_count, value_counts[11] AS command_values, null_value_counts[21] AS error_kind_nulls, ' +
          'readable_metrics.command.lower_bound AS command_lower, readable_metrics.command.upper_bound AS command_upper, ' +
          'readable_metrics.exit_code.lower_bound AS exit_lower ' +
          `FROM ${project.catalogName}.${LOG}.files ORDER BY readable_metrics.started_at.lower_bound`,
      },
      { op: 'sql', sql: `SELECT audit_id FROM ${project.catalogName}.${LOG} WHERE exit_code = 1` },
    ],
  });
  const [table, files, failedRows] = r.results as [SparkTableRead, SparkSqlResult, SparkSqlResult];
  spark = { table, files, failed: failedRows };
}, SPARK_TIMEOUT);

afterAll(() => project?.remove());

describe('floe.audit_log written without DuckDB', () => {
  it('floe records the four commands', () => {
    expect(floeRows.map((r) => [r.command, r.outcome, Number(r.exit_code)])).toEqual([
      ['load', 'ok', 0],
      ['load', 'ok', 0],
      ['load', 'failed', 1],
      ['table drop', 'ok', 0],
    ]);
  });

  it('PyIceberg reads the same rows, with the field ids and types floe declared', () => {
    expect(py.all.row_count).toBe(4);
    expect(py.all.files_scanned).toBe(4);
    const ids = (py.all.rows ?? []).map((r) => r.audit_id).sort();
    expect(ids).toEqual(floeRows.map((r) => r.audit_id).sort());
    expect(py.all.schema.find((f) => f.name === 'started_at')).toMatchObject({ field_id: 2, type: 'timestamptz', required: false });
    expect(py.all.schema.find((f) => f.name === 'exit_code')).toMatchObject({ field_id: 20, type: 'int' });
  });

  it('PyIceberg prunes by the column bounds: a filter on command scans one file', () => {
    expect(py.drop.row_count).toBe(1);
    expect(py.drop.files_scanned).toBe(1);
    expect(py.drop.rows?.[0]).toMatchObject({ command: 'table drop', outcome: 'ok' });
  });

  it('Spark reads the same rows and columns as PyIceberg', () => {
    expect(spark.table.count).toBe(4);
    expect(spark.table.columns).toEqual(py.all.columns);
    expect(spark.failed.rows.map((r) => r.audit_id)).toEqual([floeRows[2]!.audit_id]);
  });

  it("Spark's files table shows each file's counts and bounds", () => {
    expect(spark.files.rows.map((r) => [r.record_count, r.command_values, r.command_lower, r.command_upper, r.exit_lower])).toEqual([
      ['1', '1', 'load', 'load', 0],
      ['1', '1', 'load', 'load', 0],
      ['1', '1', 'load', 'load', 1],
      ['1', '1', 'table drop', 'table drop', 0],
    ]);
    expect(spark.files.rows.map((r) => r.error_kind_nulls)).toEqual(['1', '1', '0', '1']);
  });
});
