/**
 * `incremental:` on `kind: sql` pipelines: a curated table built from catalog tables reads
 * only the rows above its committed high-watermark, filtered inside the query when the cursor
 * reaches the table unchanged, and by the runner after the column rules otherwise.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const commitOf = (stdout: string, pipeline: string) => events(stdout).find((e) => e.event === 'commit' && e.pipeline === pipeline);

async function withEvents(p: Project, rows: string): Promise<void> {
  await p.write('data/events.csv', `id,kind,updated_at\n${rows}`);
}

describe('sql pipelines with incremental:', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await withEvents(p, '1,view,2026-01-01 10:00:00\n2,buy,2026-01-02 10:00:00\n');
    await p.pipeline('events', 'source: { kind: csv, path: data/events.csv, incremental: { cursor: updated_at } }\ntarget: { table: raw.events, mode: merge, key: [id] }\n');
    await p.pipeline(
      'curated',
      ['source:', '  kind: sql', '  query: SELECT id, upper(kind) AS kind, updated_at FROM raw.events', '  incremental: { cursor: updated_at }', 'target: { table: cur.events, mode: append }', ''].join('\n'),
    );
  });

  it('a second run reads and appends only the rows above the watermark, filtered inside the query', async () => {
    await p.run(['--all']);
    await withEvents(p, '1,view,2026-01-01 10:00:00\n2,buy,2026-01-02 10:00:00\n3,view,2026-01-03 10:00:00\n');
    const r = await p.run(['--all', '--json']);
    const c = commitOf(r.stdout, 'curated');
    // Pushed into the query: the two old rows are never read, not read and dropped.
    expect(c, r.stdout).toMatchObject({ rows_read: 1, rows_written: 1 });
    expect(events(r.stdout).find((e) => e.event === 'extract' && e.pipeline === 'curated')?.cursor).toMatchObject({ column: 'updated_at', watermark: '2026-01-02 10:00:00', inclusive: false });
    expect(await p.query('SELECT id, kind FROM cur.events ORDER BY id')).toEqual([
      { id: 1, kind: 'VIEW' },
      { id: 2, kind: 'BUY' },
      { id: 3, kind: 'VIEW' },
    ]);
    const last = (await p.snapshots('cur.events')).at(-1)!;
    expect(last.summary['floe.cursor.column']).toBe('updated_at');
    expect(last.summary['floe.cursor.value']).toBe('2026-01-03 10:00:00');
  });

  it('nothing new: no row is appended twice, and floe plan shows the bound', async () => {
    const r = await p.run(['curated', '--json']);
    expect(commitOf(r.stdout, 'curated'), r.stdout).toMatchObject({ rows_read: 0, rows_written: 0 });
    expect(await p.query('SELECT count(*) AS n FROM cur.events')).toEqual([{ n: 3 }]);
    const plan = await p.floe(['plan', 'curated']);
    expect(plan.stdout).toContain('updated_at > 2026-01-03 10:00:00 (last committed)');
  });

  it('--full-refresh reads every row again and replaces the append table rows (no row doubled)', async () => {
    const r = await p.run(['curated', '--full-refresh', '--json']);
    expect(commitOf(r.stdout, 'curated'), r.stdout).toMatchObject({ rows_read: 3, rows_written: 3 });
    expect(await p.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM cur.events')).toEqual([{ n: 3, ids: 3 }]);
  });
});

describe('a sql cursor that a column rule changes', () => {
  it('is compared by the runner after the rule: text read as a timestamp keeps only the later instants', async () => {
    const p = await newProject();
    // Text cursors whose text order differs from their instants' order: an offset moves 23:00-05:00 past 02:00Z.
    await p.write('data/log.csv', 'id,ts\n1,2026-01-01T02:00:00Z\n');
    await p.pipeline('log', "source: { kind: csv, path: data/log.csv, columns: { ts: string } }\ntarget: { table: raw.log }\n");
    await p.pipeline(
      'typed',
      ['source:', '  kind: sql', '  query: SELECT id, ts FROM raw.log', '  incremental: { cursor: ts }', 'columns:', '  ts: { type: timestamptz }', 'target: { table: cur.log, mode: merge, key: [id] }', ''].join('\n'),
    );
    await p.run(['log', 'typed']);
    await p.write('data/log.csv', 'id,ts\n2,2025-12-31T23:00:00-05:00\n3,2026-01-01T01:00:00Z\n');
    const r = await p.run(['log', 'typed', '--json']);
    // Compared as text, '2025-12-31T23…' sorts below the watermark and would be lost.
    expect(commitOf(r.stdout, 'typed'), r.stdout).toMatchObject({ rows_written: 1 });
    expect(await p.query('SELECT id FROM cur.log ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('a bound that is not a value of the cursor type', () => {
  it('names incremental.initial at its line and column (exit 2), for sql and file sources alike', async () => {
    const p = await newProject();
    await p.write('data/n.csv', 'id,v\n1,a\n');
    await p.pipeline('raw', 'source: { kind: csv, path: data/n.csv }\ntarget: { table: raw.n }\n');
    await p.pipeline('cur', ['source:', '  kind: sql', '  query: SELECT id, v FROM raw.n', '  incremental: { cursor: id, initial: abc }', 'target: { table: cur.n }', ''].join('\n'));
    await p.pipeline('file', 'source: { kind: csv, path: data/n.csv, incremental: { cursor: id, initial: "2026-01-01" } }\ntarget: { table: raw.f }\n');
    await p.run(['raw']);
    const sql = await p.run(['cur'], 2);
    expect(sql.stderr).toMatch(/pipelines\/cur\.yaml:4:39: source\.incremental\.initial: "abc" is not a value of the cursor id's type \(BIGINT\)/);
    const file = await p.run(['file'], 2);
    expect(file.stderr).toMatch(/pipelines\/file\.yaml:1:76: source\.incremental\.initial: "2026-01-01" is not a value of the cursor id's type/);
  });
});
