/**
 * `floe validate` parses the query of every sql check with DuckDB: a syntax error, a
 * statement that is not a query, or several statements are config errors at file:line:col,
 * found before a run or a CI check meets them. Names of tables and columns are left to
 * evaluation (they depend on the data).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sqlCheckDiagnostics } from '../../src/checks/validate-sql.js';
import { parseYaml } from '../../src/pipeline/parse.js';
import { checkList } from '../../src/pipeline/schema-checks.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-sql-');
const HEAD = 'name: c\nsource:\n  kind: csv\n  path: data/c.csv\ntarget:\n  table: crm.c\nchecks:\n';

beforeAll(() => assertBuilt());

describe('floe validate and the queries of sql checks', () => {
  it('reports what DuckDB cannot parse, at the query, exit 2; accepts {{ this }}, {{ batch }}, WITH and unknown names', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(
      path.join(dir, 'pipelines', 'c.yaml'),
      HEAD +
        '  - sql: "SELEC count(*) FROM {{ this }}"\n' + // line 8
        '  - sql:\n      query: "DELETE FROM {{ this }}"\n      expect: 0\n' + // query on line 10
        '  - sql: "SELECT 1; SELECT 2"\n' + // line 12
        '  - sql: "SELECT count(*) FROM {{ this }} WHERE no_such_column > now();"\n' +
        '  - sql: "WITH x AS (SELECT 1 AS a) SELECT count(*) FROM x, {{ batch }}, other.table"\n',
    );
    const r = await floeIn(dir, ['validate']);
    expect(r.code, show(r)).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.includes('DuckDB cannot read this query'));
    expect(lines).toEqual([
      `${path.join(dir, 'pipelines', 'c.yaml')}:8:10: checks[0].sql: DuckDB cannot read this query: syntax error at or near "SELEC"`,
      `${path.join(dir, 'pipelines', 'c.yaml')}:10:14: checks[1].sql.query: DuckDB cannot read this query: a check runs one SELECT query (or WITH ... SELECT)`,
      `${path.join(dir, 'pipelines', 'c.yaml')}:12:10: checks[2].sql: DuckDB cannot read this query: a check runs one SELECT query, not several statements`,
    ]);
    expect(r.stderr).toContain('\n3 errors');
  });

  it('asks the parser about sql checks only, and points at each', async () => {
    const text = HEAD + '  - row_count: { min: 1 }\n  - sql: "SELECT {{ this }}"\n';
    const source = parseYaml(text, 'c.yaml').source;
    const checks = checkList.parse([{ row_count: { min: 1 } }, { sql: 'SELECT {{ this }}' }]);
    const seen: string[] = [];
    const d = await sqlCheckDiagnostics([{ file: 'c.yaml', source, checks }], async (q) => {
      seen.push(q);
      return 'nope';
    });
    expect(seen).toEqual(['SELECT __floe_this']);
    expect(d).toEqual([{ file: 'c.yaml', line: 9, col: 10, path: 'checks[1].sql', message: 'DuckDB cannot read this query: nope', severity: 'error' }]);
  });
});
