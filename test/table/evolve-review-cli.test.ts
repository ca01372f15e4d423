/**
 * `floe table evolve` through the CLI, on points a review found wrong:
 *
 * - `--drop-partition-field` takes a field's expression as the pipeline syntax writes it
 *   (`bucket(4, id)`, `truncate(3, name)`), as the help and docs/EVOLUTION.md say, not only
 *   the printed form `bucket[4](id)`;
 * - a column added or renamed to the name of a partition field of any spec, which that field
 *   is not sourced from, is refused (Iceberg Java rebinds every spec to the new schema and
 *   refuses it; floe itself then refused every later partition change of the table), while
 *   renaming a field's own source column to the field's name stays allowed and later partition
 *   changes keep working.
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-evolve-review-');
let project: string;

interface Field {
  'field-id': number;
  name: string;
  transform: string;
  'source-id': number;
}

async function metadata(table: string): Promise<Record<string, any>> {
  const pointer = catalogPointer(project, table)!;
  return JSON.parse(await readFile(pointer.replace(/^file:(\/\/)?/, ''), 'utf8'));
}

async function defaultSpec(table: string): Promise<Field[]> {
  const m = await metadata(table);
  return m['partition-specs'].find((s: { 'spec-id': number }) => s['spec-id'] === m['default-spec-id']).fields;
}

async function ok(args: string[]): Promise<string> {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
});

describe('--drop-partition-field by expression', () => {
  it('takes bucket(N, col) and truncate(W, col) as typed, with or without spaces', async () => {
    const T = 'raw.dropexpr';
    await ok(['table', 'create', T, '--column', 'id long', '--column', 'ts timestamp', '--column', 'name string', '--partition-by', 'day(ts)', 'bucket(4, id)', 'truncate(3, name)']);
    const out = await ok(['table', 'evolve', T, '--drop-partition-field', 'bucket(4, id)']);
    expect(out).toContain('→ spec 1 [day(ts) as ts_day, truncate[3](name) as name_trunc]');
    expect((await defaultSpec(T)).map((f) => f.name)).toEqual(['ts_day', 'name_trunc']);
    await ok(['table', 'evolve', T, '--drop-partition-field', 'truncate(3,name)']);
    expect((await defaultSpec(T)).map((f) => f.name)).toEqual(['ts_day']);
    // The printed form and the name still work.
    await ok(['table', 'evolve', T, '--add-partition-field', 'bucket(8, id)']);
    await ok(['table', 'evolve', T, '--drop-partition-field', 'bucket[8](id)', '--drop-partition-field', 'ts_day']);
    expect(await defaultSpec(T)).toEqual([]);
  });

  it('an expression with another width is not the field, and says what the spec has', async () => {
    const T = 'raw.dropexpr2';
    await ok(['table', 'create', T, '--column', 'id long', '--partition-by', 'bucket(4, id)']);
    const before = catalogPointer(project, T);
    const r = await floeIn(project, ['table', 'evolve', T, '--drop-partition-field', 'bucket(8, id)']);
    expectFailure(r, 2, ['raw.dropexpr2', "cannot drop partition field 'bucket(8, id)'", 'id_bucket (bucket[4](id))']);
    expect(catalogPointer(project, T)).toBe(before);
  });
});

describe('a column named like a partition field', () => {
  it('refuses --add-column and --rename-column to the name of a field not sourced from that column (exit 2, nothing committed)', async () => {
    const T = 'raw.pname';
    await ok(['table', 'create', T, '--column', 'id long', '--column', 'ts timestamp', '--column', 'x int', '--partition-by', 'day(ts)', 'bucket(4, id)']);
    const before = catalogPointer(project, T);
    expectFailure(await floeIn(project, ['table', 'evolve', T, '--add-column', 'ts_day string']), 2, [
      "table raw.pname: cannot add column 'ts_day': partition field 'ts_day' of spec 0 (day(ts)) has that name",
    ]);
    expectFailure(await floeIn(project, ['table', 'evolve', T, '--rename-column', 'x=id_bucket']), 2, [
      "table raw.pname: cannot rename 'x' to 'id_bucket': partition field 'id_bucket' of spec 0 (bucket[4](id)) has that name",
    ]);
    expect(catalogPointer(project, T)).toBe(before);
  });

  it('also for a field of an older spec, which Java rebinds to the new schema as well', async () => {
    const T = 'raw.pname_old';
    await ok(['table', 'create', T, '--column', 'id long', '--column', 'ts timestamp', '--partition-by', 'day(ts)']);
    await ok(['table', 'evolve', T, '--partition-by', 'month(ts)']);
    const before = catalogPointer(project, T);
    expectFailure(await floeIn(project, ['table', 'evolve', T, '--add-column', 'ts_day date']), 2, ["cannot add column 'ts_day': partition field 'ts_day' of spec 0"]);
    expect(catalogPointer(project, T)).toBe(before);
  });

  it("renaming a field's own source column to the field's name is allowed, and later partition changes still work", async () => {
    const T = 'raw.pname_self';
    await ok(['table', 'create', T, '--column', 'id long', '--column', 'ts timestamp', '--partition-by', 'day(ts)', 'bucket(4, id)']);
    await ok(['table', 'evolve', T, '--rename-column', 'ts=ts_day']);
    // Keeps day(ts_day) as ts_day (id 1000), drops the bucket field, adds truncate.
    await ok(['table', 'evolve', T, '--drop-partition-field', 'id_bucket', '--add-partition-field', 'truncate(10, id)']);
    const spec = await defaultSpec(T);
    expect(spec.map((f) => [f['field-id'], f.name, f.transform, f['source-id']])).toEqual([
      [1000, 'ts_day', 'day', 2],
      [1002, 'id_trunc', 'truncate[10]', 1],
    ]);
    const m = await metadata(T);
    expect(m['last-partition-id']).toBe(1002);
  });
});

describe('a run that adds a column named like a partition field (on_schema_change: add_columns)', () => {
  it('fails naming the column and the field, commits nothing, and runs once the pipeline renames the column', async () => {
    const T = 'raw.pname_run';
    await ok(['table', 'create', T, '--column', 'id long', '--column', 'ts timestamp', '--partition-by', 'day(ts)']);
    await mkdir(path.join(project, 'pipelines'), { recursive: true });
    await writeFile(path.join(project, 'pname.csv'), 'id,ts,ts_day\n1,2024-01-01 00:00:00,hello\n');
    const file = path.join(project, 'pipelines', 'pname.yaml');
    await writeFile(file, `name: pname\nsource: { kind: csv, path: pname.csv }\ntarget: { table: ${T}, mode: append, on_schema_change: add_columns }\n`);
    const before = catalogPointer(project, T);
    const r = await floeIn(project, ['run', 'pname']);
    expectFailure(r, 1, ["column 'ts_day' (id 3) would take the name of partition field 'ts_day' of spec 0", 'rename: <new name>']);
    expect(catalogPointer(project, T)).toBe(before);
    const m = await metadata(T);
    expect(m.schemas.length).toBe(1);

    await writeFile(file, `name: pname\nsource: { kind: csv, path: pname.csv }\ncolumns:\n  ts_day: { rename: ts_day_text }\ntarget: { table: ${T}, mode: append, on_schema_change: add_columns }\n`);
    await ok(['run', 'pname']);
    const q = await ok(['query', `SELECT id, ts_day_text FROM ${T}`, '--format', 'json']);
    expect(JSON.parse(q)).toEqual([{ id: 1, ts_day_text: 'hello' }]);
  });
});

describe('bucket and truncate parameters beyond an int', () => {
  it('are a usage error (exit 2) naming the option, in table create, table evolve and a pipeline file', async () => {
    expectFailure(await floeIn(project, ['table', 'create', 'raw.bigbucket', '--column', 'id long', '--partition-by', 'bucket(2147483648, id)']), 2, [
      "--partition-by 'bucket(2147483648, id)'",
      'must be at most 2147483647',
    ]);
    expect(catalogPointer(project, 'raw.bigbucket')).toBeNull();
    const T = 'raw.bigtrunc';
    await ok(['table', 'create', T, '--column', 'id long']);
    const before = catalogPointer(project, T);
    expectFailure(await floeIn(project, ['table', 'evolve', T, '--add-partition-field', 'truncate(99999999999, id)']), 2, ["--add-partition-field 'truncate(99999999999, id)'"]);
    expectFailure(await floeIn(project, ['table', 'evolve', T, '--sort-by', 'bucket(3000000000, id)']), 2, ["--sort-by 'bucket(3000000000, id)'"]);
    expect(catalogPointer(project, T)).toBe(before);
    // The largest int is a valid parameter.
    await ok(['table', 'evolve', T, '--partition-by', 'bucket(2147483647, id)']);
    expect((await defaultSpec(T)).map((f) => f.transform)).toEqual(['bucket[2147483647]']);

    await mkdir(path.join(project, 'pipelines'), { recursive: true });
    await writeFile(path.join(project, 'data.csv'), 'id\n1\n');
    await writeFile(
      path.join(project, 'pipelines', 'bigb.yaml'),
      'name: bigb\nsource: { kind: csv, path: data.csv }\ntarget:\n  table: raw.bigb\n  partition_by: ["bucket(3000000000, id)"]\n',
    );
    expectFailure(await floeIn(project, ['validate', 'bigb']), 2, ['bigb.yaml:5', 'must be at most 2147483647']);
  });
});

describe('a v1 table another engine wrote with inline manifests (no manifest list)', () => {
  const LEGACY = path.resolve(import.meta.dirname, '../../../shared/fixtures/iceberg/duckdb-iceberg/iceberg_v1_deprecated/default/legacy_v1');

  it('evolves (void partition field, widening, rename) and reads; a write says why it cannot go on top of it', async () => {
    // A copy: the shared fixture is never written to.
    const copy = path.join(await tmp(), 'legacy_v1');
    await cp(LEGACY, copy, { recursive: true });
    const T = 'raw.legacy';
    await ok(['table', 'register', T, copy, '--map-location', `data/persistent/iceberg_v1_deprecated/default/legacy_v1=${copy}`]);
    const out = await ok(['table', 'evolve', T, '--drop-partition-field', 'category', '--add-partition-field', 'bucket(3, id)', '--widen-column', 'amount=long', '--rename-column', 'category=cat']);
    expect(out).toContain('partition spec 0 [cat as category] → spec 1 [void(cat) as category, bucket[3](id) as id_bucket]');
    const m = await metadataAt(copy);
    expect(m['format-version']).toBe(1);
    expect(m['partition-spec']).toEqual(m['partition-specs'][1].fields);
    expect(m['partition-specs'][1].fields.map((f: Field) => [f['field-id'], f.transform])).toEqual([[1000, 'void'], [1001, 'bucket[3]']]);
    expect(m['last-partition-id']).toBe(1001);
    const q = await ok(['query', `SELECT count(*) AS n, sum(amount) AS s FROM ${T}`, '--format', 'json']);
    expect(JSON.parse(q)).toEqual([{ n: 3, s: expect.anything() }]);

    await writeFile(path.join(project, 'legacy.csv'), 'id,cat,amount\n100,zz,5000000000\n');
    const before = catalogPointer(project, T);
    const r = await floeIn(project, ['load', T, path.join(project, 'legacy.csv')]);
    expectFailure(r, 1, ['raw.legacy', 'lists its manifests inline (format v1, no manifest list)']);
    expect(r.stderr).not.toContain('relative location');
    expect(catalogPointer(project, T)).toBe(before);
  });
});

/** The newest metadata file floe wrote in a registered table's (mapped) metadata folder. */
async function metadataAt(tableDir: string): Promise<Record<string, any>> {
  const names = (await readdir(path.join(tableDir, 'metadata'))).filter((n) => /^\d{5}-.*\.metadata\.json$/.test(n)).sort();
  return JSON.parse(await readFile(path.join(tableDir, 'metadata', names[names.length - 1]!), 'utf8'));
}
