/**
 * Table commands against bad input and damaged tables: each fails with DESIGN §3's exit code,
 * names the table / snapshot / file / option, and a refused write leaves the table as it was
 * (same catalog pointer, same snapshots).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, smallCsv, tableState, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-ops-tables-');
let project: string;
let csv: string;

async function loaded(table: string, times = 2): Promise<void> {
  for (let i = 0; i < times; i++) {
    const r = await floeIn(project, ['load', table, csv]);
    expect(r.code, show(r)).toBe(0);
  }
}

async function snapshotsJson(table: string): Promise<{ 'snapshot-id': bigint | number; 'manifest-list': string }[]> {
  const r = await floeIn(project, ['snapshots', table, '--json']);
  expect(r.code, show(r)).toBe(0);
  // Ids as text: they pass 2^53.
  return JSON.parse(r.stdout.replace(/("snapshot-id"|"parent-snapshot-id"):\s*(\d+)/g, '$1: "$2"')) as never;
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  csv = path.join(project, 'a.csv');
  await writeFile(csv, smallCsv(5));
});

describe('floe tables', () => {
  it('an unknown namespace is not-found naming it and the known ones; a known one lists its tables', async () => {
    await loaded('raw.listed', 1);
    expectFailure(await floeIn(project, ['tables', 'nons']), 1, ['namespace nons does not exist in catalog "floe"', 'raw']);
    const r = await floeIn(project, ['tables', 'raw']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.split('\n')).toContain('raw.listed');
  });
});

describe('floe table create / evolve: slips in the request', () => {
  it('a --column without a type names --column (not --add-column)', async () => {
    const r = await floeIn(project, ['table', 'create', 'raw.c', '--column', 'id']);
    expectFailure(r, 2, ["--column 'id': expected"]);
    expect(r.stderr).not.toContain('--add-column');
    expect(catalogPointer(project, 'raw.c')).toBeNull();
  });

  it('a v3-only type on a v2 table is a usage error naming the table and the column; nothing is created', async () => {
    const r = await floeIn(project, ['table', 'create', 'raw.ns3', '--column', 'a timestamp_ns']);
    expectFailure(r, 2, ["table raw.ns3: column 'a' has type timestamp_ns, which needs format version 3", '--property format-version=3']);
    expect(catalogPointer(project, 'raw.ns3')).toBeNull();
  });

  it('dropping a column twice, or by its old name after a rename, is refused and changes nothing', async () => {
    await loaded('raw.ev', 1);
    const before = await tableState(project, 'raw.ev');
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.ev', '--drop-column', 'name', '--drop-column', 'name']), 2, [
      "table raw.ev: column 'name' is dropped twice in the same change",
    ]);
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.ev', '--rename-column', 'name=label', '--drop-column', 'name']), 2, [
      "cannot drop column 'name': the same change renames it to 'label'",
    ]);
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.ev', '--add-column', 'x long', '--add-column', 'x string']), 2, [
      "column 'x' is added twice",
    ]);
    expect(await tableState(project, 'raw.ev')).toEqual(before);
  });
});

describe('floe maintain expire: nonsense options', () => {
  it('--retain-last -1 is a usage error that says why, naming the table', async () => {
    await loaded('raw.opt', 1);
    expectFailure(await floeIn(project, ['maintain', 'expire', 'raw.opt', '--retain-last', '-1']), 2, ['--retain-last -1 for table raw.opt is negative: give 1 or more']);
    expectFailure(await floeIn(project, ['maintain', 'expire', 'raw.opt', '--older-than', '5x']), 2, ["--older-than '5x' is not a duration"]);
  });
});

describe('a damaged table', () => {
  it('expire with the current manifest list gone: exit 1 naming table, snapshot and file; nothing committed or deleted', async () => {
    await loaded('raw.dmg', 3);
    const snaps = await snapshotsJson('raw.dmg');
    const current = snaps[snaps.length - 1]!;
    const pointer = catalogPointer(project, 'raw.dmg');
    await rm(current['manifest-list'].replace(/^file:(\/\/)?/, ''));
    const r = await floeIn(project, ['maintain', 'expire', 'raw.dmg', '--older-than', '0s', '--retain-last', '1']);
    expectFailure(r, 1, [`table raw.dmg, snapshot ${current['snapshot-id']}: cannot read manifest list`]);
    expect(catalogPointer(project, 'raw.dmg')).toBe(pointer);
    const after = await snapshotsJson('raw.dmg');
    expect(after.map((s) => s['snapshot-id'])).toEqual(snaps.map((s) => s['snapshot-id']));
    // The older snapshots still read: their files were not touched.
    const old = await floeIn(project, ['query', 'SELECT count(*) AS n FROM raw.dmg', '--snapshot', String(snaps[0]!['snapshot-id']), '--format', 'csv']);
    expect(old.stdout, show(old)).toBe('n\n5\n');
  });

  it('a truncated metadata file: every command names the table and the file', async () => {
    await loaded('raw.trunc', 1);
    const pointer = catalogPointer(project, 'raw.trunc')!;
    const file = pointer.replace(/^file:(\/\/)?/, '');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, 200));
    for (const args of [['snapshots', 'raw.trunc'], ['query', 'SELECT count(*) FROM raw.trunc'], ['compact', 'raw.trunc'], ['maintain', 'orphans', 'raw.trunc', '--dry-run']]) {
      expectFailure(await floeIn(project, args), 1, [`table raw.trunc: ${file}: invalid JSON at line 1, column 201`]);
    }
    await writeFile(file, text);
  });
});

describe('floe table drop', () => {
  it('--purge of ns.t keeps the files of ns.t.x, which lives in its folder', async () => {
    await loaded('raw.nest', 1);
    await loaded('raw.nest.child', 1);
    const r = await floeIn(project, ['table', 'drop', 'raw.nest', '--purge']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toContain('another catalog table lives there');
    // Every file the child's current snapshot reads is still there (a three-part name is not
    // queryable through DuckDB, so the files are checked directly).
    const snaps = await snapshotsJson('raw.nest.child');
    expect(snaps).toHaveLength(1);
    const childDir = path.join(project, 'warehouse', 'raw', 'nest', 'child');
    const left = await readdir(childDir, { recursive: true });
    expect(left.filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
    expect(left.filter((f) => f.endsWith('.metadata.json'))).toHaveLength(1);
    await readFile(snaps[0]!['manifest-list'].replace(/^file:(\/\/)?/, ''));
    // And nothing of raw.nest's own is left.
    const own = (await readdir(path.join(project, 'warehouse', 'raw', 'nest'), { recursive: true })).filter((f) => !f.startsWith('child'));
    expect(own.filter((f) => /\.(parquet|avro|json)$/.test(f))).toEqual([]);
  });

  it('a table whose metadata file is damaged can be dropped and registered again at an earlier metadata file', async () => {
    await loaded('raw.back', 2);
    const pointer = catalogPointer(project, 'raw.back')!.replace(/^file:(\/\/)?/, '');
    await writeFile(pointer, '{"format-version": 2,');
    const r = await floeIn(project, ['table', 'drop', 'raw.back']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('dropped raw.back from the catalog; its files remain');
    // The metadata file before the damaged one: the first load's (one snapshot, 5 rows).
    const folder = path.dirname(pointer);
    const files = (await readdir(folder)).filter((f) => f.endsWith('.metadata.json')).sort();
    expect(files).toHaveLength(2);
    const first = files[0]!;
    const reg = await floeIn(project, ['table', 'register', 'raw.back', path.join(folder, first)]);
    expect(reg.code, show(reg)).toBe(0);
    const q = await floeIn(project, ['query', 'SELECT count(*) AS n FROM raw.back', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('n\n5\n');
  });
});

describe('floe table register: bad metadata files', () => {
  it('a missing or undecodable metadata file names the table being registered and the file; nothing is registered', async () => {
    const missing = path.join(project, 'nope.metadata.json');
    expectFailure(await floeIn(project, ['table', 'register', 'raw.reg', missing]), 1, [`cannot register raw.reg: metadata file not found: ${missing}`]);
    const bad = path.join(project, 'bad.metadata.json');
    await writeFile(bad, '{"format-version": 2, "table-uuid": ');
    expectFailure(await floeIn(project, ['table', 'register', 'raw.reg', bad]), 1, [`cannot register raw.reg: ${bad}: invalid JSON at line 1`]);
    expect(catalogPointer(project, 'raw.reg')).toBeNull();
  });
});

describe('floe snapshot rollback to a damaged snapshot', () => {
  it('is refused before main moves, naming the snapshot and its missing manifest list', async () => {
    await loaded('raw.rb', 2);
    const snaps = await snapshotsJson('raw.rb');
    const pointer = catalogPointer(project, 'raw.rb');
    const target = snaps[0]!;
    await rm(target['manifest-list'].replace(/^file:(\/\/)?/, ''));
    const r = await floeIn(project, ['snapshot', 'rollback', 'raw.rb', '--to-snapshot', String(target['snapshot-id'])]);
    expectFailure(r, 1, [`table raw.rb: cannot roll back to snapshot ${target['snapshot-id']}: its manifest list`, 'is missing']);
    expect(catalogPointer(project, 'raw.rb')).toBe(pointer);
    const q = await floeIn(project, ['query', 'SELECT count(*) AS n FROM raw.rb', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('n\n10\n');
  });
});
