/**
 * An unquoted integer `incremental.initial` beyond 2^53: YAML reads it as a double, so
 * `9007199254740995` arrived as 9007199254740996 and the first run left out the row with
 * cursor 9007199254740996, above the initial the pipeline names; no later run read it. The
 * run and `floe plan` now start from the digits as written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('an unquoted incremental.initial beyond 2^53', () => {
  it('bounds the first run by the digits written', async () => {
    const p = await newProject();
    await p.pipeline('p', ['source: { kind: csv, path: data/*.csv, incremental: { cursor: id, initial: 9007199254740995 } }', 'target: { table: raw.t, mode: append }', ''].join('\n'));
    await p.write('data/a.csv', 'id\n9007199254740994\n9007199254740995\n9007199254740996\n9007199254740997\n');
    const plan = await p.floe(['plan', 'p', '--json']);
    expect(plan.code, show(plan)).toBe(0);
    expect(JSON.parse(plan.stdout)[0].incremental.lower_bound).toBe('9007199254740995');
    const r = await p.run(['p', '--json']);
    const extract = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'extract');
    expect(extract?.cursor?.lower_bound, show(r)).toBe('9007199254740995');
    const rows = await p.query('SELECT CAST(id AS VARCHAR) AS id FROM raw.t ORDER BY id');
    expect(rows).toEqual([{ id: '9007199254740996' }, { id: '9007199254740997' }]);
  }, 60_000);
});
