/**
 * A column masked on read whose pipeline later applies its policy at ingest: the rows written
 * before are raw in the table's files (the current snapshot of an append or merge, and every
 * earlier snapshot). Before, the run recorded the tag as `email:hash:ingest`, so
 * `floe query --mask` no longer masked the column and printed those rows raw.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { piiPropertyUpdates } from '../../src/governance/ingest.js';
import { piiColumns } from '../../src/governance/policy.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-pii-apply-switch-');

describe('piiPropertyUpdates: a read tag is not downgraded to an ingest one', () => {
  it('keeps email:mask when the pipeline now hashes at ingest, and neither sets nor removes it', () => {
    const cols = piiColumns({ email: { pii: { tag: 'email', policy: 'hash', apply: 'ingest' } } });
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:mask' }, cols)).toEqual([]);
  });
  it('records a new ingest tag on a column the table already has as a read tag (its earlier values are raw)', () => {
    const cols = piiColumns({ email: { pii: { tag: 'email', policy: 'hash', apply: 'ingest' } } });
    const had = () => true;
    expect(piiPropertyUpdates({}, cols, had)).toEqual([{ action: 'set-properties', updates: { 'floe.pii.email': 'email:hash' } }]);
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:none' }, cols, had)).toEqual([{ action: 'set-properties', updates: { 'floe.pii.email': 'email:hash' } }]);
    // Recorded once: the next run changes nothing.
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:hash' }, cols, had)).toEqual([]);
  });
  it('a tag that was already applied at ingest changes as before, and a column new to the table takes the ingest tag', () => {
    const cols = piiColumns({ email: { pii: { tag: 'email', policy: 'hash', apply: 'ingest' } } });
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:mask:ingest' }, cols, () => true)).toEqual([{ action: 'set-properties', updates: { 'floe.pii.email': 'email:hash:ingest' } }]);
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:none' }, cols)).toEqual([{ action: 'set-properties', updates: { 'floe.pii.email': 'email:hash:ingest' } }]);
    // A read policy may still change to another read policy, or to none (declassified on purpose).
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:mask' }, piiColumns({ email: { pii: 'hash' } }))).toEqual([
      { action: 'set-properties', updates: { 'floe.pii.email': 'text:hash' } },
    ]);
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:mask' }, piiColumns({ email: { pii: 'none' } }))).toEqual([
      { action: 'set-properties', updates: { 'floe.pii.email': 'text:none' } },
    ]);
  });
});

describe('switching a tagged column from apply: read to apply: ingest', () => {
  const RAW = ['ann.private@example.com', 'bob.secret@example.org'];
  const env = { FLOE_PII_SALT: 'a-long-test-salt-value' };
  let dir: string;
  let first: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'c.csv'), `id,email\n1,${RAW[0]}\n2,${RAW[1]}\n`);
    const pipeline = (pii: string) => `name: c\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: { pii: ${pii} }\ntarget: { table: crm.c, mode: append }\n`;
    const file = path.join(dir, 'pipelines', 'c.yaml');
    await writeFile(file, pipeline('email'));
    const r1 = await floeIn(dir, ['run', 'c'], { env });
    expect(r1.code, show(r1)).toBe(0);
    const s = await floeIn(dir, ['snapshots', 'crm.c', '--json'], { env });
    expect(s.code, show(s)).toBe(0);
    // The id as printed: a long beyond JS's exact integers.
    first = /"snapshot-id": (\d+)/.exec(s.stdout)?.[1] ?? '';
    expect(first, s.stdout).not.toBe('');
    await writeFile(file, pipeline('{ tag: email, policy: hash, apply: ingest }'));
    const r2 = await floeIn(dir, ['run', 'c'], { env });
    expect(r2.code, show(r2)).toBe(0);
  }, 60_000);

  it('floe query --mask still masks the rows written before, now and by time travel', async () => {
    const now = await floeIn(dir, ['query', '--mask', 'SELECT email FROM crm.c ORDER BY id', '--format', 'json'], { env });
    expect(now.code, show(now)).toBe(0);
    expect((JSON.parse(now.stdout) as unknown[]).length).toBe(4);
    for (const raw of RAW) expect(now.stdout).not.toContain(raw);
    const then = await floeIn(dir, ['query', '--mask', 'SELECT email FROM crm.c', '--snapshot', first, '--format', 'json'], { env });
    expect(then.code, show(then)).toBe(0);
    expect((JSON.parse(then.stdout) as unknown[]).length).toBe(2);
    for (const raw of RAW) expect(then.stdout).not.toContain(raw);
    const d = await floeIn(dir, ['describe', 'crm.c'], { env });
    expect(d.stdout).toContain('floe.pii.email = email:mask\n');
  });
});

describe('tagging a column apply: ingest after it was written untagged', () => {
  const RAW = ['cat.private@example.com', 'dan.secret@example.org'];
  const env = { FLOE_PII_SALT: 'a-long-test-salt-value' };
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'c.csv'), `id,email\n1,${RAW[0]}\n2,${RAW[1]}\n`);
    const pipeline = (rule: string) => `name: c\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: ${rule}\ntarget: { table: crm.c, mode: append }\n`;
    const file = path.join(dir, 'pipelines', 'c.yaml');
    await writeFile(file, pipeline('{ type: string }'));
    const r1 = await floeIn(dir, ['run', 'c'], { env });
    expect(r1.code, show(r1)).toBe(0);
    await writeFile(file, pipeline('{ pii: { tag: email, policy: hash, apply: ingest } }'));
    const r2 = await floeIn(dir, ['run', 'c'], { env });
    expect(r2.code, show(r2)).toBe(0);
  }, 60_000);

  it('floe query --mask masks the rows written before the tag', async () => {
    const q = await floeIn(dir, ['query', '--mask', 'SELECT email FROM crm.c ORDER BY id', '--format', 'json'], { env });
    expect(q.code, show(q)).toBe(0);
    expect((JSON.parse(q.stdout) as unknown[]).length).toBe(4);
    for (const raw of RAW) expect(q.stdout).not.toContain(raw);
    const d = await floeIn(dir, ['describe', 'crm.c'], { env });
    expect(d.stdout).toContain('floe.pii.email = email:hash\n');
  });

  it('a table whose first run tags the column apply: ingest records the tag as applied', async () => {
    const fresh = await writeProject(await tmp());
    await mkdir(path.join(fresh, 'data'));
    await mkdir(path.join(fresh, 'pipelines'));
    await writeFile(path.join(fresh, 'data', 'c.csv'), `id,email\n1,${RAW[0]}\n`);
    await writeFile(path.join(fresh, 'pipelines', 'c.yaml'), 'name: c\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: { pii: { tag: email, policy: hash, apply: ingest } }\ntarget: { table: crm.c, mode: append }\n');
    for (let i = 0; i < 2; i++) {
      const r = await floeIn(fresh, ['run', 'c'], { env });
      expect(r.code, show(r)).toBe(0);
    }
    const d = await floeIn(fresh, ['describe', 'crm.c'], { env });
    expect(d.stdout).toContain('floe.pii.email = email:hash:ingest\n');
  });
});
