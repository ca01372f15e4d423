/**
 * Iceberg fixed(L) columns in the data files floe writes. The spec's Parquet type for
 * fixed(L) is FIXED_LEN_BYTE_ARRAY(L); floe wrote BYTE_ARRAY (DuckDB writes every BLOB so),
 * which PyIceberg 0.12 ("Cannot promote an binary to fixed[4]") and Spark/Iceberg 1.10.1
 * (ClassCastException on FixedSizeBinaryVector) fail to read. DuckDB can write
 * FIXED_LEN_BYTE_ARRAY(16) through its UUID type and no other length from bytes
 * (src/engine/types.ts), so:
 *
 *   PyIceberg creates ns.f16 (fixed[16] at the top, in a struct, a list and a map value;
 *     merge-on-read) with two appends → floe load, a merge (position deletes + new rows),
 *     floe compact → every file floe wrote holds each of them as FIXED_LEN_BYTE_ARRAY(16),
 *     and PyIceberg, Spark and floe read the exact bytes PyIceberg wrote.
 *   PyIceberg creates ns.f4 (fixed[4], and fixed[3] in a struct) → floe compact, floe load,
 *     an append pipeline, a copy-on-write and a merge-on-read merge all exit 1 naming the
 *     table and both columns, with a hint; no snapshot and no file is added, and PyIceberg
 *     and floe still read it.
 */
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CanonicalRow, type PyIcebergReadResult, type SparkTableRead, assertProvisioned, pyicebergRead, pyicebergWrite, sparkRead,
} from './oracle.js';
import { FloeProject, type RunResult, assertBuilt, currentFields, deferred } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const F16 = 'ns.f16';
const F4 = 'ns.f4';

const opt = (id: number, name: string, type: unknown) => ({ id, name, required: false, type });
const F16_SCHEMA = {
  type: 'struct' as const,
  fields: [
    opt(1, 'id', 'long'),
    opt(2, 'fx', 'fixed[16]'),
    opt(3, 'st', { type: 'struct', fields: [opt(6, 'a', 'fixed[16]'), opt(7, 'n', 'int')] }),
    opt(4, 'li', { type: 'list', 'element-id': 8, 'element-required': false, element: 'fixed[16]' }),
    opt(5, 'mp', { type: 'map', 'key-id': 9, key: 'string', 'value-id': 10, 'value-required': false, value: 'fixed[16]' }),
  ],
};
const F4_SCHEMA = {
  type: 'struct' as const,
  fields: [opt(1, 'id', 'long'), opt(2, 'fx', 'fixed[4]'), opt(3, 'st', { type: 'struct', fields: [opt(4, 'g', 'fixed[3]')] })],
};

/** Bytes on both sides of the sign bit (a UUID's top bit is flipped inside DuckDB), all 0x00 and all 0xFF. */
const HIGH = `80${'01'.repeat(14)}ff`;
const ONES = 'ff'.repeat(16);
const ZERO = '00'.repeat(16);
const LOW = `7f${'ff'.repeat(15)}`;
const nulls = { fx: null, st: null, li: null, mp: null };
/** The rows after PyIceberg's appends (1, 2), floe's load (3) and merge (2, 4: only their id given). */
const EXPECTED: CanonicalRow[] = [
  { id: '1', fx: HIGH, st: { a: ONES, n: 1 }, li: [ZERO, null, LOW], mp: [['k', LOW], ['n', null]] },
  { id: '2', ...nulls },
  { id: '3', ...nulls },
  { id: '4', ...nulls },
];

let project: FloeProject;
let floe16: CanonicalRow[];
let py16: () => Promise<PyIcebergReadResult>;
let spark16: () => Promise<SparkTableRead>;
/** Parquet leaf columns of every data file floe wrote into ns.f16: [file, column path, type, length]. */
let written16: string[][];
let refusals: [string, RunResult][];
let before4: { snapshots: string[]; files: string[] };
let after4: { snapshots: string[]; files: string[] };
let py4: () => Promise<PyIcebergReadResult>;
let floe4: Record<string, unknown>[];

function parquetFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet')).sort();
}

/** The leaf columns of the Parquet files DuckDB wrote (its root is `duckdb_schema`; PyArrow's is `schema`). */
async function duckdbWrittenLeaves(dir: string): Promise<string[][]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(
      `SELECT file_name, name, type, type_length FROM parquet_schema('${dir}/**/*.parquet') ` +
        `WHERE file_name IN (SELECT file_name FROM parquet_schema('${dir}/**/*.parquet') WHERE name = 'duckdb_schema') AND type IS NOT NULL`,
    );
    return reader.getRows().map((r) => r.map((v) => String(v)));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function pipeline(name: string, table: string, input: string, mode: 'append' | 'merge'): void {
  const lines = ['source:', '  kind: parquet', `  path: ${JSON.stringify(input)}`, 'target:', `  table: ${table}`, `  mode: ${mode}`];
  if (mode === 'merge') lines.push('  key: [id]');
  writeFileSync(join(project.dir, 'pipelines', `${name}.yaml`), [...lines, ''].join('\n'));
}

async function state4(data: string): Promise<{ snapshots: string[]; files: string[] }> {
  return { snapshots: (await project.snapshots(F4)).map((s) => s['snapshot-id']), files: parquetFiles(data) };
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('fixed');
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  await pyicebergWrite({
    ...project.catalog, table: F16, schema: F16_SCHEMA, properties: { 'write.merge.mode': 'merge-on-read' },
    appends: [
      [{ id: '1', fx: HIGH, st: { a: ONES, n: 1 }, li: [ZERO, null, LOW], mp: [['k', LOW], ['n', null]] }],
      [{ id: '2', fx: LOW, st: { a: null, n: 2 }, li: [], mp: [] }],
    ],
  });
  await pyicebergWrite({
    ...project.catalog, table: F4, schema: F4_SCHEMA,
    appends: [[{ id: '1', fx: '00010203', st: { g: 'aabbcc' } }], [{ id: '2', fx: 'ffffffff', st: null }]],
  });

  // fixed[16]: every kind of write floe makes.
  const load = join(project.inputs, 'load.parquet');
  await writeParquet(load, 'SELECT 3::BIGINT AS id');
  const changes = join(project.inputs, 'changes.parquet');
  await writeParquet(changes, 'SELECT * FROM (VALUES (2::BIGINT), (4::BIGINT)) t(id)');
  pipeline('m16', F16, changes, 'merge');
  await project.load(F16, [load]);
  await project.ok(['run', 'm16']);
  await project.ok(['compact', F16, '--rewrite-all', '--min-input-files', '1']);
  // The JVM starts (30-60 s) while the rest is read and ns.f4 is tried. A reader that fails
  // fails its own test only.
  spark16 = deferred(async () => (await sparkRead({ ...project.catalog, tables: [F16], withRows: true })).tables[F16]!);
  py16 = deferred(() => pyicebergRead({ ...project.catalog, table: F16 }));
  written16 = await duckdbWrittenLeaves(join(project.warehouse, 'ns', 'f16', 'data'));
  floe16 = await floeRows(project, F16, currentFields(await project.describe(F16)));

  // fixed[4] and fixed[3]: refused by every command that would write a data file.
  const data4 = join(project.warehouse, 'ns', 'f4', 'data');
  pipeline('a4', F4, load, 'append');
  pipeline('m4', F4, changes, 'merge');
  before4 = await state4(data4);
  refusals = [];
  const attempt = async (label: string, args: string[]) => refusals.push([label, await project.run(args)]);
  await attempt('floe compact', ['compact', F4, '--rewrite-all', '--min-input-files', '1']);
  await attempt('floe load', ['load', F4, load]);
  await attempt('floe run (append)', ['run', 'a4']);
  await attempt('floe run (merge, copy-on-write)', ['run', 'm4']);
  await project.ok(['table', 'evolve', F4, '--set-property', 'write.merge.mode=merge-on-read']);
  await attempt('floe run (merge, merge-on-read)', ['run', 'm4']);
  after4 = await state4(data4);
  py4 = deferred(() => pyicebergRead({ ...project.catalog, table: F4 }));
  floe4 = await project.query(`SELECT id, hex(fx) AS fx, hex(st.g) AS g FROM ${F4} ORDER BY id`);
}, 600_000);

afterAll(() => project?.remove());

const byId = (rows: CanonicalRow[] | undefined) => [...(rows ?? [])].sort((a, b) => Number(a.id) - Number(b.id));

describe('fixed[16] columns floe writes (load, merge-on-read merge, compaction)', () => {
  it('are FIXED_LEN_BYTE_ARRAY(16) in every data file floe wrote, nested ones too', () => {
    const fixedLeaves = written16.filter(([, name]) => ['fx', 'a', 'element', 'value'].includes(name!));
    const files = new Set(fixedLeaves.map(([file]) => file));
    expect(files.size).toBeGreaterThanOrEqual(3); // load, merge, compaction
    expect(fixedLeaves.length).toBe(files.size * 4);
    for (const [file, name, type, length] of fixedLeaves) expect([file, name, type, length]).toEqual([file, name, 'FIXED_LEN_BYTE_ARRAY', '16']);
  });

  it('floe reads the bytes PyIceberg wrote', () => {
    expect(byId(floe16)).toEqual(EXPECTED);
  });

  it('PyIceberg reads the same bytes', async () => {
    const py = await py16();
    expect(py.files_scanned).toBe(1);
    expect(byId(py.rows)).toEqual(EXPECTED);
  });

  it('Spark reads the same bytes', async () => {
    const spark = await spark16();
    expect(spark.schema.find((c) => c.name === 'fx')?.type).toBe('binary');
    expect(byId(spark.rows)).toEqual(EXPECTED);
  });
});

describe('fixed[L] of another length', () => {
  it.each([0, 1, 2, 3, 4])('refusal %#: exits 1 naming the table and both columns, with a hint', (i) => {
    const [label, r] = refusals[i]!;
    expect(r.code, `${label}: ${r.stderr}`).toBe(1);
    expect(r.stderr).toContain("floe cannot write data files for ns.f4: its columns 'fx' (fixed[4]), 'st.g' (fixed[3]) are fixed");
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).toMatch(/hint: write this table with Spark or PyIceberg/);
  });

  it('leaves the table as it was: no snapshot, no file', () => {
    expect(refusals).toHaveLength(5);
    expect(before4.snapshots).toHaveLength(2);
    expect(after4).toEqual(before4);
  });

  it('PyIceberg and floe still read it', async () => {
    expect(byId((await py4()).rows)).toEqual([{ id: '1', fx: '00010203', st: { g: 'aabbcc' } }, { id: '2', fx: 'ffffffff', st: null }]);
    expect(floe4).toEqual([{ id: 1, fx: '00010203', g: 'AABBCC' }, { id: 2, fx: 'FFFFFFFF', g: null }]);
  });
});
