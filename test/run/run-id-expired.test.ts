/**
 * A rerun of a `--run-id` whose snapshot `floe maintain expire` removed is still recognised
 * (the run-id record, src/run/run-ids.ts): skipped, the table unchanged. A table whose
 * history was expired before any run id was recorded refuses the run id instead of risking
 * a second append.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const count = async (p: Project, table: string) => Number((await p.query(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

async function appendProject(): Promise<Project> {
  const p = await newProject();
  await p.write('data/e.csv', 'id,name\n1,a\n2,b\n3,c\n');
  await p.pipeline('events', 'source: { kind: csv, path: data/e.csv }\ntarget: { table: raw.events, mode: append }\n');
  return p;
}

describe('run ids outlive snapshot expiry', () => {
  it('skips a rerun of an expired run id: the row count is unchanged', async () => {
    const p = await appendProject();
    await p.run(['events', '--run-id', 'r1']);
    await p.run(['events', '--run-id', 'r2']);
    expect(await count(p, 'raw.events')).toBe(6);
    const exp = await p.floe(['maintain', 'expire', 'raw.events', '--older-than', '0s', '--retain-last', '1']);
    expect(exp.code, show(exp)).toBe(0);
    const snaps = await p.snapshots('raw.events');
    expect(snaps.map((s) => s.summary['floe.run-id'])).toEqual(['r2']);
    const m = await p.metadata('raw.events');
    expect(JSON.parse(m.properties['floe.run-ids.events']!).map((e: [string, number]) => e[0])).toEqual(['r1', 'r2']);
    expect(m.properties['floe.run-ids']).toBe('complete');

    const pointer = await p.pointer('raw.events');
    const again = await p.run(['events', '--run-id', 'r1', '--json']);
    const skip = events(again.stdout).find((e) => e.event === 'skip');
    expect(skip, show(again)).toMatchObject({ pipeline: 'events', table: 'raw.events', rows_written: 0 });
    expect(skip!.note).toBe('run r1 already committed');
    expect(await p.pointer('raw.events')).toBe(pointer);
    expect(await count(p, 'raw.events')).toBe(6);
    // A new run id still appends.
    await p.run(['events', '--run-id', 'r3']);
    expect(await count(p, 'raw.events')).toBe(9);
    await p.run(['events', '--run-id', 'r2']);
    expect(await count(p, 'raw.events')).toBe(9);
  });

  it('after a compaction-like commit of another writer and expiry, the pipeline\'s runs are still known', async () => {
    const p = await appendProject();
    await p.write('data/o.csv', 'id,name\n9,z\n');
    await p.pipeline('other', 'source: { kind: csv, path: data/o.csv }\ntarget: { table: raw.events, mode: append }\n');
    await p.run(['events', '--run-id', 'r1']);
    // Another pipeline's commits push every snapshot of `events` out of the history.
    await p.run(['other']);
    await p.run(['other']);
    expect((await p.floe(['maintain', 'expire', 'raw.events', '--older-than', '0s', '--retain-last', '1'])).code).toBe(0);
    expect((await p.snapshots('raw.events')).some((s) => s.summary['floe.pipeline'] === 'events')).toBe(false);
    await p.run(['events', '--run-id', 'r1']);
    expect(await count(p, 'raw.events')).toBe(5);
  });

  it('refuses a run id it cannot know (history expired before any record), and a run without --run-id starts the record', async () => {
    const p = await appendProject();
    // Two loads (no pipeline, no record), then expiry: the table's history is incomplete.
    await p.write('data/seed.csv', 'id,name\n7,x\n');
    for (let i = 0; i < 2; i++) {
      const r = await p.floe(['load', 'raw.events', p.path('data/seed.csv')]);
      expect(r.code, show(r)).toBe(0);
    }
    expect((await p.floe(['maintain', 'expire', 'raw.events', '--older-than', '0s', '--retain-last', '1'])).code).toBe(0);
    expect((await p.metadata('raw.events')).properties['floe.run-ids']).toBeUndefined();
    const refused = await p.run(['events', '--run-id', 'old-1'], 1);
    expect(refused.stderr).toMatch(/cannot tell whether run old-1 was already committed to raw\.events/);
    expect(refused.stderr).toMatch(/without --run-id/);
    expect(await count(p, 'raw.events')).toBe(2);
    await p.run(['events']);
    expect(await count(p, 'raw.events')).toBe(5);
    await p.run(['events', '--run-id', 'new-1']);
    await p.run(['events', '--run-id', 'new-1']);
    expect(await count(p, 'raw.events')).toBe(8);
  });

  it('identity pipelines: a rerun of an expired run id is skipped; profiles and identity_changes unchanged', async () => {
    const p = await newProject();
    await p.write('crm.csv', 'id,email\n1,ann@x.com\n2,ANN@x.com\n3,bob@y.com\n');
    const loaded = await p.floe(['load', 'raw.crm', p.path('crm.csv')]);
    expect(loaded.code, show(loaded)).toBe(0);
    await p.pipeline('people', 'kind: identity\ninputs:\n  - table: raw.crm\n    source_id: id\n    identifiers: { email: email }\noutputs:\n  identity_map: c360.map\n  profiles: c360.people\n');
    await p.run(['people', '--run-id', 'i1']);
    await p.run(['people', '--run-id', 'i2']);
    expect((await p.floe(['maintain', 'expire', 'c360.people', '--older-than', '0s', '--retain-last', '1'])).code).toBe(0);
    expect((await p.snapshots('c360.people')).map((s) => s.summary['floe.run-id'])).toEqual(['i2']);
    const changes = await count(p, 'c360.identity_changes');
    const pointer = await p.pointer('c360.people');
    const again = await p.run(['people', '--run-id', 'i1', '--json']);
    expect(events(again.stdout).find((e) => e.event === 'skip')?.note, show(again)).toBe('run i1 already committed');
    expect(await p.pointer('c360.people')).toBe(pointer);
    expect(await count(p, 'c360.identity_changes')).toBe(changes);
    expect(await count(p, 'c360.people')).toBe(2);
  });
});
