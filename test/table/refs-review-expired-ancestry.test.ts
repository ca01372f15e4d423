/**
 * `snapshot rollback --to-snapshot TAG` to a snapshot once in main's history, after the
 * snapshots in between expired: the walk along parent links stops where they are gone, so the
 * rollback is refused (as Iceberg Java refuses it), but it said the snapshot "is not an ancestor
 * of the current snapshot", which may be untrue. It now says main's history before the oldest
 * retained ancestor has been expired, and names the command that makes the snapshot current
 * anyway (`snapshot branch <t> main --snapshot ID --replace`). A snapshot newer than where the
 * history was cut, or with the history whole, keeps the "not an ancestor" refusal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, snapshotIds, useTmpDirs } from '../cli/helpers.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { FloeError } from '../../src/errors.js';
import { append, commitChange, DAY, load, memTable } from './reachable-helpers.js';

const NOW = Date.UTC(2026, 0, 31);
const tmp = useTmpDirs('floe-refs-review-expired-');

function refusal(f: () => unknown): FloeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  }
  throw new Error('expected the rollback to be refused');
}

describe('rollback to a tag across expired history', () => {
  it('says the history was expired and how to make the snapshot current', async () => {
    const t = await memTable();
    const s: bigint[] = [];
    for (let i = 0; i < 4; i++) s.push((await append(t, [`f${i}`], { at: NOW - (4 - i) * DAY }))['snapshot-id']);
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'v1', snapshotId: s[0] }, 'ns.t').change);
    const whole = (await load(t)).metadata;
    // s1 and s2 expired: main's walk back from s3 stops at s3 (its parent s2 is gone).
    const m: TableMetadata = { ...whole, snapshots: whole.snapshots.filter((x) => x['snapshot-id'] !== s[1] && x['snapshot-id'] !== s[2]) };
    const e = refusal(() => planRollback(m, { ref: 'v1' }, 'ns.t'));
    expect(e.kind).toBe('usage');
    expect(e.message).toContain(`table ns.t: main's history before snapshot ${s[3]} has been expired`);
    expect(e.message).toContain(`cannot be followed back to snapshot ${s[0]}`);
    expect(e.message).not.toContain('is not an ancestor');
    expect(e.hint).toContain(`floe snapshot branch ns.t main --snapshot ${s[0]} --replace`);
    // By id, the same.
    expect(refusal(() => planRollback(m, { snapshotId: s[0]! }, 'ns.t')).message).toContain('has been expired');
    // With the history whole, the rollback goes through.
    expect(planRollback(whole, { ref: 'v1' }, 'ns.t').to['snapshot-id']).toBe(s[0]);
  });

  it('still says "not an ancestor" for a snapshot off main', async () => {
    const t = await memTable();
    const s0 = (await append(t, ['a'], { at: NOW - 4 * DAY }))['snapshot-id'];
    await append(t, ['b'], { at: NOW - 3 * DAY });
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'dev' }, 'ns.t').change);
    await append(t, ['c'], { at: NOW - 2 * DAY });
    const d1 = (await append(t, ['d'], { at: NOW - DAY, branch: 'dev' }))['snapshot-id'];
    const m = (await load(t)).metadata;
    const e = refusal(() => planRollback(m, { snapshotId: d1 }, 'ns.t'));
    expect(e.message).toContain(`snapshot ${d1} is not an ancestor of the current snapshot`);
    // Main's history cut below s1: d1, committed after s1, cannot be hidden by the cut.
    const cut: TableMetadata = { ...m, snapshots: m.snapshots.filter((x) => x['snapshot-id'] !== s0) };
    expect(refusal(() => planRollback(cut, { snapshotId: d1 }, 'ns.t')).message).toContain('is not an ancestor');
  });

  it('through the CLI: floe maintain expire, then snapshot rollback --to-snapshot TAG', async () => {
    assertBuilt();
    const project = await tmp();
    await writeFile(path.join(project, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
    await mkdir(path.join(project, 'pipelines'));
    await mkdir(path.join(project, 'in'));
    await writeFile(path.join(project, 'pipelines', 'ev.yaml'), 'name: ev\nsource:\n  kind: csv\n  path: in/*.csv\n  incremental: { cursor: id }\ntarget:\n  table: ns.ev\n  mode: append\n');
    for (let i = 1; i <= 3; i++) {
      await writeFile(path.join(project, 'in', `${i}.csv`), `id,name\n${i},x\n`);
      await floeOk(project, ['run', 'ev']);
      if (i === 1) await floeOk(project, ['snapshot', 'tag', 'ns.ev', 'v1']);
    }
    const [first, , last] = await snapshotIds(project, 'ns.ev');
    await new Promise((r) => setTimeout(r, 1100));
    await floeOk(project, ['maintain', 'expire', 'ns.ev', '--older-than', '1s', '--retain-last', '1']);
    expect(await snapshotIds(project, 'ns.ev')).toEqual([first, last]);
    const r = await floeIn(project, ['snapshot', 'rollback', 'ns.ev', '--to-snapshot', 'v1']);
    expectFailure(r, 2, [`table ns.ev: main's history before snapshot ${last} has been expired`, `floe snapshot branch ns.ev main --snapshot ${first} --replace`]);
    expect(r.stderr).not.toContain('is not an ancestor');
    // The way out it names works.
    await floeOk(project, ['snapshot', 'branch', 'ns.ev', 'main', '--snapshot', first!, '--replace']);
    const n = await floeOk(project, ['query', 'SELECT count(*) AS n FROM ns.ev', '--format', 'json']);
    expect(JSON.parse(n.stdout)).toEqual([{ n: 1 }]);
  });
});
