/**
 * A Postgres `text` or MySQL/MariaDB `VARCHAR` cursor column holding date-times with UTC
 * offsets, which the pipeline reads as instants (`type: timestamptz`, `normalize: timestamp`).
 * The watermark is an instant (`2026-01-05 12:00:00+00`); compared with the column's text, a
 * row written later at `2026-01-05 09:30:00-05:00` (14:30 UTC) sorts below it and was never
 * read. The source now reads the text from 14 hours below the watermark, and the run keeps
 * the rows above it without recording or counting the others again. A cursor the pipeline
 * reads as text (no type) still compares as text.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, events, show, useProjects, type Project } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const prefix = `floe_cto_${process.pid}`;

type Row = [id: number, at: string | null, qty?: string, email?: string];

interface Scenario {
  name: string;
  /** Lines of the pipeline between `source:` and `target:`. */
  incremental: string;
  columns: string[];
  first: Row[];
  second: Row[];
  /** The second run's commit event. */
  written: number;
  read?: number;
  /** Rows the second run quarantined (the third, reading nothing new, none). */
  rejected?: number;
  /** The table's ids after the second run. */
  ids: number[];
  /** Rows in `<table>__rejects` after the second run (and the third). */
  rejects?: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'tz',
    incremental: '{ cursor: at }',
    columns: ['  at: { type: timestamptz }', '  qty: { type: long }', '  email: { normalize: email }'],
    first: [
      [1, '2026-01-05 12:00:00+00:00', '1'],
      // Rejected by the first run (qty), and read again by the second: recorded once.
      [7, '2026-01-05T11:00:00Z', 'oops'],
    ],
    second: [
      // 14:30 UTC: sorts below `2026-01-05 12:00:00+00`.
      [2, '2026-01-05 09:30:00-05:00', '2'],
      // 15:00:00.25 UTC, `T` and a fraction.
      [3, '2026-01-05T07:00:00.25-08:00', '3'],
      // At or below the watermark, whatever their text: not written.
      [4, '2026-01-05 11:59:59.999Z', '4'],
      [6, '2026-01-05 20:00:00+10:00', '6'],
      [8, '2026-01-05T12:00:00Z', '8'],
      [5, null, '5'],
      // Rejected: a cursor its type cannot read, in the 14 hours read again; a NULL cursor
      // with a bad qty. Each run reads them: recorded once, by the second.
      [9, '2026-01-05 09:99:00-05:00', '9'],
      [10, null, 'bad'],
      // A NULL cursor (not written) with a value the normaliser changes: not recorded.
      [11, null, '11', 'not-an-email'],
    ],
    written: 2,
    rejected: 2,
    ids: [1, 2, 3],
    rejects: 3,
  },
  {
    name: 'lb',
    incremental: '{ cursor: at, lookback: 1h }',
    columns: ['  at: { type: timestamptz }'],
    first: [[1, '2026-01-05 12:00:00Z']],
    second: [
      // 11:30 UTC: late, inside the lookback, sorts below its bound `2026-01-05 11:00:00+00`.
      [2, '2026-01-05 06:30:00-05:00'],
      // 10:00 UTC: below the lookback.
      [3, '2026-01-05 05:00:00-05:00'],
    ],
    written: 1,
    ids: [1, 2],
  },
  {
    name: 'nz',
    incremental: '{ cursor: at }',
    // The watermark is the normaliser's text, `2026-01-05T12:00:00.000000Z`.
    columns: ['  at: { normalize: timestamp }'],
    first: [[1, '2026-01-05 12:00:00']],
    second: [
      // 13:00 UTC with a space: sorts below the watermark's `T`.
      [2, '2026-01-05 13:00:00'],
      [3, '2026-01-05 11:00:00-05:00'],
      [4, '2026-01-05 11:00:00'],
    ],
    written: 2,
    ids: [1, 2, 3],
  },
  {
    // No type: the cursor is text and compares as text, reading no more than that.
    name: 'tx',
    incremental: '{ cursor: at }',
    columns: [],
    first: [[1, '2026-01-05 12:00:00+00:00']],
    second: [
      [2, '2026-01-05 09:30:00-05:00'],
      [3, '2026-01-05 12:30:00+00:00'],
    ],
    written: 1,
    read: 1,
    ids: [1, 3],
  },
];

async function scenarios(kind: 'postgres' | 'mysql', url: string, put: (table: string, rows: Row[]) => Promise<void>): Promise<void> {
  const p: Project = await newProject();
  for (const s of SCENARIOS) {
    await put(`${prefix}_${s.name}`, s.first);
    await p.pipeline(s.name, [
      'source:',
      `  kind: ${kind}`,
      '  connection: "${URL}"',
      `  table: ${prefix}_${s.name}`,
      `  incremental: ${s.incremental}`,
      ...(s.columns.length ? ['columns:', ...s.columns] : []),
      'rejects: { max_ratio: 0.9 }',
      `target: { table: app.${s.name}, mode: merge, key: [id] }`,
      '',
    ].join('\n'));
  }
  const names = SCENARIOS.map((s) => s.name);
  const first = await p.floe(['run', ...names, '--json'], { URL: url });
  expect(first.code, show(first)).toBe(0);
  for (const s of SCENARIOS) await put(`${prefix}_${s.name}`, s.second);
  // The second run reads the new rows; the third reads nothing new (the 14 hours again) and writes or records nothing.
  for (const run of [2, 3]) {
    const r = await p.floe(['run', ...names, '--json'], { URL: url });
    expect(r.code, show(r)).toBe(0);
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const s of SCENARIOS) {
      const commit = events(r.stdout).find((e) => e.event === 'commit' && e.pipeline === s.name);
      const ids = (await p.query(`SELECT id FROM app.${s.name} ORDER BY id`)).map((row) => Number(row.id));
      got[s.name] = {
        written: Number(commit?.rows_written),
        rejects: Number(commit?.rejects),
        changed: Number(commit?.values_changed ?? 0),
        ...(s.read !== undefined && run === 2 ? { read: Number(commit?.rows_read) } : {}),
        ids,
        ...(s.rejects !== undefined ? { recorded: Number((await p.query(`SELECT count(*)::INT AS n FROM app.${s.name}__rejects`))[0]?.n) } : {}),
      };
      want[s.name] = {
        written: run === 2 ? s.written : 0,
        rejects: run === 2 ? s.rejected ?? 0 : 0,
        changed: 0,
        ...(s.read !== undefined && run === 2 ? { read: s.read } : {}),
        ids: s.ids,
        ...(s.rejects !== undefined ? { recorded: s.rejects } : {}),
      };
    }
    expect(got, `run ${run}\n${show(r)}`).toEqual(want);
  }

  // `floe plan` tells the looser bound: the watermark 15:00:00.25 UTC (id 3) less 14 hours.
  const plan = await p.floe(['plan', 'tz', 'tx', '--json'], { URL: url });
  expect(plan.code, show(plan)).toBe(0);
  const planned = JSON.parse(plan.stdout) as { pipeline: string; incremental: { text: string; lower_bound: string; source_lower_bound?: string } }[];
  const tz = planned.find((x) => x.pipeline === 'tz')!.incremental;
  expect(tz.lower_bound).toBe('2026-01-05 15:00:00.25+00');
  expect(tz.source_lower_bound).toBe('2026-01-05 01:00:00.250000');
  expect(tz.text).toContain('a text column is read from at >= 2026-01-05 01:00:00.250000');
  expect(planned.find((x) => x.pipeline === 'tx')!.incremental.source_lower_bound).toBeUndefined();
}

describe('text cursors holding UTC offsets', () => {
  it('postgres text', async () => {
    const client = new pg.Client({ connectionString: services().pg });
    await client.connect();
    try {
      for (const s of SCENARIOS) {
        await client.query(`DROP TABLE IF EXISTS ${prefix}_${s.name}`);
        await client.query(`CREATE TABLE ${prefix}_${s.name} (id int8 PRIMARY KEY, at text, qty text, email text)`);
      }
      await scenarios('postgres', services().pg, async (table, rows) => {
        for (const [id, at, qty, email] of rows) await client.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, [id, at, qty ?? null, email ?? null]);
      });
    } finally {
      for (const s of SCENARIOS) await client.query(`DROP TABLE IF EXISTS ${prefix}_${s.name}`);
      await client.end();
    }
  }, 180_000);

  describe('mysql VARCHAR', () => {
    let conn: mysql.Connection;
    beforeAll(async () => {
      conn = await mysql.createConnection(services().mysql);
    });
    afterAll(async () => {
      for (const s of SCENARIOS) await conn?.query(`DROP TABLE IF EXISTS ${prefix}_${s.name}`);
      await conn?.end();
    });
    it('reads the rows above the watermark', async () => {
      for (const s of SCENARIOS) {
        await conn.query(`DROP TABLE IF EXISTS ${prefix}_${s.name}`);
        await conn.query(`CREATE TABLE ${prefix}_${s.name} (id BIGINT PRIMARY KEY, at VARCHAR(40) NULL, qty VARCHAR(10) NULL, email VARCHAR(40) NULL)`);
      }
      await scenarios('mysql', services().mysql, async (table, rows) => {
        for (const [id, at, qty, email] of rows) await conn.query(`INSERT INTO ${table} VALUES (?, ?, ?, ?)`, [id, at, qty ?? null, email ?? null]);
      });
    }, 180_000);
  });
});
