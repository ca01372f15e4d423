/**
 * sql checks and PII governance through the CLI: a check that reads the warehouse's own
 * Parquet files (the raw values of tagged columns) or DuckDB's catalog is refused when the
 * project loads, at the check's file:line:col, exit 2; ordinary sql checks over {{ this }}
 * and catalog tables pass and fail as before, and never quote a tagged value.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-sql-gov-');
beforeAll(() => assertBuilt());

const RAW = ['zed.private@example.com', 'amy.secret@example.org'];

async function parquetFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.parquet')) out.push(path.join(e.parentPath, e.name));
  return out;
}

describe('sql checks may not read files or DuckDB catalog', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'c.csv'), ['id,email,tier', `1,${RAW[0]},gold`, `2,${RAW[1]},tin`, '3,ok@example.net,silver', ''].join('\n'));
    await writeFile(path.join(dir, 'data', 'a.csv'), ['id,name', '1,acme', '2,beta', '3,gamma', ''].join('\n'));
    await writeFile(path.join(dir, 'pipelines', 'a.yaml'), 'name: a\nsource: { kind: csv, path: data/a.csv }\ntarget: { table: crm.a }\n');
    await writeFile(
      path.join(dir, 'pipelines', 'c.yaml'),
      [
        'name: c',
        'source: { kind: csv, path: data/c.csv }',
        'columns:',
        '  email: { pii: email }',
        'target: { table: crm.c }',
        'checks:',
        '  - sql: "SELECT count(*) FROM {{ this }} WHERE id IS NULL"',
        '    name: no null ids',
        '  - sql: { query: "SELECT count(*) FROM {{ this }} t JOIN crm.a a USING (id)", expect: 3 }',
        '    name: every contact has an account',
        '  - sql: { query: "SELECT max(email) FROM {{ this }}", expect: nobody }',
        '    name: max email',
        '    severity: warn',
        '  - sql: { query: "SELECT max(tier) FROM {{ this }}", expect: gold }',
        '    name: max tier',
        '    severity: warn',
        '',
      ].join('\n'),
    );
    for (const p of ['a', 'c']) {
      const r = await floeIn(dir, ['run', p]);
      expect(r.code, show(r)).toBe(0);
      for (const raw of RAW) expect(r.stdout + r.stderr).not.toContain(raw);
    }
  });

  it('ordinary sql checks pass and fail as before; a value derived from a tagged column is withheld everywhere', async () => {
    for (const format of ['json', 'junit', 'text']) {
      const r = await floeIn(dir, ['check', 'crm.c', '--format', format, '--no-history']);
      expect(r.code, show(r)).toBe(0); // the failing ones are warnings
      for (const raw of RAW) expect(r.stdout + r.stderr, format).not.toContain(raw);
      if (format !== 'json') continue;
      const report = JSON.parse(r.stdout) as { results: { name: string; status: string; observed: unknown; message: string }[] };
      expect(report.results.map((x) => [x.name, x.status, x.observed, x.message])).toEqual([
        ['no null ids', 'pass', 0, 'the query returned 0'],
        ['every contact has an account', 'pass', 3, 'the query returned 3'],
        ['max email', 'warn', null, 'the query returned a value derived from a PII column (value withheld), expected nobody'],
        ['max tier', 'warn', 'tin', 'the query returned tin, expected gold'],
      ]);
    }
    const q = await floeIn(dir, ['query', 'SELECT message FROM floe.check_results', '--format', 'json']);
    expect(q.code, show(q)).toBe(0);
    expect(q.stdout).toContain('value withheld');
    for (const raw of RAW) expect(q.stdout).not.toContain(raw);
  });

  it('refuses read_parquet of the warehouse files and duckdb_views() at the check, file:line:col, exit 2, before anything runs', async () => {
    const files = await parquetFiles(path.join(dir, 'warehouse'));
    expect(files.length).toBeGreaterThan(0);
    const leak = path.join(dir, 'pipelines', 'leak.yaml');
    await writeFile(
      leak,
      [
        'name: leak', // 1
        'source: { kind: csv, path: data/c.csv }',
        'target: { table: crm.d }',
        'checks:',
        `  - sql: "SELECT count(*) FROM read_parquet('${files[0]!.split(path.sep).join('/')}') WHERE email LIKE '%secret%'"`, // 5
        '  - sql:', // 6
        '      query: |', // 7
        '        SELECT count(*) FROM {{ this }}',
        '        WHERE id IN (SELECT 1 FROM duckdb_views())',
        '      expect: 0',
        '',
      ].join('\n'),
    );
    try {
      const v = await floeIn(dir, ['validate']);
      expect(v.code, show(v)).toBe(2);
      const lines = v.stderr.split('\n').filter((l) => l.startsWith(leak));
      expect(lines).toEqual([
        `${leak}:5:10: checks[0].sql: reads the table function read_parquet(): a sql check may not read files, the warehouse's own data files included (they hold the raw values of PII-tagged columns) (query line 1, column 22)`,
        `${leak}:7:14: checks[1].sql.query: reads the table function duckdb_views(): a sql check reads only {{ this }}, {{ batch }} and catalog tables (DuckDB's catalog functions would show the masked views' SQL, hash salts included) (query line 2, column 28)`,
      ]);

      // floe run refuses the project load: nothing runs, crm.d is not created.
      const run = await floeIn(dir, ['run', 'leak']);
      expect(run.code, show(run)).toBe(2);
      expect(run.stderr).toContain(`${leak}:5:10`);
      for (const raw of RAW) expect(run.stdout + run.stderr).not.toContain(raw);
      const t = await floeIn(dir, ['query', 'SELECT count(*) AS n FROM crm.d']);
      expect(t.code, show(t)).not.toBe(0);

      // floe check still runs the valid pipelines' checks and reports the refusal beside them, exit 2.
      const c = await floeIn(dir, ['check', '--all', '--format', 'json', '--no-history']);
      expect(c.code, show(c)).toBe(2);
      const report = JSON.parse(c.stdout) as { results: { table: string }[]; problems: { file: string; line: number; col: number; message: string }[] };
      expect(report.problems.map((p) => [p.file, p.line, p.col])).toEqual([['pipelines/leak.yaml', 5, 10], ['pipelines/leak.yaml', 7, 14]]);
      expect(report.results.filter((r) => r.table === 'crm.c')).toHaveLength(4);
      for (const raw of RAW) expect(c.stdout + c.stderr).not.toContain(raw);
    } finally {
      await writeFile(leak, 'name: leak\nsource: { kind: csv, path: data/c.csv }\ntarget: { table: crm.d }\n');
    }
  });
});
