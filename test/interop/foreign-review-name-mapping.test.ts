/**
 * floe evolves the schema of a table Spark built from files without field ids (add_files of
 * plain Parquet, which gives the table a `schema.name-mapping.default`), and Spark then adds
 * more such files written in the evolved shape. Iceberg Java (and PyIceberg) update the name
 * mapping with every schema change (MappingUtil.update: a renamed column keeps its old name and
 * gains the new one, an added column is mapped by its name); floe left the mapping as it was,
 * so the renamed and the added columns of every file added afterwards read NULL in Spark and
 * floe (values lost without an error), and PyIceberg refused to read the table.
 *
 *   Spark: CREATE TABLE, add_files(p1: id, name, info{a})
 *     → floe table evolve: rename name → full_name, add c, add info.b
 *     → Spark: add_files(p2: id, full_name, info{a, b}, c), read
 *     → PyIceberg and floe read.
 *
 * Two JVM launches (the evolve has to come between Spark's two add_files).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, type SparkSqlResult, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, type Described, assertBuilt } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.imported';
const SPARK_TIMEOUT = 900_000;
const MAPPING = 'schema.name-mapping.default';

let project: FloeProject;
let firstAdd: SparkSqlResult;
let secondAdd: SparkSqlResult;
let sparkRows: CanonicalRow[];
let py: PyIcebergReadResult | Error;
let floeRows: Record<string, unknown>[];
let described: Described;

const parquetDir = (name: string) => join(project.dir, 'raw', name);
const addFiles = (dir: string) => `CALL ${project.catalogName}.system.add_files(table => '${TABLE}', source_table => '\`parquet\`.\`${dir}\`')`;

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('foreign-name-mapping');
  // The catalog's tables exist once floe has written something (Spark is told not to create them).
  await project.ok(['table', 'create', 'ns.seed', '--column', 'id int']);
  const c = project.catalogName;

  const first = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'sql', sql: `CREATE TABLE ${c}.${TABLE} (id bigint, name string, info struct<a: string>) USING iceberg TBLPROPERTIES ('format-version'='2')` },
      { op: 'sql', sql: `INSERT OVERWRITE DIRECTORY '${parquetDir('p1')}' USING parquet SELECT CAST(10 AS BIGINT) AS id, 'ten' AS name, named_struct('a', 'a10') AS info` },
      { op: 'sql', sql: addFiles(parquetDir('p1')) },
    ],
  });
  firstAdd = first.results[2] as SparkSqlResult;

  await project.ok(['table', 'evolve', TABLE, '--rename-column', 'name=full_name', '--add-column', 'c string', '--add-column', 'info.b string']);
  described = await project.describe(TABLE);

  const second = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      {
        op: 'sql',
        sql: `INSERT OVERWRITE DIRECTORY '${parquetDir('p2')}' USING parquet SELECT CAST(20 AS BIGINT) AS id, 'twenty' AS full_name, named_struct('a', 'a20', 'b', 'b20') AS info, 'cee' AS c`,
      },
      { op: 'sql', sql: addFiles(parquetDir('p2')) },
      { op: 'sql', sql: `SELECT id, full_name, info.a AS a, info.b AS b, c FROM ${c}.${TABLE} ORDER BY id` },
    ],
  });
  secondAdd = second.results[1] as SparkSqlResult;
  sparkRows = (second.results[2] as SparkSqlResult).rows;

  // Without the mapping's new names PyIceberg cannot read the table at all ("Could not find
  // field with name: full_name"): kept, so the other readers' results are still checked.
  py = await pyicebergRead({ ...project.catalog, table: TABLE }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  floeRows = await project.query(`SELECT id, full_name, info.a AS a, info.b AS b, c FROM ${TABLE} ORDER BY id`);
}, 1_500_000);

afterAll(() => project?.remove());

const EXPECTED = [
  { id: 10, full_name: 'ten', a: 'a10', b: null, c: null },
  { id: 20, full_name: 'twenty', a: 'a20', b: 'b20', c: 'cee' },
];

describe("floe's schema change on a table with a name mapping (files added by name)", () => {
  it('Spark added one file each time', () => {
    expect(firstAdd.rows).toEqual([expect.objectContaining({ added_files_count: '1' })]);
    expect(secondAdd.rows).toEqual([expect.objectContaining({ added_files_count: '1' })]);
  });

  it('the mapping keeps the old name, gains the new one and maps the added columns, as Iceberg Java does', () => {
    const mapping = JSON.parse(described.metadata.properties[MAPPING]!) as { 'field-id': number; names: string[]; fields?: { 'field-id': number; names: string[] }[] }[];
    const byName = (n: string) => mapping.find((f) => f.names.includes(n));
    expect(byName('name')?.names).toEqual(['name', 'full_name']);
    expect(byName('c')?.names).toEqual(['c']);
    expect(byName('info')?.fields?.map((f) => f.names)).toEqual([['a'], ['b']]);
    // Every mapped id is the id of the column of that name.
    const fields = described.metadata.schemas.find((s) => s['schema-id'] === described.metadata['current-schema-id'])!.fields;
    expect(byName('full_name')?.['field-id']).toBe(fields.find((f) => f.name === 'full_name')!.id);
    expect(byName('c')?.['field-id']).toBe(fields.find((f) => f.name === 'c')!.id);
  });

  it('Spark reads the renamed and the added columns of the file it added after the change', () => {
    expect(sparkRows.map((r) => ({ ...r, id: Number(r.id) }))).toEqual(EXPECTED);
  });

  it('PyIceberg reads them too', () => {
    if (py instanceof Error) expect.unreachable(`PyIceberg cannot read ${TABLE}: ${py.message.split('\n').slice(-2).join(' ')}`);
    const rows = (py.rows ?? []).map((r) => {
      const info = r.info as { a: unknown; b: unknown } | null;
      return { id: Number(r.id), full_name: r.full_name, a: info?.a ?? null, b: info?.b ?? null, c: r.c };
    });
    expect(rows).toEqual(EXPECTED);
  });

  it('and so does floe', () => {
    expect(floeRows.map((r) => ({ ...r, id: Number(r.id) }))).toEqual(EXPECTED);
  });
});
