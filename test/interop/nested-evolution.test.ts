/**
 * Nested schema evolution by `floe run` (on_schema_change: add_columns), read by the other
 * engines through the catalog. Two runs of one JSON Lines pipeline:
 *
 *   run 1: id, address {city}, items list<{sku, qty}>, attrs map<string, {a}>
 *   run 2: the records gain address.zip, items[].note, attrs' values gain b, and the new
 *          columns geo {lat, lon} and tags list<string>
 *   then:  floe table evolve --add-column "extra struct<n: int, labels: list<string>>"
 *          --add-column "address.geo struct<lat: double>"
 *
 * PyIceberg and Spark (Iceberg Java) read the evolved table like floe: the rows of run 1's
 * file give NULL for every new field (spec "Column Projection": a field id a data file does
 * not have reads as NULL). Then Spark appends a row with the new fields, and floe reads it as
 * Spark does. A second table's nested int and float fields are widened by a run (int → long,
 * float → double), and its loaded Parquet file (int32, float) reads back in the new types. One JVM launch. (attrs is a map because DuckDB types a JSON object with more
 * than 200 distinct keys as a MAP.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexFields } from '../../src/iceberg/schema.js';
import type { NestedField } from '../../src/iceberg/types.js';
import { type CanonicalRow, type PyIcebergReadResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { type Described, FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { asPyIceberg012Reads, expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';
import { writeParquet } from './helpers/inputs.js';

const T = 'ns.users';
const W = 'ns.wide';
let widened: { code: number; stdout: string; stderr: string };
let wideFields: NestedField[];
let wideFloe: CanonicalRow[];
let widePy: PyIcebergReadResult;
let wideSpark: SparkTableRead;
const KEYS = 210; // records per run, each with its own attrs key
let project: FloeProject;
let second: { code: number; stdout: string; stderr: string };
let evolved: { code: number; stdout: string; stderr: string };
let lastColumnIdBefore: number;
let fields: NestedField[];
let lastColumnIdAfter: number;
let floe: CanonicalRow[];
let py: PyIcebergReadResult;
let sparkBefore: SparkTableRead;
let sparkAfter: SparkTableRead;
let floeAfter: CanonicalRow[];

const lastColumnId = (d: Described) => (d.metadata as Described['metadata'] & { 'last-column-id': number })['last-column-id'];
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('nested-evolution');
  writeFileSync(
    join(project.dir, 'floe.yaml'),
    `warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: ${project.catalogName}\npipelines: pipelines/\n`,
  );
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(join(project.dir, 'pipelines', 'users.yaml'), `source: { kind: jsonl, path: inputs/users.jsonl }\ntarget: { table: ${T} }\n`);
  const input = join(project.inputs, 'users.jsonl');
  writeFileSync(
    input,
    lines(Array.from({ length: KEYS }, (_, i) => ({ id: i + 1, address: { city: `c${i + 1}` }, items: [{ sku: `s${i + 1}`, qty: i + 1 }], attrs: { [`k${i + 1}`]: { a: i + 1 } } }))),
  );
  await project.ok(['run', 'users']);
  lastColumnIdBefore = lastColumnId(await project.describe(T));
  writeFileSync(
    input,
    lines(
      Array.from({ length: KEYS }, (_, i) => {
        const id = KEYS + i + 1;
        return { id, address: { city: `c${id}`, zip: `z${id}` }, items: [{ sku: `s${id}`, qty: id, note: `n${id}` }], attrs: { [`k${id}`]: { a: id, b: `b${id}` } }, geo: { lat: id / 2, lon: -id / 4 }, tags: [`t${id}`] };
      }),
    ),
  );
  second = await project.run(['run', 'users', '--json']);
  evolved = await project.run(['table', 'evolve', T, '--add-column', 'extra struct<n: int, labels: list<string>>', '--add-column', 'address.geo struct<lat: double>']);
  const described = await project.describe(T);
  fields = currentFields(described);
  lastColumnIdAfter = lastColumnId(described);
  floe = await floeRows(project, T, fields);
  py = await pyicebergRead({ ...project.catalog, table: T });
  // A table whose nested ints a run widens to long (the Parquet file of the load keeps int32).
  const v1 = join(project.inputs, 'wide.parquet');
  await writeParquet(v1, `SELECT i::BIGINT AS id, {'q': i::INTEGER, 'f': (i / 2)::FLOAT} AS s, [{'q': -i::INTEGER}] AS l FROM range(1, 4) t(i)`);
  await project.load(W, [v1]);
  writeFileSync(join(project.dir, 'pipelines', 'wide.yaml'), `source: { kind: jsonl, path: inputs/wide.jsonl }\ntarget: { table: ${W} }\n`);
  writeFileSync(join(project.inputs, 'wide.jsonl'), '{"id": 4, "s": {"q": 3000000000, "f": 2.25}, "l": [{"q": 5000000000}]}\n');
  widened = await project.run(['run', 'wide', '--json']);
  wideFields = currentFields(await project.describe(W));
  wideFloe = await floeRows(project, W, wideFields);
  widePy = await pyicebergRead({ ...project.catalog, table: W });
  const r = await sparkBatch({
    ...project.catalog,
    ops: [
      { op: 'read', table: T, with_rows: true },
      {
        op: 'sql',
        sql:
          `INSERT INTO floe.${T} VALUES (1000, named_struct('city', 'spark', 'zip', 'z1000', 'geo', named_struct('lat', 0.5D)), ` +
          `array(named_struct('sku', 'sp', 'qty', 7L, 'note', 'n1000')), map('ks', named_struct('a', 70L, 'b', 'bs')), ` +
          `named_struct('lat', 1.5D, 'lon', -2.5D), array('ts'), named_struct('n', 3, 'labels', array('x', 'y')))`,
      },
      { op: 'read', table: T, with_rows: true },
      { op: 'read', table: W, with_rows: true },
    ],
  });
  sparkBefore = r.results[0] as SparkTableRead;
  sparkAfter = r.results[2] as SparkTableRead;
  wideSpark = r.results[3] as SparkTableRead;
  floeAfter = await floeRows(project, T, currentFields(await project.describe(T)));
}, 900_000);

afterAll(() => project?.remove());

const byId = (rows: CanonicalRow[]) => new Map(rows.map((r) => [Number(r.id), r]));

describe('nested fields added by a run, read by PyIceberg and Spark', () => {
  it('the second run adds the nested fields with fresh ids, named by path', () => {
    expect(second.code, second.stderr).toBe(0);
    const commit = second.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; schema_changes?: string[] })
      .find((e) => e.event === 'commit')!;
    expect(commit.schema_changes).toEqual([
      'add column address.zip string',
      'add column items.element.note string',
      'add column attrs.value.b string',
      'add column geo struct<lat:double,lon:double>',
      'add column tags list<string>',
    ]);
    const added = indexFields({ type: 'struct', fields }).filter((f) => f.id > lastColumnIdBefore);
    expect(added.map((f) => f.path.join('.'))).toEqual([
      'address.zip',
      'address.geo',
      'address.geo.lat',
      'items.element.note',
      'attrs.value.b',
      'geo',
      'geo.lat',
      'geo.lon',
      'tags',
      'tags.element',
      'extra',
      'extra.n',
      'extra.labels',
      'extra.labels.element',
    ]);
    expect(lastColumnIdAfter).toBe(lastColumnIdBefore + added.length);
  });

  it('floe table evolve then adds a struct column holding a list, and a struct inside address', () => {
    expect(evolved.stderr).toBe('');
    expect(evolved.code).toBe(0);
    expect(evolved.stdout).toContain('add column extra struct<n:int,labels:list<string>>');
    expect(evolved.stdout).toContain('add column address.geo struct<lat:double>');
  });

  it('floe reads the first run\'s rows with NULL in every new field', () => {
    expect(floe.length).toBe(2 * KEYS);
    const one = byId(floe).get(1)!;
    expect(one.address).toEqual({ city: 'c1', zip: null, geo: null });
    expect(one.items).toEqual([{ sku: 's1', qty: '1', note: null }]);
    expect(one.attrs).toEqual([['k1', { a: '1', b: null }]]);
    expect(one.geo).toBeNull();
    expect(one.tags).toBeNull();
    expect(one.extra).toBeNull();
    const later = byId(floe).get(KEYS + 1)!;
    expect(later.address).toEqual({ city: `c${KEYS + 1}`, zip: `z${KEYS + 1}`, geo: null });
  });

  it('PyIceberg reads the same rows, with NULL for the new fields in the old file', () => {
    expect(py.schema.map((f) => [f.name, f.field_id])).toEqual(fields.map((f) => [f.name, f.id]));
    expectSameRows(T, asPyIceberg012Reads(fields, floe).rows, py.rows, 'PyIceberg');
    const one = byId(py.rows!).get(1)!;
    expect(one.address).toEqual({ city: 'c1', zip: null, geo: null });
    expect(one.items).toEqual([{ sku: 's1', qty: '1', note: null }]);
    expect(one.attrs).toEqual([['k1', { a: '1', b: null }]]);
    expect(one.geo).toBeNull();
  });

  it('Spark reads the same rows', () => {
    expectSameRows(T, floe, sparkBefore.rows, 'Spark');
    expect(byId(sparkBefore.rows!).get(1)!.items).toEqual([{ sku: 's1', qty: '1', note: null }]);
  });

  it("floe reads Spark's append with the new fields as Spark does", () => {
    expect(floeAfter.length).toBe(2 * KEYS + 1);
    expectSameRows(T, floeAfter, sparkAfter.rows, 'Spark');
    const spark = byId(floeAfter).get(1000)!;
    expect(spark.attrs).toEqual([['ks', { a: '70', b: 'bs' }]]);
    expect(spark.extra).toEqual({ n: 3, labels: ['x', 'y'] });
    expect(spark.address).toEqual({ city: 'spark', zip: 'z1000', geo: { lat: 0.5 } });
  });
});

describe('nested ints widened to long by a run, read by PyIceberg and Spark', () => {
  it('the run widens s.q, s.f and l.element.q', () => {
    expect(widened.code, widened.stderr).toBe(0);
    expect(widened.stdout).toContain('"schema_changes":["widen s.q: int → long","widen s.f: float → double","widen l.element.q: int → long"]');
  });

  it("the loaded file's int32 and float values read back as long and double, in floe, PyIceberg and Spark", () => {
    expect(wideFloe.length).toBe(4);
    expect(byId(wideFloe).get(1)!.s).toEqual({ q: '1', f: 0.5 });
    expect(byId(wideFloe).get(4)!.l).toEqual([{ q: '5000000000' }]);
    expectSameRows(W, wideFloe, widePy.rows, 'PyIceberg');
    expectSameRows(W, wideFloe, wideSpark.rows, 'Spark');
  });
});
