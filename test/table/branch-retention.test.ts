/**
 * A branch's retention settings (spec "Snapshot References": min-snapshots-to-keep,
 * max-snapshot-age-ms, max-ref-age-ms) belong to the ref, not to the snapshot it points at:
 * a commit that moves main to its new snapshot must carry them over, as Iceberg Java's
 * SnapshotProducer does (the ref is rebuilt from the existing one). Otherwise every load,
 * run or compaction silently reset them, and the next `maintain expire` removed the history
 * main was told to keep.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, floeOk, snapshotIds, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-branch-retention-');
const DAY_MS = 86_400_000;

/** main's ref as the current metadata file stores it. */
async function mainRef(project: string): Promise<Record<string, unknown>> {
  const meta = JSON.parse(await readFile(catalogPointer(project, 'raw.t')!, 'utf8')) as { refs: Record<string, Record<string, unknown>> };
  return meta.refs.main!;
}

beforeAll(() => assertBuilt());

describe("main's retention settings", () => {
  it('survive a load, a compaction and a pipeline run, and expiry keeps what they say', async () => {
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'a.csv');
    await writeFile(csv, 'id,name\n1,a\n');
    for (let i = 0; i < 3; i++) await floeOk(project, ['load', 'raw.t', csv]);
    await floeOk(project, ['snapshot', 'branch', 'raw.t', 'main', '--retain-last', '10', '--max-snapshot-age', '30d']);
    const want = { 'min-snapshots-to-keep': 10, 'max-snapshot-age-ms': 30 * DAY_MS };
    expect(await mainRef(project)).toMatchObject(want);

    await floeOk(project, ['load', 'raw.t', csv]);
    expect(await mainRef(project)).toMatchObject(want);
    await floeOk(project, ['compact', 'raw.t', '--rewrite-all']);
    expect(await mainRef(project)).toMatchObject(want);
    await mkdir(path.join(project, 'pipelines'));
    const jsonl = path.join(project, 'a.jsonl');
    await writeFile(jsonl, '{"id": 2, "name": "b"}\n');
    await writeFile(path.join(project, 'pipelines', 'p.yaml'), `source: { kind: json, path: ${JSON.stringify(jsonl)} }\ntarget: { table: raw.t }\n`);
    await floeOk(project, ['run', 'p']);
    expect(await mainRef(project)).toMatchObject(want);

    const before = await snapshotIds(project, 'raw.t');
    expect(before.length).toBe(6);
    await floeOk(project, ['maintain', 'expire', 'raw.t', '--older-than', '0s']);
    expect(await snapshotIds(project, 'raw.t')).toEqual(before);
  });
});
