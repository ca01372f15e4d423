/**
 * The DuckDB reader on files written here with DuckDB (field ids via FIELD_IDS), planned by
 * hand so each projection and delete rule is exercised on its own. The fixture suite
 * (test/fixtures) covers the same code on other engines' tables.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { createTableView, tableScanSql } from '../../src/engine/read.js';
import { FloeError } from '../../src/errors.js';
import { type DataFile, DataFileContent, type NestedField, type PartitionSpec, type Schema, type TableMetadata } from '../../src/iceberg/types.js';
import { LocalFileIO } from '../../src/io/local.js';
import { MappedFileIO } from '../../src/io/mapped.js';
import type { ScanDelete, ScanPlan, ScanTask } from '../../src/table/scan.js';

let engine: Engine;
let dir: string;
let io: MappedFileIO;

beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  dir = await mkdtemp(join(tmpdir(), 'floe-read-'));
  // Tables store s3:// locations; the files are in `dir` (as after `--map-location`).
  io = new MappedFileIO(new LocalFileIO(), [{ from: 's3://b/t/', to: `${dir}/` }]);
});
afterAll(async () => {
  engine?.close();
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, select: string, fieldIds?: string): Promise<string> {
  const ids = fieldIds ? `, FIELD_IDS ${fieldIds}` : '';
  await engine.run(`COPY (${select}) TO '${dir}/${name}' (FORMAT parquet${ids})`, `write ${name}`);
  return `s3://b/t/${name}`;
}

const schemaOf = (id: number, fields: NestedField[]): Schema => ({ type: 'struct', 'schema-id': id, fields });
const file = (path: string, content = DataFileContent.DATA, extra: Partial<DataFile> = {}): DataFile => ({
  content,
  file_path: path,
  file_format: 'PARQUET',
  partition: [],
  record_count: 1n,
  file_size_in_bytes: 1n,
  ...extra,
});
const task = (path: string, seq: bigint, deletes: ScanDelete[] = [], extra: Partial<DataFile> = {}, specId = 0): ScanTask => ({
  file: file(path, DataFileContent.DATA, extra),
  dataSequenceNumber: seq,
  specId,
  deletes,
});
const del = (path: string, seq: bigint, kind: 'position' | 'equality', equalityIds?: number[]): ScanDelete => ({
  file: file(path, kind === 'position' ? DataFileContent.POSITION_DELETES : DataFileContent.EQUALITY_DELETES, equalityIds ? { equality_ids: equalityIds } : {}),
  dataSequenceNumber: seq,
  specId: 0,
  kind,
});

function setup(schema: Schema, dataFiles: ScanTask[], opts: { schemas?: Schema[]; properties?: Record<string, string>; specs?: PartitionSpec[] } = {}) {
  const metadata = { schemas: opts.schemas ?? [schema], properties: opts.properties ?? {} } as unknown as TableMetadata;
  const specs = new Map((opts.specs ?? [{ 'spec-id': 0, fields: [] }]).map((s) => [s['spec-id'], s] as const));
  const plan: ScanPlan = { table: 'db.t', snapshot: null, schema, timeTravel: false, dataFiles, deleteFiles: [], specs, manifestsRead: 0 };
  return { engine, io, metadata, table: 'db.t', plan };
}

/** Rows as text, sorted, so nested values compare readably. */
async function rows(sql: string): Promise<string[]> {
  const cols = await engine.columns(sql, 'describe');
  const text = cols.map((c) => `coalesce(CAST("${c.name}" AS VARCHAR), 'NULL')`).join(` || ' | ' || `);
  const out = await engine.all(`SELECT ${text} AS r FROM (${sql}) ORDER BY r`, 'read rows');
  return out.map((r) => String(r.r));
}

describe('column projection by field id', () => {
  it('handles renames, promotion, nested renames, dropped and added fields with defaults', async () => {
    const f1 = await write(
      'nested.parquet',
      `SELECT 1::INT AS id, {'x': 10::INT, 'y': 'a'} AS s, [{'p': 1::INT}, {'p': 2::INT}] AS l, MAP {'k': {'q': 5::INT}} AS m, 1.5::FLOAT AS old_f
       UNION ALL SELECT 2, NULL, NULL, NULL, NULL`,
      `{id: 1, s: {__duckdb_field_id: 2, x: 3, y: 4}, l: {__duckdb_field_id: 5, element: {__duckdb_field_id: 6, p: 7}}, m: {__duckdb_field_id: 8, key: 9, value: {__duckdb_field_id: 10, q: 11}}, old_f: 12}`,
    );
    const schema = schemaOf(3, [
      { id: 1, name: 'id', required: true, type: 'long' },
      {
        id: 2, name: 's', required: false,
        type: { type: 'struct', fields: [
          { id: 3, name: 'x_renamed', required: false, type: 'long' },
          { id: 13, name: 'z', required: false, type: 'string', 'initial-default': 'zz' },
        ] },
      },
      {
        id: 5, name: 'l', required: false,
        type: { type: 'list', 'element-id': 6, 'element-required': false, element: { type: 'struct', fields: [
          { id: 7, name: 'p_new', required: false, type: 'int' },
          { id: 14, name: 'r', required: false, type: 'int', 'initial-default': 7 },
        ] } },
      },
      {
        id: 8, name: 'm', required: false,
        type: { type: 'map', 'key-id': 9, key: 'string', 'value-id': 10, 'value-required': false,
          value: { type: 'struct', fields: [{ id: 11, name: 'q', required: false, type: 'long' }] } },
      },
      { id: 12, name: 'f', required: false, type: 'double' },
      { id: 15, name: 'extra', required: false, type: 'int', 'initial-default': 42 },
      { id: 16, name: 'missing', required: false, type: 'timestamptz' },
    ]);
    const scan = await tableScanSql(setup(schema, [task(f1, 1n)]));
    const types = (await engine.columns(scan.sql, 'describe')).map((c) => `${c.name} ${c.type.toString()}`);
    expect(types).toEqual([
      'id BIGINT',
      's STRUCT("x_renamed" BIGINT, "z" VARCHAR)',
      'l STRUCT("p_new" INTEGER, "r" INTEGER)[]',
      'm MAP(VARCHAR, STRUCT("q" BIGINT))',
      'f DOUBLE',
      'extra INTEGER',
      'missing TIMESTAMP WITH TIME ZONE',
    ]);
    expect(await rows(scan.sql)).toEqual([
      "1 | {'x_renamed': 10, 'z': zz} | [{'p_new': 1, 'r': 7}, {'p_new': 2, 'r': 7}] | {k={'q': 5}} | 1.5 | 42 | NULL",
      '2 | NULL | NULL | NULL | NULL | 42 | NULL',
    ]);
  });

  it('reads files without field ids through the name mapping, and nothing without one', async () => {
    const f = await write('noids.parquet', `SELECT 1::BIGINT AS a, {'u': 'x', 'v': 2::INT} AS st, 'kept out' AS unmapped`);
    const schema = schemaOf(0, [
      { id: 1, name: 'a', required: false, type: 'long' },
      { id: 2, name: 'st', required: false, type: { type: 'struct', fields: [
        { id: 3, name: 'u', required: false, type: 'string' },
        { id: 4, name: 'v_renamed', required: false, type: 'long' },
      ] } },
      { id: 5, name: 'unmapped', required: false, type: 'string' },
    ]);
    const mapping = JSON.stringify([
      { 'field-id': 1, names: ['a'] },
      { 'field-id': 2, names: ['st'], fields: [{ 'field-id': 3, names: ['u'] }, { 'field-id': 4, names: ['v'] }] },
    ]);
    const mapped = await tableScanSql(setup(schema, [task(f, 1n)], { properties: { 'schema.name-mapping.default': mapping } }));
    expect(await rows(mapped.sql)).toEqual(["1 | {'u': x, 'v_renamed': 2} | NULL"]);
    // spec "Column Projection": no ids and no mapping → the columns are missing, not matched by name
    const unmapped = await tableScanSql(setup(schema, [task(f, 1n)]));
    expect(await rows(unmapped.sql)).toEqual(['NULL | NULL | NULL']);
  });

  it('fills identity partition columns the file does not contain from the partition tuple', async () => {
    const f = await write('part.parquet', `SELECT 7::BIGINT AS id`, `{id: 1}`);
    const spec: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'd', transform: 'identity' }] };
    const schema = schemaOf(0, [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'd', required: true, type: 'decimal(38, 23)' },
    ]);
    const scan = await tableScanSql(
      setup(schema, [task(f, 1n, [], { partition: [-12345678901234567890123n] }, 1)], { specs: [spec] }),
    );
    expect(await rows(scan.sql)).toEqual(['7 | -0.12345678901234567890123']);
  });
});

describe('deletes', () => {
  it('applies position deletes by stored path and equality deletes NULL-safely, by sequence number', async () => {
    const d1 = await write('d1.parquet', `SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'b'), (4, 'c')) v(id, cat)`, `{id: 1, cat: 2}`);
    const d2 = await write('d2.parquet', `SELECT * FROM (VALUES (5, 'a'), (6, 'b')) v(id, cat)`, `{id: 1, cat: 2}`);
    const p1 = await write(
      'p1.parquet',
      `SELECT * FROM (VALUES ('s3://b/t/d1.parquet', 0::BIGINT), ('s3://b/t/elsewhere.parquet', 1), ('s3://b/t/d2.parquet', 1)) v(file_path, pos)`,
      `{file_path: 2147483546, pos: 2147483545}`,
    );
    const e1 = await write('e1.parquet', `SELECT * FROM (VALUES ('b'), (NULL)) v(cat)`, `{cat: 2}`);
    const old = schemaOf(0, [
      { id: 1, name: 'id', required: true, type: 'int' },
      { id: 2, name: 'cat', required: false, type: 'string' },
    ]);
    // `cat` was dropped since: the equality delete still matches on it.
    const current = schemaOf(1, [{ id: 1, name: 'id', required: true, type: 'long' }]);
    const pos = del(p1, 2n, 'position');
    const eq = del(e1, 2n, 'equality', [2]);
    const scan = await tableScanSql(
      setup(current, [task(d1, 1n, [pos, eq]), task(d2, 3n, [pos])], { schemas: [old, current] }),
    );
    expect(await rows(scan.sql)).toEqual(['4', '5']);
    expect(scan.deleteFilesApplied).toBe(2);
    expect((await engine.columns(scan.sql, 'describe')).map((c) => c.name)).toEqual(['id']);
  });

  it('matches equality deletes on a field inside a struct', async () => {
    const d = await write('ns.parquet', `SELECT * FROM (VALUES (1, {'k': 'x'}), (2, {'k': 'y'}), (3, NULL)) v(id, s)`, `{id: 1, s: {__duckdb_field_id: 2, k: 3}}`);
    const e = await write('ns-del.parquet', `SELECT {'k': 'y'} AS s`, `{s: {__duckdb_field_id: 2, k: 3}}`);
    const schema = schemaOf(0, [
      { id: 1, name: 'id', required: true, type: 'int' },
      { id: 2, name: 's', required: false, type: { type: 'struct', fields: [{ id: 3, name: 'k', required: false, type: 'string' }] } },
    ]);
    const scan = await tableScanSql(setup(schema, [task(d, 1n, [del(e, 2n, 'equality', [3])])]));
    expect(await rows(scan.sql)).toEqual(["1 | {'k': x}", '3 | NULL']);
  });
});

describe('query shape', () => {
  it('reads files that project alike in one read_parquet call', async () => {
    const schema = schemaOf(0, [{ id: 1, name: 'n', required: true, type: 'long' }]);
    const tasks: ScanTask[] = [];
    for (let i = 0; i < 12; i++) tasks.push(task(await write(`many-${i}.parquet`, `SELECT ${i}::BIGINT AS n`, `{n: 1}`), 1n));
    tasks.push(task(await write('renamed.parquet', `SELECT 100::INT AS old_name`, `{old_name: 1}`), 1n));
    const scan = await tableScanSql(setup(schema, tasks));
    expect(scan.sql.match(/read_parquet\(/g)).toHaveLength(1);
    expect(scan.filesScanned).toBe(13);
    const [row] = await engine.all(`SELECT count(*) AS c, sum(n) AS s FROM (${scan.sql})`, 'sum');
    expect([Number(row!.c), Number(row!.s)]).toEqual([13, 166]);
  });

  it('gives typed, empty results for a table without data files', async () => {
    const schema = schemaOf(0, [
      { id: 1, name: 'a', required: false, type: 'decimal(10, 2)' },
      { id: 2, name: 'b', required: false, type: { type: 'list', 'element-id': 3, 'element-required': false, element: 'date' } },
    ]);
    const scan = await tableScanSql(setup(schema, []));
    expect((await engine.columns(scan.sql, 'describe')).map((c) => c.type.toString())).toEqual(['DECIMAL(10,2)', 'DATE[]']);
    expect(await rows(scan.sql)).toEqual([]);
  });

  it('names the table and the stored location of a missing file', async () => {
    const schema = schemaOf(0, [{ id: 1, name: 'n', required: true, type: 'long' }]);
    const e = await tableScanSql(setup(schema, [task('s3://b/t/gone.parquet', 1n)])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('not-found');
    expect((e as FloeError).message).toContain('table db.t: file s3://b/t/gone.parquet is missing');
  });

  it('creates a view under the table\'s namespace', async () => {
    const schema = schemaOf(0, [{ id: 1, name: 'n', required: true, type: 'long' }]);
    const f = await write('view.parquet', `SELECT 41::BIGINT AS n`, `{n: 1}`);
    await createTableView(engine, ['crm', 'contacts'], setup(schema, [task(f, 1n)]));
    const [row] = await engine.all('SELECT n + 1 AS v FROM crm.contacts', 'query view');
    expect(row!.v).toBe(42n);
  });
});
