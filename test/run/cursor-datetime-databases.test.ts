/**
 * MySQL (MariaDB) date-time cursors whose pipeline declares another `type:` for the column (a
 * DATE column typed `timestamptz`, a DATETIME one typed `date`, …): a row added after the first
 * run with a later cursor is read by the second, and the watermark the first stored
 * (`2026-01-05 00:00:00+00` for a DATE column typed timestamptz) is compared with the column as
 * the instant it is, not refused as "not a date".
 */
import mysql from 'mysql2/promise';
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
