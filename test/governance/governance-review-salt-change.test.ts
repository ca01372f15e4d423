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

  it('an overwrite replaces every hash and may change the salt', async () => {
    const dir = await project('mode: overwrite');
    const r = await floeIn(dir, ['run', 'k'], env('salt-two-9c1d'));
    expect(r.code, show(r)).toBe(0);
    const again = await floeIn(dir, ['run', 'k'], env('salt-two-9c1d'));
    expect(again.code, show(again)).toBe(0);
  }, 90_000);
});
