/**
 * The warnings of an incremental run with `incremental.lookback` name the watermark (the last
 * committed cursor), not the lookback's lower bound: the NULL-cursor warning, and the warning
 * of a run whose cursor snapshot was expired.
 */
import { mkdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from './helpers.js';

beforeAll(() => assertBuilt());
const newProject = useProjects();

describe('incremental warnings with a lookback', () => {
  it('the NULL-cursor warning names the last committed cursor, not the lookback bound', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, updated_at DATETIME)');
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(1, 'a', '2024-01-05 12:00:00');
    await p.pipeline('items', 'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: updated_at, lookback: 2h } }\ntarget: { table: app.items, mode: merge, key: [id] }\n');
    const first = await p.run(['items']);
    expect(first.code, show(first)).toBe(0);
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(2, 'no cursor', null);
    db.close();
    const r = await p.run(['items', '--json']);
    expect(r.code, show(r)).toBe(0);
    const w = events(r.stdout).find((e) => e.event === 'warning' && e.rows_not_read === 1);
    expect(w?.message, r.stdout).toContain('above the last one (2024-01-05 12:00:00)');
    expect(w?.message).not.toContain('10:00:00');
  }, 120_000);

  it('the expired-cursor warning says the read starts below the recovered watermark by the lookback', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: csv, path: data/ev.csv, incremental: { cursor: ts, lookback: 1 } }\ncolumns: { ts: { type: long } }\ntarget: { table: raw.ev, mode: merge, key: [id] }\n');
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n');
    expect((await p.run(['ev'])).code).toBe(0);
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n3,3\n');
    expect((await p.run(['ev'])).code).toBe(0);
    const c = await p.floe(['compact', 'raw.ev', '--min-input-files', '2']);
    expect(c.code, show(c)).toBe(0);
    const x = await p.floe(['maintain', 'expire', 'raw.ev', '--older-than', '0s', '--retain-last', '1']);
    expect(x.code, show(x)).toBe(0);
    // A table written before the watermark record (floe.watermark.<pipeline>): the run falls back to the table's greatest cursor.
    expect((await p.floe(['table', 'evolve', 'raw.ev', '--remove-property', 'floe.watermark.ev'])).code).toBe(0);
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n3,3\n4,4\n');
    const r = await p.run(['ev', '--json']);
    expect(r.code, show(r)).toBe(0);
    const w = events(r.stdout).find((e) => e.event === 'warning');
    expect(w?.message, r.stdout).toContain('resuming from 3, the greatest value in raw.ev (rows with ts >= 2 are read: lookback 1)');
    expect(w?.message).not.toContain('above 2');
    expect(await p.query('SELECT id, count(*) AS n FROM raw.ev GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 4].map((id) => ({ id, n: 1 })));
  }, 120_000);
});
