/**
 * `floe table register` and `floe table drop` of tables other engines wrote, on points a review
 * of the table lifecycle found wrong:
 *
 * - a copied table whose metadata spells its location otherwise than its files
 *   (duckdb-iceberg's lineitem_iceberg_gz: location `./lineitem_iceberg_gz`, manifest list
 *   `lineitem_iceberg_gz/metadata/…`) got a --map-location hint that maps nothing; following it
 *   failed again with a generic hint. The hint now maps the prefix the files are stored under;
 * - dropping a table registered with --map-location said its files remain under the stored
 *   location (`s3a://hyperparam-iceberg/…`, where they are not); it now names the folder they
 *   are in and the register command (with its mappings) that adopts them again;
 * - `--purge` deleted every file under the table's location: a README beside a registered
 *   table, another engine's table this catalog does not have. It now deletes what the metadata
 *   names and what is under <location>/data/ and <location>/metadata/, and lists what it kept;
 * - a purge that deleted one file said "1 files".
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

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

  it('a purge of a table with one file says "1 file"', async () => {
    await floeOk(project, ['table', 'create', 'ns.one', '--column', 'id long']);
    const r = await floeOk(project, ['table', 'drop', 'ns.one', '--purge']);
    expect(r.stdout, show(r)).toMatch(/^dropped ns\.one and deleted 1 file under \S+\/warehouse\/ns\/one$/m);
  });
});
