/**
 * `kind: parquet` with column names that differ only in case, or repeat, in one file (at the
 * top level or among a struct's fields, at any depth): DuckDB's reader renamed the second
 * (`Email`, `email_1`), so a `columns:` rule on `Email` (a PII hash among them) left the
 * second column raw and untagged in the table. Such a file is now refused naming it and the
 * columns (exit 1), by pipelines and `floe load`, as CSV headers and JSON keys are; a column really called `email_1`, and
 * one column spelt differently in two files, still load. Files written with pyarrow.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { VENV_PYTHON } from '../interop/oracle.js';
import { assertBuilt, show, useProjects, type Project } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_AUDIT_LOG: 'off', FLOE_PII_SALT: 'parquet-review-salt' };

/** Writes `dir/<name>.parquet` per entry: Python expressions of pyarrow tables (`pa`). */
function writeParquet(p: Project, files: Record<string, string>): void {
  const script = ['import os, sys, pyarrow as pa, pyarrow.parquet as pq', `os.chdir(${JSON.stringify(p.dir)})`, "os.makedirs('data', exist_ok=True)"];
  for (const [name, table] of Object.entries(files)) script.push(`pq.write_table(${table}, 'data/${name}.parquet')`);
  execFileSync(VENV_PYTHON, ['-c', script.join('\n')], { encoding: 'utf8' });
}

const pipeline = (glob: string, columns = '') =>
  `name: p\nsource: { kind: parquet, path: "${glob}" }\n${columns}target: { table: raw.p, mode: overwrite }\n`;

describe('parquet column names that differ only in case', () => {
  it('refuses two top-level columns of one file, naming the file and both (a PII rule covered only the first)', async () => {
    const p = await newProject();
    writeParquet(p, { a: "pa.table({'id': [1], 'Email': ['ann@example.com'], 'email': ['bob@example.org']})" });
    await p.pipeline('p', pipeline('data/*.parquet', 'columns:\n  Email: { pii: { tag: email, policy: hash, apply: ingest } }\n'));
    const r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${p.path('data/a.parquet')}: the Parquet file has 2 columns whose names differ only in case: "Email" and "email"`);
    expect(r.stderr).not.toContain('bob@example.org');
    expect(await p.tables()).toEqual([]);
    // floe load: the table was created with a column email_1.
    const l = await p.floe(['load', 'raw.l', p.path('data/a.parquet')], env);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain(`${p.path('data/a.parquet')}: the Parquet file has 2 columns whose names differ only in case: "Email" and "email"`);
    expect(await p.tables()).toEqual([]);
  });

  it('refuses a repeated column name and struct fields that differ only in case, at any depth', async () => {
    const p = await newProject();
    writeParquet(p, { a: "pa.table([pa.array([1]), pa.array([2])], names=['a', 'a'])" });
    await p.pipeline('p', pipeline('data/a.parquet'));
    let r = await p.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('the Parquet file has the column "a" 2 times');

    const q = await newProject();
    writeParquet(q, {
      s: "pa.table({'id': [1], 's': pa.array([{'X': 1, 'x': 2}], pa.struct([('X', pa.int64()), ('x', pa.int64())]))})",
      l: "pa.table({'id': [1], 'l': pa.array([[{'k': 1, 'K': 2}]])})",
    });
    await q.pipeline('p', pipeline('data/s.parquet'));
    r = await q.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${q.path('data/s.parquet')}: the Parquet file has 2 fields of "s" whose names differ only in case: "X" and "x"`);
    await q.pipeline('p', pipeline('data/l.parquet'));
    r = await q.floe(['run', 'p'], env);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/data\/l\.parquet: the Parquet file has 2 fields of "l\.[^"]*" whose names differ only in case: "k" and "K"/);
    expect(await q.tables()).toEqual([]);
  });

  it('still loads a column really named email_1, and one column spelt differently in two files', async () => {
    const p = await newProject();
    writeParquet(p, {
      a: "pa.table({'email': ['a@x.io'], 'email_1': ['b@x.io'], 's': pa.array([{'k': 1, 'k_1': 2}])})",
    });
    await p.pipeline('p', pipeline('data/a.parquet'));
    await p.run(['p'], 0, env);
    expect(await p.queryCli('SELECT email, email_1, s FROM raw.p')).toEqual([{ email: 'a@x.io', email_1: 'b@x.io', s: { k: 1, k_1: 2 } }]);

    const q = await newProject();
    writeParquet(q, { a: "pa.table({'id': [1], 'Email': ['a@x.io']})", b: "pa.table({'id': [2], 'email': ['b@x.io']})" });
    await q.pipeline('p', pipeline('data/*.parquet'));
    await q.run(['p'], 0, env);
    expect(await q.queryCli('SELECT * FROM raw.p ORDER BY id')).toEqual([
      { id: 1, Email: 'a@x.io' },
      { id: 2, Email: 'b@x.io' },
    ]);
  });
});
