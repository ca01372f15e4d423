/**
 * A run that fails on its rejects names the first one, and that message reaches the terminal
 * and floe.audit_log's error_message, which no `--mask` covers. It must not quote a value of a
 * PII-tagged column: before, `column ssn: cannot convert 123-45-6789 to int` and the CSV
 * reader's `Could not convert string "+44 20 7946 0958" to 'BIGINT'` showed them raw.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-reject-values-');
beforeAll(() => assertBuilt());

const RAW = ['123-45-6789', '987-65-4321', '+44 20 7946 0958', 'notanemail-secretperson'];

async function project(csv: string, pii: boolean): Promise<string> {
  const dir = await writeProject(await tmp());
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'pipelines'));
  await writeFile(path.join(dir, 'data', 'c.csv'), csv);
  await writeFile(
    path.join(dir, 'pipelines', 'c.yaml'),
    [
      'name: c',
      'source: { kind: csv, path: data/c.csv }',
      'columns:',
      `  email: { normalize: email${pii ? ', pii: email' : ''} }`,
      `  phone: { normalize: phone${pii ? ', pii: phone' : ''} }`,
      `  ssn: { type: int${pii ? ', pii: { tag: national_id, policy: redact }' : ''} }`,
      'target: { table: crm.c, mode: append }',
      'rejects: { max_count: 0 }',
      '',
    ].join('\n'),
  );
  return dir;
}

async function auditErrors(dir: string): Promise<string> {
  const q = await floeIn(dir, ['query', "SELECT error_message FROM floe.audit_log WHERE command = 'run'", '--format', 'json']);
  expect(q.code, show(q)).toBe(0);
  return q.stdout;
}

describe('the first reject of a failed run and PII-tagged columns', () => {
  it("a failed conversion of a tagged column is named without its value (floe's own reason)", async () => {
    const dir = await project('id,email,phone,ssn\n1,ann@example.com,+14155552671,123-45-6789\n2,bob@example.com,+14155552672,987-65-4321\n', true);
    const r = await floeIn(dir, ['run', 'c']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('column ssn: cannot convert (value withheld: PII column) to int');
    const audit = await auditErrors(dir);
    expect(audit).toContain('column ssn: cannot convert');
    for (const raw of RAW) expect(r.stdout + r.stderr + audit, raw).not.toContain(raw);
  });

  it("a value the CSV reader quotes in its reason is withheld when the pipeline tags PII columns", async () => {
    const csv = 'id,email,phone,ssn\n1,notanemail-secretperson,12,123-45-6789\n2,maria@corp.io,+44 20 7946 0958,987-65-4321,extra\n';
    const dir = await project(csv, true);
    const r = await floeIn(dir, ['run', 'c']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/the first: .*c\.csv:\d+: /);
    const audit = await auditErrors(dir);
    for (const raw of RAW) expect(r.stdout + r.stderr + audit, raw).not.toContain(raw);
    // Without tags the reason still quotes the value, for whoever fixes the source.
    const plain = await project(csv, false);
    const u = await floeIn(plain, ['run', 'c']);
    expect(u.code, show(u)).toBe(1);
    expect(u.stderr, show(u)).toMatch(/123-45-6789|\+44 20 7946 0958/);
  });
});
