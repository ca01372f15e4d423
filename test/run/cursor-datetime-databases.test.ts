/**
 * MySQL (MariaDB) date-time cursors whose pipeline declares another `type:` for the column (a
 * DATE column typed `timestamptz`, a DATETIME one typed `date`, …): a row added after the first
 * run with a later cursor is read by the second, and the watermark the first stored
 * (`2026-01-05 00:00:00+00` for a DATE column typed timestamptz) is compared with the column as
 * the instant it is, not refused as "not a date". And a Postgres or MySQL wall-clock cursor read in
 * a zone (normalize: timestamp, zone:) is read from below its UTC watermark.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, events, useProjects } from './helpers.js';

const newProject = useProjects();
const prefix = `floe_cdt_${process.pid}`;

beforeAll(() => assertBuilt());

interface Case {
  column: string;
  type?: string;
  first: string;
  second: string;
  lookback?: string;
}

function cases(columns: { column: string; date: boolean; fraction: boolean }[]): Case[] {
  const out: Case[] = [];
  for (const { column, date, fraction } of columns) {
    for (const type of [undefined, 'timestamp', 'timestamptz', 'date']) {
      if (date) {
        out.push({ column, type, first: '2026-01-05', second: '2026-01-06' });
        continue;
      }
      out.push({ column, type, first: '2026-01-05 11:00:00', second: '2026-01-06 09:30:00' });
      if (type !== 'date' && fraction) out.push({ column, type, first: '2026-01-05 11:00:00', second: '2026-01-05 11:00:00.5' });
      if (type !== 'date') out.push({ column, type, first: '2026-01-05 11:00:00', second: '2026-01-05 10:30:00', lookback: '1h' });
    }
    if (date) out.push({ column, type: 'timestamptz', first: '2026-01-05', second: '2026-01-05', lookback: '1d' });
  }
  return out;
}

async function check(all: Case[], kind: 'mysql', env: Record<string, string>, put: (i: number, id: number, v: string) => Promise<void>): Promise<void> {
  const p = await newProject();
  const names: string[] = [];
  for (const [i, c] of all.entries()) {
    await put(i, 1, c.first);
    await p.pipeline(`p${i}`, [
      'source:',
      `  kind: ${kind}`,
      `  connection: "\${URL}"`,
      `  table: ${prefix}_${i}`,
      `  incremental: { cursor: at${c.lookback ? `, lookback: ${c.lookback}` : ''} }`,
      ...(c.type ? [`columns: { at: { type: ${c.type} } }`] : []),
      `target: { table: app.t${i}, mode: merge, key: [id] }`,
      '',
    ].join('\n'));
    names.push(`p${i}`);
  }
  const first = await p.floe(['run', ...names, '--json'], env);
  expect(first.code, first.stdout.slice(-3000) + first.stderr).toBe(0);
  for (const [i, c] of all.entries()) await put(i, 2, c.second);
  const second = await p.floe(['run', ...names, '--json'], env);
  const errors = events(second.stdout).filter((e) => e.event === 'error').map((e) => `${JSON.stringify(all[Number(String(e.pipeline).slice(1))])}: ${e.message}`);
  expect(errors).toEqual([]);
  const got = await p.query(all.map((_, i) => `SELECT ${i} AS i, count(*)::INT AS n FROM app.t${i}`).join(' UNION ALL ') + ' ORDER BY i');
  expect(all.flatMap((c, i) => (got[i]!.n === 2 ? [] : [`${JSON.stringify(c)}: ${got[i]!.n} row(s)`]))).toEqual([]);
}

describe('mysql date-time cursors under another declared type', () => {
  let conn: mysql.Connection;
  const all = cases([
    { column: 'DATETIME', date: false, fraction: false },
    { column: 'DATETIME(6)', date: false, fraction: true },
    { column: 'TIMESTAMP(3)', date: false, fraction: true },
    { column: 'DATE', date: true, fraction: false },
  ]);
  beforeAll(async () => {
    conn = await mysql.createConnection(services().mysql);
    await conn.query(`SET time_zone = '+00:00'`);
    for (const [i, c] of all.entries()) {
      await conn.query(`DROP TABLE IF EXISTS ${prefix}_${i}`);
      await conn.query(`CREATE TABLE ${prefix}_${i} (id BIGINT PRIMARY KEY, at ${c.column} NULL)`);
    }
  });
  afterAll(async () => {
    for (const i of all.keys()) await conn?.query(`DROP TABLE IF EXISTS ${prefix}_${i}`);
    await conn?.end();
  });

  it('a row added between runs is read', async () => {
    await check(all, 'mysql', { URL: services().mysql }, async (i, id, v) => {
      await conn.query(`INSERT INTO ${prefix}_${i} VALUES (?, ?)`, [id, v]);
    });
  }, 300_000);
});

/** A wall-clock cursor read in America/New_York: 12:00 there is above the 16:00 UTC watermark of 11:00. */
async function zoned(kind: 'postgres' | 'mysql', url: string, table: string, put: (id: number, at: string) => Promise<void>): Promise<void> {
  const p = await newProject();
  await put(1, '2026-01-05 11:00:00');
  await p.pipeline('z', [
    'source:',
    `  kind: ${kind}`,
    '  connection: "${URL}"',
    `  table: ${table}`,
    '  incremental: { cursor: at }',
    'columns: { at: { normalize: timestamp, zone: America/New_York } }',
    'target: { table: app.z, mode: merge, key: [id] }',
    '',
  ].join('\n'));
  expect((await p.floe(['run', 'z'], { URL: url })).code).toBe(0);
  await put(2, '2026-01-05 12:00:00');
  const r = await p.floe(['run', 'z', '--json'], { URL: url });
  expect(events(r.stdout).find((e) => e.event === 'commit'), r.stdout + r.stderr).toMatchObject({ rows_written: 1 });
  expect(await p.query('SELECT id, "at" FROM app.z ORDER BY id')).toEqual([
    { id: 1, at: '2026-01-05T16:00:00.000000Z' },
    { id: 2, at: '2026-01-05T17:00:00.000000Z' },
  ]);
}

describe('wall-clock cursors read in a zone', () => {
  it('postgres timestamp', async () => {
    const client = new pg.Client({ connectionString: services().pg });
    await client.connect();
    const table = `${prefix}_zone`;
    try {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(`CREATE TABLE ${table} (id int8 PRIMARY KEY, at timestamp)`);
      await zoned('postgres', services().pg, table, async (id, at) => {
        await client.query(`INSERT INTO ${table} VALUES ($1, $2)`, [id, at]);
      });
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  }, 120_000);

  it('mysql DATETIME', async () => {
    const conn = await mysql.createConnection(services().mysql);
    const table = `${prefix}_zone`;
    try {
      await conn.query(`DROP TABLE IF EXISTS ${table}`);
      await conn.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, at DATETIME NULL)`);
      await zoned('mysql', services().mysql, table, async (id, at) => {
        await conn.query(`INSERT INTO ${table} VALUES (?, ?)`, [id, at]);
      });
    } finally {
      await conn.query(`DROP TABLE IF EXISTS ${table}`);
      await conn.end();
    }
  }, 120_000);
});
