/**
 * Every maintenance command on the two degenerate tables: one without snapshots, and one
 * whose only snapshot is a delete (a merge-on-read merge that deleted every row, then expiry
 * of the append before it). Nothing-to-do is exit 0 with a line that says why; the catalog
 * pointer stays where it was. A rollback on a table without history is refused (exit 1):
 * the snapshot it names cannot exist.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const EMPTY = 'ns.e';
const DEL = 'ns.d';
const tmp = useTmpDirs('floe-maint-empty-');
let project: string;

/** JSON.parse with every long integer (16+ digits: snapshot ids) kept exact, as a string. */
const parseExact = (text: string) => JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
const ok = async (args: string[]) => {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r;
};
const events = (stdout: string) => stdout.trim().split('\n').map((l) => parseExact(l) as Record<string, unknown>);
const snapshots = async (table: string) =>
  parseExact((await ok(['snapshots', table, '--json'])).stdout) as { 'snapshot-id': string; summary: Record<string, string> }[];
const count = async (table: string) => (JSON.parse((await ok(['query', `SELECT count(*) AS n FROM ${table}`, '--format', 'json'])).stdout) as { n: number }[])[0]!.n;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await ok(['table', 'create', EMPTY, '--column', 'id long', '--column', 'v string']);

  await mkdir(path.join(project, 'pipelines'));
  await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n2,b\n3,c\n');
  await writeFile(path.join(project, 'm.csv'), 'id,v,deleted\n1,a,true\n2,b,true\n3,c,true\n');
  await writeFile(path.join(project, 'pipelines', 'm.yaml'), 'source: { kind: csv, path: m.csv }\ntarget: { table: ns.d, mode: merge, key: [id], delete_column: deleted }\n');
  await ok(['load', DEL, path.join(project, 'a.csv')]);
  await ok(['table', 'evolve', DEL, '--set-property', 'write.merge.mode=merge-on-read']);
  await ok(['run', 'm']);
  await ok(['maintain', 'expire', DEL, '--older-than', '0s', '--retain-last', '1']);
  const s = await snapshots(DEL);
  expect(s.map((x) => x.summary.operation)).toEqual(['delete']);
  expect(await count(DEL)).toBe(0);
}, 300_000);

describe('a table without snapshots', () => {
  it('compact, expire, orphans and manifests have nothing to do: exit 0, a line saying why, nothing committed', async () => {
    const pointer = catalogPointer(project, EMPTY);
    const said = async (args: string[], line: string) => {
      const r = await ok(args);
      expect(r.stdout + r.stderr, show(r)).toContain(line);
    };
    await said(['compact', EMPTY], 'ns.e: nothing to compact: the table has no snapshots yet');
    await said(['compact', EMPTY, '--dry-run'], 'ns.e: nothing to compact: the table has no snapshots yet');
    await said(['maintain', 'expire', EMPTY, '--older-than', '0s'], 'ns.e: nothing to expire: the table has no snapshots yet');
    await said(['maintain', 'manifests', EMPTY], 'ns.e: the table has no snapshots yet, so no manifests; nothing to rewrite');
    await said(['maintain', 'manifests', EMPTY, '--dry-run'], 'nothing to rewrite (dry run)');
    await said(['maintain', 'orphans', EMPTY, '--older-than', '0s', '--allow-recent'], 'ns.e: deleted 0 orphan files');
    const end = events((await ok(['maintain', 'manifests', EMPTY, '--json'])).stdout).find((e) => e.event === 'end')!;
    expect(end).toMatchObject({ status: 'ok', rewritten: false, nothing: 'no-snapshot' });
    expect(catalogPointer(project, EMPTY)).toBe(pointer);
  });

  it('snapshot rollback is refused with exit 1, naming the table and the target', async () => {
    const pointer = catalogPointer(project, EMPTY);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', EMPTY, '--to-snapshot', '123']), 1, ['table ns.e has no snapshots yet', 'no snapshot 123 to roll back to']);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', EMPTY, '--to-time', '2026-01-01T00:00:00Z']), 1, ['no snapshot committed before 2026-01-01T00:00:00.000Z']);
    expect(catalogPointer(project, EMPTY)).toBe(pointer);
  });
});

describe('a table whose only snapshot is a delete', () => {
  it('manifests, expire, orphans and rollback leave it as it is', async () => {
    const pointer = catalogPointer(project, DEL);
    expect((await ok(['maintain', 'manifests', DEL])).stdout).toContain('ns.d: the data manifests are already one per partition spec; nothing to rewrite');
    expect((await ok(['maintain', 'expire', DEL, '--older-than', '0s'])).stdout).toContain('ns.d: nothing to expire: its only snapshot is retained');
    const orphans = events((await ok(['maintain', 'orphans', DEL, '--older-than', '0s', '--allow-recent', '--json'])).stdout).find((e) => e.event === 'end')!;
    // The expired append's files went with it; every file left is referenced.
    expect(orphans.orphans).toEqual([]);
    expect(orphans.listed).toBe(orphans.referenced);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', DEL, '--to-time', '2026-01-01T00:00:00Z']), 1, ["no snapshot in main's history committed before"]);
    expect(catalogPointer(project, DEL)).toBe(pointer);
  });

  it('compact applies the deletes: no data file, no delete file, still no rows', async () => {
    const r = events((await ok(['compact', DEL, '--json'])).stdout);
    expect(r.find((e) => e.event === 'commit')).toMatchObject({ rewritten_data_files: 1, added_data_files: 0, removed_delete_files: 1, added_records: 0 });
    const last = (await snapshots(DEL)).at(-1)!;
    expect(last.summary.operation).toBe('replace');
    expect(last.summary).toMatchObject({ 'total-data-files': '0', 'total-delete-files': '0', 'total-records': '0' });
    expect(await count(DEL)).toBe(0);
    // And again: now there is nothing left to compact.
    expect((await ok(['compact', DEL])).stdout).toMatch(/ns\.d: nothing to compact: snapshot \d+ has no data files/);
  });
});
