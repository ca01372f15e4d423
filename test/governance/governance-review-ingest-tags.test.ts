/**
 * A table tag recorded as applied at ingest (`floe.pii.ssn = national_id:hash:ingest`) tells
 * every reader that the column holds no raw value, so `floe query --mask` shows it as stored.
 * A writer that does not tag the column itself (`floe load`, a later version of the pipeline
 * without the `pii:` rule, another pipeline writing the table) wrote its raw values there, and
 * --mask printed them. Now such a write applies the table's ingest tags itself.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-gov-ingest-tags-');
const SALT = 'review-salt-4f1c';
const env = { FLOE_PII_SALT: SALT, FLOE_AUDIT_LOG: 'off' };
const sha = (v: string) => createHash('sha256').update(SALT + v).digest('hex');

const TAGGED = 'columns:\n  ssn: { pii: { tag: national_id, policy: hash, apply: ingest } }\n  email: { pii: { tag: email, policy: mask, apply: ingest } }\n';

async function project(mode: 'append' | 'merge'): Promise<string> {
  const dir = await writeProject(await tmp());
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'pipelines'));
  await writeFile(path.join(dir, 'data', 'p.csv'), 'id,ssn,email\n1,111-22-3333,first.person@example.com\n');
  const target = mode === 'merge' ? '{ table: crm.p, mode: merge, key: [id] }' : '{ table: crm.p, mode: append }';
  await writeFile(path.join(dir, 'pipelines', 'p.yaml'), `name: p\nsource: { kind: csv, path: data/p.csv }\n${TAGGED}target: ${target}\n`);
  const r = await floeIn(dir, ['run', 'p'], { env });
  expect(r.code, show(r)).toBe(0);
  return dir;
}

async function rows(dir: string, mask: boolean): Promise<Array<{ id: number; ssn: string; email: string }>> {
  const q = await floeIn(dir, ['query', 'SELECT id, ssn, email FROM crm.p ORDER BY id', '--format', 'json', ...(mask ? ['--mask'] : [])], { env });
  expect(q.code, show(q)).toBe(0);
  return JSON.parse(q.stdout) as Array<{ id: number; ssn: string; email: string }>;
}

describe('writes into columns a table records as transformed at ingest', () => {
  beforeAll(() => assertBuilt());

  it('floe load applies the table tags: no raw value is stored or shown under --mask', async () => {
    const dir = await project('append');
    await writeFile(path.join(dir, 'more.csv'), 'id,ssn,email\n2,999-88-7777,second.secret@example.com\n');
    const l = await floeIn(dir, ['load', 'crm.p', path.join(dir, 'more.csv')], { env });
    expect(l.code, show(l)).toBe(0);
    for (const mask of [true, false]) {
      const got = await rows(dir, mask);
      expect(got.map((r) => r.ssn)).toEqual([sha('111-22-3333'), sha('999-88-7777')]);
      expect(got.map((r) => r.email)).toEqual(['f***@example.com', 's***@example.com']);
    }
  }, 90_000);

  it('floe load without the salt is refused (exit 2) and writes nothing', async () => {
    const dir = await project('append');
    await writeFile(path.join(dir, 'more.csv'), 'id,ssn,email\n2,999-88-7777,second.secret@example.com\n');
    const l = await floeIn(dir, ['load', 'crm.p', path.join(dir, 'more.csv')], { env: { ...env, FLOE_PII_SALT: '' } });
    expect(l.code, show(l)).toBe(2);
    expect(l.stderr).toContain('FLOE_PII_SALT');
    expect(l.stderr).not.toContain('999-88-7777');
    expect((await rows(dir, false)).map((r) => r.id)).toEqual([1]);
  }, 90_000);

  for (const mode of ['append', 'merge'] as const) {
    it(`a ${mode} pipeline that no longer tags the columns still writes them transformed`, async () => {
      const dir = await project(mode);
      await writeFile(path.join(dir, 'pipelines', 'p.yaml'), `name: p\nsource: { kind: csv, path: data/p.csv }\ntarget: ${mode === 'merge' ? '{ table: crm.p, mode: merge, key: [id] }' : '{ table: crm.p, mode: append }'}\n`);
      await writeFile(path.join(dir, 'data', 'p.csv'), 'id,ssn,email\n1,111-22-3333,first.person@example.com\n3,444-55-6666,third.secret@example.com\n');
      const r = await floeIn(dir, ['run', 'p'], { env });
      expect(r.code, show(r)).toBe(0);
      const got = await rows(dir, true);
      for (const row of got) {
        expect(row.ssn).toMatch(/^[0-9a-f]{64}$/);
        expect(row.email).toMatch(/^[a-z]\*\*\*@example\.com$/);
      }
      expect(got.find((x) => x.id === 3)?.ssn).toBe(sha('444-55-6666'));
      // A merge still finds the row by its key: the first row is not written twice.
      if (mode === 'merge') expect(got.map((x) => x.id)).toEqual([1, 3]);
    }, 90_000);
  }

  it('a hash or mask tag set by hand as applied at ingest on a non-string column is refused, not written raw', async () => {
    const dir = await writeProject(await tmp());
    await writeFile(path.join(dir, 's.csv'), 'id,salary\n1,120000\n');
    expect((await floeIn(dir, ['load', 'hr.s', path.join(dir, 's.csv')], { env })).code).toBe(0);
    const t = await floeIn(dir, ['table', 'evolve', 'hr.s', '--set-property', 'floe.pii.salary=salary:mask:ingest'], { env });
    expect(t.code, show(t)).toBe(0);
    await writeFile(path.join(dir, 's.csv'), 'id,salary\n2,95123\n');
    const l = await floeIn(dir, ['load', 'hr.s', path.join(dir, 's.csv')], { env });
    expect(l.code, show(l)).toBe(2);
    expect(l.stderr).toContain("property floe.pii.salary = 'salary:mask:ingest'");
    expect(l.stderr).not.toContain('95123');
  }, 90_000);
});
