/**
 * An append over a parent whose manifest list is damaged on disk (a deflate block that no
 * longer inflates). The append copies the parent list's Avro blocks into the new list without
 * re-encoding them, and it used to copy them without decoding them either: `floe load` and an
 * append `floe run` exited 0 and committed a snapshot whose list carried the damage, so the
 * rows just written could not be read (nor could those of every later append). The parent
 * list is now decoded first: the append fails naming the table, the snapshot and the list,
 * and commits nothing, as `floe query`, `compact` and `expire` already did.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-damaged-list-');
beforeAll(assertBuilt);

/** Flips bytes near the end of the newest manifest list of raw.t: inside its last deflate block. */
async function damageNewestList(project: string): Promise<string> {
  const dir = path.join(project, 'warehouse', 'raw', 't', 'metadata');
  const lists = (await readdir(dir)).filter((n) => /^snap-.*\.avro$/.test(n)).map((n) => path.join(dir, n));
  const times = await Promise.all(lists.map(async (f) => (await stat(f)).mtimeMs));
  const newest = lists[times.indexOf(Math.max(...times))]!;
  const bytes = await readFile(newest);
  for (let o = bytes.length - 60; o < bytes.length - 20; o++) bytes[o] = bytes[o]! ^ 0x5a;
  await writeFile(newest, bytes);
  return newest;
}

describe('an append over a damaged parent manifest list', () => {
  it('floe load and an append floe run fail naming the list, and commit nothing', async () => {
    const project = await writeProject(await tmp());
    const csv = (name: string, text: string) => writeFile(path.join(project, name), text).then(() => path.join(project, name));
    await floeOk(project, ['load', 'raw.t', await csv('a.csv', 'id,v\n1,a\n2,b\n')]);
    await floeOk(project, ['load', 'raw.t', await csv('b.csv', 'id,v\n3,c\n')]);
    const list = await damageNewestList(project);
    const before = catalogPointer(project, 'raw.t');

    const load = await floeIn(project, ['load', 'raw.t', await csv('c.csv', 'id,v\n4,d\n')]);
    expectFailure(load, 1, ['table raw.t, snapshot', `cannot decode manifest list ${list}`]);
    expect(catalogPointer(project, 'raw.t')).toBe(before);

    await mkdir(path.join(project, 'pipelines'));
    await writeFile(path.join(project, 'pipelines', 'p.yaml'), `name: p\nsource: { kind: csv, path: ${JSON.stringify(path.join(project, 'c.csv'))} }\ntarget: { table: raw.t }\n`);
    const run = await floeIn(project, ['run', 'p']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot decode manifest list ${list}`);
    expect(catalogPointer(project, 'raw.t')).toBe(before);
  });
});
