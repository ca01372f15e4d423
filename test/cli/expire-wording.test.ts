/**
 * `floe maintain expire` says what it did in Iceberg's terms: snapshots expired and
 * retained (and by which retention), files deleted by kind, refs removed; a dry run says
 * what it would do and that nothing changed. Its --help states the defaults.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floe, floeIn, floeOk, show, snapshotIds, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-expire-words-');
let project: string;
/** Snapshot ids of raw.t, oldest first. */
let ids: string[];

const ok = (args: string[]) => floeOk(project, args);

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), 'id\n1\n');
  for (let i = 0; i < 3; i++) await ok(['load', 'raw.t', path.join(project, 'a.csv')]);
  ids = await snapshotIds(project, 'raw.t');
  expect(ids).toHaveLength(3);
  // A tag on the oldest snapshot that outlives its retention a second later.
  await ok(['snapshot', 'tag', 'raw.t', 'old', '--snapshot', ids[0]!, '--retain', '1s']);
  await new Promise((r) => setTimeout(r, 1100));
}, 120_000);

describe('floe maintain expire', () => {
  it('--help states what expires, what is retained, and the defaults', async () => {
    const r = await floe(['maintain', 'expire', '--help']);
    expect(r.code, show(r)).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('expire old snapshots (remove them from the table metadata), then delete the files only they referenced');
    expect(text).toContain('default: table property history.expire.max-snapshot-age-ms, else 5d');
    expect(text).toContain('default: table property history.expire.min-snapshots-to-keep, else 1');
    expect(text).toContain('Tags retain their snapshot');
    expect(text).toContain('only those no retained snapshot references');
  });

  it('a dry run says what it would expire, retain and delete, and that nothing changed', async () => {
    const r = await ok(['maintain', 'expire', 'raw.t', '--older-than', '0s', '--retain-last', '1', '--dry-run']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('raw.t: would remove an expired ref (its snapshot is older than its max-ref-age-ms): old');
    expect(lines[1]).toBe(`raw.t: would expire 2 snapshots: ${ids[0]}, ${ids[1]}`);
    expect(lines[2]).toBe('raw.t: would retain 1 snapshot');
    expect(lines[3]).toMatch(/^raw\.t: retention: each branch keeps its last 1 snapshot \(--retain-last 1\) and those committed after \S+Z \(--older-than 0s\); tags keep their snapshot; a branch's own retention settings win$/);
    // Appends keep the earlier manifests: the two expired snapshots leave only their manifest lists.
    expect(lines[4]).toBe('raw.t: would delete 2 files that only expired snapshots referenced: 0 data or delete files, 0 manifests, 2 manifest lists, 0 statistics files');
    expect(lines.slice(5, 7)).toEqual([expect.stringMatching(/^ {2}\S+\/metadata\/snap-\S+\.avro$/), expect.stringMatching(/^ {2}\S+\/metadata\/snap-\S+\.avro$/)]);
    expect(lines.at(-2)).toBe('raw.t: dry run: nothing was committed or deleted');
    expect(r.stderr).toBe('');
  });

  it('an expiry says what it expired, retained and deleted, in the past tense', async () => {
    const r = await ok(['maintain', 'expire', 'raw.t', '--older-than', '0s', '--retain-last', '1']);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      'raw.t: removed an expired ref (its snapshot is older than its max-ref-age-ms): old',
      `raw.t: expired 2 snapshots: ${ids[0]}, ${ids[1]}`,
      'raw.t: retained 1 snapshot',
    ]);
    const deleted = /^raw\.t: deleted (\d+) files that only expired snapshots referenced: (\d+) data or delete files, (\d+) manifests, (\d+) manifest lists, (\d+) statistics files$/m.exec(r.stdout);
    expect(deleted, show(r)).not.toBeNull();
    const [, all, ...kinds] = deleted!.map(Number);
    expect(kinds.reduce((a, b) => a + b, 0)).toBe(all);
    expect(r.stdout).not.toContain('dry run');
  });

  it('--retain-last 0 is refused in the same words', async () => {
    expectFailure(await floeIn(project, ['maintain', 'expire', 'raw.t', '--retain-last', '0']), 2, ['--retain-last 0 would retain no snapshot of table raw.t: give 1 or more', 'the head of every branch is always retained']);
  });
});
