/**
 * A table nested under another's folder (ns.t.x at <ns.t>/x) whose metadata file is kept
 * outside that folder: registered from a copy in a folder of its own (a kept-aside metadata
 * file, as `floe table register` accepts), or written to its write.metadata.path. Its data
 * files, manifests and manifest list are still under <ns.t>/x, where its metadata's
 * `location` says. `floe maintain orphans ns.t` took the nested table's root from the catalog
 * pointer alone, so it counted those files as ns.t's orphans and deleted them, leaving ns.t.x
 * unreadable. Now the sweep keeps them; and when such a table's metadata cannot be read (so
 * nobody can tell where its files are), the sweep stops before deleting anything.
 */
import { copyFile, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-timetravel-review-nested-');
let project: string;
let keptCopy: string;

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
  // ns.t.x again, registered from a copy of its metadata file kept outside the warehouse.
  const pointer = catalogPointer(project, 'ns.t.x')!;
  await mkdir(path.join(project, 'kept'));
  keptCopy = path.join(project, 'kept', 'x.metadata.json');
  await copyFile(pointer.replace(/^file:(\/\/)?/, ''), keptCopy);
  await floeOk(project, ['table', 'drop', 'ns.t.x']);
  await floeOk(project, ['table', 'register', 'ns.t.x', keptCopy]);
  expect(catalogPointer(project, 'ns.t.x')).toContain('/kept/x.metadata.json');
}, 120_000);

describe('a nested table whose metadata file is outside the outer table', () => {
  it("keeps its files out of ns.t's orphan sweep; ns.t's own orphans still go", async () => {
    const xDir = path.join(project, 'warehouse', 'ns', 't', 'x');
    const xFiles = await filesUnder(xDir);
    expect(xFiles.some((f) => f.startsWith('data/') && f.endsWith('.parquet'))).toBe(true);
    expect(await rowsOf('ns.t.x')).toBe('id,v\n7,x\n8,y\n');
    const stray = path.join(project, 'warehouse', 'ns', 't', 'data', 'stray.parquet');
    await writeFile(stray, 'not a table file');

    const dry = await floeOk(project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent', '--dry-run']);
    expect(dry.stdout, show(dry)).not.toContain('/x/');
    expect(dry.stdout, show(dry)).toContain('would delete 1 orphan file');
    const r = await floeOk(project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent']);
    expect(r.stdout, show(r)).toContain('deleted 1 orphan file');
    expect(r.stdout, show(r)).toContain('stray.parquet');

    expect(await filesUnder(xDir)).toEqual(xFiles);
    expect(await rowsOf('ns.t.x')).toBe('id,v\n7,x\n8,y\n');
    expect(await rowsOf('ns.t')).toBe('id,v\n1,a\n2,b\n');
  }, 120_000);

  it('stops the sweep (exit 1, nothing deleted) when that metadata file cannot be read, naming both tables', async () => {
    const tDir = path.join(project, 'warehouse', 'ns', 't');
    await writeFile(path.join(tDir, 'data', 'stray.parquet'), 'not a table file');
    const before = await filesUnder(tDir);
    await rename(keptCopy, `${keptCopy}.aside`);

    const r = await floeIn(project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent']);
    expectFailure(r, 1, ['ns.t.x', 'ns.t', 'nothing was deleted']);
    expect(await filesUnder(tDir)).toEqual(before);

    await rename(`${keptCopy}.aside`, keptCopy);
    expect(await rowsOf('ns.t.x')).toBe('id,v\n7,x\n8,y\n');
  }, 120_000);

  it('is not stopped by a damaged table elsewhere whose metadata file is in its metadata/ folder', async () => {
    await writeFile(path.join(project, 'o.csv'), 'id,v\n5,o\n');
    await floeOk(project, ['load', 'ns.other', path.join(project, 'o.csv')]);
    await writeFile(catalogPointer(project, 'ns.other')!.replace(/^file:(\/\/)?/, ''), '{ not json');
    await writeFile(path.join(project, 'warehouse', 'ns', 't', 'data', 'stray.parquet'), 'not a table file');
    const r = await floeOk(project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent']);
    expect(r.stdout, show(r)).toContain('deleted 1 orphan file');
    expect(await rowsOf('ns.t.x')).toBe('id,v\n7,x\n8,y\n');
  }, 120_000);
});
