/**
 * Run ids that fell out of a pipeline's record of its last RUN_IDS_KEPT runs (src/run/run-ids.ts)
 * leave a 64-bit digest behind: a very late rerun of such a run id, whose snapshot was expired,
 * is still known to be committed — while fresh run ids (one per run, as Airflow makes them)
 * still run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../src/iceberg/types.js';
import {
  DIGESTS_KEPT,
  digestsHold,
  readRunIds,
  RUN_IDS_KEPT,
  RUN_IDS_MARKER,
  runIdDigest,
  runIdDigestsKey,
  runIdStatus,
  withRunIds,
} from '../../src/run/run-ids.js';
import { assertBuilt, events, type Project, show, useProjects } from './helpers.js';
import { commitOf, snap, table } from './run-id-fixtures.js';

/** `n` runs of pipeline p (run ids r1..rn) committed one after the other; then every snapshot but the last expired. */
function afterRuns(n: number, first = 1): TableMetadata {
  let m = table([], null);
  let parent: number | null = null;
  for (let i = first; i < first + n; i++) {
    const s = snap(i, parent, 'p', `r${i}`);
    const change = withRunIds(m, commitOf(s), 'p', `r${i}`);
    const properties = { ...m.properties };
    for (const u of change.updates) if (u.action === 'set-properties') Object.assign(properties, u.updates);
    m = table([...m.snapshots, s], i, properties);
    parent = i;
  }
  // `floe maintain expire --retain-last 1`: only the last snapshot remains, its parent gone.
  return table([m.snapshots.at(-1)!], Number(m['current-snapshot-id']), m.properties);
}

describe('run-id digests (pure)', () => {
  it('a run id that fell out of the record and was expired is committed; a fresh one is new', () => {
    const m = afterRuns(RUN_IDS_KEPT + 3);
    expect(readRunIds(m.properties, 'p')!.map((e) => e[0])[0]).toBe('r4');
    expect(m.properties[runIdDigestsKey('p')]).toBe(['r1', 'r2', 'r3'].map(runIdDigest).join(''));
    for (const old of ['r1', 'r2', 'r3', 'r4', `r${RUN_IDS_KEPT + 3}`]) expect(runIdStatus(m, 'p', old), old).toBe('committed');
    expect(runIdStatus(m, 'p', 'scheduled__2026-11-30T00:00:00+00:00')).toBe('new');
    expect(runIdStatus(m, 'q', 'r1')).toBe('new');
  });

  it('a digest counts only at its own position, and with the whole history on main a digest alone does not (rolled back)', () => {
    const d = runIdDigest('r1');
    expect(d).toHaveLength(11);
    expect(digestsHold({ [runIdDigestsKey('p')]: `x${d}` + 'y'.repeat(10) }, 'p', 'r1')).toBe(false);
    expect(digestsHold({ [runIdDigestsKey('p')]: 'y'.repeat(11) + d }, 'p', 'r1')).toBe(true);
    const complete = table([snap(1, null, 'p', 'r9')], 1, { [runIdDigestsKey('p')]: d, [RUN_IDS_MARKER]: 'complete', 'floe.run-ids.p': '[]' });
    expect(runIdStatus(complete, 'p', 'r1')).toBe('new');
  });

  it(`keeps the last ${DIGESTS_KEPT} digests`, () => {
    const full = Array.from({ length: DIGESTS_KEPT }, (_, i) => runIdDigest(`old${i}`)).join('');
    let m = table([snap(1, null, 'p', 'x')], 1, { [runIdDigestsKey('p')]: full, 'floe.run-ids.p': JSON.stringify(Array.from({ length: RUN_IDS_KEPT }, (_, i) => [`k${i}`, 1])), [RUN_IDS_MARKER]: 'complete' });
    const s = snap(2, 1, 'p', 'new1');
    const change = withRunIds(m, commitOf(s), 'p', 'new1');
    const set = change.updates.find((u) => u.action === 'set-properties');
    const digests = set && set.action === 'set-properties' ? set.updates[runIdDigestsKey('p')]! : '';
    expect(digests).toHaveLength(DIGESTS_KEPT * 11);
    expect(digests.endsWith(runIdDigest('k0'))).toBe(true);
    expect(digests.startsWith(runIdDigest('old1'))).toBe(true);
    m = table([snap(2, 1, 'p', 'new1')], 2, { ...m.properties, [runIdDigestsKey('p')]: digests });
    expect(runIdStatus(m, 'p', 'k0')).toBe('committed');
    expect(runIdStatus(m, 'p', 'old1')).toBe('committed');
    expect(runIdStatus(m, 'p', 'old0')).toBe('new');
  });
});

describe('a very late rerun, end to end', () => {
  const newProject = useProjects();
  beforeAll(assertBuilt);
  const count = async (p: Project) => Number((await p.query('SELECT count(*) AS n FROM raw.events'))[0]!.n);

  it(`a run id pushed out of the last ${RUN_IDS_KEPT} and expired is skipped; a fresh run id still appends`, async () => {
    const p = await newProject();
    await p.write('data/e.csv', 'id,name\n1,a\n2,b\n');
    await p.pipeline('events', 'source: { kind: csv, path: data/e.csv }\ntarget: { table: raw.events, mode: append }\n');
    await p.run(['events', '--run-id', 'ancient']);
    // 199 later runs, as recorded (their snapshots long expired): set in the record directly.
    const m = await p.metadata('raw.events');
    const record = readRunIds(m.properties, 'events')!;
    expect(record.map((e) => e[0])).toEqual(['ancient']);
    const later = Array.from({ length: RUN_IDS_KEPT - 1 }, (_, i) => [`later-${i}`, record[0]![1]]);
    const set = await p.floe(['table', 'evolve', 'raw.events', '--set-property', `floe.run-ids.events=${JSON.stringify([...record, ...later])}`]);
    expect(set.code, show(set)).toBe(0);
    // The 201st run pushes `ancient` out of the record; expiry then removes its snapshot.
    await p.run(['events', '--run-id', 'fresh-1']);
    const after = await p.metadata('raw.events');
    expect(readRunIds(after.properties, 'events')!.map((e) => e[0])).not.toContain('ancient');
    expect(after.properties['floe.run-id-digests.events']).toBe(runIdDigest('ancient'));
    const exp = await p.floe(['maintain', 'expire', 'raw.events', '--older-than', '0s', '--retain-last', '1']);
    expect(exp.code, show(exp)).toBe(0);
    expect((await p.snapshots('raw.events')).map((s) => s.summary['floe.run-id'])).toEqual(['fresh-1']);
    expect(await count(p)).toBe(4);

    const late = await p.run(['events', '--run-id', 'ancient', '--json']);
    expect(events(late.stdout).find((e) => e.event === 'skip')?.note, show(late)).toBe('run ancient already committed');
    expect(await count(p)).toBe(4);
    await p.run(['events', '--run-id', 'fresh-2']);
    expect(await count(p)).toBe(6);
  });
});
