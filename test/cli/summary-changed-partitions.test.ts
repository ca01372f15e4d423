/**
 * A snapshot summary's `changed-partition-count` counted partition tuples without their spec:
 * files of two specs whose tuples are equal (`k=1` and `j=1`) were one partition, and a
 * partition value widened from int to long (`1` and `1n`) was two. A partition is now its
 * path under its spec, as Iceberg Java counts it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeOk, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-cli-changed-partitions-');
beforeAll(assertBuilt);

async function lastSummary(project: string, table: string): Promise<Record<string, string>> {
  const snapshots = JSON.parse((await floeOk(project, ['snapshots', table, '--json'])).stdout) as { summary: Record<string, string> }[];
  return snapshots.at(-1)!.summary;
}

describe('changed-partition-count', () => {
  it('counts equal tuples of two specs as two partitions', async () => {
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'a.csv');
    await writeFile(csv, 'k,j\n1,1\n');
    await floeOk(project, ['table', 'create', 'raw.t', '--column', 'k int', '--column', 'j int', '--partition-by', 'k']);
    await floeOk(project, ['load', 'raw.t', csv]);
    await floeOk(project, ['table', 'evolve', 'raw.t', '--partition-by', 'j']);
    await floeOk(project, ['load', 'raw.t', csv]);
    await floeOk(project, ['load', 'raw.t', csv, '--mode', 'overwrite']);
    const s = await lastSummary(project, 'raw.t');
    // Removed: k=1 (spec 0) and j=1 (spec 1); added: j=1 (spec 1).
    expect(s['deleted-data-files']).toBe('2');
    expect(s['changed-partition-count']).toBe('2');
  });

  it('counts a partition value written as int and as long as one partition', async () => {
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'a.csv');
    await writeFile(csv, 'k,v\n1,a\n');
    await floeOk(project, ['table', 'create', 'raw.w', '--column', 'k int', '--column', 'v string', '--partition-by', 'k']);
    await floeOk(project, ['load', 'raw.w', csv]);
    await floeOk(project, ['table', 'evolve', 'raw.w', '--widen-column', 'k=long']);
    await floeOk(project, ['load', 'raw.w', csv]);
    await floeOk(project, ['load', 'raw.w', csv, '--mode', 'overwrite']);
    const s = await lastSummary(project, 'raw.w');
    expect(s['deleted-data-files']).toBe('2');
    expect(s['changed-partition-count']).toBe('1');
  });
});
