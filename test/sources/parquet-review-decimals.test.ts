/**
 * Parquet decimals of more than 38 digits (pyarrow's decimal256): DuckDB's reader read such a
 * column as DOUBLE with wrong values (-1.50 as -24998051.85), and both a `kind: parquet`
 * pipeline and `floe load` wrote them without a word. Such a file is now refused naming the
 * file, the column and its type (exit 1); decimals up to 38 digits and real doubles beside
 * them still land exactly. A glob whose files hold a column as long (or a decimal of more than
 * 15 digits) in one and as double in another was read as doubles, rounding 9007199254740993 to
 * ...992 without a word: refused now when a value would not survive the double. Files written with pyarrow.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { VENV_PYTHON } from '../interop/oracle.js';
import { assertBuilt, show, useProjects, type Project } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_AUDIT_LOG: 'off' };

function writeParquet(p: Project, name: string, table: string): void {
  const script = ['import os, decimal, pyarrow as pa, pyarrow.parquet as pq', 'D = decimal.Decimal', `os.chdir(${JSON.stringify(p.dir)})`, "os.makedirs('data', exist_ok=True)", `pq.write_table(${table}, 'data/${name}.parquet')`];
  execFileSync(VENV_PYTHON, ['-c', script.join('\n')], { encoding: 'utf8' });
}

const WIDE = "pa.table({'id': [1, 2], 'amount': pa.array([D('1234567890123456789012345678901234567890.12'), D('-1.50')], pa.decimal256(50, 2))})";

describe('parquet decimals wider than 38 digits', () => {
  it('a pipeline refuses the file, naming it, the column and its type; nothing is written', async () => {
    const p = await newProject();
    writeParquet(p, 'wide', WIDE);
    writeParquet(p, 'ok', "pa.table({'id': [3], 'amount': pa.array([D('2.25')], pa.decimal128(38, 2))})");
    await p.pipeline('p', 'name: p\nsource: { kind: parquet, path: "data/*.parquet" }\ntarget: { table: raw.p, mode: overwrite }\n');
    const r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${p.path('data/wide.parquet')}: the Parquet column "amount" is decimal(50, 2): an Iceberg decimal holds at most 38 digits`);
    expect(await p.tables()).toEqual([]);
  });

  it('floe load refuses it too', async () => {
    const p = await newProject();
    writeParquet(p, 'wide', WIDE);
    const r = await p.floe(['load', 'raw.l', p.path('data/wide.parquet')], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('the Parquet column "amount" is decimal(50, 2)');
    expect(await p.tables()).toEqual([]);
  });

  it('decimals up to 38 digits and doubles beside them land exactly', async () => {
    const p = await newProject();
    writeParquet(p, 'a', "pa.table({'d38': pa.array([D('-1.50'), D('9' * 36 + '.99')], pa.decimal128(38, 2)), 'x': [0.5, -2.25], 's': pa.array([{'f': 1.5}, {'f': 2.0}])})");
    await p.pipeline('p', 'name: p\nsource: { kind: parquet, path: data/a.parquet }\ntarget: { table: raw.p, mode: overwrite }\n');
    await p.run(['p'], 0, env);
    const l = await p.floe(['load', 'raw.l', p.path('data/a.parquet')], env);
    expect(l.code, show(l)).toBe(0);
    for (const t of ['raw.p', 'raw.l']) {
      expect(await p.queryCli(`SELECT CAST(d38 AS VARCHAR) AS d, x, s FROM ${t}`)).toEqual([
        { d: '-1.50', x: 0.5, s: { f: 1.5 } },
        { d: `${'9'.repeat(36)}.99`, x: -2.25, s: { f: 2 } },
      ]);
    }
  });

  it('refuses a glob where a long or a long decimal of one file meets a double in another and a value would not survive it', async () => {
    const p = await newProject();
    writeParquet(p, 'a', "pa.table({'id': [1], 'n': pa.array([9007199254740993], pa.int64()), 'd': pa.array([D('1.25')], pa.decimal128(19, 2))})");
    writeParquet(p, 'b', "pa.table({'id': [2], 'n': [0.5], 'd': [0.25]})");
    await p.pipeline('p', 'name: p\nsource: { kind: parquet, path: "data/*.parquet" }\ntarget: { table: raw.p, mode: overwrite }\n');
    let r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${p.path('data/a.parquet')}: the Parquet column "n" is long in this file and a floating-point number in another file of pipeline p`);
    expect(r.stderr).not.toContain('9007199254740993');
    expect(await p.tables()).toEqual([]);
    const l = await p.floe(['load', 'raw.l', p.path('data/*.parquet')], env);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain(`${p.path('data/a.parquet')}: the Parquet column "n" is long in this file and a floating-point number in another file of the input of raw.l`);
    expect(await p.tables()).toEqual([]);

    writeParquet(p, 'a', "pa.table({'id': [1], 'n': pa.array([42], pa.int64()), 'd': pa.array([D('12345678901234567.89')], pa.decimal128(19, 2))})");
    r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('the Parquet column "d" is decimal(19, 2) in this file and a floating-point number in another file');

    // Values a double holds exactly are read as doubles, as before.
    writeParquet(p, 'a', "pa.table({'id': [1], 'n': pa.array([42], pa.int64()), 'd': pa.array([D('1.25')], pa.decimal128(19, 2))})");
    await p.run(['p'], 0, env);
    expect(await p.queryCli('SELECT id, n, d FROM raw.p ORDER BY id')).toEqual([
      { id: 1, n: 42, d: 1.25 },
      { id: 2, n: 0.5, d: 0.25 },
    ]);
  });
});
