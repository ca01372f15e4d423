/**
 * A pipeline whose `incremental.cursor` is changed to another column has no watermark on the
 * new one. It read every row from the start and an append pipeline wrote each of them a
 * second time. It now resumes after the greatest value of the new column in its table (with a
 * warning naming the old watermark), and when the table holds no value of it, an append run
 * is refused (exit 2) unless incremental.initial or --full-refresh says where to start.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (cursor: string, extra = '') => [`source: { kind: csv, path: data/*.csv, incremental: { cursor: ${cursor}${extra} } }`, 'target: { table: raw.t, mode: append }', ''].join('\n');
const counts = (p: { query(sql: string): Promise<Record<string, unknown>[]> }) => p.query('SELECT id, count(*)::INT AS n FROM raw.t GROUP BY id ORDER BY id');

describe('an incremental pipeline whose cursor column changed', () => {
  it('resumes after the greatest value of the new cursor in its table, writing no row twice', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('a'));
    await p.write('data/a.csv', 'id,a,b\n1,1,10\n2,2,20\n');
    await p.run(['p']);
    await p.pipeline('p', pipeline('b'));
    await p.write('data/b.csv', 'id,a,b\n3,3,30\n');
    const r = await p.run(['p', '--json']);
    expect(await counts(p), show(r)).toEqual([1, 2, 3].map((id) => ({ id, n: 1 })));
    expect(r.stdout + r.stderr).toContain('committed its watermark on a (2), not on its incremental.cursor b');
    await p.write('data/c.csv', 'id,a,b\n4,4,40\n');
    await p.run(['p']);
    expect(await counts(p)).toEqual([1, 2, 3, 4].map((id) => ({ id, n: 1 })));
  }, 60_000);

  it('refuses an append run when the table holds no value of the new cursor, until initial or --full-refresh says where to start', async () => {
    const p = await newProject();
    await p.pipeline('p', pipeline('a'));
    await p.write('data/a.csv', 'id,a\n1,1\n2,2\n');
    await p.run(['p']);
    await p.pipeline('p', pipeline('c'));
    await p.write('data/a.csv', 'id,a,c\n1,1,10\n2,2,20\n3,3,30\n');
    const r = await p.run(['p'], 2);
    expect(r.stderr).toContain('its watermark is on a (2)');
    expect(await counts(p)).toEqual([1, 2].map((id) => ({ id, n: 1 })));
    await p.pipeline('p', pipeline('c', ', initial: 20'));
    await p.run(['p']);
    expect(await counts(p)).toEqual([1, 2, 3].map((id) => ({ id, n: 1 })));
  }, 60_000);
});
