/**
 * The orphan sweep of a table registered with `--map-location FROM=TO`: the catalog's pointer
 * (and, after a commit, the metadata log's entry for it) names the registered metadata file as
 * it really is (the TO spelling), while the listing reports the files in the table's stored
 * (FROM) vocabulary. Both must count as the same file, or the sweep deletes the current
 * metadata file of a copy made days ago, and every command fails after.
 */
import { cp, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { locationKey } from '../../src/table/reachable.js';
import { assertBuilt, catalogPointer, countRows, floeOk, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-orphans-mapped-');

/** Sets the modification time of every file under `dir` to `days` ago (a copy made a while back, or cp -p / rsync -a). */
async function ageTree(dir: string, days: number): Promise<void> {
  const when = new Date(Date.now() - days * 86_400_000);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) await utimes(path.join(e.parentPath, e.name), when, when);
  }
}

async function metadataFiles(root: string): Promise<string[]> {
  return (await readdir(path.join(root, 'metadata'))).filter((f) => f.endsWith('.metadata.json')).sort();
}

beforeAll(() => assertBuilt());

describe('maintain orphans on a table registered with --map-location', () => {
  it('keeps the registered metadata file, before and after a commit, and deletes real orphans only', async () => {
    const src = await writeProject(await tmp());
    const dst = await writeProject(await tmp());
    const csv = path.join(src, 'a.csv');
    await writeFile(csv, 'id,name\n1,a\n2,b\n3,c\n');
    await floeOk(src, ['load', 'raw.t', csv]);
    await floeOk(src, ['load', 'raw.t', csv]);
    const orig = path.join(src, 'warehouse', 'raw', 't');
    const copy = path.join(await tmp(), 'copy');
    await cp(orig, copy, { recursive: true });
    await ageTree(copy, 5);
    await floeOk(dst, ['table', 'register', 'raw.t', copy, '--map-location', `${orig}=${copy}`]);
    const registered = catalogPointer(dst, 'raw.t')!;
    expect(registered.startsWith(copy)).toBe(true);
    // A true orphan, as old as the copy: the sweep must still find it.
    const stray = path.join(copy, 'data', 'stray.parquet');
    await writeFile(stray, 'x');
    await ageTree(copy, 5);

    const dry = await floeOk(dst, ['maintain', 'orphans', 'raw.t', '--dry-run']);
    expect(dry.stdout).toContain('stray.parquet');
    expect(dry.stdout).not.toContain('.metadata.json');
    await floeOk(dst, ['maintain', 'orphans', 'raw.t']);
    expect(await metadataFiles(copy)).toContain(path.basename(registered));
    expect(await countRows(dst, 'raw.t')).toBe(6n);
    expect((await readdir(path.join(copy, 'data'))).includes('stray.parquet')).toBe(false);

    // One commit: the registered file is now only in the metadata log, still referenced.
    await floeOk(dst, ['load', 'raw.t', csv]);
    await ageTree(copy, 5);
    const after = await floeOk(dst, ['maintain', 'orphans', 'raw.t', '--dry-run']);
    expect(after.stdout).not.toContain(path.basename(registered));
    expect(after.stdout).not.toContain('.metadata.json');
    await floeOk(dst, ['maintain', 'orphans', 'raw.t']);
    expect(await metadataFiles(copy)).toContain(path.basename(registered));
    expect(await countRows(dst, 'raw.t')).toBe(9n);
  });
});

describe('locationKey', () => {
  it('compares the Hadoop spellings s3a:// and s3n:// of an object equal to s3://', () => {
    expect(locationKey('s3a://b/wh/t/x')).toBe(locationKey('s3://b/wh/t/x'));
    expect(locationKey('S3N://b/wh/t/x')).toBe(locationKey('s3://b/wh/t/x'));
    expect(locationKey('s3://b/wh//t/x')).toBe('s3://b/wh//t/x'); // an S3 key's slashes are its own
  });
});
