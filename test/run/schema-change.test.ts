/**
 * Schema changes between runs (`target.on_schema_change`, default add_columns): a new
 * source column is added (old rows read NULL), int → long widens, an incompatible change
 * fails naming the column and both types with the table unchanged; `fail` refuses a new
 * column and `ignore` drops it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, duck, events, type Project, type RunResult, sqlString, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('schema changes between runs', () => {
  let p: Project;
  let second: RunResult;
  const parquet = (sql: string) => duck(`COPY (${sql}) TO ${sqlString(p.path('data/cur.parquet'))} (FORMAT parquet)`);

  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('evolve', 'source: { kind: parquet, path: data/cur.parquet }\ntarget: { table: lake.evolve, mode: merge, key: [id] }\n');
    await p.pipeline('strict', 'source: { kind: csv, path: data/strict.csv }\ntarget: { table: lake.strict, on_schema_change: fail }\n');
    await p.pipeline('lenient', 'source: { kind: csv, path: data/lenient.csv }\ntarget: { table: lake.lenient, on_schema_change: ignore }\n');

    await p.write('data/strict.csv', 'id,a\n1,x\n');
    await p.write('data/lenient.csv', 'id,a\n1,x\n');
    await parquet(`SELECT 1::INT AS id, 10::INT AS n, 7::INT AS code UNION ALL SELECT 2::INT, 20::INT, 8::INT`);
    await p.run(['--all']);
    expect(await p.columns('lake.evolve')).toEqual(['id int', 'n int', 'code int']);

    await p.write('data/strict.csv', 'id,a,b\n2,y,new\n');
    await p.write('data/lenient.csv', 'id,a,b\n2,y,new\n');
    // id and n widen (id is the merge key: old files' int bounds must still prune), extra is new.
    await parquet(`SELECT 2::BIGINT AS id, 5000000000::BIGINT AS n, 8::INT AS code, 'x' AS extra UNION ALL SELECT 3::BIGINT, 30::BIGINT, 9::INT, 'y'`);
    second = await p.run(['--all', '--json'], 1);
  });

  it('add_columns (the default): a new column is added and old rows read NULL; int widens to long, the merge key included', async () => {
    expect(await p.columns('lake.evolve')).toEqual(['id long', 'n long', 'code int', 'extra string']);
    expect(await p.query('SELECT id, n, code, extra FROM lake.evolve ORDER BY id')).toEqual([
      { id: 1, n: 10, code: 7, extra: null },
      { id: 2, n: 5000000000, code: 8, extra: 'x' },
      { id: 3, n: 30, code: 9, extra: 'y' },
    ]);
    const commit = events(second.stdout).find((e) => e.event === 'commit' && e.pipeline === 'evolve')!;
    expect(commit.schema_changes).toEqual(['widen id: int → long', 'widen n: int → long', 'add column extra string']);
    const last = (await p.snapshots('lake.evolve')).at(-1)!.summary;
    expect(last.operation).toBe('overwrite');
    expect(last['deleted-data-files']).toBe('1');
    const m = await p.metadata('lake.evolve');
    expect(m.schemas).toHaveLength(2);
    // The new schema commits with the data written in it.
    expect(m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id'])!['schema-id']).toBe(m['current-schema-id']);
  });

  it('on_schema_change: fail refuses a new column, naming it; the table is unchanged', async () => {
    const err = events(second.stdout).find((e) => e.event === 'error' && e.pipeline === 'strict')!;
    expect(err.kind).toBe('schema');
    expect(err.message).toContain('"b"');
    expect(err.message).toContain('lake.strict');
    expect(await p.columns('lake.strict')).toEqual(['id long', 'a string']);
    expect(await p.query('SELECT id, a FROM lake.strict')).toEqual([{ id: 1, a: 'x' }]);
    expect(await p.snapshots('lake.strict')).toHaveLength(1);
  });

  it('on_schema_change: ignore drops a new column and writes the rest', async () => {
    expect(await p.columns('lake.lenient')).toEqual(['id long', 'a string']);
    expect(await p.query('SELECT id, a FROM lake.lenient ORDER BY id')).toEqual([
      { id: 1, a: 'x' },
      { id: 2, a: 'y' },
    ]);
  });

  it('a column changing from int to string fails naming the column and both types; exit 1; table unchanged', async () => {
    const pointer = await p.pointer('lake.evolve');
    await parquet(`SELECT 4::INT AS id, 40::BIGINT AS n, 'abc' AS code`);
    const r = await p.run(['evolve'], 1);
    expect(r.stderr).toMatch(/column "code": the input has type string, the table lake\.evolve has int/);
    expect(await p.pointer('lake.evolve')).toBe(pointer);
    expect(await p.columns('lake.evolve')).toEqual(['id long', 'n long', 'code int', 'extra string']);
    expect(await p.query('SELECT count(*) AS n FROM lake.evolve')).toEqual([{ n: 3 }]);
  });
});
