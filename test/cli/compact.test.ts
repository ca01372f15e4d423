/**
 * `floe compact` end to end: help, nothing to do, dry run, a committed compaction read back
 * by query and snapshots, JSON events, and refused options (exit 2, table unchanged).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, countRows, expectFailure, floe, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const T = 'raw.small';
const tmp = useTmpDirs('floe-cli-compact-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  const a = path.join(project, 'a.csv');
  const b = path.join(project, 'b.csv');
  await writeFile(a, 'id,region,amount\n1,eu,10\n2,us,20\n3,eu,30\n');
  await writeFile(b, 'id,region,amount\n4,us,40\n5,ap,50\n');
  for (const f of [a, b]) {
    const r = await floeIn(project, ['load', T, f]);
    expect(r.code, show(r)).toBe(0);
  }
});

describe('floe compact', () => {
  it('--help lists every option and exits 0', async () => {
    const r = await floe(['compact', '--help']);
    expect(r.code, show(r)).toBe(0);
    for (const o of ['--strategy', '--sort', '--zorder', '--target-file-size', '--min-input-files', '--where', '--partial-progress', '--max-commits', '--commit-every', '--rewrite-to-current-spec', '--dry-run', '--json']) {
      expect(r.stdout).toContain(o);
    }
  });

  it('says there is nothing to do and exits 0 when too few files are small', async () => {
    const before = catalogPointer(project, T);
    const r = await floeIn(project, ['compact', T]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/nothing to compact: 2 data files; \d small or oversized files? in \d groups? with fewer than --min-input-files 5 files, or a single file/);
    expect(catalogPointer(project, T)).toBe(before);
  });

  it('refuses a bad strategy, a bad size and a bad --where with exit 2, table unchanged', async () => {
    const before = catalogPointer(project, T);
    expectFailure(await floeIn(project, ['compact', T, '--strategy', 'shuffle']), 2, ["unknown strategy 'shuffle'"]);
    expectFailure(await floeIn(project, ['compact', T, '--target-file-size', 'lots']), 2, ['--target-file-size', "'lots'"]);
    expectFailure(await floeIn(project, ['compact', T, '--min-input-files', '2', '--where', 'no_such_column = 1']), 2, ['--where', 'raw.small']);
    expectFailure(await floeIn(project, ['compact', T, '--strategy', 'sort']), 2, ['has no sort order', '--sort']);
    expect(catalogPointer(project, T)).toBe(before);
  });

  it('--dry-run prints the groups and commits nothing', async () => {
    const before = catalogPointer(project, T);
    const r = await floeIn(project, ['compact', T, '--min-input-files', '2', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('would rewrite 2 of 2 data files in 1 group');
    expect(r.stdout).toContain('2 files ≥ min-input-files 2');
    expect(catalogPointer(project, T)).toBe(before);
  });

  it('compacts, keeps the rows, and reports the replace snapshot (text and --json)', async () => {
    const r = await floeIn(project, ['compact', T, '--min-input-files', '2', '--strategy', 'sort', '--sort', 'amount desc', '--json']);
    expect(r.code, show(r)).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(['start', 'plan', 'commit', 'end']);
    expect(events[1]).toMatchObject({ files: 2, candidate_files: 2, strategy: 'sort(amount desc)' });
    const commit = events[2]!;
    expect(commit).toMatchObject({ rewritten_data_files: 2, added_data_files: 1, added_records: 5 });
    expect(await countRows(project, T)).toBe(5n);
    const q = await floeIn(project, ['query', `SELECT string_agg(id::VARCHAR, ',' ORDER BY id) AS ids, sum(amount) AS s FROM ${T}`, '--format', 'csv']);
    expect(q.stdout.trim().split('\n')[1]).toBe('"1,2,3,4,5",150');
    const s = await floeIn(project, ['snapshots', T, '--json']);
    const snaps = JSON.parse(s.stdout) as { summary: Record<string, string> }[];
    expect(snaps.at(-1)!.summary.operation).toBe('replace');
    expect(snaps.at(-1)!.summary['deleted-data-files']).toBe('2');
    const again = await floeIn(project, ['compact', T, '--min-input-files', '2']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toMatch(/nothing to compact: 1 data file[;,]/);
  });
});
