/**
 * `floe maintain ...` and `floe snapshot ...` through the built CLI, on one small table of
 * three appends: manifest rewrite, tags, branches, rollback, expiry, the orphan sweep, and
 * bad input (exit codes, messages naming the table or option, nothing changed).
 */
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const T = 'raw.t';
const tmp = useTmpDirs('floe-cli-maintain-');
let project: string;
let s: string[] = [];

/** JSON.parse with every long integer (16+ digits: snapshot ids) kept exact, as a string. */
const parseExact = (text: string) => JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));

const ok = async (args: string[]) => {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r;
};
const ids = async (table = T) => {
  const list = parseExact((await ok(['snapshots', table, '--json'])).stdout) as { 'snapshot-id': string | number; refs: string[] }[];
  return list.map((x) => ({ id: String(x['snapshot-id']), refs: x.refs }));
};
const rows = async (extra: string[] = []) =>
  (JSON.parse((await ok(['query', `SELECT id FROM ${T} ORDER BY id`, '--format', 'json', ...extra])).stdout) as { id: number }[]).map((r) => r.id);
const endEvent = (stdout: string) => {
  const events = stdout.trim().split('\n').map((l) => parseExact(l) as Record<string, unknown>);
  return events.find((e) => e.event === 'end')!;
};
const tableFiles = (dir: string) => readdirSync(path.join(project, 'warehouse', 'raw', 't', dir)).sort();

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  for (let i = 1; i <= 3; i++) {
    const f = path.join(project, `a${i}.csv`);
    await writeFile(f, `id,name\n${i},n${i}\n`);
    await ok(['load', T, f]);
  }
  s = (await ids()).map((x) => x.id);
  expect(s).toHaveLength(3);
}, 300_000);

describe('floe maintain and floe snapshot', () => {
  it('has help for every command', async () => {
    for (const c of [['maintain', 'expire'], ['maintain', 'orphans'], ['maintain', 'manifests'], ['snapshot', 'rollback'], ['snapshot', 'tag'], ['snapshot', 'branch']]) {
      const r = await ok([...c, '--help']);
      expect(r.stdout).toContain(`Usage: floe ${c.join(' ')}`);
    }
    const orphans = (await ok(['maintain', 'orphans', '--help'])).stdout;
    expect(orphans).toContain('--allow-recent');
    expect(orphans).toContain('below 1h is refused');
    expect((await ok(['maintain', 'manifests', '--help'])).stdout).toContain('--dry-run');
  });

  it('rewrites manifests, tags, branches, rolls back, expires and sweeps orphans', async () => {
    // Three appends, three data manifests. The dry run plans the rewrite and commits nothing.
    const before = catalogPointer(project, T);
    const metadataBefore = tableFiles('metadata');
    const plan = endEvent((await ok(['maintain', 'manifests', T, '--dry-run', '--json'])).stdout);
    expect(plan).toMatchObject({ status: 'ok', dry_run: true, rewritten: false, would_rewrite: true, manifests_before: 3, manifests_after: 1, entries: 3, live_entries: 3, partitions: 1 });
    const planText = await ok(['maintain', 'manifests', T, '--dry-run']);
    expect(planText.stdout).toContain('raw.t: would replace 3 data manifests with 1 clustered by partition (3 entries read, 3 live, 1 partition;');
    expect(planText.stdout).toContain('dry run, nothing committed');
    expect(catalogPointer(project, T)).toBe(before);
    expect(tableFiles('metadata')).toEqual(metadataBefore);
    expect((await ids()).map((x) => x.id)).toEqual(s);
    // The rewrite makes one, in a replace snapshot.
    const m = await ok(['maintain', 'manifests', T, '--json']);
    const commit = m.stdout.split('\n').filter(Boolean).map((l) => parseExact(l)).find((e) => e.event === 'commit');
    expect(commit).toMatchObject({ operation: 'replace', manifests_replaced: 3, manifests_created: 1, rows: 3 });
    const s4 = String(commit.snapshot_id);
    expect(await rows()).toEqual([1, 2, 3]);
    const planAfter = endEvent((await ok(['maintain', 'manifests', T, '--dry-run', '--json'])).stdout);
    expect(planAfter).toMatchObject({ dry_run: true, would_rewrite: false, manifests_before: 1, manifests_after: 1 });

    await ok(['snapshot', 'tag', T, 'first', '--snapshot', s[0]!]);
    expect(await rows(['--snapshot', 'first'])).toEqual([1]);
    const nope = await floeIn(project, ['query', `SELECT * FROM ${T}`, '--snapshot', 'nope']);
    expectFailure(nope, 1, ["table raw.t has no branch or tag named 'nope'", 'its refs are: first, main']);

    const branch = await ok(['snapshot', 'branch', T, 'dev', '--json']);
    expect(endEvent(branch.stdout)).toMatchObject({ action: 'created', ref: 'dev', after: s4 });
    expectFailure(await floeIn(project, ['snapshot', 'branch', T, 'main', '--drop']), 2, ['table raw.t: the main branch cannot be dropped']);

    const rb = await ok(['snapshot', 'rollback', T, '--to-snapshot', s[1]!]);
    expect(rb.stdout).toContain(`rolled main back from snapshot ${s4} to ${s[1]}`);
    expect(await rows()).toEqual([1, 2]);
    expect(await rows(['--snapshot', 'dev'])).toEqual([1, 2, 3]);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', T, '--to-snapshot', s4]), 2, [`snapshot ${s4} is not an ancestor`]);
    const refs = Object.fromEntries((await ids()).map((x) => [x.id, x.refs]));
    expect(refs).toEqual({ [s[0]!]: ['first'], [s[1]!]: ['main'], [s[2]!]: [], [s4]: ['dev'] });

    // Expiry: main keeps s2, the tag keeps s1, dev keeps s4; s3 goes. a3's data file stays (dev reads it).
    const pointer = catalogPointer(project, T);
    const dataBefore = tableFiles('data');
    const dry = endEvent((await ok(['maintain', 'expire', T, '--older-than', '0s', '--retain-last', '1', '--dry-run', '--json'])).stdout);
    expect(dry).toMatchObject({ status: 'ok', dry_run: true, expired_snapshots: [s[2]], removed_refs: [] });
    const files = dry.files as Record<string, string[]>;
    expect(files.data_and_delete_files).toEqual([]);
    expect(files.manifest_lists).toHaveLength(1);
    expect(files.manifests).toHaveLength(1);
    expect(catalogPointer(project, T)).toBe(pointer);
    expect(tableFiles('metadata').some((f) => files.manifest_lists![0]!.endsWith(f))).toBe(true);

    const exp = await ok(['maintain', 'expire', T, '--older-than', '0s', '--retain-last', '1']);
    expect(exp.stdout).toContain(`raw.t: expired 1 snapshot: ${s[2]}\nraw.t: retained 3 snapshots\n`);
    expect((await ids()).map((x) => x.id).sort()).toEqual([s[0]!, s[1]!, s4].sort());
    expect(tableFiles('metadata').some((f) => files.manifest_lists![0]!.endsWith(f))).toBe(false);
    expect(tableFiles('data')).toEqual(dataBefore);
    expect(await rows(['--snapshot', 'dev'])).toEqual([1, 2, 3]);
    expect(await rows(['--snapshot', 'first'])).toEqual([1]);
    expect(await rows()).toEqual([1, 2]);

    // Orphans: a stray file is too young for the default 3 days; with 0s it goes.
    const stray = path.join(project, 'warehouse', 'raw', 't', 'data', 'stray.parquet');
    await writeFile(stray, 'x');
    const young = endEvent((await ok(['maintain', 'orphans', T, '--dry-run', '--json'])).stdout);
    expect(young.orphans).toEqual([]);
    expect(young.too_young).toEqual([expect.stringMatching(/\/data\/stray\.parquet$/)]);
    // Below the 1h floor only with --allow-recent: refused (exit 2), nothing deleted.
    expectFailure(await floeIn(project, ['maintain', 'orphans', T, '--older-than', '0s']), 2, ['--older-than 0s is below the 1h minimum for table raw.t', 'write in progress', '--allow-recent']);
    expectFailure(await floeIn(project, ['maintain', 'orphans', T, '--older-than', '59m', '--json']), 2, ['--older-than 59m is below the 1h minimum']);
    expect(tableFiles('data')).toContain('stray.parquet');
    const hour = endEvent((await ok(['maintain', 'orphans', T, '--older-than', '1h', '--dry-run', '--json'])).stdout);
    expect(hour.too_young).toEqual([expect.stringMatching(/\/data\/stray\.parquet$/)]);
    const dryOld = await ok(['maintain', 'orphans', T, '--older-than', '0s', '--allow-recent', '--dry-run']);
    expect(dryOld.stdout).toContain('would delete 1 orphan file');
    expect(tableFiles('data')).toContain('stray.parquet');
    await ok(['maintain', 'orphans', T, '--older-than', '0s', '--allow-recent']);
    expect(tableFiles('data')).toEqual(dataBefore);
    expect(await rows(['--snapshot', 'dev'])).toEqual([1, 2, 3]);
  }, 300_000);

  it('rejects bad input with exit 2 and a message naming the option or table, changing nothing', async () => {
    const pointer = catalogPointer(project, T);
    expectFailure(await floeIn(project, ['maintain', 'expire', T, '--older-than', '0s', '--retain-last', '0']), 2, ['--retain-last 0 would retain no snapshot of table raw.t']);
    expectFailure(await floeIn(project, ['maintain', 'expire', T, '--older-than', '3x']), 2, ["--older-than '3x' is not a duration"]);
    expectFailure(await floeIn(project, ['maintain', 'orphans', T, '--older-than', 'soon']), 2, ["--older-than 'soon'"]);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', T]), 2, ['--to-snapshot ID or --to-time TIME']);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', T, '--to-time', 'yesterday-ish']), 2, ["--to-time 'yesterday-ish' is not a time"]);
    // Not digits: a tag or branch name (as floe query --snapshot reads it), which the table lacks.
    expectFailure(await floeIn(project, ['snapshot', 'tag', T, 'x', '--snapshot', 'abc']), 1, ["table raw.t has no branch or tag named 'abc'"]);
    expectFailure(await floeIn(project, ['snapshot', 'tag', T, 'x', '--snapshot', '12345']), 1, ['table raw.t has no snapshot 12345']);
    expectFailure(await floeIn(project, ['snapshot', 'tag', T, 'first']), 1, ["table raw.t already has a tag 'first'"]);
    expectFailure(await floeIn(project, ['snapshot', 'branch', T, 'dev', '--retain-last', '0']), 2, ['--retain-last 0 must be 1 or more']);
    expectFailure(await floeIn(project, ['maintain', 'expire', 'raw.nope']), 1, ['raw.nope']);
    expect(catalogPointer(project, T)).toBe(pointer);
  }, 200_000);
});
