/**
 * Reads after schema evolution, held against PyIceberg: sequences a user runs on a live table
 * (widen a partition source, then merge-on-read) where floe's answer must be PyIceberg's.
 *
 * ns.promoted: partitioned by identity(g) with g an int; g widened to long; a merge-on-read
 * merge then writes position deletes whose manifest types g as long, while the data files'
 * manifest types it as int. The deletes apply to the older files all the same.
 *
 * ns.sparkdel: the same widening with files on both sides of it, then Spark 3.5 / Iceberg 1.10.1
 * deletes and updates rows merge-on-read (its position delete manifests type g as long):
 * floe reads Spark's rows.
 *
 * ns.twins: written by PyIceberg with columns `Name` and `name` (Iceberg allows names that
 * differ only in case), one file each. floe's view spells them `Name` and `name_1`, and
 * DuckDB resolves `name` to `Name`: pruning must use that column's metrics, not `name`'s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, type SparkTableRead, assertProvisioned, pyicebergRead, pyicebergWrite, sparkBatch } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

let project: FloeProject;
const floe: Record<string, CanonicalRow[]> = {};
const py: Record<string, PyIcebergReadResult> = {};
let spark: SparkTableRead;
const twins: { where?: Record<string, unknown>[]; all?: Record<string, unknown>[]; py?: PyIcebergReadResult } = {};

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('evolve-reads');
  const base = join(project.inputs, 'base.parquet');
  await writeParquet(base, `SELECT i::BIGINT AS id, (i % 2)::INT AS g, 'n' || i AS note FROM range(0, 10) t(i)`);
  await project.load('ns.promoted', [base], { partitionBy: ['g'] });
  await project.ok(['table', 'evolve', 'ns.promoted', '--widen-column', 'g=long', '--set-property', 'write.merge.mode=merge-on-read']);
  const changes = join(project.inputs, 'changes.parquet');
  await writeParquet(changes, `SELECT * FROM (VALUES (1::BIGINT, 1::BIGINT, 'upd1', false), (2::BIGINT, 0::BIGINT, '', true)) t(id, g, note, gone)`);
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(
    join(project.dir, 'pipelines', 'promoted.yaml'),
    ['source:', '  kind: parquet', `  path: ${JSON.stringify(changes)}`, 'target:', '  table: ns.promoted', '  mode: merge', '  key: [id]', '  delete_column: gone', ''].join('\n'),
  );
  await project.ok(['run', '--all']);
  await pyicebergWrite({
    ...project.catalog,
    table: 'ns.twins',
    schema: {
      type: 'struct',
      fields: [
        { id: 1, name: 'Name', type: 'string', required: false },
        { id: 2, name: 'name', type: 'string', required: false },
      ],
    },
    appends: [[{ Name: 'x', name: 'p' }], [{ Name: 'y', name: 'x' }]],
  });
  twins.where = await project.query(`SELECT * FROM ns.twins WHERE name = 'x'`);
  twins.all = await project.query(`SELECT count(*) FILTER (WHERE name = 'x') AS n FROM ns.twins`);
  twins.py = await pyicebergRead({ ...project.catalog, table: 'ns.twins', filter: "Name = 'x'" });
  const a = join(project.inputs, 'a.parquet');
  const b = join(project.inputs, 'b.parquet');
  await writeParquet(a, `SELECT i::BIGINT AS id, (i % 3)::INT AS g, 'n' || i AS note FROM range(0, 12) t(i)`);
  await writeParquet(b, `SELECT i::BIGINT AS id, (i % 3)::BIGINT AS g, 'n' || i AS note FROM range(100, 106) t(i)`);
  await project.load('ns.sparkdel', [a], { partitionBy: ['g'] });
  await project.ok(['table', 'evolve', 'ns.sparkdel', '--widen-column', 'g=long', '--add-partition-field', 'bucket(2, id)', '--set-property', 'read.parquet.vectorization.enabled=false']);
  await project.load('ns.sparkdel', [b]);
  const res = await sparkBatch({
    ...project.catalog,
    ops: [
      { op: 'sql', sql: "ALTER TABLE floe.ns.sparkdel SET TBLPROPERTIES ('write.delete.mode'='merge-on-read', 'write.update.mode'='merge-on-read')" },
      { op: 'sql', sql: 'DELETE FROM floe.ns.sparkdel WHERE id IN (1, 5, 101)' },
      { op: 'sql', sql: "UPDATE floe.ns.sparkdel SET note = 'upd' WHERE id IN (3, 102)" },
      { op: 'read', table: 'ns.sparkdel', with_rows: true },
    ],
  });
  spark = res.results[3] as SparkTableRead;
  for (const t of ['ns.promoted', 'ns.sparkdel']) {
    floe[t] = await floeRows(project, t, currentFields(await project.describe(t)));
    py[t] = await pyicebergRead({ ...project.catalog, table: t });
  }
}, 900_000);

afterAll(() => project?.remove());

describe('deletes after an int → long promotion of an identity partition source', () => {
  it('floe applies the merge-on-read deletes to files written before the promotion, as PyIceberg does', () => {
    const rows = floe['ns.promoted']!;
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(ids).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows.find((r) => Number(r.id) === 1)?.note).toBe('upd1');
    expectSameRows('ns.promoted', rows, py['ns.promoted']!.rows, 'PyIceberg');
  });
});

describe("Spark's merge-on-read deletes after an int → long promotion of a partition source", () => {
  it('floe reads the rows Spark reads', () => {
    const rows = floe['ns.sparkdel']!;
    expect(rows.map((r) => Number(r.id)).sort((x, y) => x - y)).toEqual([0, 2, 3, 4, 6, 7, 8, 9, 10, 11, 100, 102, 103, 104, 105]);
    expect(spark.count).toBe(rows.length);
    expectSameRows('ns.sparkdel', rows, spark.rows!, 'Spark');
  });
});

describe('columns whose names differ only in case', () => {
  it("a WHERE on `name` prunes by the column DuckDB compares (Name), and returns PyIceberg's row", () => {
    expect(twins.where).toEqual([{ Name: 'x', name_1: 'p' }]);
    expect(Number(twins.all![0]!.n)).toBe(1);
    expect(twins.py!.rows).toEqual([{ Name: 'x', name: 'p' }]);
  });
});
