/**
 * `floe run --full-refresh` of an append pipeline replaces the table's rows with the
 * source's, in one overwrite snapshot: appended, every row already in the table would be
 * there twice. The earlier snapshots stay readable by time travel. A merge pipeline upserts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('--full-refresh', () => {
  it('an append pipeline without a cursor: the table holds the source once, and the old rows by time travel', async () => {
    const p = await newProject();
    await p.pipeline('t', 'source: { kind: csv, path: data/t.csv }\ntarget: { table: raw.t }\n');
    await p.write('data/t.csv', 'id,v\n1,a\n2,b\n');
    await p.run(['t']);
    await p.run(['t']);
    expect(await p.query('SELECT count(*) AS n FROM raw.t')).toEqual([{ n: 4 }]);
    const before = (await p.snapshots('raw.t')).at(-1)!['snapshot-id'];
    await p.write('data/t.csv', 'id,v\n1,a\n2,b\n3,c\n');
    const r = await p.run(['t', '--full-refresh', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit')).toMatchObject({ rows_written: 3 });
    expect(await p.query('SELECT id, v FROM raw.t ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
    expect((await p.snapshots('raw.t')).at(-1)!.summary.operation).toBe('overwrite');
    const old = await p.floe(['query', 'SELECT count(*) AS n FROM raw.t', '--snapshot', String(before), '--format', 'json']);
    expect(JSON.parse(old.stdout)).toEqual([{ n: 4 }]);
  });

  it('a merge pipeline upserts: rows the source no longer has stay', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: raw.m, mode: merge, key: [id] }\n');
    await p.write('data/m.csv', 'id,v\n1,a\n2,b\n');
    await p.run(['m']);
    await p.write('data/m.csv', 'id,v\n2,B\n3,c\n');
    await p.run(['m', '--full-refresh']);
    expect(await p.query('SELECT id, v FROM raw.m ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'B' }, { id: 3, v: 'c' }]);
  });
});
