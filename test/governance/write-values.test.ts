/**
 * A write that cannot put an input value into the table's type names the column and the value
 * (`and the value 95k-secret-pay is not NULL`). For a column the pipeline tags as PII the
 * value is withheld: the message reaches the terminal, `--json` events and floe.audit_log's
 * error_message, which no `--mask` covers. Before, it printed the raw value.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../src/iceberg/types.js';
import { f, schema, struct, useReconcileWrite } from '../helpers/reconcile-write.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-write-values-');

describe('reconcileColumns withheld', () => {
  const write = useReconcileWrite();
  const failure = async (table: Schema, rows: string, withheld: ReadonlySet<string>) => {
    const { out } = await write(table, rows, 'fail', withheld);
    return out().then(
      () => '',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
  };
  it('withholds the value of a tagged column (any case), or of a field inside one', async () => {
    const top = await failure(schema(f(1, 'Salary', 'long')), "SELECT '95k secret' AS salary", new Set(['salary']));
    expect(top).toContain('column "Salary": the input has type string, the table raw.t has long, and the value (withheld: PII column) is not NULL');
    expect(top).not.toContain('95k secret');
    const nested = await failure(schema(f(1, 'person', struct(f(2, 'age', 'int')))), "SELECT {'age': 5000000000} AS person", new Set(['person']));
    expect(nested).toContain('column "person.age"');
    expect(nested).toContain('and the value (withheld: PII column) does not fit it exactly');
    expect(nested).not.toContain('5000000000');
  });
  it('keeps the value of any other column', async () => {
    expect(await failure(schema(f(1, 'score', 'long')), "SELECT '7x' AS score", new Set(['salary']))).toContain('and the value 7x is not NULL');
    expect(await failure(schema(f(1, 'salary_band', 'long')), "SELECT 'b' AS salary_band", new Set(['salary']))).toContain('and the value b is not NULL');
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

describe('a failed write of a column only the table tags (floe table evolve --set-property)', () => {
  const RAW = 'acct-7731-secret';
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'q.csv'), 'id,account\n1,100\n');
    await writeFile(path.join(dir, 'pipelines', 'q.yaml'), 'name: q\nsource: { kind: csv, path: data/q.csv }\ntarget: { table: hr.q, mode: append }\n');
    const r = await floeIn(dir, ['run', 'q']);
    expect(r.code, show(r)).toBe(0);
    const tag = await floeIn(dir, ['table', 'evolve', 'hr.q', '--set-property', 'floe.pii.account=account:mask']);
    expect(tag.code, show(tag)).toBe(0);
    await writeFile(path.join(dir, 'data', 'q.csv'), `id,account\n2,${RAW}\n`);
  }, 60_000);

  it('floe run and floe load name the column but not the value', async () => {
    const r = await floeIn(dir, ['run', 'q']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('column "account": the input has type string, the table hr.q has long, and the value (withheld: PII column) is not NULL');
    const l = await floeIn(dir, ['load', 'hr.q', path.join(dir, 'data', 'q.csv')]);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain('and the value (withheld: PII column) is not NULL');
    const audit = await floeIn(dir, ['query', "SELECT error_message FROM floe.audit_log WHERE outcome <> 'ok'", '--format', 'json']);
    expect(audit.code, show(audit)).toBe(0);
    expect(audit.stdout).toContain('withheld: PII column');
    for (const text of [r.stdout, r.stderr, l.stdout, l.stderr, audit.stdout]) expect(text).not.toContain(RAW);
  });
});
