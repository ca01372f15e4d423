/**
 * The quarantine of an `incremental.lookback` run records a row once: a row kept with a value
 * a normaliser nulled (kept = true) only when it goes into the merge (new or changed), and a
 * rejected row (kept = false) read again at or below the watermark only when
 * `<table>__rejects` does not hold it yet; rows committed late are still quarantined by the
 * first run that reads them, and only they count against the reject limits.
 */
import { mkdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, useProjects } from './helpers.js';
import { eventOf } from './incremental-lookback-scenario.js';

const newProject = useProjects();

beforeAll(() => assertBuilt());

describe('rows read again by a lookback', () => {
  it('are quarantined once, and counted against the reject limits once', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, email TEXT, n TEXT, seq INTEGER)');
    const put = db.prepare('INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)');
    put.run(1, 'ann@example.com', '1', 100);
    put.run(2, 'not an email', '2', 110); // kept, its email nulled
    put.run(3, 'cy@example.com', 'x', 120); // rejected: n is no number
    put.run(4, 'dee@example.com', '4', 130);
    await p.pipeline(
      'items',
      [
        'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: seq, lookback: 50 } }',
        'columns:',
        '  email: { normalize: email }',
        '  n: { type: long }',
        'target: { table: app.items, mode: merge, key: [id] }',
        // One reject in five rows read is within the limit; two are not.
        'rejects: { max_ratio: 0.3 }',
        '',
      ].join('\n'),
    );
    const quarantined = () => p.query('SELECT raw, kept FROM app.items__rejects ORDER BY kept, raw');
    const first = await p.run(['items', '--json']);
    expect(eventOf(first.stdout, 'commit').rejects).toBe(1);
    const once = await quarantined();
    expect(once.map((r) => [JSON.parse(String(r.raw)).id, r.kept])).toEqual([
      [3, false],
      [2, true],
    ]);

    // Nothing new: rows 2 and 3 are read again (seq >= 80) and recorded no more.
    const again = await p.run(['items', '--json']);
    expect(eventOf(again.stdout, 'commit').rejects).toBe(0);
    expect(await quarantined()).toEqual(once);

    // A late row with a bad email and a late reject, both below the watermark: recorded once each.
    put.run(5, 'also not an email', '5', 125);
    put.run(6, 'eve@example.com', 'y', 115);
    db.close();
    const late = await p.run(['items', '--json']);
    expect(eventOf(late.stdout, 'commit').rejects).toBe(1);
    await p.run(['items']);
    const after = await quarantined();
    expect(after.map((r) => [JSON.parse(String(r.raw)).id, r.kept])).toEqual([
      [3, false],
      [6, false],
      [2, true],
      [5, true],
    ]);
    expect(await p.query('SELECT id, email FROM app.items ORDER BY id')).toEqual([
      { id: 1, email: 'ann@example.com' },
      { id: 2, email: null },
      { id: 4, email: 'dee@example.com' },
      { id: 5, email: null },
    ]);
  }, 90_000);
});
