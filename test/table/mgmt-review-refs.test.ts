/**
 * Tags and branches through the CLI, on points a review of the ref workflows found wrong:
 *
 * - `snapshot tag|branch NAME --replace` without `--snapshot` moves the ref to the current
 *   snapshot, as the help's default says (and Spark's CREATE OR REPLACE TAG|BRANCH does); it
 *   printed "already at snapshot … nothing changed" and left the ref where it was;
 * - `--snapshot` takes a tag or branch name as `floe query --snapshot` does, and `--as-of TIME`
 *   picks the snapshot main pointed at then (both were refused: "not a snapshot id");
 * - `snapshot branch main --fast-forward ID` publishes the snapshot a run whose checks failed
 *   staged (no ref holds it), only when main has not moved on; the next incremental run
 *   resumes from that snapshot's watermark. PyIceberg reads the same snapshots and rows.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, show, snapshotIds, useTmpDirs } from '../cli/helpers.js';
import { pyicebergRead } from '../interop/oracle.js';

const tmp = useTmpDirs('floe-mgmt-refs-');
let project: string;

/** The refs of a table as `floe snapshots --json` lists them: ref name → snapshot id. */
async function refs(table: string): Promise<Record<string, string>> {
  const r = await floeOk(project, ['snapshots', table, '--json']);
  const snaps = JSON.parse(r.stdout.replace(/("snapshot-id":\s*)(\d+)/g, '$1"$2"')) as { 'snapshot-id': string; refs: string[] }[];
  const out: Record<string, string> = {};
  for (const s of snaps) for (const name of s.refs) out[name] = s['snapshot-id'];
  return out;
}

async function ids(sql: string, extra: string[] = []): Promise<number[]> {
  const r = await floeOk(project, ['query', sql, '--format', 'json', ...extra]);
  return (JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id);
}

beforeAll(async () => {
  assertBuilt();
  project = await tmp();
  await writeFile(path.join(project, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  await mkdir(path.join(project, 'pipelines'));
  await mkdir(path.join(project, 'in'));
  await writeFile(
    path.join(project, 'pipelines', 'ev.yaml'),
    'name: ev\nsource:\n  kind: csv\n  path: in/*.csv\n  incremental: { cursor: id }\ntarget:\n  table: ns.ev\n  mode: append\nchecks:\n  - not_null: [name]\n',
  );
});

describe('tag and branch --replace, --snapshot REF, --as-of', () => {
  it('--replace without --snapshot moves the ref to the current snapshot', async () => {
    await writeFile(path.join(project, 'in', 'a.csv'), 'id,name\n1,a\n2,b\n');
    await floeOk(project, ['run', 'ev']);
    const [s1] = await snapshotIds(project, 'ns.ev');
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'prod']);
    await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'dev']);
    await writeFile(path.join(project, 'in', 'b.csv'), 'id,name\n3,c\n');
    await floeOk(project, ['run', 'ev']);
    const s2 = (await snapshotIds(project, 'ns.ev')).at(-1)!;
    expect(s2).not.toBe(s1);

    const tag = await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'prod', '--replace']);
    expect(tag.stdout, show(tag)).toContain(`moved tag 'prod' from snapshot ${s1} to ${s2}`);
    const branch = await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'dev', '--replace']);
    expect(branch.stdout, show(branch)).toContain(`moved branch 'dev' from snapshot ${s1} to ${s2}`);
    // A retention change alone still keeps the ref where it is.
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'first', '--snapshot', s1!]);
    const kept = await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'first', '--retain', '30d']);
    expect(kept.stdout, show(kept)).toContain(`updated the retention of tag 'first' (snapshot ${s1})`);
    expect(await refs('ns.ev')).toEqual({ main: s2, prod: s2, dev: s2, first: s1 });
  });

  it('--snapshot takes a tag or branch name, --as-of a time, and both are refused together', async () => {
    const [s1, s2] = await snapshotIds(project, 'ns.ev');
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'again', '--snapshot', 'first']);
    await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'fix', '--snapshot', 'first']);
    const log = await floeOk(project, ['snapshots', 'ns.ev']);
    const committed = new Map(log.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => /^\d+$/.test(c[0]!)).map((c) => [c[0]!, c[3]!]));
    // One millisecond after the second commit, main pointed at it; the first commit's own time picks the first.
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'then', '--as-of', committed.get(s1!)!]);
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'now', '--as-of', String(Date.parse(committed.get(s2!)!) + 1)]);
    const r = await refs('ns.ev');
    expect([r.again, r.fix, r.then, r.now]).toEqual([s1, s1, s1, s2]);

    expectFailure(await floeIn(project, ['snapshot', 'tag', 'ns.ev', 'x', '--snapshot', 'nope']), 1, ["has no branch or tag named 'nope'", 'its refs are:']);
    expectFailure(await floeIn(project, ['snapshot', 'tag', 'ns.ev', 'x', '--snapshot', 'first', '--as-of', '2020-01-01']), 2, ['give one of --snapshot or --as-of']);
    expectFailure(await floeIn(project, ['snapshot', 'branch', 'ns.ev', 'x', '--as-of', '2020-01-01']), 1, ['has no snapshot at or before 2020-01-01']);
    expect(Object.keys(await refs('ns.ev'))).not.toContain('x');
  });
});

describe('publishing the snapshot a failed audit staged', () => {
  it('--fast-forward ID moves main there, the next run appends on it, and PyIceberg reads the same', async () => {
    const before = (await refs('ns.ev')).main!;
    await writeFile(path.join(project, 'in', 'c.csv'), 'id,name\n4,\n5,e\n');
    const failed = await floeIn(project, ['run', 'ev']);
    expect(failed.code, show(failed)).toBe(3);
    const staged = (await snapshotIds(project, 'ns.ev')).at(-1)!;
    expect((await refs('ns.ev')).main).toBe(before);

    const pub = await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'main', '--fast-forward', staged]);
    expect(pub.stdout, show(pub)).toContain(`moved branch 'main' from snapshot ${before} to ${staged}`);
    expect(await ids('SELECT id FROM ns.ev ORDER BY id')).toEqual([1, 2, 3, 4, 5]);

    await writeFile(path.join(project, 'in', 'd.csv'), 'id,name\n6,f\n');
    await floeOk(project, ['run', 'ev']);
    const head = (await refs('ns.ev')).main!;
    expect(await ids('SELECT id FROM ns.ev ORDER BY id')).toEqual([1, 2, 3, 4, 5, 6]);

    // Main has moved on: the staged snapshot of another failed run can no longer be published by a fast-forward.
    await writeFile(path.join(project, 'in', 'e.csv'), 'id,name\n7,\n');
    expect((await floeIn(project, ['run', 'ev'])).code).toBe(3);
    const late = (await snapshotIds(project, 'ns.ev')).at(-1)!;
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'late', '--snapshot', late]);
    await rm(path.join(project, 'in', 'e.csv'));
    await writeFile(path.join(project, 'in', 'f.csv'), 'id,name\n8,h\n');
    await floeOk(project, ['run', 'ev']);
    expectFailure(await floeIn(project, ['snapshot', 'branch', 'ns.ev', 'main', '--fast-forward', late]), 2, [`is not an ancestor of it`]);
    expectFailure(await floeIn(project, ['snapshot', 'branch', 'ns.ev', 'main', '--fast-forward', '123']), 1, ["no branch or tag named '123' and no snapshot 123"]);

    const warehouse = path.join(project, 'warehouse');
    const catalogDb = path.join(warehouse, 'catalog.db');
    const current = await pyicebergRead({ catalogDb, warehouse, table: 'ns.ev' });
    const atLate = await pyicebergRead({ catalogDb, warehouse, table: 'ns.ev', snapshotId: late });
    expect(current.snapshot_id).toBe((await refs('ns.ev')).main);
    expect(current.rows!.map((x) => x.id)).toEqual(['1', '2', '3', '4', '5', '6', '8']);
    expect(atLate.rows!.map((x) => x.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(head).not.toBe(current.snapshot_id);
  });
});

describe('floe snapshots marks a staged snapshot; rollback takes a tag', () => {
  it('lists the snapshot a failed audit staged as such, and rolls main back to a tag', async () => {
    await writeFile(path.join(project, 'in', 'g.csv'), 'id,name\n9,\n');
    expect((await floeIn(project, ['run', 'ev'])).code).toBe(3);
    await rm(path.join(project, 'in', 'g.csv'));
    const staged = (await snapshotIds(project, 'ns.ev')).at(-1)!;
    const list = await floeOk(project, ['snapshots', 'ns.ev']);
    const lines = list.stdout.split('\n');
    expect(lines.find((l) => l.startsWith(staged)), show(list)).toMatch(/\(staged: checks failed\)$/);
    // Staged snapshots a ref holds, or that main now has, are listed by their refs only.
    expect(lines.filter((l) => l.includes('(staged: checks failed)'))).toHaveLength(1);
    // --json marks the same snapshot, for scripts that publish it.
    const json = JSON.parse((await floeOk(project, ['snapshots', 'ns.ev', '--json'])).stdout.replace(/("snapshot-id":\s*)(\d+)/g, '$1"$2"')) as { 'snapshot-id': string; staged?: boolean }[];
    expect(json.filter((s) => s.staged === true).map((s) => s['snapshot-id'])).toEqual([staged]);

    const [first] = await snapshotIds(project, 'ns.ev');
    await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'base', '--snapshot', first!]);
    const r = await floeOk(project, ['snapshot', 'rollback', 'ns.ev', '--to-snapshot', 'base']);
    expect(r.stdout, show(r)).toContain(`to ${first}`);
    expect((await refs('ns.ev')).main).toBe(first);
    expect(await ids('SELECT id FROM ns.ev ORDER BY id')).toEqual([1, 2]);
    expectFailure(await floeIn(project, ['snapshot', 'rollback', 'ns.ev', '--to-snapshot', 'nope']), 1, ["has no branch or tag named 'nope'"]);
  });
});
