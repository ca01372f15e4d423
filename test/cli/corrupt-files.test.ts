/**
 * Bad input, part 1: a table whose files were damaged on disk (truncated or overwritten
 * metadata JSON, Avro manifest list, Avro manifest, Parquet data file). Every command that
 * reads the damaged file fails with exit 1 (DESIGN §3: failure), names the file, prints no
 * stack trace unless --debug, and leaves the table as it was: same catalog pointer, and
 * once the file is restored the same rows and snapshots.
 */
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  catalogPointer,
  expectFailure,
  expectStackWithDebug,
  floeIn,
  show,
  smallCsv,
  tableState,
  useTmpDirs,
  writeProject,
  type TableState,
} from './helpers.js';

const T = 'raw.t';
const tmp = useTmpDirs('floe-cli-corrupt-');
let project: string;
let tableDir: string;
let input: string;
let before: TableState;
let filesBefore: string[];
/** Files a failed command left in the table folder, by test. */
const leftovers: string[] = [];

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  tableDir = path.join(project, 'warehouse', 'raw', 't');
  input = path.join(project, 'a.csv');
  // Enough rows that a data file has real pages to damage; two appends give two manifests.
  await writeFile(input, smallCsv(20_000));
  for (let i = 0; i < 2; i++) {
    const r = await floeIn(project, ['load', T, input]);
    expect(r.code, show(r)).toBe(0);
  }
  before = await tableState(project, T);
  expect(before.rows).toBe(40_000n);
  filesBefore = await listFiles(tableDir);
});

/**
 * Restores every damaged file; the catalog pointer must not have moved. Files a failed
 * command left behind are recorded (and removed, so that later tests find the layout they
 * expect); the last test reports them.
 */
const restores: (() => Promise<void>)[] = [];
afterEach(async (ctx) => {
  for (const r of restores.splice(0)) await r();
  expect(catalogPointer(project, T)).toBe(before.pointer);
  const extra = (await listFiles(tableDir)).filter((f) => !filesBefore.includes(f));
  for (const f of extra) {
    leftovers.push(`${ctx.task.name}: ${f}`);
    await rm(path.join(tableDir, f));
  }
});

/** Once everything is restored: the same rows and snapshots as before any damage. */
afterAll(async () => {
  expect(await tableState(project, T)).toEqual(before);
});

async function damage(file: string, how: (file: string, size: number) => Promise<void>): Promise<void> {
  const original = await readFile(file);
  restores.push(() => writeFile(file, original));
  await how(file, original.length);
}
const truncateToHalf = (file: string, size: number) => truncate(file, Math.floor(size / 2));
/** Overwrites the middle of a file, keeping its head and its last `keepTail` bytes. */
const scribble = (keepTail: number) => async (file: string, size: number) => {
  const bytes = await readFile(file);
  for (let i = 4; i < size - keepTail; i++) bytes[i] = 0xab;
  await writeFile(file, bytes);
};

function currentMetadataFile(): string {
  return catalogPointer(project, T)!.replace(/^file:(\/\/)?/, '');
}
async function currentSnapshotId(): Promise<string> {
  const text = await readFile(currentMetadataFile(), 'utf8');
  return /"current-snapshot-id"\s*:\s*(\d+)/.exec(text)![1]!;
}
async function currentManifestList(): Promise<string> {
  const id = await currentSnapshotId();
  const names = await readdir(path.join(tableDir, 'metadata'));
  const name = names.find((n) => n.startsWith(`snap-${id}-`) && n.endsWith('.avro'));
  expect(name, `manifest list of snapshot ${id} in ${names.join(', ')}`).toBeDefined();
  return path.join(tableDir, 'metadata', name!);
}
async function aManifest(): Promise<string> {
  const names = filesBefore.filter((n) => /^metadata\/.*-m\d+\.avro$/.test(n));
  expect(names.length).toBe(2);
  return path.join(tableDir, names[0]!);
}
async function aDataFile(): Promise<string> {
  const names = filesBefore.filter((n) => /^data\/.*\.parquet$/.test(n));
  expect(names.length).toBe(2);
  return path.join(tableDir, names[0]!);
}

const QUERY_ALL = ['query', `SELECT count(*), sum(amount), max(name) FROM ${T}`];

describe('a damaged current metadata file', () => {
  it('truncated: describe, snapshots, query and load fail naming the file; the pointer does not move', async () => {
    const file = currentMetadataFile();
    await damage(file, truncateToHalf);
    for (const args of [['describe', T], ['snapshots', T], QUERY_ALL, ['load', T, input]]) {
      const r = await floeIn(project, args);
      expectFailure(r, 1, [file]);
      expect(catalogPointer(project, T)).toBe(before.pointer);
    }
    await expectStackWithDebug(project, ['describe', T], 1);
  });

  it('not JSON at all', async () => {
    const file = currentMetadataFile();
    await damage(file, (f) => writeFile(f, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a])));
    expectFailure(await floeIn(project, ['describe', T]), 1, [file]);
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
  });

  it('JSON of the wrong shape', async () => {
    const file = currentMetadataFile();
    await damage(file, (f) => writeFile(f, '{"format-version": 2}\n'));
    expectFailure(await floeIn(project, ['describe', T]), 1, [file]);
    expectFailure(await floeIn(project, ['load', T, input]), 1, [file]);
    expect(catalogPointer(project, T)).toBe(before.pointer);
  });

  it('missing', async () => {
    const file = currentMetadataFile();
    await damage(file, (f) => rm(f));
    expectFailure(await floeIn(project, ['describe', T]), 1, [file, 'missing']);
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
  });
});

describe('a damaged Avro manifest list', () => {
  it('truncated: query and load fail naming the file', async () => {
    const file = await currentManifestList();
    await damage(file, truncateToHalf);
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
    expectFailure(await floeIn(project, ['load', T, input]), 1, [file]);
    expect(catalogPointer(project, T)).toBe(before.pointer);
    await expectStackWithDebug(project, QUERY_ALL, 1);
  });

  it('overwritten in the middle (header and sync marker kept): query fails naming the file', async () => {
    const file = await currentManifestList();
    await damage(file, scribble(16));
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
  });

  it('empty: query fails naming the file', async () => {
    const file = await currentManifestList();
    await damage(file, (f) => truncate(f, 0));
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
  });
});

describe('a damaged Avro manifest', () => {
  it('truncated: query and an overwrite fail naming the file', async () => {
    const file = await aManifest();
    await damage(file, truncateToHalf);
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
    // An overwrite must read every live manifest to delete its files.
    expectFailure(await floeIn(project, ['load', T, input, '--mode', 'overwrite']), 1, [file]);
    expect(catalogPointer(project, T)).toBe(before.pointer);
    await expectStackWithDebug(project, QUERY_ALL, 1);
  });

  it('overwritten in the middle: query fails naming the file', async () => {
    const file = await aManifest();
    await damage(file, scribble(16));
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
  });
});

describe('a damaged Parquet data file', () => {
  it('truncated (footer lost): query fails naming the file', async () => {
    const file = await aDataFile();
    await damage(file, truncateToHalf);
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
    await expectStackWithDebug(project, QUERY_ALL, 1);
  });

  it('empty: query fails naming the file', async () => {
    const file = await aDataFile();
    await damage(file, (f) => truncate(f, 0));
    expectFailure(await floeIn(project, QUERY_ALL), 1, [file]);
  });

  it('pages overwritten, footer intact: query fails with exit 1 naming the file', async () => {
    const file = await aDataFile();
    // Keep "PAR1", the footer and its length: DuckDB opens the file and fails reading pages.
    const size = (await stat(file)).size;
    const tail = await readFile(file).then((b) => b.subarray(size - 8));
    const footerLength = tail.readUInt32LE(0);
    await damage(file, scribble(footerLength + 8));
    expectFailure(await floeIn(project, ['query', `SELECT sum(amount), max(name) FROM ${T}`]), 1, [file]);
  });
});

describe('clean-up after a failed command', () => {
  it('no command above left a file in the table folder', () => {
    // Nothing references such files, so the table is intact; but write-table promises that
    // a failed attempt deletes what it wrote (orphans are for crashes only).
    expect(leftovers).toEqual([]);
  });
});
