/**
 * A snapshot selector of digits with a leading zero (`0<id>`) was read as the snapshot with
 * that id: `snapshot rollback --to-snapshot 0<id>` moved main there. Such text is no id as
 * Iceberg writes one, so it names a tag or branch; without one the command fails, naming the
 * table and saying how the id is written, and changes nothing. A negative id (`-7`) was a
 * snapshot id to query --snapshot and tag --snapshot but a ref name to rollback --to-snapshot;
 * it is an id to all three now.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-cli-zeros-');
beforeAll(assertBuilt);

describe('snapshot selectors with leading zeros', () => {
  it('rollback and tag refuse 0<id> naming the table; the id itself still works', async () => {
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'a.csv');
    await writeFile(csv, 'a\n1\n');
    await floeOk(project, ['load', 'raw.t', csv]);
    await floeOk(project, ['load', 'raw.t', csv]);
    const first = /"snapshot-id":\s*"?(\d+)/.exec((await floeOk(project, ['snapshots', 'raw.t', '--json'])).stdout)![1]!;
    const before = catalogPointer(project, 'raw.t');
    for (const args of [['snapshot', 'rollback', 'raw.t', '--to-snapshot', `0${first}`], ['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', `0${first}`]]) {
      const r = await floeIn(project, args);
      expectFailure(r, 1, [`table raw.t has no branch or tag named '0${first}'`, `a snapshot id is written without a plus sign or leading zeros (${first})`]);
    }
    expect(catalogPointer(project, 'raw.t')).toBe(before);
    await floeOk(project, ['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', first]);
    expect(catalogPointer(project, 'raw.t')).not.toBe(before);
  });

  it('a negative id is a snapshot id in rollback --to-snapshot, as in query --snapshot and tag --snapshot', async () => {
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'a.csv');
    await writeFile(csv, 'a\n1\n');
    await floeOk(project, ['load', 'raw.t', csv]);
    const before = catalogPointer(project, 'raw.t');
    for (const args of [['snapshot', 'rollback', 'raw.t', '--to-snapshot', '-7'], ['query', 'SELECT * FROM raw.t', '--snapshot', '-7'], ['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', '-7']]) {
      const r = await floeIn(project, args);
      expectFailure(r, 1, ['table raw.t has no snapshot -7']);
    }
    expect(catalogPointer(project, 'raw.t')).toBe(before);
  });
});
