/**
 * `floe plan` of a pipeline whose `incremental.cursor` was changed to another column (5233ba1):
 * an append run resumes after the greatest value of the new column in its table, and refuses
 * (exit 2) when the table holds none and incremental.initial does not say where to start.
 * Plan said "every row (no committed b yet)" for both; it now says where the run resumes, read
 * from the table as the run reads it, and refuses as the run does. A merge reads from the start.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (cursor: string, mode = 'append') => [`source: { kind: csv, path: data/*.csv, incremental: { cursor: ${cursor} } }`, `target: { table: raw.t, mode: ${mode}${mode === 'merge' ? ', key: [id]' : ''} }`, ''].join('\n');

describe('floe plan after incremental.cursor was changed', () => {
  it('shows the resume point the run takes: the greatest value of the new column in the table', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('a'));
    await p.write('data/a.csv', 'id,a,b\n1,1,10\n2,2,20\n');
    await p.run(['p']);
    await p.pipeline('p', pipeline('b'));
    await p.write('data/b.csv', 'id,a,b\n3,3,30\n');
    const plan = await p.floe(['plan', 'p', '--json']);
    expect(plan.code, show(plan)).toBe(0);
    const inc = JSON.parse(plan.stdout)[0].incremental;
    expect(inc.lower_bound, show(plan)).toBe('20');
    expect(inc.watermark).toBe('20');
    expect(inc.text).toBe('incremental: b > 20 (20, the greatest b in raw.t; the last watermark committed is on a (2): incremental.cursor was changed since)');
    const text = await p.floe(['plan', 'p']);
    expect(text.stdout).toContain('incremental: b > 20 (20, the greatest b in raw.t;');
    // The run starts where plan said.
    const run = await p.run(['p', '--json']);
    const extract = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'extract');
    expect(extract?.cursor?.lower_bound, show(run)).toBe(inc.lower_bound);
  }, 60_000);

  it('refuses as the run does when the table holds no value of the new cursor', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('a'));
    await p.write('data/a.csv', 'id,a\n1,1\n2,2\n');
    await p.run(['p']);
    await p.pipeline('p', pipeline('c'));
    await p.write('data/a.csv', 'id,a,c\n1,1,10\n2,2,20\n');
    const plan = await p.floe(['plan', 'p']);
    expect(plan.code, show(plan)).toBe(2);
    expect(plan.stderr).toContain('its watermark is on a (2), and raw.t holds no value of its incremental.cursor c');
  }, 60_000);

  it('says a merge reads from the start, and why', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('a', 'merge'));
    await p.write('data/a.csv', 'id,a,b\n1,1,10\n2,2,20\n');
    await p.run(['p']);
    await p.pipeline('p', pipeline('b', 'merge'));
    const plan = await p.floe(['plan', 'p', '--json']);
    expect(plan.code, show(plan)).toBe(0);
    const inc = JSON.parse(plan.stdout)[0].incremental;
    expect(inc.lower_bound).toBeNull();
    expect(inc.text).toContain('the last watermark committed is on a (2): incremental.cursor was changed since, and a merge upserts the rows read again');
  }, 60_000);
});
