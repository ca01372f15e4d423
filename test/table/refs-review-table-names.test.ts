/**
 * Usage errors of `floe snapshot rollback|tag|branch` that did not name the table:
 * `--drop` with `--snapshot` ("--drop takes no --snapshot…"), `--fast-forward` with
 * `--snapshot` or `--replace`, and a rollback given neither or both of --to-snapshot and
 * --to-time ("give exactly one of …"). They now start `table ns.ev:`; still exit 2, and the
 * table is unchanged.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, snapshotIds, useTmpDirs } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-refs-review-names-');
let project: string;
let s1: string;

beforeAll(async () => {
  assertBuilt();
  project = await tmp();
  await writeFile(path.join(project, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  await mkdir(path.join(project, 'pipelines'));
  await mkdir(path.join(project, 'in'));
  await writeFile(path.join(project, 'pipelines', 'ev.yaml'), 'name: ev\nsource:\n  kind: csv\n  path: in/*.csv\ntarget:\n  table: ns.ev\n  mode: append\n');
  await writeFile(path.join(project, 'in', 'a.csv'), 'id,name\n1,a\n');
  await floeOk(project, ['run', 'ev']);
  s1 = (await snapshotIds(project, 'ns.ev'))[0]!;
  await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'v1']);
  await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'audit']);
});

describe('snapshot usage errors name the table', () => {
  it.each([
    ['tag --drop --snapshot', ['snapshot', 'tag', 'ns.ev', 'v1', '--drop', '--snapshot', '<s1>'], '--drop takes no --snapshot'],
    ['branch --drop --fast-forward', ['snapshot', 'branch', 'ns.ev', 'audit', '--drop', '--fast-forward', 'v1'], '--drop takes no'],
    ['--fast-forward --replace', ['snapshot', 'branch', 'ns.ev', 'main', '--fast-forward', 'audit', '--replace'], '--fast-forward takes no'],
    ['--fast-forward --snapshot', ['snapshot', 'branch', 'ns.ev', 'main', '--fast-forward', 'audit', '--snapshot', '<s1>'], '--fast-forward takes no'],
    ['rollback without a target', ['snapshot', 'rollback', 'ns.ev'], 'give exactly one of --to-snapshot'],
    ['rollback with both targets', ['snapshot', 'rollback', 'ns.ev', '--to-snapshot', '<s1>', '--to-time', '2024-01-01'], 'give exactly one of --to-snapshot'],
  ])('%s', async (_name, args, says) => {
    const before = await floeOk(project, ['snapshots', 'ns.ev', '--json']);
    const r = await floeIn(project, args.map((a) => (a === '<s1>' ? s1 : a)));
    expectFailure(r, 2, [says, /table ns\.ev\b/]);
    expect((await floeOk(project, ['snapshots', 'ns.ev', '--json'])).stdout).toBe(before.stdout);
  });

  it('with --json too (the message on stderr, the end event on stdout)', async () => {
    const r = await floeIn(project, ['snapshot', 'rollback', 'ns.ev', '--json']);
    expectFailure(r, 2, ['table ns.ev: give exactly one of --to-snapshot']);
    expect(r.stdout).toContain('"status":"error"');
  });
});
