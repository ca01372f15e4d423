/**
 * An API that answers with no records says nothing about its columns. Before, the first run
 * created the table with a placeholder `json` column (or failed on declared columns), and an
 * overwrite replaced the table's rows with nothing because of one empty response. Now the run
 * writes nothing, leaves the table as it is, and says so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { usePrivateTmpdir, useRecordsApi } from '../helpers/local-http.js';
import { assertBuilt, events, show, useProjects } from './helpers.js';

// Private TMPDIR: test/sources/http.test.ts counts floe-http-* folders in the shared one.
usePrivateTmpdir('floe-http-empty-');

beforeAll(assertBuilt);
const newProject = useProjects();

const api = useRecordsApi<{ id: number; name: string }>();

const pipeline = (mode: string, columns = '') =>
  ['source:', '  kind: http', `  url: ${api.origin}/items`, '  records_path: data', `target: { table: raw.items, mode: ${mode} }`, columns, ''].join('\n');

describe('an http source that returns no records', () => {
  it('creates no table on a first run, and the next run with records creates it with their columns', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('append', 'columns:\n  id: { type: long }\n  name: { type: string }'));
    api.records = [];
    const r = await p.floe(['run', 'items', '--json']);
    expect(r.code, show(r)).toBe(0);
    const warning = events(r.stdout).find((e) => e.event === "warning");
    expect(warning?.message).toBe('the source returned no records; raw.items is created by the first run that reads some');
    expect(await p.tables()).not.toContain('raw.items');

    api.records = [{ id: 1, name: 'a' }];
    await p.run(['items']);
    expect(await p.query('SELECT * FROM raw.items')).toEqual([{ id: 1, name: 'a' }]);
  });

  it('leaves an existing overwrite table as it is, with a warning; an append table gets no snapshot', async () => {
    const p = await newProject();
    api.records = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }];
    await p.pipeline('items', pipeline('overwrite'));
    await p.run(['items']);
    const before = await p.snapshots('raw.items');

    api.records = [];
    const r = await p.floe(['run', 'items']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toContain('the source returned no records; raw.items was left as it is (an overwrite from an empty response is not applied)');
    expect(await p.snapshots('raw.items')).toEqual(before);
    expect(await p.query('SELECT id FROM raw.items ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);

    await p.pipeline('items', pipeline('append'));
    const a = await p.floe(['run', 'items']);
    expect(a.code, show(a)).toBe(0);
    expect(await p.snapshots('raw.items')).toEqual(before);
    expect(await p.query('SELECT name FROM raw.items ORDER BY id')).toEqual([{ name: 'a' }, { name: 'b' }]);
  });
});
