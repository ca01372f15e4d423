/**
 * `floe table register` as a data engineer adopting tables: a table copied from another
 * warehouse (its stored locations point at the old place), and a metadata file of a table
 * this catalog already has (a second entry over the same files would let each entry's
 * commits and expiry clobber the other's).
 */
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-review-register-');
let project: string;

async function metadataFiles(folder: string): Promise<string[]> {
  return (await readdir(path.join(folder, 'metadata'))).filter((f) => f.endsWith('.metadata.json')).sort();
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), 'id,name\n1,a\n2,b\n3,c\n');
  const r = await floeIn(project, ['load', 'raw.src', path.join(project, 'a.csv')]);
  expect(r.code, show(r)).toBe(0);
});

describe('floe table register', () => {
  it('refuses a metadata file of a table the catalog already has (exit 1); nothing is registered', async () => {
    const folder = path.join(project, 'warehouse', 'raw', 'src');
    const [first] = await metadataFiles(folder);
    const r = await floeIn(project, ['table', 'register', 'raw.twin', path.join(folder, 'metadata', first!)]);
    expectFailure(r, 1, [`cannot register raw.twin: ${path.join(folder, 'metadata', first!)} is a metadata file of table raw.src, which this catalog already has`, 'floe table drop raw.src']);
    expect(catalogPointer(project, 'raw.twin')).toBeNull();
    // The table folder is refused the same way.
    expectFailure(await floeIn(project, ['table', 'register', 'raw.twin', folder]), 1, ['is a metadata file of table raw.src']);
    const t = await floeIn(project, ['tables']);
    expect(t.stdout, show(t)).not.toContain('raw.twin');
  });

  it('a table copied from another folder: the hint gives the exact --map-location, which then works', async () => {
    const other = await tmp();
    const original = path.join(other, 'orig');
    const copy = path.join(other, 'copy');
    // A table written in another warehouse, copied here, the original gone.
    await mkdir(original);
    await writeProject(original);
    await writeFile(path.join(original, 'b.csv'), 'k\n10\n20\n');
    const w = await floeIn(original, ['load', 'x.moved', path.join(original, 'b.csv')]);
    expect(w.code, show(w)).toBe(0);
    await cp(path.join(original, 'warehouse', 'x', 'moved'), copy, { recursive: true });
    await rm(original, { recursive: true });
    const stored = path.join(original, 'warehouse', 'x', 'moved');
    const r = await floeIn(project, ['table', 'register', 'raw.moved', copy]);
    expectFailure(r, 1, ["cannot register raw.moved: the current snapshot's manifest list is not found at", `add --map-location ${stored}=${copy}`]);
    expect(catalogPointer(project, 'raw.moved')).toBeNull();
    const ok = await floeIn(project, ['table', 'register', 'raw.moved', copy, '--map-location', `${stored}=${copy}`]);
    expect(ok.code, show(ok)).toBe(0);
    expect(ok.stdout, show(ok)).toContain('(format v2, 1 snapshot, 1 location mapping)');
    const q = await floeIn(project, ['query', 'SELECT sum(k) AS s FROM raw.moved', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('s\n30\n');
    // And a second entry over the copy is refused, although its stored locations name the old place.
    expectFailure(await floeIn(project, ['table', 'register', 'raw.moved2', copy, '--map-location', `${stored}=${copy}`]), 1, ['is a metadata file of table raw.moved']);
    // --map-location takes one FROM=TO per use, so it may come before the folder.
    expectFailure(await floeIn(project, ['table', 'register', 'raw.moved2', '--map-location', `${stored}=${copy}`, copy]), 1, ['is a metadata file of table raw.moved']);
  });

  it('a name the catalog already has is refused (exit 1) and the existing table is untouched', async () => {
    const before = catalogPointer(project, 'raw.src');
    const other = await tmp();
    await writeProject(other);
    await writeFile(path.join(other, 'c.csv'), 'z\n1\n');
    expect((await floeIn(other, ['load', 'y.t', path.join(other, 'c.csv')])).code).toBe(0);
    const r = await floeIn(project, ['table', 'register', 'raw.src', path.join(other, 'warehouse', 'y', 't')]);
    expectFailure(r, 1, ['raw.src already exists']);
    expect(catalogPointer(project, 'raw.src')).toBe(before);
  });
});
