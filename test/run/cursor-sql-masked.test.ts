/**
 * A `kind: sql` pipeline reads PII-tagged columns of its inputs masked (a hash, a mask), so a
 * cursor on such a column held hashes: the watermark was the greatest hash, and the next run
 * kept only the new rows whose hash happened to sort above it (here none of three). Such a
 * cursor is now refused (exit 2) before anything is written; an untagged cursor still works.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_PII_SALT: 'a-long-salt-for-the-cursor-sql-masked-test' };

describe('a sql pipeline whose incremental cursor is read masked', () => {
  it('is refused, and an untagged cursor over the same input writes each row once', async () => {
    const p = await newProject();
    await p.pipeline('raw', ['source: { kind: csv, path: data/*.csv }', 'columns:', '  ts: { pii: hash }', 'target: { table: raw.t, mode: append }', ''].join('\n'));
    await p.pipeline('masked', ['source: { kind: sql, query: "SELECT id, ts FROM raw.t", incremental: { cursor: ts } }', 'target: { table: cur.masked, mode: append }', ''].join('\n'));
    await p.pipeline('plain', ['source: { kind: sql, query: "SELECT id, ts FROM raw.t", incremental: { cursor: id } }', 'target: { table: cur.plain, mode: append }', ''].join('\n'));
    await p.write('data/a.csv', 'id,ts\n1,2026-01-01 00:00:00\n2,2026-01-02 00:00:00\n3,2026-01-03 00:00:00\n');
    await p.run(['raw'], 0, env);
    const r = await p.run(['masked'], 2, env);
    expect(r.stderr).toContain('incremental cursor ts is read masked');
    expect(await p.floe(['query', 'SELECT 1 FROM cur.masked'], env).then((q) => q.code), 'nothing was written').not.toBe(0);
    await p.run(['plain'], 0, env);
    await p.write('data/a.csv', 'id,ts\n4,2026-01-04 00:00:00\n5,2026-01-05 00:00:00\n6,2026-01-06 00:00:00\n');
    await p.run(['raw'], 0, env);
    const again = await p.run(['plain', '--json'], 0, env);
    const commit = again.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit?.rows_written, show(again)).toBe(3);
    expect(await p.query('SELECT id, count(*)::INT AS n FROM cur.plain GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 4, 5, 6].map((id) => ({ id, n: 1 })));
  }, 60_000);
});
