/**
 * `incremental.lookback` on Postgres and MySQL (MariaDB) sources, the real servers from
 * scripts/provision-services.sh: the bound watermark − lookback is pushed down into the query
 * (inclusive), so rows committed late within the lookback are read by the next run and
 * upserted once, rows below it are not, and the watermark never moves back.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, useProjects } from './helpers.js';
import { eventOf, lateRowScenario } from './incremental-lookback-scenario.js';

const newProject = useProjects();
const table = `floe_lookback_${process.pid}`;

beforeAll(() => assertBuilt());

describe('incremental.lookback on a postgres source', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: services().pg });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (id int8 PRIMARY KEY, v text, updated_at timestamptz NOT NULL)`);
  });
  afterAll(async () => {
    await client?.query(`DROP TABLE IF EXISTS ${table}`);
    await client?.end();
  });

  it('reads late rows inside the lookback once, not those below it, and keeps the watermark', async () => {
    const p = await newProject();
    await p.pipeline(
      'items',
      ['source:', '  kind: postgres', '  connection: "${PG_URL}"', `  table: ${table}`, '  incremental: { cursor: updated_at, lookback: 2h }', 'target: { table: app.items, mode: merge, key: [id] }', ''].join('\n'),
    );
    await lateRowScenario(p, {
      pipeline: 'items',
      table: 'app.items',
      env: { PG_URL: services().pg },
      pushedDown: true,
      watermark: (hm) => new RegExp(`^2024-01-05 ${hm}:00\\+00$`),
      source: {
        put: async (rows) => {
          for (const [id, v, at] of rows) {
            await client.query(`INSERT INTO ${table} VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, updated_at = EXCLUDED.updated_at`, [id, v, `${at}Z`]);
          }
        },
      },
    });
  }, 180_000);
});

describe('incremental.lookback on a mysql source', () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection(services().mysql);
    await conn.query(`DROP TABLE IF EXISTS ${table}`);
    await conn.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, v VARCHAR(20), updated_at DATETIME NOT NULL, seq DECIMAL(10,2) NOT NULL DEFAULT 0)`);
  });
  afterAll(async () => {
    await conn?.query(`DROP TABLE IF EXISTS ${table}`);
    await conn?.end();
  });
  const pipeline = (cursor: string, target: string) =>
    ['source:', '  kind: mysql', '  connection: "${MYSQL_URL}"', `  query: SELECT id, v, updated_at, seq FROM ${table}`, `  incremental: ${cursor}`, `target: { table: ${target}, mode: merge, key: [id] }`, ''].join('\n');

  it('reads late rows inside the lookback once, not those below it, and keeps the watermark', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('{ cursor: updated_at, lookback: 2h }', 'app.items'));
    await lateRowScenario(p, {
      pipeline: 'items',
      table: 'app.items',
      env: { MYSQL_URL: services().mysql },
      pushedDown: true,
      watermark: (hm) => new RegExp(`^2024-01-05 ${hm}:00$`),
      source: {
        put: async (rows) => {
          for (const [id, v, at] of rows) {
            await conn.query(`INSERT INTO ${table} (id, v, updated_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v), updated_at = VALUES(updated_at)`, [id, v, at]);
          }
        },
      },
    });
  }, 180_000);

  it('a decimal cursor takes a number, subtracted exactly', async () => {
    await conn.query(`DELETE FROM ${table}`);
    await conn.query(`INSERT INTO ${table} VALUES (1, 'a', '2024-01-01', 10.50)`);
    const p = await newProject();
    await p.pipeline('seq', pipeline('{ cursor: seq, lookback: 0.25 }', 'app.seq'));
    const env = { MYSQL_URL: services().mysql };
    await p.run(['seq'], 0, env);
    await conn.query(`INSERT INTO ${table} VALUES (2, 'in', '2024-01-01', 10.25), (3, 'out', '2024-01-01', 10.24)`);
    const r = await p.run(['seq', '--json'], 0, env);
    expect(eventOf(r.stdout, 'extract').cursor).toEqual({ column: 'seq', watermark: '10.50', lower_bound: '10.25', inclusive: true, lookback: '0.25' });
    expect(await p.query('SELECT id, v FROM app.seq ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'in' }]);
    expect((await p.snapshots('app.seq')).at(-1)!.summary['floe.cursor.value']).toBe('10.50');
  }, 60_000);
});
