/**
 * Interop of -0.0 in float and double columns that floe partitions or sorts by. Iceberg tells
 * -0.0 from 0.0 (Java's Float.compare / Double.compare; spec: "-0.0 and 0.0 are distinct
 * values"), while DuckDB groups and sorts them as one value and hands sort keys back as 0.0.
 *
 *   ns.part    floe load --partition-by d f (identity on double and float): -0.0 and 0.0 rows
 *              land in different files, each with its own partition value; Spark reads an
 *              identity partition's value as the column's value for every row of the file
 *   ns.psort   the same, then evolve --sort-by "f desc" d and load again (a sorted write)
 *   ns.sorted  unpartitioned, evolve --sort-by d, load, then compact --strategy sort
 *
 * floe query and Spark (one JVM launch) must both return every row's sign as the input has it.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, assertProvisioned, sparkRead } from './oracle.js';
import { FloeProject, assertBuilt } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { setupOnce } from './helpers/setup.js';

const TABLES = ['ns.part', 'ns.psort', 'ns.sorted'] as const;

/** id → [d, f] as written: every combination of -0.0 and 0.0, NaN, and a plain value. */
const INPUT: Record<number, [string, string]> = {
  1: ['-0.0', '-0.0'],
  2: ['0.0', '0.0'],
  3: ['-0.0', '0.0'],
  4: ['0.0', '-0.0'],
  5: ['NaN', 'NaN'],
  6: ['1.5', '-2.5'],
  7: ['-0.0', '-0.0'],
};

let project: FloeProject;
const floe: Record<string, { id: number; d: number; f: number }[]> = {};
let spark: Record<string, CanonicalRow[]>;
const snapshots: Record<string, string[]> = {};

/** A canonical or JSON float value as a JS number (-0 kept). */
const num = (v: unknown): number => (v === 'NaN' ? NaN : typeof v === 'number' ? v : Number(v));
const expected = (id: number) => INPUT[id]!.map((s) => Number(s));
/** 'neg0' | 'pos0' | 'NaN' | the number: a value's identity as Iceberg sees it. */
const ident = (x: number) => (Object.is(x, -0) ? 'neg0' : Object.is(x, 0) ? 'pos0' : Number.isNaN(x) ? 'NaN' : String(x));

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('float-zero');
  const input = join(project.inputs, 'zeros.parquet');
  const rows = Object.entries(INPUT).map(([id, [d, f]]) => `(${id}, '${d}'::DOUBLE, '${f}'::FLOAT)`);
  await writeParquet(input, `SELECT * FROM (VALUES ${rows.join(', ')}) t(id, d, f)`);

  await project.load('ns.part', [input], { partitionBy: ['d', 'f'] });
  await project.load('ns.psort', [input], { partitionBy: ['d', 'f'] });
  await project.ok(['table', 'evolve', 'ns.psort', '--sort-by', 'f desc', 'd']);
  await project.load('ns.psort', [input]);
  await project.load('ns.sorted', [input]);
  await project.ok(['table', 'evolve', 'ns.sorted', '--sort-by', 'd']);
  await project.load('ns.sorted', [input]);
  await project.ok(['compact', 'ns.sorted', '--strategy', 'sort', '--rewrite-all']);

  for (const t of TABLES) {
    // DuckDB's JSON drops the sign of -0.0; its text keeps it.
    const r = await project.query(`SELECT id, CAST(d AS VARCHAR) AS d, CAST(f AS VARCHAR) AS f FROM ${t} ORDER BY id`);
    floe[t] = r.map((x) => ({ id: Number(x.id), d: Number(String(x.d).replace(/^nan$/i, 'NaN')), f: Number(String(x.f).replace(/^nan$/i, 'NaN')) }));
    snapshots[t] = (await project.snapshots(t)).map((s) => s['snapshot-id']);
  }
  const read = await sparkRead({ ...project.catalog, tables: [...TABLES], withRows: true });
  spark = Object.fromEntries(TABLES.map((t) => [t, read.tables[t]!.rows ?? []]));
}, 900_000);

afterAll(() => project?.remove());

describe('-0.0 and 0.0 in float and double columns floe partitions or sorts by', () => {
  it('ns.sorted was compacted with a sort and ns.psort written sorted', () => {
    expect(snapshots['ns.sorted']!.length).toBe(3);
    expect(snapshots['ns.psort']!.length).toBe(2);
  });

  it.each(TABLES)('%s: floe query returns each row with the sign it was written with', (t) => {
    const copies = t === 'ns.part' ? 1 : 2;
    const got = floe[t]!.map((r) => [r.id, ident(r.d), ident(r.f)]);
    const want = Object.keys(INPUT).flatMap((id) => Array.from({ length: copies }, () => [Number(id), ...expected(Number(id)).map(ident)]));
    expect(got).toEqual(want);
  });

  it.each(TABLES)('%s: Spark reads every row as floe does, the sign of zero included', (t) => {
    const got = spark[t]!.map((r) => [Number(r.id), ident(num(r.d)), ident(num(r.f))]).sort((a, b) => Number(a[0]) - Number(b[0]));
    const want = floe[t]!.map((r) => [r.id, ident(r.d), ident(r.f)]);
    expect(got).toEqual(want);
  });
});
