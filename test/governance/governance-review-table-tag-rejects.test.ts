/**
 * A column the target table tags as PII while the pipeline does not (a tag set by hand with
 * `floe table evolve --set-property floe.pii.ssn=...`, or by another pipeline) is a PII column
 * (docs/GOVERNANCE.md, "Errors"). Its failed conversion was still quoted raw in the reject
 * reason: in the failed run's error (terminal, floe.audit_log) and in `<table>__rejects.reason`,
 * and the rejects table was not tagged, so `floe query --mask` showed the raw row too.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-gov-table-tag-rejects-');
const RAW = '987-65-4321';

async function project(rejects: string): Promise<string> {
  const dir = await writeProject(await tmp());
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'pipelines'));
  await writeFile(path.join(dir, 'data', 't.csv'), 'id,ssn\n1,123\n');
  const yaml = (extra: string) => `name: t\nsource: { kind: csv, path: data/t.csv }\ncolumns:\n  ssn: { type: int }\ntarget: { table: hr.t, mode: append }\n${extra}`;
  await writeFile(path.join(dir, 'pipelines', 't.yaml'), yaml(''));
  const r = await floeIn(dir, ['run', 't']);
  expect(r.code, show(r)).toBe(0);
  const tag = await floeIn(dir, ['table', 'evolve', 'hr.t', '--set-property', 'floe.pii.ssn=national_id:redact']);
  expect(tag.code, show(tag)).toBe(0);
  await writeFile(path.join(dir, 'pipelines', 't.yaml'), yaml(rejects));
  await writeFile(path.join(dir, 'data', 't.csv'), `id,ssn\n2,${RAW}\n3,456\n`);
  return dir;
}

describe('rejects of a column only the table tags', () => {
  beforeAll(() => assertBuilt());

  it('a failed run names the first reject without the value (terminal, floe.audit_log)', async () => {
    const dir = await project('rejects: { max_count: 0 }\n');
    const r = await floeIn(dir, ['run', 't']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('column ssn: cannot convert (value withheld: PII column) to int');
    const audit = await floeIn(dir, ['query', "SELECT error_message FROM floe.audit_log WHERE outcome <> 'ok'", '--format', 'json']);
    expect(audit.code, show(audit)).toBe(0);
    expect(audit.stdout).toContain('withheld: PII column');
    for (const text of [r.stdout, r.stderr, audit.stdout]) expect(text).not.toContain(RAW);
  }, 90_000);

  it('the quarantine does not quote the value in reason, and --mask shows its raw row masked', async () => {
    const dir = await project('rejects: { max_ratio: 1 }\n');
    const r = await floeIn(dir, ['run', 't']);
    expect(r.code, show(r)).toBe(0);
    const plain = await floeIn(dir, ['query', 'SELECT reason FROM hr.t__rejects', '--format', 'json']);
    expect(plain.code, show(plain)).toBe(0);
    expect(plain.stdout).toContain('column ssn: cannot convert (value withheld: PII column) to int');
    const masked = await floeIn(dir, ['query', 'SELECT raw, reason FROM hr.t__rejects', '--format', 'json', '--mask']);
    expect(masked.code, show(masked)).toBe(0);
    expect(masked.stdout).not.toContain(RAW);
    expect(masked.stdout).not.toContain('"id":2');
  }, 90_000);
});
