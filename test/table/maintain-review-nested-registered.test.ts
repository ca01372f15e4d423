/**
 * A table of a nested namespace (ns.t.x, under ns.t's folder) registered from a metadata file
 * that is not in a metadata/ folder (`floe table register ns.t.x <folder>/v1.metadata.json`):
 * `floe maintain orphans ns.t` and `floe table drop ns.t --purge` leave its files alone, as
 * they do for a nested table whose metadata is in <root>/metadata/. Before, such a table had no
 * root in table-roots.ts, and the sweep of ns.t deleted its data, manifests and the very
 * metadata file the catalog points at.
 */
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-maintain-review-nested-');
let project: string;

/** Every file under a folder, relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

const rowsOf = async (table: string) => (await floeOk(project, ['query', `SELECT id, v FROM ${table} ORDER BY id`, '--format', 'csv'])).stdout;

beforeEach(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n2,b\n');
  await writeFile(path.join(project, 'x.csv'), 'id,v\n7,x\n8,y\n');
  await floeOk(project, ['load', 'ns.t', path.join(project, 'a.csv')]);
  await floeOk(project, ['load', 'ns.t.x', path.join(project, 'x.csv')]);
  // ns.t.x again, registered from a copy of its metadata file at the top of its folder.
  const pointer = catalogPointer(project, 'ns.t.x')!;
  const copy = path.join(project, 'warehouse', 'ns', 't', 'x', 'v1.metadata.json');
  await copyFile(pointer.replace(/^file:(\/\/)?/, ''), copy);
  await floeOk(project, ['table', 'drop', 'ns.t.x']);
  await floeOk(project, ['table', 'register', 'ns.t.x', copy]);
  expect(catalogPointer(project, 'ns.t.x')).toContain('/x/v1.metadata.json');
}, 120_000);

describe('a nested table registered from a metadata file outside metadata/', () => {
  it("is not swept as ns.t's orphans", async () => {
    const xDir = path.join(project, 'warehouse', 'ns', 't', 'x');
    const xFiles = await filesUnder(xDir);
    expect(xFiles).toContain('v1.metadata.json');
    const xRows = await rowsOf('ns.t.x');
    expect(xRows).toBe('id,v\n7,x\n8,y\n');

    const dry = await floeOk(project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent', '--dry-run']);
    expect(dry.stdout, show(dry)).not.toContain('/x/');
    const r = await floeOk(project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent']);
    expect(r.stdout, show(r)).toContain('deleted 0 orphan files');

    expect(await filesUnder(xDir)).toEqual(xFiles);
    expect(await rowsOf('ns.t.x')).toBe(xRows);
    expect(await rowsOf('ns.t')).toBe('id,v\n1,a\n2,b\n');
  }, 120_000);

  it('is kept by floe table drop ns.t --purge', async () => {
    const xDir = path.join(project, 'warehouse', 'ns', 't', 'x');
    const xFiles = await filesUnder(xDir);
    const r = await floeIn(project, ['table', 'drop', 'ns.t', '--purge']);
    expect(r.code, show(r)).toBe(0);
    expect(await filesUnder(xDir)).toEqual(xFiles);
    expect(await rowsOf('ns.t.x')).toBe('id,v\n7,x\n8,y\n');
  }, 120_000);
});
