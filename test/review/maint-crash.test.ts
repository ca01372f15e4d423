/**
 * Maintenance under concurrency and crashes, through the built CLI:
 *
 * - `floe compact` racing three `floe load`s in parallel processes: every load lands, the
 *   compaction commits (appends never conflict with it) and no row is lost or doubled;
 * - `floe compact`, `floe maintain manifests` and `floe maintain expire` killed with SIGKILL
 *   as soon as they write into metadata/ (a manifest, a manifest list or the new metadata
 *   file), and `maintain expire` killed as soon as it deletes a file: the catalog pointer
 *   names a metadata file that parses, the rows are exactly what they were, and the table is
 *   at its old snapshot list or at the complete new one. A later `maintain orphans` removes
 *   what the killed process left behind, and the table still reads the same rows.
 *
 * Kill points come from file-system events, never from timings; whichever way a race goes,
 * only invariants are asserted.
 */
import { type FSWatcher, readdirSync, watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, expectPointerParses, floeIn, type RunResult, show, startFloe, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-maint-crash-');
let project: string;

const ok = async (args: string[]) => {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r;
};

/** Row count and a checksum of every row, as floe reads the table. */
async function content(table: string): Promise<string> {
  const r = await ok(['query', `SELECT count(*) AS n, coalesce(md5(string_agg(id::VARCHAR || '|' || name || '|' || amount::VARCHAR, ',' ORDER BY id)), '') AS h FROM ${table}`, '--format', 'csv']);
  return r.stdout.trim().split('\n')[1]!;
}

/** Snapshot ids, oldest first, exactly as printed. */
async function snapshotIds(table: string): Promise<string[]> {
  const r = await ok(['snapshots', table, '--json']);
  return [...r.stdout.matchAll(/"snapshot-id"\s*:\s*"?(\d+)/g)].map((m) => m[1]!);
}

async function loadCsv(table: string, name: string, from: number, n: number): Promise<void> {
  const f = path.join(project, `${name}.csv`);
  let s = 'id,name,amount\n';
  for (let i = from; i < from + n; i++) s += `${i},name-${i},${(i * 1.5).toFixed(2)}\n`;
  await writeFile(f, s);
  await ok(['load', table, f]);
}

/** A table of `loads` one-file appends. */
async function smallFilesTable(table: string, loads: number): Promise<void> {
  for (let i = 0; i < loads; i++) await loadCsv(table, `${table}-${i}`, i * 10, 10);
}

const tableDir = (table: string, sub: string) => path.join(project, 'warehouse', ...table.split('.'), sub);

/**
 * Runs floe and SIGKILLs it on the first event `watchDir` reports for a file accepted by
 * `match` (a file created, renamed or removed there). Resolves with its result and whether
 * the kill came before it ended by itself.
 */
async function runAndKillOn(args: string[], watchDir: string, match: (file: string) => boolean): Promise<{ result: RunResult; killed: boolean }> {
  let killed = false;
  const child = startFloe(['--project', project, ...args]);
  const watcher: FSWatcher = watch(watchDir, (_event, file) => {
    if (file && match(String(file)) && child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL') || killed;
  });
  try {
    return { result: await collect(child), killed };
  } finally {
    watcher.close();
  }
}

/** After a kill: the pointer parses, the rows are unchanged, and the snapshots are the old list or the old list plus whole new snapshots. */
async function expectOldOrNew(table: string, r: { result: RunResult; killed: boolean }, before: { content: string; snapshots: string[] }, label: string): Promise<'old' | 'new'> {
  expect(r.killed || r.result.code === 0, `${label}: killed, or finished by itself\n${show(r.result)}`).toBe(true);
  await expectPointerParses(project, table);
  expect(await content(table), `${label}: the same rows`).toBe(before.content);
  const now = await snapshotIds(table);
  if (now.join() === before.snapshots.join()) return 'old';
  return 'new';
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
}, 300_000);

describe('compaction racing appends', () => {
  it('three loads in parallel with a compaction: every row kept once, the compaction committed', async () => {
    const T = 'raw.race';
    await smallFilesTable(T, 8);
    const files = Array.from({ length: 3 }, (_, i) => i);
    const csvs = await Promise.all(files.map(async (i) => {
      const f = path.join(project, `race-${i}.csv`);
      let s = 'id,name,amount\n';
      for (let k = 1000 + i * 10; k < 1010 + i * 10; k++) s += `${k},name-${k},${(k * 1.5).toFixed(2)}\n`;
      await writeFile(f, s);
      return f;
    }));
    const [compact, ...loads] = await Promise.all([
      floeIn(project, ['compact', T, '--json']),
      ...csvs.map((f) => floeIn(project, ['load', T, f])),
    ]);
    for (const l of loads) expect(l!.code, show(l!)).toBe(0);
    expect(compact!.code, show(compact!)).toBe(0);
    const commit = compact!.stdout.trim().split('\n').map((l) => JSON.parse(l.replace(/(:\s*)(\d{16,})/g, '$1"$2"')) as Record<string, unknown>).find((e) => e.event === 'commit');
    // It rewrites the 8 small files and any of the loads (10 rows each) that committed before it planned.
    const rewritten = Number(commit?.rewritten_data_files);
    expect(rewritten, show(compact!)).toBeGreaterThanOrEqual(8);
    expect(rewritten, show(compact!)).toBeLessThanOrEqual(11);
    expect(commit, show(compact!)).toMatchObject({ added_records: rewritten * 10 });
    const n = await ok(['query', `SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM ${T}`, '--format', 'csv']);
    expect(n.stdout.trim().split('\n')[1]).toBe('110,110,0,1029');
    // The replace snapshot sits in main's history with the three appends, whatever their order.
    const snaps = JSON.parse((await ok(['snapshots', T, '--json'])).stdout.replace(/(:\s*)(\d{16,})/g, '$1"$2"')) as { summary: Record<string, string> }[];
    expect(snaps.map((s) => s.summary.operation).sort()).toEqual([...Array(11).fill('append'), 'replace'].sort());
    expect(snaps.at(-1)!.summary['total-records']).toBe('110');
  });
});

describe('maintenance killed with SIGKILL', () => {
  it('compact killed as its first manifest is written: old or new snapshot, same rows; it runs again cleanly', async () => {
    const T = 'raw.kc';
    await smallFilesTable(T, 6);
    const before = { content: await content(T), snapshots: await snapshotIds(T) };
    const r = await runAndKillOn(['compact', T], tableDir(T, 'metadata'), (f) => f.endsWith('.avro'));
    const state = await expectOldOrNew(T, r, before, 'compact');
    if (state === 'new') expect((await snapshotIds(T)).length).toBe(before.snapshots.length + 1);
    await ok(['compact', T]);
    await ok(['maintain', 'orphans', T, '--older-than', '0s', '--allow-recent']);
    // Nothing the sweep deleted was needed: the query reads every live data file.
    expect(await content(T)).toBe(before.content);
  });

  it('maintain manifests killed as its first manifest is written', async () => {
    const T = 'raw.km';
    await smallFilesTable(T, 4);
    const before = { content: await content(T), snapshots: await snapshotIds(T) };
    const r = await runAndKillOn(['maintain', 'manifests', T], tableDir(T, 'metadata'), (f) => f.endsWith('.avro'));
    await expectOldOrNew(T, r, before, 'maintain manifests');
    await ok(['maintain', 'manifests', T]);
    await ok(['maintain', 'orphans', T, '--older-than', '0s', '--allow-recent']);
    expect(await content(T)).toBe(before.content);
  });

  it('maintain expire killed as its new metadata file is written, and again as it deletes its first file', async () => {
    const T = 'raw.ke';
    await smallFilesTable(T, 4);
    // Overwrite: the old data files are reachable only from the snapshots that expire.
    await ok(['compact', T, '--min-input-files', '2']);
    const before = { content: await content(T), snapshots: await snapshotIds(T) };
    const first = await runAndKillOn(['maintain', 'expire', T, '--older-than', '0s', '--retain-last', '1'], tableDir(T, 'metadata'), (f) => f.endsWith('.metadata.json'));
    const state = await expectOldOrNew(T, first, before, 'expire (metadata)');
    if (state === 'new') expect(await snapshotIds(T)).toEqual(before.snapshots.slice(-1));
    const mid = { content: before.content, snapshots: await snapshotIds(T) };
    if (mid.snapshots.length > 1) {
      const dataBefore = readdirSync(tableDir(T, 'data')).length;
      const second = await runAndKillOn(['maintain', 'expire', T, '--older-than', '0s', '--retain-last', '1'], tableDir(T, 'data'), () => true);
      // Files are deleted only after the commit: a kill during the deletes leaves the new snapshot list.
      expect(await expectOldOrNew(T, second, mid, 'expire (deletes)')).toBe('new');
      expect(await snapshotIds(T)).toEqual(before.snapshots.slice(-1));
      expect(readdirSync(tableDir(T, 'data')).length).toBeLessThan(dataBefore);
    }
    await ok(['maintain', 'orphans', T, '--older-than', '0s', '--allow-recent']);
    expect(await content(T)).toBe(before.content);
    expect(readdirSync(tableDir(T, 'data')).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
  });
});
