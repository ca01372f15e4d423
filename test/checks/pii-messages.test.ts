/**
 * Check messages quote offending values (accepted_values, relationships) — but never those of
 * a PII-tagged column: the messages reach the terminal, JSON/JUnit reports and
 * floe.check_results, which no `--mask` covers. Before, a failing accepted_values check on a
 * tagged email column printed the raw addresses everywhere.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, type RunResult, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-pii-');
beforeAll(() => assertBuilt());

const RAW = ['zed.private@example.com', 'amy.secret@example.org'];

describe('check messages and PII-tagged columns', () => {
  let dir: string;
  let run: RunResult;
  beforeAll(async () => {
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'c.csv'), ['id,email,tier', `1,${RAW[0]},gold`, `2,${RAW[1]},tin`, '3,ok@example.net,silver', ''].join('\n'));
    await writeFile(
      path.join(dir, 'pipelines', 'c.yaml'),
      [
        'name: c',
        'source: { kind: csv, path: data/c.csv }',
        'columns:',
        '  email: { pii: email }',
        'target: { table: crm.c }',
        'checks:',
        '  - accepted_values: { column: email, values: [ok@example.net] }',
        '    severity: warn',
        '  - accepted_values: { column: tier, values: [gold, silver] }',
        '    severity: warn',
        '',
      ].join('\n'),
    );
    run = await floeIn(dir, ['run', 'c', '--json']);
  });

  it('the run commits, and neither its output nor floe.check_results quotes a tagged value', async () => {
    expect(run.code, show(run)).toBe(0);
    for (const raw of RAW) expect(run.stdout + run.stderr).not.toContain(raw);
    const q = await floeIn(dir, ['query', "SELECT message FROM floe.check_results ORDER BY message", '--format', 'json']);
    expect(q.code, show(q)).toBe(0);
    const rows = JSON.parse(q.stdout) as { message: string }[];
    const email = rows.find((r) => r.message.includes('email'));
    expect(email?.message, q.stdout).toBe('2 rows with email outside the accepted values: (values withheld: PII column)');
    // An untagged column still shows its values.
    expect(rows.some((r) => r.message.includes("'tin' (1)")), q.stdout).toBe(true);
    for (const raw of RAW) expect(q.stdout).not.toContain(raw);
  });

  it('floe check in every format withholds them too', async () => {
    for (const format of ['text', 'json', 'junit']) {
      const r = await floeIn(dir, ['check', 'crm.c', '--format', format, '--no-history']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout, format).toContain('values withheld: PII column');
      for (const raw of RAW) expect(r.stdout + r.stderr, format).not.toContain(raw);
    }
  });
});
