/**
 * Checks that describe a column's values (range: its smallest and largest, freshness: its
 * newest and that value's age) must not quote the values of a PII-tagged column: their
 * messages reach the terminal, floe.check_results and floe.audit_log's error_message, which
 * no `--mask` covers. Before, a range check on a tagged salary or birth date printed
 * `(min 95000, max 120000)` and a freshness check on it `the newest dob is 1980-03-14, ...`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, type RunResult, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-values-');
beforeAll(() => assertBuilt());

// Raw values of the tagged columns, as a message would print them.
const RAW = ['1980-03-14', '1975-07-01', '95000', '120000', 'Jonathan', 'Maria'];

describe('range and freshness checks on PII-tagged columns', () => {
  let dir: string;
  let run: RunResult;
  beforeAll(async () => {
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'p.csv'), ['id,dob,salary,name,score', '1,1980-03-14,120000,Jonathan,7', '2,1975-07-01,95000,Maria,42', ''].join('\n'));
    await writeFile(
      path.join(dir, 'pipelines', 'p.yaml'),
      [
        'name: p',
        'source: { kind: csv, path: data/p.csv }',
        'columns:',
        '  dob: { pii: { tag: birth_date, policy: redact } }',
        '  salary: { pii: { tag: salary, policy: redact } }',
        '  name: { pii: name }',
        'target: { table: hr.p }',
        'checks:',
        '  - range: { column: salary, min: 0, max: 100000 }',
        '    severity: warn',
        '  - range: { column: dob, min: "1900-01-01", max: "2000-01-01" }',
        '    severity: warn',
        '  - range: { column: name, min: "A", max: "Z" }',
        '    severity: warn',
        '  - freshness: { column: dob, max_age: 1d }',
        '    severity: warn',
        '  - range: { column: score, min: 0, max: 10 }',
        '    severity: warn',
        '',
      ].join('\n'),
    );
    run = await floeIn(dir, ['run', 'p']);
  });

  it('the run warns but quotes no tagged value, on the terminal or in floe.check_results', async () => {
    expect(run.code, show(run)).toBe(0);
    for (const raw of RAW) expect(run.stdout + run.stderr, show(run)).not.toContain(raw);
    const q = await floeIn(dir, ['query', 'SELECT check_name, observed, message FROM floe.check_results ORDER BY check_name', '--format', 'json']);
    expect(q.code, show(q)).toBe(0);
    const rows = JSON.parse(q.stdout) as { check_name: string; observed: string | null; message: string }[];
    const by = (name: string) => rows.find((r) => r.check_name === name);
    expect(by('range(salary)')?.message, q.stdout).toBe('1 row with salary outside [0, 100000] (min and max (values withheld: PII column))');
    expect(by('range(salary)')?.observed).toBe('1');
    expect(by('range(name)')?.message, q.stdout).toBe('no name outside [A, Z] (min and max (values withheld: PII column))');
    expect(by('freshness(dob)')?.message, q.stdout).toBe('the newest dob is older than 1d (value and age withheld: PII column)');
    expect(by('freshness(dob)')?.observed, q.stdout).toBeNull();
    // An untagged column still shows its values.
    expect(by('range(score)')?.message, q.stdout).toBe('1 row with score outside [0, 10] (min 7, max 42)');
    for (const raw of RAW) expect(q.stdout).not.toContain(raw);
  });

  it('floe check withholds them in every format, in ad-hoc checks and in floe.audit_log', async () => {
    for (const format of ['text', 'json', 'junit']) {
      const r = await floeIn(dir, ['check', 'hr.p', '--format', format, '--no-history']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout, format).toContain('withheld: PII column');
      for (const raw of RAW) expect(r.stdout + r.stderr, format).not.toContain(raw);
    }
    const adHoc = await floeIn(dir, ['check', 'hr.p', '--freshness', 'dob=1d', '--no-history']);
    expect(adHoc.code, show(adHoc)).toBe(3);
    expect(adHoc.stdout, show(adHoc)).toContain('value and age withheld: PII column');
    for (const raw of RAW) expect(adHoc.stdout + adHoc.stderr).not.toContain(raw);
    // A failed check's messages are the audit row's error_message.
    const failed = await floeIn(dir, ['check', 'hr.p', '--warn-error']);
    expect(failed.code, show(failed)).toBe(3);
    const audit = await floeIn(dir, ['query', "SELECT error_message FROM floe.audit_log WHERE command = 'check'", '--format', 'json']);
    expect(audit.code, show(audit)).toBe(0);
    expect(audit.stdout).toContain('range(salary)');
    for (const raw of RAW) expect(audit.stdout).not.toContain(raw);
  });
});
