/**
 * `floe maintain manifests` on a table whose overwrite left manifests without live files: a
 * merge-on-read merge wrote a delete manifest, then `load --mode overwrite` marked every entry
 * of the old data and delete manifests DELETED. The dry run says how many it would drop; the
 * rewrite drops them (text and --json), and the table reads the same rows.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const T = 'ns.o';
const tmp = useTmpDirs('floe-rewrite-deleted-cli-');
let project: string;

/** JSON.parse with every long integer (16+ digits: snapshot ids) kept exact, as a string. */
const parseExact = (text: string) => JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as Record<string, unknown>;
const ok = async (args: string[]) => {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r;
};
const events = (stdout: string) => stdout.trim().split('\n').map(parseExact);
const rows = async () => (await ok(['query', `SELECT id, v FROM ${T} ORDER BY id`, '--format', 'csv'])).stdout;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'pipelines'));
  await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n2,b\n3,c\n');
  await writeFile(path.join(project, 'b.csv'), 'id,v\n7,x\n8,y\n');
  await writeFile(path.join(project, 'm.csv'), 'id,v,deleted\n2,b,true\n');
  await writeFile(path.join(project, 'pipelines', 'm.yaml'), `source: { kind: csv, path: m.csv }\ntarget: { table: ${T}, mode: merge, key: [id], delete_column: deleted }\n`);
  await ok(['load', T, path.join(project, 'a.csv')]);
  await ok(['table', 'evolve', T, '--set-property', 'write.merge.mode=merge-on-read']);
  await ok(['run', 'm']);
  await ok(['load', T, path.join(project, 'b.csv'), '--mode', 'overwrite']);
}, 300_000);

describe('maintain manifests after an overwrite of a table with deletes', () => {
  it('drops the data and delete manifests the overwrite left without live files', async () => {
    const before = await rows();
    expect(before.trim().split('\n')).toEqual(['id,v', '7,x', '8,y']);
    const pointer = catalogPointer(project, T);

    const plan = events((await ok(['maintain', 'manifests', T, '--dry-run', '--json'])).stdout).find((e) => e.event === 'end')!;
    expect(plan).toMatchObject({ dry_run: true, would_rewrite: true, manifests_before: 1, manifests_after: 1, manifests_kept: 0, manifests_dropped: 2, live_entries: 1 });
    const planText = await ok(['maintain', 'manifests', T, '--dry-run']);
    expect(planText.stdout).toContain(`${T}: would replace 1 data manifest with 1 clustered by partition (1 entry read, 1 live, 1 partition; 0 delete manifests kept, 2 manifests without live files to drop); dry run, nothing committed`);
    expect(catalogPointer(project, T)).toBe(pointer);

    const r = await ok(['maintain', 'manifests', T]);
    expect(r.stdout).toMatch(new RegExp(`^${T}: replaced 1 data manifest with 1 clustered by partition \\(1 entry, 2 rows; 0 delete manifests kept, 2 manifests without live files dropped\\) in snapshot \\d+\\n$`));
    expect(await rows()).toBe(before);
    const snaps = parseExact((await ok(['snapshots', T, '--json'])).stdout) as unknown as { summary: Record<string, string> }[];
    expect(snaps.at(-1)!.summary).toMatchObject({ operation: 'replace', 'manifests-created': '1', 'manifests-kept': '0', 'manifests-replaced': '3', 'total-delete-files': '0', 'total-records': '2' });

    const again = events((await ok(['maintain', 'manifests', T, '--json'])).stdout).find((e) => e.event === 'end')!;
    expect(again).toMatchObject({ rewritten: false, nothing: 'clustered' });
  }, 300_000);
});
