/**
 * A tag or branch created at, or moved to, a snapshot whose manifest list is missing is refused
 * (exit 1) naming the table, the snapshot and the file, with the table unchanged, as
 * `floe snapshot rollback` to such a snapshot is. Before, `floe snapshot branch t main
 * --snapshot ID --replace` (the way the rollback's own hint gives to make a snapshot current)
 * moved main there and every read of the table failed; a tag there made `maintain expire` fail
 * for good, since it reads every retained snapshot strictly.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, floeOk, show, snapshotIds, useTmpDirs, writeProject } from '../cli/helpers.js';

const T = 'ns.t';
const tmp = useTmpDirs('floe-maintain-review-ref-');
let project: string;
let first: string;
let list: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n2,b\n');
  await writeFile(path.join(project, 'b.csv'), 'id,v\n3,c\n');
  await floeOk(project, ['load', T, path.join(project, 'a.csv')]);
  await floeOk(project, ['load', T, path.join(project, 'b.csv')]);
  first = (await snapshotIds(project, T))[0]!;
  const snaps = JSON.parse((await floeOk(project, ['snapshots', T, '--json'])).stdout.replace(/("snapshot-id":\s*)(\d+)/g, '$1"$2"')) as Record<string, string>[];
  list = snaps.find((s) => s['snapshot-id'] === first)!['manifest-list']!;
  await rename(list, `${list}.away`);
}, 120_000);

const rows = async () => (await floeOk(project, ['query', `SELECT id FROM ${T} ORDER BY id`, '--format', 'csv'])).stdout;

describe('a ref at a snapshot whose manifest list is missing', () => {
  it('is refused for main (branch --replace), leaving main readable where it was', async () => {
    const pointer = catalogPointer(project, T);
    const r = await floeIn(project, ['snapshot', 'branch', T, 'main', '--snapshot', first, '--replace']);
    expectFailure(r, 1, [`table ${T}`, `snapshot ${first}`, list, 'missing']);
    expect(catalogPointer(project, T)).toBe(pointer);
    expect(await rows()).toBe('id\n1\n2\n3\n');
  }, 60_000);

  it('is refused for a new tag or branch, in text and --json', async () => {
    const pointer = catalogPointer(project, T);
    expectFailure(await floeIn(project, ['snapshot', 'tag', T, 'old', '--snapshot', first]), 1, [`snapshot ${first}`, list]);
    expectFailure(await floeIn(project, ['snapshot', 'branch', T, 'b', '--snapshot', first]), 1, [`snapshot ${first}`, list]);
    const j = await floeIn(project, ['snapshot', 'tag', T, 'old', '--snapshot', first, '--json']);
    expect(j.code, show(j)).toBe(1);
    const end = JSON.parse(j.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(end).toMatchObject({ event: 'end', status: 'error' });
    expect(catalogPointer(project, T)).toBe(pointer);
    // Nothing was created, so expiry still runs.
    const e = await floeIn(project, ['maintain', 'expire', T, '--older-than', '0s', '--dry-run']);
    expect(e.code, show(e)).toBe(0);
  }, 60_000);

  it('still lets a tag at a readable snapshot be created', async () => {
    const [, second] = await snapshotIds(project, T);
    await floeOk(project, ['snapshot', 'tag', T, 'now', '--snapshot', second!]);
  }, 60_000);
});

/**
 * A manifest list that is there but cut off, or a manifest it lists that is gone: the file
 * exists, so the check above passed it and rollback, tag and branch exited 0 over a snapshot
 * nothing could read (found in an exploratory review). The target is now read as a query of it
 * would be.
 */
describe('a ref at a snapshot whose manifest list is damaged, or whose manifest is missing', () => {
  let p: string;
  let firstId: string;
  let firstList: string;
  beforeAll(async () => {
    p = await writeProject(await tmp());
    await writeFile(path.join(p, 'a.csv'), 'id,v\n1,a\n2,b\n');
    await writeFile(path.join(p, 'b.csv'), 'id,v\n3,c\n');
    await floeOk(p, ['load', T, path.join(p, 'a.csv')]);
    await floeOk(p, ['load', T, path.join(p, 'b.csv')]);
    firstId = (await snapshotIds(p, T))[0]!;
    const snaps = JSON.parse((await floeOk(p, ['snapshots', T, '--json'])).stdout.replace(/("snapshot-id":\s*)(\d+)/g, '$1"$2"')) as Record<string, string>[];
    firstList = snaps.find((s) => s['snapshot-id'] === firstId)!['manifest-list']!;
  }, 120_000);

  it('a cut-off manifest list: rollback, tag and branch --replace are refused naming the file; main stays readable', async () => {
    const { readFile } = await import('node:fs/promises');
    const whole = await readFile(firstList);
    await writeFile(firstList, whole.subarray(0, 100));
    try {
      const pointer = catalogPointer(p, T);
      expectFailure(await floeIn(p, ['snapshot', 'rollback', T, '--to-snapshot', firstId]), 1, [`table ${T}`, `roll back to snapshot ${firstId}`, firstList, 'main stays where it is']);
      expectFailure(await floeIn(p, ['snapshot', 'tag', T, 'keep', '--snapshot', firstId]), 1, [`snapshot ${firstId}`, firstList]);
      expectFailure(await floeIn(p, ['snapshot', 'branch', T, 'main', '--snapshot', firstId, '--replace']), 1, [`snapshot ${firstId}`, firstList]);
      expect(catalogPointer(p, T)).toBe(pointer);
      expect((await floeOk(p, ['query', `SELECT id FROM ${T} ORDER BY id`, '--format', 'csv'])).stdout).toBe('id\n1\n2\n3\n');
    } finally {
      await writeFile(firstList, whole);
    }
  }, 60_000);

  it('a manifest of the target that is missing: a tag there is refused naming it; once it is back, the tag is made', async () => {
    // The first snapshot's own manifest (the second snapshot lists it too, so main is unreadable as well: only the refusal is looked at).
    const { readdir } = await import('node:fs/promises');
    const meta = path.dirname(firstList);
    const manifests = (await readdir(meta)).filter((f) => f.endsWith('-m0.avro'));
    const { readManifestList } = await import('../../src/iceberg/manifest-list.js');
    const { readFile } = await import('node:fs/promises');
    const listed = readManifestList(new Uint8Array(await readFile(firstList)), firstList).map((e) => e.manifest_path);
    expect(listed).toHaveLength(1);
    expect(manifests.map((m) => path.join(meta, m))).toContain(listed[0]);
    await rename(listed[0]!, `${listed[0]}.away`);
    try {
      // A tag at it: main's reads are not involved.
      expectFailure(await floeIn(p, ['snapshot', 'tag', T, 'keep2', '--snapshot', firstId]), 1, [`snapshot ${firstId}`, listed[0]!]);
    } finally {
      await rename(`${listed[0]}.away`, listed[0]!);
    }
    await floeOk(p, ['snapshot', 'tag', T, 'keep2', '--snapshot', firstId]);
  }, 60_000);
});
