/**
 * A SQL error says where it is: `floe query` gives the line and column in the query (never
 * DuckDB's excerpt of it, which may quote literals), and `floe validate` the file:line:col
 * inside the YAML value of a sql pipeline's query or a sql check.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-sql-pos-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'data'));
  await writeFile(path.join(project, 'data', 'lat.csv'), 'id,secret\n1,hunter2\n');
  const r = await floeIn(project, ['load', 'raw.lat', path.join(project, 'data', 'lat.csv')]);
  expect(r.code, show(r)).toBe(0);
}, 60_000);

describe('floe query: line and column of a SQL error', () => {
  it('a syntax error, in every output format and with --mask', async () => {
    for (const extra of [[], ['--format', 'json'], ['--format', 'csv'], ['--mask']]) {
      const r = await floeIn(project, ['query', 'select * frm raw.lat', ...extra]);
      expectFailure(r, 2, ['syntax error at or near "raw" (at line 1, column 14)']);
      expect(r.stderr).not.toContain('LINE 1');
    }
  });

  it('on a later line, after non-ASCII text, without quoting the literal', async () => {
    const r = await floeIn(project, ['query', "select 'üüüü-secret',\n  'é' frm raw.lat"]);
    expectFailure(r, 2, ['(at line 2, column 11)']);
    expect(r.stderr).not.toContain('secret');
    const csv = await floeIn(project, ['query', "select 'üüüü-secret', 'é' frm raw.lat", '--format', 'csv']);
    expectFailure(csv, 2, ['(at line 1, column 31)']);
  });

  it('in a line longer than DuckDB shows', async () => {
    const r = await floeIn(project, ['query', `select '${'x'.repeat(150)}' frm raw.lat`]);
    expectFailure(r, 2, ['(at line 1, column 165)']);
    expect(r.stderr).not.toContain('xxxx');
  });

  it('a binder error: the column it cannot find', async () => {
    const r = await floeIn(project, ['query', 'select id,\n  nocol from raw.lat']);
    expectFailure(r, 2, ['Referenced column "nocol" not found in FROM clause! (at line 2, column 3)']);
  });
});

describe('floe validate: file:line:col inside the query', () => {
  it('a literal block, a one-line double-quoted, single-quoted and block query of sql checks', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    const file = path.join(dir, 'pipelines', 'q.yaml');
    await writeFile(
      file,
      [
        'name: q', // 1
        'source:', // 2
        '  kind: sql', // 3
        '  query: |', // 4
        '    SELECT', // 5
        '      id,', // 6
        '      secret', // 7
        '    FROM raw.lat', // 8
        '    WHERE id > 1', // 9
        '      AND', // 10
        '      id frm x', // 11
        'target:', // 12
        '  table: raw.q', // 13
        'checks:', // 14
        '  - sql: "SELECT count(*) FROM {{ this }} WHER 1"', // 15
        '  - sql:', // 16
        '      query: |', // 17
        '        SELECT count(*)', // 18
        '        FROM {{ this }} t', // 19
        '        WHER x', // 20
        '      expect: 0', // 21
        "  - sql: 'SELECT ''a'' frm {{ this }}'", // 22
        '  - sql:', // 23
        '      query: >', // 24
        '        SELECT 1', // 25
        '        frm x', // 26
        '',
      ].join('\n'),
    );
    const r = await floeIn(dir, ['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:11:10: source.query: DuckDB cannot read this query: syntax error at or near "frm"`);
    expect(r.stderr).toContain(`${file}:15:48: checks[0].sql:`);
    expect(r.stderr).toContain(`${file}:20:9: checks[1].sql.query:`);
    expect(r.stderr).toContain(`${file}:22:28: checks[2].sql:`);
    // A folded block joins its lines: the start of the value.
    expect(r.stderr).toContain(`${file}:24:14: checks[3].sql.query:`);
  });
});
