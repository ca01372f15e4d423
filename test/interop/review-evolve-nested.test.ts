/**
 * Interop of schema evolution inside repeated types: `floe table evolve --add-column
 * "l.element.y string"` (a struct that is a list's element) and "m.value.b string" (a map's
 * value), as Spark's ALTER TABLE ... ADD COLUMN l.element.y does. Then:
 *
 *   floe load (old shape) → evolve → floe load (new fields set)
 *     → PyIceberg and Spark read floe's rows (old files read the new fields as NULL)
 *     → Spark appends a row with the new fields → floe reads Spark's rows.
 *
 * One JVM launch. (No NULL lists or maps in the data: PyIceberg 0.x reads a NULL
 * list<struct> as [], for files Spark wrote too.)
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const T = 'ns.nest';
let project: FloeProject;
let evolved: { code: number; stderr: string };
let floe: CanonicalRow[];
let py: PyIcebergReadResult;
let sparkBefore: SparkTableRead;
let sparkAfter: SparkTableRead;
let floeAfter: CanonicalRow[];

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('evolve-nested');
  const v1 = join(project.inputs, 'v1.parquet');
  await writeParquet(v1, `SELECT i::INTEGER AS id, [{'x': i::INTEGER}, {'x': -i::INTEGER}] AS l, MAP {'k' || i: {'a': (i * 10)::INTEGER}} AS m FROM range(1, 6) t(i)`);
  await project.load(T, [v1]);
  evolved = await project.run(['table', 'evolve', T, '--add-column', 'l.element.y string', '--add-column', 'm.value.b string']);
  const v2 = join(project.inputs, 'v2.parquet');
  await writeParquet(v2, `SELECT i::INTEGER AS id, [{'x': i::INTEGER, 'y': 'y' || i}] AS l, MAP {'n' || i: {'a': (i * 10)::INTEGER, 'b': 'b' || i}} AS m FROM range(6, 9) t(i)`);
  if (evolved.code === 0) await project.load(T, [v2]);
  const fields = currentFields(await project.describe(T));
  floe = await floeRows(project, T, fields);
  py = await pyicebergRead({ ...project.catalog, table: T });
  const r = await sparkBatch({
    ...project.catalog,
    ops: [
      { op: 'read', table: T, with_rows: true },
      { op: 'sql', sql: `INSERT INTO floe.${T} VALUES (100, array(named_struct('x', 7, 'y', 'spark')), map('s', named_struct('a', 70, 'b', 'sb')))` },
      { op: 'read', table: T, with_rows: true },
    ],
  });
  sparkBefore = r.results[0] as SparkTableRead;
  sparkAfter = r.results[2] as SparkTableRead;
  floeAfter = await floeRows(project, T, currentFields(await project.describe(T)));
}, 900_000);

afterAll(() => project?.remove());

describe('adding a field to a struct inside a list or a map', () => {
  it('floe table evolve adds l.element.y and m.value.b', () => {
    expect(evolved.stderr).toBe('');
    expect(evolved.code).toBe(0);
  });

  it('floe reads old rows with NULL in the new fields and new rows with their values', () => {
    expect(floe.length).toBe(8);
    const byId = new Map(floe.map((r) => [Number(r.id), r]));
    expect(byId.get(1)!.l).toEqual([{ x: 1, y: null }, { x: -1, y: null }]);
    expect(byId.get(1)!.m).toEqual([['k1', { a: 10, b: null }]]);
    expect(byId.get(7)!.l).toEqual([{ x: 7, y: 'y7' }]);
    expect(byId.get(7)!.m).toEqual([['n7', { a: 70, b: 'b7' }]]);
  });

  it('PyIceberg and Spark read the same rows as floe', () => {
    expectSameRows(T, floe, py.rows, 'PyIceberg');
    expectSameRows(T, floe, sparkBefore.rows, 'Spark');
  });

  it("floe reads Spark's append with the new fields as Spark does", () => {
    expect(floeAfter.length).toBe(9);
    expectSameRows(T, floeAfter, sparkAfter.rows, 'Spark');
  });
});
