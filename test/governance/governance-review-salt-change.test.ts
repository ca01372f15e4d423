/**
 * A column hashed at ingest keeps its hashes only while the salt stays the same. A run with
 * another salt in the variable wrote hashes that match none of the table's, exit 0: a merge
 * keyed on the hashed column added every row again under its new hash. Now the table records a
 * digest of the salt (floe.pii-salt-check.<ENV>) and a run with another salt is refused
 * (exit 2) before anything is written, unless it replaces every row.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-gov-salt-change-');
const env = (salt: string) => ({ env: { FLOE_PII_SALT: salt, FLOE_AUDIT_LOG: 'off' } });

async function project(mode: string): Promise<string> {
  const dir = await writeProject(await tmp());
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'pipelines'));
  await writeFile(path.join(dir, 'data', 'k.csv'), 'ssn,name\n111-22-3333,Ann\n');
  await writeFile(
    path.join(dir, 'pipelines', 'k.yaml'),
    `name: k\nsource: { kind: csv, path: data/k.csv }\ncolumns:\n  ssn: { pii: { tag: national_id, policy: hash, apply: ingest } }\ntarget: { table: crm.k, ${mode} }\n`,
  );
  const r = await floeIn(dir, ['run', 'k'], env('salt-one-7f3a'));
  expect(r.code, show(r)).toBe(0);
  return dir;
}

const count = async (dir: string) => {
  const q = await floeIn(dir, ['query', 'SELECT count(*) AS n, count(DISTINCT ssn) AS d FROM crm.k', '--format', 'json'], env('salt-one-7f3a'));
  expect(q.code, show(q)).toBe(0);
  return JSON.parse(q.stdout) as Array<{ n: number; d: number }>;
};

describe('the salt of hashes applied at ingest', () => {
  beforeAll(() => assertBuilt());

  it('a merge run with another salt is refused and writes nothing; the same salt merges as before', async () => {
    const dir = await project('mode: merge, key: [ssn]');
    const other = await floeIn(dir, ['run', 'k'], env('salt-two-9c1d'));
    expect(other.code, show(other)).toBe(2);
    expect(other.stderr).toContain('the salt in FLOE_PII_SALT, but that salt is not the one the table\'s hashes were written with');
    expect(other.stderr).not.toContain('salt-one-7f3a');
    expect(other.stderr).not.toContain('salt-two-9c1d');
    expect(await count(dir)).toEqual([{ n: 1, d: 1 }]);
    const same = await floeIn(dir, ['run', 'k'], env('salt-one-7f3a'));
    expect(same.code, show(same)).toBe(0);
    expect(await count(dir)).toEqual([{ n: 1, d: 1 }]);
  }, 90_000);

  it('floe load, and a pipeline without the column\'s pii: rule, hash by the table\'s tag: with another salt they are refused too', async () => {
    const dir = await project('mode: merge, key: [ssn]');
    await writeFile(path.join(dir, 'data', 'more.csv'), 'ssn,name\n111-22-3333,Ann B\n');
    const load = await floeIn(dir, ['load', 'crm.k', path.join(dir, 'data', 'more.csv')], env('salt-two-9c1d'));
    expect(load.code, show(load)).toBe(2);
    expect(load.stderr).toContain("that salt is not the one the table's hashes were written with");
    await writeFile(path.join(dir, 'pipelines', 'k2.yaml'), 'name: k2\nsource: { kind: csv, path: data/more.csv }\ntarget: { table: crm.k, mode: merge, key: [ssn] }\n');
    const untagged = await floeIn(dir, ['run', 'k2'], env('salt-two-9c1d'));
    expect(untagged.code, show(untagged)).toBe(2);
    expect(await count(dir)).toEqual([{ n: 1, d: 1 }]);
    // With the table's salt, the untagged pipeline's merge finds the row by its hash.
    const same = await floeIn(dir, ['run', 'k2'], env('salt-one-7f3a'));
    expect(same.code, show(same)).toBe(0);
    expect(await count(dir)).toEqual([{ n: 1, d: 1 }]);
  }, 90_000);

  it('an overwrite with another salt whose check fails (staged, main not moved) leaves the recorded salt as main\'s hashes were made', async () => {
    const dir = await project('mode: overwrite');
    const yaml = path.join(dir, 'pipelines', 'k.yaml');
    const { readFile } = await import('node:fs/promises');
    const original = await readFile(yaml, 'utf8');
    await writeFile(yaml, `${original}checks:\n  - row_count: { min: 5 }\n`);
    const staged = await floeIn(dir, ['run', 'k'], env('salt-two-9c1d'));
    expect(staged.code, show(staged)).toBe(3);
    // main still holds salt-one hashes: a merge with salt-one finds them.
    await writeFile(yaml, original.replace('mode: overwrite', 'mode: merge, key: [ssn]'));
    const merge = await floeIn(dir, ['run', 'k'], env('salt-one-7f3a'));
    expect(merge.code, show(merge)).toBe(0);
    expect(await count(dir)).toEqual([{ n: 1, d: 1 }]);
  }, 90_000);

  it('an overwrite replaces every hash and may change the salt', async () => {
    const dir = await project('mode: overwrite');
    const r = await floeIn(dir, ['run', 'k'], env('salt-two-9c1d'));
    expect(r.code, show(r)).toBe(0);
    const again = await floeIn(dir, ['run', 'k'], env('salt-two-9c1d'));
    expect(again.code, show(again)).toBe(0);
  }, 90_000);
});
