/**
 * Crash safety (DESIGN §1 "Two-phase writes"): `floe load` killed with SIGKILL at any point
 * leaves the table at its old snapshot (or, if the kill came after the catalog pointer
 * moved, at its new one), never in between. After every kill:
 *  - the catalog pointer names a metadata file that exists and parses;
 *  - `floe query "SELECT count(*)"` and `floe snapshots` are what they were before the load
 *    (or exactly one complete load later);
 * and a later `floe load` succeeds. Kill times are random (the seed is printed); the test
 * asserts invariants only, never timings.
 *
 * There is no fault-injection hook in src (no FLOE_* variable), so crashes come from real
 * kills: at random delays, once while Parquet files are being written into the staging
 * folder, and once as soon as the new manifest appears (the commit phase).
 */
import { watch } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  collect,
  expectPointerParses,
  floeIn,
  show,
  smallCsv,
  startFloe,
  tableState,
  useTmpDirs,
  writeProject,
  type RunResult,
  type TableState,
} from './helpers.js';
import { seeded } from '../helpers/random.js';

const T = 'raw.big';
/** Large enough that a load takes seconds on 2 cores (DESIGN: the CI machine). */
const BIG_ROWS = 3_000_000;
const SMALL_ROWS = 1_000;
const LONG = 600_000;

const tmp = useTmpDirs('floe-cli-crash-');
let project: string;
let tableDir: string;
let big: string;
let small: string;
/** The table state every kill must leave (updated when a load did complete). */
let current: TableState;

const seed = Number(process.env.CRASH_TEST_SEED ?? Date.now() % 1_000_000);
const random = seeded(seed); // reproducible kill times from the printed seed
const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  assertBuilt();
  const dir = await tmp();
  project = await writeProject(dir);
  tableDir = path.join(project, 'warehouse', 'raw', 'big');
  big = path.join(dir, 'big.csv');
  small = path.join(dir, 'small.csv');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  try {
    await c.run(
      `COPY (SELECT i AS id, 'name-' || i AS name, round(i * 1.5, 2)::DOUBLE AS amount FROM range(${BIG_ROWS}) t(i)) ` +
        `TO '${big.replace(/'/g, "''")}' (FORMAT csv, HEADER true)`,
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
  await writeFile(small, smallCsv(SMALL_ROWS));
  for (let i = 0; i < 2; i++) {
    const r = await floeIn(project, ['load', T, small]);
    expect(r.code, show(r)).toBe(0);
  }
  current = await tableState(project, T);
  expect(current.rows).toBe(BigInt(2 * SMALL_ROWS));
  console.info(`crash.test.ts: kill times from seed ${seed} (set CRASH_TEST_SEED to repeat)`);
}, LONG);

/** Snapshot ids, oldest first, exactly as printed by `floe snapshots --json`. */
const snapshotIds = (s: TableState) => [...s.snapshots.matchAll(/"snapshot-id"\s*:\s*"?(\d+)/g)].map((m) => m[1]!);

/**
 * After a kill (or a load that finished first): the pointer parses, and the table is either
 * exactly as before, or exactly one complete load of the big file later.
 */
async function expectOldOrNewSnapshot(r: RunResult, label: string): Promise<'old' | 'new'> {
  expect(r.signal === 'SIGKILL' || r.code === 0, `${label}: killed, or finished by itself\n${show(r)}`).toBe(true);
  const pointer = await expectPointerParses(project, T);
  const now = await tableState(project, T);
  if (pointer === current.pointer) {
    expect(now, `${label}: the table is at its old snapshot`).toEqual(current);
    return 'old';
  }
  // The pointer moved: the kill came after the commit (or the load finished). All or nothing.
  expect(now.rows, `${label}: a moved pointer means the whole load committed`).toBe(current.rows + BigInt(BIG_ROWS));
  expect(snapshotIds(now).slice(0, -1)).toEqual(snapshotIds(current));
  current = now;
  return 'new';
}

interface Killed {
  result: RunResult;
  /** ms after the start when SIGKILL was sent; null when the load ended by itself. */
  killedAtMs: number | null;
}

/** Starts a load of the big file and kills it when `when` says so. */
async function loadAndKill(when: (elapsedMs: number) => Promise<boolean> | boolean): Promise<Killed> {
  const child = startFloe(['--project', project, 'load', T, big]);
  const done = collect(child);
  const started = Date.now();
  let killedAtMs: number | null = null;
  while (child.exitCode === null && child.signalCode === null) {
    if (await when(Date.now() - started)) {
      if (child.kill('SIGKILL')) killedAtMs = Date.now() - started;
      break;
    }
    await sleep(10);
  }
  return { result: await done, killedAtMs };
}

/** Parquet bytes in the load's staging folders (data/.staging-<uuid>/...). */
async function stagedBytes(): Promise<number> {
  const data = path.join(tableDir, 'data');
  let total = 0;
  for (const e of await readdir(data, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile() && e.parentPath.includes(`${path.sep}.staging-`)) {
      total += await stat(path.join(e.parentPath, e.name)).then((s) => s.size, () => 0);
    }
  }
  return total;
}

async function metadataFiles(): Promise<Set<string>> {
  return new Set(await readdir(path.join(tableDir, 'metadata')));
}

describe('floe load killed with SIGKILL', () => {
  const delays = [between(100, 400), between(400, 1000), between(1000, 2000), between(2000, 3000), between(100, 3000)];

  it.each(delays.map((d, i) => [i + 1, d]))('run %i: killed after %i ms, the table loads at its old snapshot', async (_i, delay) => {
    const { result, killedAtMs } = await loadAndKill((elapsed) => elapsed >= delay);
    const outcome = await expectOldOrNewSnapshot(result, `kill after ${delay} ms`);
    console.info(`kill after ${delay} ms: ${killedAtMs === null ? 'the load finished first' : `killed at ${killedAtMs} ms`}; table at its ${outcome} snapshot`);
  }, LONG);

  it('killed while the Parquet data files are being written', async () => {
    let staged = 0;
    const { result, killedAtMs } = await loadAndKill(async () => (staged = await stagedBytes()) > 0);
    expect(result.signal, show(result)).toBe('SIGKILL');
    // Staged files are moved into data/ before the commit: a kill now must leave the old snapshot.
    expect(await expectOldOrNewSnapshot(result, 'kill while writing files')).toBe('old');
    console.info(`killed at ${killedAtMs} ms with ${staged} bytes of Parquet staged; table at its old snapshot`);
  }, LONG);

  // The commit phase writes the manifest, then NNNNN-<uuid>.metadata.json (each through a
  // temp file and a rename), then swaps the catalog pointer. inotify (fs.watch) lets the
  // kill land within a millisecond of each step.
  const commitSteps: [string, (name: string) => boolean][] = [
    ['the new manifest is being written', (n) => /-m\d+\.avro/.test(n)],
    ['the new metadata file is being written', (n) => /\.metadata\.json/.test(n) && !known.has(n)],
    ['the new metadata file is in place (before or just after the pointer swap)', (n) => /^\d{5}-[^/]*\.metadata\.json$/.test(n) && !known.has(n)],
  ];
  let known = new Set<string>();
  it.each(commitSteps)('killed as soon as %s: old or new snapshot, nothing between', async (step, matches) => {
    known = await metadataFiles();
    const child = startFloe(['--project', project, 'load', T, big]);
    const done = collect(child);
    let seen: string | null = null;
    const watcher = watch(path.join(tableDir, 'metadata'), (_event, name) => {
      if (seen === null && name && !known.has(name) && matches(name)) {
        seen = name;
        child.kill('SIGKILL');
      }
    });
    const result = await done.finally(() => watcher.close());
    const outcome = await expectOldOrNewSnapshot(result, `kill when ${step}`);
    console.info(`${step}: ${seen === null ? 'the load finished first' : `killed when ${seen} appeared`}; table at its ${outcome} snapshot`);
  }, LONG);

  it('a later load succeeds and adds exactly its rows', async () => {
    const before = current;
    const r = await floeIn(project, ['load', T, small]);
    expect(r.code, show(r)).toBe(0);
    await expectPointerParses(project, T);
    const after = await tableState(project, T);
    expect(after.rows).toBe(before.rows + BigInt(SMALL_ROWS));
    expect(snapshotIds(after).slice(0, -1)).toEqual(snapshotIds(before));
    // Time travel to the snapshot before the kills still works.
    const first = snapshotIds(before)[0]!;
    const q = await floeIn(project, ['query', `SELECT count(*) AS n FROM ${T}`, '--snapshot', first, '--format', 'csv']);
    expect(q.code, show(q)).toBe(0);
    expect(q.stdout.trim().split('\n')[1]).toBe(String(SMALL_ROWS));
  }, LONG);
});
