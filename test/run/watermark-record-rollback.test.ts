/**
 * A rolled-back run's watermark record is not used after an expiry: `floe snapshot rollback`
 * and `floe snapshot branch main --replace` rewrite the watermark record of a pipeline whose
 * recorded snapshot leaves main's history (src/run/run-ids.ts watermarkUpdatesForMainMove),
 * so the next run resumes from the watermark of the snapshot main holds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, type Project, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const ids = async (p: Project) => (await p.query('SELECT id FROM raw.events ORDER BY id')).map((r) => Number(r.id));

async function twoRuns(): Promise<{ p: Project; s1: string; s2: string }> {
  const p = await newProject();
  await p.pipeline('events', 'source: { kind: csv, path: data/events.csv, incremental: { cursor: ts } }\ntarget: { table: raw.events, mode: append }\n');
  await p.write('data/events.csv', 'id,ts\n1,2026-01-01 10:00:00\n2,2026-01-02 10:00:00\n');
  await p.run(['events']);
  const s1 = String((await p.snapshots('raw.events')).at(-1)!['snapshot-id']);
  await p.write('data/events.csv', 'id,ts\n1,2026-01-01 10:00:00\n2,2026-01-02 10:00:00\n3,2026-01-03 10:00:00\n4,2026-01-04 10:00:00\n');
  await p.run(['events']);
  const s2 = String((await p.snapshots('raw.events')).at(-1)!['snapshot-id']);
  return { p, s1, s2 };
}

/** Another writer commits, then main's history is expired down to that commit. */
async function otherCommitThenExpire(p: Project): Promise<void> {
  await p.write('data/other.csv', 'id,ts\n100,1999-01-01 00:00:00\n');
  const load = await p.floe(['load', 'raw.events', p.path('data/other.csv')]);
  expect(load.code, show(load)).toBe(0);
  const exp = await p.floe(['maintain', 'expire', 'raw.events', '--older-than', '0s', '--retain-last', '1']);
  expect(exp.code, show(exp)).toBe(0);
  expect((await p.snapshots('raw.events')).some((s) => s.summary['floe.pipeline'] === 'events')).toBe(false);
}

describe('the watermark record after a rollback', () => {
  it('snapshot rollback: the next run after an expiry resumes from the rolled-back-to watermark', async () => {
    const { p, s1 } = await twoRuns();
    const rb = await p.floe(['snapshot', 'rollback', 'raw.events', '--to-snapshot', s1]);
    expect(rb.code, show(rb)).toBe(0);
    const record = JSON.parse((await p.metadata('raw.events')).properties['floe.watermark.events']!);
    expect(record).toMatchObject({ column: 'ts', 'snapshot-id': s1 });
    expect(record.value).toContain('2026-01-02');
    await otherCommitThenExpire(p);
    const plan = await p.floe(['plan', 'events']);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain('2026-01-02 10:00:00');
    expect(plan.stdout).not.toContain('2026-01-04');
    await p.run(['events']);
    expect(await ids(p)).toEqual([1, 2, 3, 4, 100]);
  });

  it('branch main --replace to a snapshot before the pipeline ran: the record is removed', async () => {
    const p = await newProject();
    await p.write('data/other.csv', 'id,ts\n100,1999-01-01 00:00:00\n');
    expect((await p.floe(['load', 'raw.events', p.path('data/other.csv')])).code).toBe(0);
    const s0 = String((await p.snapshots('raw.events')).at(-1)!['snapshot-id']);
    await p.pipeline('events', 'source: { kind: csv, path: data/events.csv, incremental: { cursor: ts } }\ntarget: { table: raw.events, mode: append }\n');
    await p.write('data/events.csv', 'id,ts\n1,2026-01-01 10:00:00\n2,2026-01-02 10:00:00\n');
    await p.run(['events']);
    const br = await p.floe(['snapshot', 'branch', 'raw.events', 'main', '--snapshot', s0, '--replace']);
    expect(br.code, show(br)).toBe(0);
    expect((await p.metadata('raw.events')).properties['floe.watermark.events']).toBeUndefined();
    await otherCommitThenExpire(p);
    await p.run(['events']);
    expect(await ids(p)).toEqual([1, 2, 100, 100]);
  });

  it('branch main --replace forward again (undoing the rollback): the record follows main', async () => {
    const { p, s1, s2 } = await twoRuns();
    expect((await p.floe(['snapshot', 'rollback', 'raw.events', '--to-snapshot', s1])).code).toBe(0);
    const br = await p.floe(['snapshot', 'branch', 'raw.events', 'main', '--snapshot', s2, '--replace']);
    expect(br.code, show(br)).toBe(0);
    expect(JSON.parse((await p.metadata('raw.events')).properties['floe.watermark.events']!)).toMatchObject({ 'snapshot-id': s2 });
    await otherCommitThenExpire(p);
    await p.run(['events']);
    expect(await ids(p)).toEqual([1, 2, 3, 4, 100]);
  });
});
