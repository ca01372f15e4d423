/**
 * Rows an incremental run is handed at or below its watermark are not this run's: a
 * cumulative CSV export read again, or rows a database source's looser pushed-down bound lets
 * through. Before, each such run recorded their normaliser changes and their conversion
 * rejects in `<table>__rejects` again and counted them again (`values_changed`, `rejects`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const HEADER = 'id,updated_at,email,qty';
const OLD = ['1,2026-01-05 10:00:00,not-an-email,1', '2,2026-01-05 11:00:00,b@example.com,oops', '3,2026-01-05 12:00:00,c@example.com,3'];
const PIPELINE = [
  'source: { kind: csv, path: data/people.csv, incremental: { cursor: updated_at } }',
  'columns:',
  '  updated_at: { type: timestamp }',
  '  email: { normalize: email }',
  '  qty: { type: long }',
  'rejects: { max_ratio: 0.9 }',
  'target: { table: raw.people, mode: merge, key: [id] }',
  '',
].join('\n');

describe('an incremental run handed rows at or below its watermark', () => {
  it('neither records nor counts their changed values and rejects again', async () => {
    const p = await newProject();
    await p.pipeline('people', PIPELINE);
    await p.write('data/people.csv', [HEADER, ...OLD, ''].join('\n'));
    const first = await p.floe(['run', 'people', '--json']);
    expect(first.code, show(first)).toBe(0);
    expect(events(first.stdout).find((e) => e.event === 'commit'), show(first)).toMatchObject({ rows_written: 2, rejects: 1, values_changed: 1 });

    // The export is cumulative: the next one repeats the old rows and adds one.
    await p.write('data/people.csv', [HEADER, ...OLD, '4,2026-01-05 13:00:00,d@example.com,4', ''].join('\n'));
    const second = await p.floe(['run', 'people', '--json']);
    expect(second.code, show(second)).toBe(0);
    const commit = events(second.stdout).find((e) => e.event === 'commit');
    expect(commit, show(second)).toMatchObject({ rows_written: 1, rejects: 0 });
    expect(commit?.values_changed ?? 0, show(second)).toBe(0);

    const recorded = await p.query('SELECT reason, count(*)::INT AS n FROM raw.people__rejects GROUP BY reason ORDER BY reason');
    expect(recorded.map((r) => r.n)).toEqual([1, 1]);
    expect(await p.query('SELECT id FROM raw.people ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }, { id: 4 }]);
  });
});
