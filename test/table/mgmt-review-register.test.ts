/**
 * `floe table register` and `floe table drop` of tables other engines wrote, on points a review
 * of the table lifecycle found wrong:
 *
 * - a copied table whose metadata spells its location otherwise than its files
 *   (duckdb-iceberg's lineitem_iceberg_gz: location `./lineitem_iceberg_gz`, manifest list
 *   `lineitem_iceberg_gz/metadata/…`) got a --map-location hint that maps nothing; following it
 *   failed again with a generic hint. The hint now maps the prefix the files are stored under;
 * - a copy of a table whose original is still in place (another warehouse) was adopted at the
 *   original's location: floe read the original's files and wrote, expired and purged there.
 *   It is refused without --map-location, whose hint reads the copy;
 * - dropping a table registered with --map-location said its files remain under the stored
 *   location (`s3a://hyperparam-iceberg/…`, where they are not); it now names the folder they
 *   are in and the register command (with its mappings) that adopts them again;
 * - `--purge` deleted every file under the table's location: a README beside a registered
 *   table, another engine's table this catalog does not have. It now deletes what the metadata
 *   names and what is under <location>/data/ and <location>/metadata/, and lists what it kept;
 * - a purge that deleted one file said "1 files".
 */
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogTables, expectFailure, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const FIXTURES = path.join(import.meta.dirname, '../../../shared/fixtures/iceberg');
const tmp = useTmpDirs('floe-mgmt-register-');
let project: string;
let copies: string;

async function count(table: string): Promise<number> {
  const r = await floeOk(project, ['query', `SELECT count(*) AS n FROM ${table}`, '--format', 'json']);
  return (JSON.parse(r.stdout) as { n: number }[])[0]!.n;
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  copies = await tmp();
  await cp(path.join(FIXTURES, 'duckdb-iceberg', 'iceberg', 'lineitem_iceberg_gz'), path.join(copies, 'lineitem_iceberg_gz'), { recursive: true });
  await cp(path.join(FIXTURES, 'icebird', 'hyperparam-iceberg', 'spark', 'bunnies'), path.join(copies, 'bunnies'), { recursive: true });
});

describe('register: the --map-location hint', () => {
  it('maps the prefix the files are stored under, and following it registers the table', async () => {
    const copy = path.join(copies, 'lineitem_iceberg_gz');
    const r = await floeIn(project, ['table', 'register', 'dk.lineitem', copy]);
    expectFailure(r, 1, ['cannot register dk.lineitem']);
    const hint = /add (--map-location \S+)/.exec(r.stderr)?.[1];
    expect(hint, show(r)).toBe(`--map-location lineitem_iceberg_gz=${copy}`);
    await floeOk(project, ['table', 'register', 'dk.lineitem', copy, ...hint!.split(' ')]);
    expect(await count('dk.lineitem')).toBe(111968);
  });
});

describe('register: a copy whose original is still in place', () => {
  it('is refused without --map-location (it would commit and purge in the original), and read from the copy with it', async () => {
    const other = await writeProject(await tmp());
    await writeFile(path.join(other, 'a.csv'), 'id,name\n1,a\n2,b\n');
    await floeOk(other, ['load', 'ns.orig', path.join(other, 'a.csv')]);
    const original = path.join(other, 'warehouse', 'ns', 'orig');
    const copy = path.join(copies, 'orig-copy');
    await cp(original, copy, { recursive: true });
    const before = (await readdir(original, { recursive: true })).sort();

    const r = await floeIn(project, ['table', 'register', 'cp.orig', copy]);
    expectFailure(r, 2, [`its metadata says the table lives at ${original}, not at ${copy}`]);
    const hint = /read it there: add (--map-location \S+?);/.exec(r.stderr)?.[1];
    expect(hint, show(r)).toBe(`--map-location ${original}=${copy}`);
    await floeOk(project, ['table', 'register', 'cp.orig', copy, ...hint!.split(' ')]);
    await writeFile(path.join(copies, 'more.csv'), 'id,name\n3,c\n');
    await floeOk(project, ['load', 'cp.orig', path.join(copies, 'more.csv')]);
    expect(await count('cp.orig')).toBe(3);
    // The original table's folder is as it was; the copy took the new files.
    expect((await readdir(original, { recursive: true })).sort()).toEqual(before);
    expect((await readdir(path.join(copy, 'data'))).length).toBe(2);
  });
});

describe('drop of a table registered with --map-location', () => {
  it('names where its files are and the command that registers it again', async () => {
    const copy = path.join(copies, 'bunnies');
    const mapping = `s3a://hyperparam-iceberg/spark/bunnies=${copy}`;
    await floeOk(project, ['table', 'register', 'fx.bunnies', copy, '--map-location', mapping]);
    const rows = await count('fx.bunnies');
    const r = await floeOk(project, ['table', 'drop', 'fx.bunnies']);
    const file = path.join(copy, 'metadata', 'v5.metadata.json');
    expect(r.stdout.trim(), show(r)).toBe(
      `dropped fx.bunnies from the catalog; its files remain under ${copy}; register it again with: floe table register fx.bunnies ${file} --map-location ${mapping}`,
    );
    expect((await readdir(path.join(copy, 'data'))).length).toBeGreaterThan(0);
    await floeOk(project, ['table', 'register', 'fx.bunnies', file, '--map-location', mapping]);
    expect(await count('fx.bunnies')).toBe(rows);
  });

  it('--purge deletes the table\'s files and keeps other files under its location, naming them', async () => {
    const copy = path.join(copies, 'bunnies-purge');
    await cp(path.join(FIXTURES, 'icebird', 'hyperparam-iceberg', 'spark', 'bunnies'), copy, { recursive: true });
    await writeFile(path.join(copy, 'README.txt'), 'notes about this folder\n');
    await mkdir(path.join(copy, 'other', 'metadata'), { recursive: true });
    await writeFile(path.join(copy, 'other', 'metadata', 'v1.metadata.json'), '{}\n');
    await writeFile(path.join(copy, 'data', 'left-by-a-failed-write.parquet'), '');
    await floeOk(project, ['table', 'register', 'fx.purged', copy, '--map-location', `s3a://hyperparam-iceberg/spark/bunnies=${copy}`]);
    const r = await floeOk(project, ['table', 'drop', 'fx.purged', '--purge']);
    expect(r.stdout.trim(), show(r)).toBe(`dropped fx.purged and deleted 17 files under ${copy}`);
    expect(r.stderr, show(r)).toContain(`kept 2 files under ${copy} that the table's metadata does not name`);
    expect(r.stderr, show(r)).toContain(`${copy}/README.txt, ${copy}/other/metadata/v1.metadata.json`);
    expect((await readdir(copy, { recursive: true })).sort()).toEqual(['README.txt', 'other', 'other/metadata', 'other/metadata/v1.metadata.json']);
  });

  it('--purge that cannot read a manifest fails before the catalog entry goes, deleting nothing', async () => {
    await writeFile(path.join(copies, 'h.csv'), 'id,name\n1,a\n');
    await floeOk(project, ['load', 'ns.half', path.join(copies, 'h.csv')]);
    const meta = path.join(project, 'warehouse', 'ns', 'half', 'metadata');
    const manifest = (await readdir(meta)).find((f) => f.endsWith('-m0.avro'))!;
    // A folder where the manifest was: an io error, not a missing file.
    await rm(path.join(meta, manifest));
    await mkdir(path.join(meta, manifest));
    const before = (await readdir(path.join(project, 'warehouse', 'ns', 'half'), { recursive: true })).sort();
    expectFailure(await floeIn(project, ['table', 'drop', 'ns.half', '--purge']), 1, [`cannot read manifest`]);
    expect(catalogTables(project)).toContain('ns.half');
    expect((await readdir(path.join(project, 'warehouse', 'ns', 'half'), { recursive: true })).sort()).toEqual(before);
  });

  it('a purge of a table with one file says "1 file"', async () => {
    await floeOk(project, ['table', 'create', 'ns.one', '--column', 'id long']);
    const r = await floeOk(project, ['table', 'drop', 'ns.one', '--purge']);
    expect(r.stdout, show(r)).toMatch(/^dropped ns\.one and deleted 1 file under \S+\/warehouse\/ns\/one$/m);
  });
});
