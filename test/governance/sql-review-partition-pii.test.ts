/**
 * A pipeline partitioned by a PII column masked only on read (`pii: email`, then
 * `partition_by: [email]`, or `day(dob)`, `truncate(3, name)`) stored the raw values in the
 * data files' paths (`data/email=ann%40example.com/...`) and the manifests' partition values,
 * where no mask reaches them: file listings, messages naming a data file (and so
 * floe.audit_log) and any engine show them. `floe validate` and `floe run` now refuse it at the
 * partition field's file:line:col (exit 2), like a PII incremental cursor; `bucket(N, col)`, a
 * policy applied at ingest, and `pii: none` are still allowed.
 */
import { readdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_AUDIT_LOG: 'off', FLOE_PII_SALT: 'partition-review-salt' };
const CSV = 'id,email,dob,name\n1,ann@example.com,1985-03-14,Ann Lee\n2,bob@example.org,1990-07-01,Bob Stone\n';

const pipeline = (columns: string, partition: string) =>
  `name: p\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n${columns}target:\n  table: raw.p\n  mode: overwrite\n  partition_by: [${partition}]\n`;

describe('partitioning by a PII column masked on read', () => {
  it('is refused by floe validate and floe run at the partition field, before anything is written', async () => {
    const p = await newProject();
    await p.write('data/c.csv', CSV);
    const cases: [string, string, RegExp][] = [
      ['  email: { pii: email }\n', 'email', /pipelines\/p\.yaml:8:18: target\.partition_by\[0\]: email partitions by the PII column email \(pii email: mask, applied at read\)/],
      ['  dob: { type: date, pii: { tag: birth_date, policy: redact } }\n', 'id, "day(dob)"', /pipelines\/p\.yaml:8:22: target\.partition_by\[1\]: day\(dob\) partitions by the PII column dob \(pii birth_date: redact, applied at read\)/],
      ['  name: { rename: full_name, pii: { tag: name, policy: hash } }\n', '"truncate(3, full_name)"', /target\.partition_by\[0\]: truncate\(3, full_name\) partitions by the PII column full_name \(pii name: hash/],
    ];
    for (const [columns, partition, message] of cases) {
      await p.pipeline('p', pipeline(columns, partition));
      const v = await p.floe(['validate', 'p'], env);
      expect(v.code, show(v)).toBe(2);
      expect(v.stderr + v.stdout).toMatch(message);
      const r = await p.floe(['run', 'p'], env);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await p.tables()).toEqual([]);
  });

  it('allows bucket(N, col), a policy applied at ingest and pii: none; their paths hold no raw value', async () => {
    const p = await newProject();
    await p.write('data/c.csv', CSV);
    const allowed: [string, string][] = [
      ['  email: { pii: email }\n', '"bucket(4, email)"'],
      ['  email: { pii: { tag: email, policy: hash, apply: ingest } }\n', 'email'],
      ['  email: { pii: none }\n', 'id'],
    ];
    for (const [columns, partition] of allowed) {
      await p.pipeline('p', pipeline(columns, partition));
      await p.run(['p'], 0, env);
    }
    const walk = async (dir: string): Promise<string[]> =>
      (await readdir(dir, { withFileTypes: true })).flatMap((d) => (d.isDirectory() ? [d.name] : [])).concat(
        ...(await Promise.all((await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => walk(`${dir}/${d.name}`)))),
      );
    const dirs = await walk(p.path('warehouse/raw/p/data'));
    expect(dirs.length).toBeGreaterThan(0);
    expect(dirs.join(' ')).not.toMatch(/example|ann|bob/);
  });
});
