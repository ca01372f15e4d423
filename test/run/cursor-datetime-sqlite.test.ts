/**
 * SQLite date-time cursors across runs: whatever the cursor column's declared type (DATETIME,
 * TIMESTAMP, DATE, TEXT), the `type:` the pipeline gives it (none, timestamp, timestamptz,
 * date) and the form of its values (space or `T`, fractions, `Z`, offsets), a row added after
 * the first run with a later cursor is read by the second — never 0 rows in silence because
 * the stored watermark (`2026-01-05 11:00:00+00`) is text SQLite's julianday() cannot read.
 */
import { mkdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from './helpers.js';

beforeAll(() => assertBuilt());
const newProject = useProjects();

interface Case {
  declared: string;
  type?: string;
  first: string | number;
  second: string | number;
  /** Rows in the table after the second run. */
  rows: number;
  lookback?: string;
}

/** first → second: a later instant, on a later day and later as text. */
const NEXT_DAY: [string, string][] = [
  ['2026-01-05 11:00:00', '2026-01-06 09:30:00'],
  ['2026-01-05 11:00:00.250', '2026-01-06 09:30:00.5'],
  ['2026-01-05T11:00:00', '2026-01-06T09:30:00'],
  ['2026-01-05T11:00:00.123456Z', '2026-01-06T09:30:00Z'],
  ['2026-01-05 11:00:00+00:00', '2026-01-06 09:30:00+01:00'],
  ['2026-01-05', '2026-01-06'],
];
/** first → second: a later instant on the same day (or earlier as text: the offset). */
const SAME_DAY: [string, string][] = [
  ['2026-01-05 11:00:00.123456', '2026-01-05 11:00:00.123457'],
  ['2026-01-05 11:00:00', '2026-01-05 11:00:00.5'],
  ['2026-01-05T11:00:00Z', '2026-01-05T11:00:01Z'],
  ['2026-01-05 11:00:00+00:00', '2026-01-05 09:00:00-05:00'],
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const declared of ['DATETIME', 'TIMESTAMP', 'DATE', 'TEXT']) {
    for (const type of [undefined, 'timestamp', 'timestamptz', 'date']) {
      for (const [first, second] of NEXT_DAY) out.push({ declared, type, first, second, rows: 2 });
      if (type === 'date') continue; // a later time on the same day is a tie for a date cursor
      for (const [first, second] of SAME_DAY) {
        // Without a type, a TEXT column (or a DATE one holding times) is a text cursor, compared as text.
        const text = type === undefined && (declared === 'TEXT' || declared === 'DATE');
        // (A DATE column read as text whose next read is empty is typed DATE then: not a cursor matter.)
        if (text && declared === 'DATE' && second < first) continue;
        // DuckDB reads text with an offset as a `timestamp` by its wall clock (09:00-05:00 is 09:00):
        // below the watermark in the table's own terms. A DATETIME or TIMESTAMP column is read as instants.
        const wall = type === 'timestamp' && (declared === 'TEXT' || declared === 'DATE');
        out.push({ declared, type, first, second, rows: (text || wall) && second < first ? 1 : 2 });
      }
    }
  }
  // incremental.lookback (merge): a late row inside the lookback, below the watermark.
  for (const declared of ['DATETIME', 'TEXT']) {
    // (A text cursor takes no lookback but 0: a TEXT column needs a type here.)
    for (const type of declared === 'TEXT' ? ['timestamptz', 'timestamp'] : [undefined, 'timestamptz', 'timestamp']) {
      out.push({ declared, type, first: '2026-01-05 11:00:00', second: '2026-01-05 10:30:00', rows: 2, lookback: '1h' });
      out.push({ declared, type, first: '2026-01-05T11:00:00Z', second: '2026-01-05T10:30:00.5Z', rows: 2, lookback: '1h' });
    }
  }
  return out;
}

describe('sqlite date-time cursors: a row added between runs is read', () => {
  it('every declared type, pipeline type and value form', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    const all = cases();
    const names: string[] = [];
    for (const [i, c] of all.entries()) {
      db.exec(`CREATE TABLE t${i} (id INTEGER PRIMARY KEY, updated_at ${c.declared})`);
      db.prepare(`INSERT INTO t${i} VALUES (1, ?)`).run(c.first);
      const inc = `{ cursor: updated_at${c.lookback ? `, lookback: ${c.lookback}` : ''} }`;
      await p.pipeline(`p${i}`, [
        `source: { kind: sqlite, connection: data/app.db, table: t${i}, incremental: ${inc} }`,
        ...(c.type ? [`columns: { updated_at: { type: ${c.type} } }`] : []),
        `target: { table: app.t${i}, mode: merge, key: [id] }`,
        '',
      ].join('\n'));
      names.push(`p${i}`);
    }
    const first = await p.floe(['run', ...names, '--json']);
    expect(first.code, show(first).slice(-3000)).toBe(0);
    for (const [i, c] of all.entries()) db.prepare(`INSERT INTO t${i} VALUES (2, ?)`).run(c.second);
    db.close();
    const second = await p.floe(['run', ...names, '--json']);
    const failed = (r: typeof second) => JSON.stringify(events(r.stdout).filter((e) => e.event === 'error' || e.event === 'warning'), null, 1) + r.stderr;
    expect(second.code, failed(second)).toBe(0);
    const got = await p.query(all.map((_, i) => `SELECT ${i} AS i, count(*)::INT AS n FROM app.t${i}`).join(' UNION ALL ') + ' ORDER BY i');
    const watermarks = events(first.stdout).filter((e) => e.event === 'extract');
    const wrong = all.flatMap((c, i) => (got[i]!.n === c.rows ? [] : [`${JSON.stringify(c)}: ${got[i]!.n} row(s)`]));
    expect(wrong, JSON.stringify(watermarks.length)).toEqual([]);
  }, 600_000);
});

describe('sqlite wall-clock cursors read in a zone', () => {
  it('a row an hour later in America/New_York is read, though its text is below the UTC watermark', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    const names: string[] = [];
    for (const [i, declared] of ['DATETIME', 'TEXT'].entries()) {
      db.exec(`CREATE TABLE t${i} (id INTEGER PRIMARY KEY, updated_at ${declared})`);
      db.prepare(`INSERT INTO t${i} VALUES (1, ?)`).run('2026-01-05 11:00:00');
      await p.pipeline(`p${i}`, [
        `source: { kind: sqlite, connection: data/app.db, table: t${i}, incremental: { cursor: updated_at } }`,
        'columns: { updated_at: { normalize: timestamp, zone: America/New_York } }',
        `target: { table: app.t${i}, mode: merge, key: [id] }`,
        '',
      ].join('\n'));
      names.push(`p${i}`);
    }
    expect((await p.floe(['run', ...names])).code).toBe(0);
    for (const i of names.keys()) db.prepare(`INSERT INTO t${i} VALUES (2, ?)`).run('2026-01-05 12:00:00');
    db.close();
    const r = await p.floe(['run', ...names, '--json']);
    expect(r.code, show(r)).toBe(0);
    for (const i of names.keys()) {
      expect(await p.query(`SELECT id, CAST(updated_at AS VARCHAR) AS at FROM app.t${i} ORDER BY id`)).toEqual([
        { id: 1, at: '2026-01-05T16:00:00.000000Z' },
        { id: 2, at: '2026-01-05T17:00:00.000000Z' },
      ]);
    }
    // The watermark moves to the new row, and a run with nothing new writes nothing.
    const again = await p.floe(['run', ...names, '--json']);
    expect(events(again.stdout).filter((e) => e.event === 'commit').map((e) => e.rows_written)).toEqual([0, 0]);
  }, 120_000);
});
