/**
 * A check of `crm.n` whose SQL reads a table in a nested namespace under the same first level
 * (`crm.x.y`): DuckDB needs `crm` as a database for `crm.x.y`, so the checked table's own view
 * must live where the nested-namespace views expect it (engine/read-view-name.ts). It was made
 * in a schema `crm` beside them, and the check failed with "DuckDB already has a schema crm".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-nested-');
beforeAll(() => assertBuilt());

describe('checks reading a nested table under the first namespace level of the checked table', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'y.csv'), 'id\n1\n2\n');
    const r = await floeIn(dir, ['load', 'crm.x.y', path.join(dir, 'data', 'y.csv')]);
    expect(r.code, show(r)).toBe(0);
    await writeFile(path.join(dir, 'data', 'n.csv'), 'id\n1\n2\n3\n');
    await writeFile(
      path.join(dir, 'pipelines', 'n.yaml'),
      [
        'name: n',
        'source: { kind: csv, path: data/n.csv }',
        'target: { table: crm.n }',
        'checks:',
        '  - sql: "SELECT count(*) FROM crm.n WHERE id NOT IN (SELECT id FROM crm.x.y)"',
        '    name: known_ids',
        '    severity: warn',
        '',
      ].join('\n'),
    );
  });

  it('the run evaluates the check against the staged rows and the nested table', async () => {
    const r = await floeIn(dir, ['run', 'n', '--json']);
    expect(r.code, show(r)).toBe(0);
    const check = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'check' && e.check === 'known_ids');
    expect(check, show(r)).toMatchObject({ status: 'warn', observed: 1, message: 'the query returned 1, expected 0' });
  });

  it('floe check reports the one unknown id', async () => {
    const r = await floeIn(dir, ['check', 'crm.n', '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { results: { name: string; status: string; failing_rows?: number; message?: string }[] };
    const res = report.results.find((x) => x.name === 'known_ids');
    expect(res, r.stdout).toMatchObject({ status: 'warn' });
    expect(res).toMatchObject({ observed: 1 });
  });
});
