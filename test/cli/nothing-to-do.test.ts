/**
 * "Nothing to do" is a result (src/cli/output.ts): every command that changes tables prints
 * the line saying that nothing was done, and why, on stdout, exit 0, with nothing on stderr.
 * With --json that line is not printed: stdout is only JSON (NDJSON events, or one document
 * for `table evolve --json`), which tells that nothing was done.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, floeOk, show, snapshotIds, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-nothing-');
let project: string;
/** The one snapshot of ns.t. */
let snapshot: string;

const ok = (args: string[]) => floeOk(project, args);

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), 'id,name\n1,a\n2,b\n');
  await ok(['table', 'create', 'ns.e', '--column', 'id long']);
  await ok(['load', 'ns.t', path.join(project, 'a.csv')]);
  await ok(['snapshot', 'tag', 'ns.t', 'v1']);
  await ok(['table', 'evolve', 'ns.t', '--set-property', 'owner=lake']);
  const ids = await snapshotIds(project, 'ns.t');
  expect(ids).toHaveLength(1);
  snapshot = ids[0]!;
}, 120_000);

/** Each command with nothing to do, and the line it prints; `s` is the one snapshot of ns.t. */
type Case = [name: string, args: (s: string) => string[], line: (s: string) => string | RegExp, json: 'ndjson' | 'document'];
const CASES: Case[] = [
  ['compact, no snapshots', () => ['compact', 'ns.e'], () => 'ns.e: nothing to compact: the table has no snapshots yet', 'ndjson'],
  ['compact, one file', () => ['compact', 'ns.t'], () => 'ns.t: nothing to compact: 1 data file; 1 small or oversized file in 1 group with fewer than --min-input-files 5 files, or a single file', 'ndjson'],
  ['maintain expire, no snapshots', () => ['maintain', 'expire', 'ns.e', '--older-than', '0s'], () => 'ns.e: nothing to expire: the table has no snapshots yet', 'ndjson'],
  ['maintain expire, all retained', () => ['maintain', 'expire', 'ns.t', '--older-than', '0s'], () => /^ns\.t: nothing to expire: its only snapshot is retained\nns\.t: retention: each branch keeps its last 1 snapshot and those committed after \S+ \(--older-than 0s\); tags keep their snapshot; a branch's own retention settings win$/m, 'ndjson'],
  ['maintain manifests, no snapshots', () => ['maintain', 'manifests', 'ns.e'], () => 'ns.e: the table has no snapshots yet, so no manifests; nothing to rewrite', 'ndjson'],
  ['maintain manifests, clustered', () => ['maintain', 'manifests', 'ns.t'], () => 'ns.t: the data manifests are already one per partition spec; nothing to rewrite', 'ndjson'],
  ['maintain manifests --dry-run', () => ['maintain', 'manifests', 'ns.t', '--dry-run'], () => 'nothing to rewrite (dry run)', 'ndjson'],
  ['maintain orphans', () => ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent'], () => /^ns\.t: deleted 0 orphan files \(0 B\)/m, 'ndjson'],
  ['snapshot rollback to the current snapshot', (s) => ['snapshot', 'rollback', 'ns.t', '--to-snapshot', s], (s) => `ns.t: main is already at snapshot ${s}; nothing to roll back`, 'ndjson'],
  ['snapshot tag, unchanged', () => ['snapshot', 'tag', 'ns.t', 'v1', '--replace'], (s) => `ns.t: tag 'v1' is already at snapshot ${s} with these settings; nothing changed`, 'ndjson'],
  ['snapshot branch main, unchanged', (s) => ['snapshot', 'branch', 'ns.t', 'main', '--snapshot', s, '--replace'], (s) => `ns.t: branch 'main' is already at snapshot ${s} with these settings; nothing changed`, 'ndjson'],
  ['table evolve, no change', () => ['table', 'evolve', 'ns.t', '--set-property', 'owner=lake'], () => 'ns.t: nothing to change; the table already has this layout', 'document'],
];

describe.each(CASES)('nothing to do: %s', (name, args, line, json) => {
  it('prints the line on stdout, nothing on stderr, exit 0, and commits nothing', async () => {
    const pointers = [catalogPointer(project, 'ns.e'), catalogPointer(project, 'ns.t')];
    const r = await ok(args(snapshot));
    const want = line(snapshot);
    if (typeof want === 'string') expect(r.stdout, show(r)).toContain(want);
    else expect(r.stdout, show(r)).toMatch(want);
    expect(r.stderr, show(r)).toBe('');
    expect([catalogPointer(project, 'ns.e'), catalogPointer(project, 'ns.t')]).toEqual(pointers);
  });

  it('with --json, stdout is only JSON that says nothing was done, and stderr is empty', async () => {
    const r = await ok([...args(snapshot), '--json']);
    expect(r.stderr, show(r)).toBe('');
    expect(r.stdout, show(r)).not.toMatch(/nothing to|nothing changed/);
    if (json === 'document') {
      expect(JSON.parse(r.stdout), name).toMatchObject({ committed: false, changes: [] });
      return;
    }
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1), show(r)).toMatchObject({ event: 'end', status: 'ok' });
    expect(events.some((e) => e.event === 'commit'), `a commit event\n${show(r)}`).toBe(false);
  });
});
