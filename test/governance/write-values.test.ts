/**
 * A write that cannot put an input value into the table's type names the column and the value
 * (`and the value 95k-secret-pay is not NULL`). For a column the pipeline tags as PII the
 * value is withheld: the message reaches the terminal, `--json` events and floe.audit_log's
 * error_message, which no `--mask` covers. Before, it printed the raw value.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withholdWriteValues } from '../../src/governance/withhold.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-write-values-');

describe('withholdWriteValues', () => {
  const msg = (column: string, value: string, rule = 'is not NULL (a string input column is written into a column of type long only when all its values are NULL)') =>
    `cannot write to hr.p: column "${column}": the input has type string, the table hr.p has long, and the value ${value} ${rule} (input: csv data/p.csv)`;
  it('withholds the value of a tagged column, or of a field inside one', () => {
    expect(withholdWriteValues(msg('salary', '95k secret'), new Set(['salary']))).toBe(msg('salary', '(withheld: PII column)'));
    expect(withholdWriteValues(msg('Person.age', 'x y', 'does not fit it exactly'), new Set(['person']))).toBe(msg('Person.age', '(withheld: PII column)', 'does not fit it exactly'));
  });
  it('keeps the value of any other column', () => {
    expect(withholdWriteValues(msg('score', '7x'), new Set(['salary']))).toBe(msg('score', '7x'));
    expect(withholdWriteValues(msg('salary_band', 'b'), new Set(['salary']))).toBe(msg('salary_band', 'b'));
  });
});

describe('a failed write of a PII-tagged column', () => {
  const RAW = '95k-secret-pay';
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'p.csv'), 'id,salary,score\n1,120000,7\n');
    await writeFile(
      path.join(dir, 'pipelines', 'p.yaml'),
      'name: p\nsource: { kind: csv, path: data/p.csv }\ncolumns:\n  salary: { pii: { tag: salary, policy: redact } }\ntarget: { table: hr.p, mode: append }\n',
    );
    const r = await floeIn(dir, ['run', 'p']);
    expect(r.code, show(r)).toBe(0);
  }, 60_000);

  it('names the column but not the value, on the terminal, in --json events and in floe.audit_log', async () => {
    await writeFile(path.join(dir, 'data', 'p.csv'), `id,salary,score\n2,${RAW},8\n`);
    const r = await floeIn(dir, ['run', 'p']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('column "salary": the input has type string, the table hr.p has long, and the value (withheld: PII column) is not NULL');
    const j = await floeIn(dir, ['run', 'p', '--json']);
    expect(j.code, show(j)).toBe(1);
    expect(j.stdout).toContain('(withheld: PII column)');
    const audit = await floeIn(dir, ['query', "SELECT error_message FROM floe.audit_log WHERE command = 'run'", '--format', 'json']);
    expect(audit.code, show(audit)).toBe(0);
    expect(audit.stdout).toContain('column \\"salary\\"');
    for (const text of [r.stdout, r.stderr, j.stdout, j.stderr, audit.stdout]) expect(text).not.toContain(RAW);
  });

  it('an untagged column still shows the value', async () => {
    await writeFile(path.join(dir, 'data', 'p.csv'), 'id,salary,score\n3,100,not-a-score\n');
    const r = await floeIn(dir, ['run', 'p']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('and the value not-a-score is not NULL');
  });
});
