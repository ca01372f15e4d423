/**
 * MySQL dates with a zero month or day ('2024-00-10', '2024-05-00 10:00:00') fail the run as
 * zero dates do, but the hint named NULLIF(x, 0), which leaves them as they are: a query
 * rewritten as the hint said failed again. The hint for them is now an expression that reads
 * them as NULL, and the test runs it.
 */
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { mysqlSource } from '../../src/sources/mysql.js';
import { config, context, runId, services, setupOnce, textRows, useEngine } from './helpers.js';

const engine = useEngine();
const table = `zd_${runId}`;
let url = '';
let admin: mysql.Connection | undefined;
setupOnce(async () => {
  url = services().mysql;
  admin = await mysql.createConnection({ uri: url, multipleStatements: true });
  await admin.query(`SET SESSION sql_mode = '';
    CREATE TABLE ${table} (id INT, d DATE, dt DATETIME);
    INSERT INTO ${table} VALUES (1, '0000-00-00', '0000-00-00 00:00:00'), (2, '2024-00-10', '2024-05-00 10:00:00'), (3, '2024-02-03', '2024-02-03 04:05:06');`);
});
afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await admin?.end();
});

const read = (query: string) => mysqlSource(config({ kind: 'mysql', connection: url, query })).extract(context(engine()));
const hintOf = async (query: string) => {
  const err = await read(query).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FloeError);
  return (err as FloeError).hint ?? '';
};

describe('mysql: dates with a zero part', () => {
  it("the hint for '2024-00-10' is an expression that reads it as NULL, and it does", async () => {
    const hint = await hintOf(`SELECT id, d FROM ${table} WHERE id = 2`);
    const expr = /select (IF\(.*?, NULL, x\))/.exec(hint)?.[1];
    expect(expr).toBeDefined();
    const q = `SELECT id, ${expr!.replaceAll('x', 'd')} AS d, ${expr!.replaceAll('x', 'dt')} AS dt FROM ${table}`;
    const out = await read(q);
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', d: null, dt: null },
      { id: '2', d: null, dt: null },
      { id: '3', d: '2024-02-03', dt: '2024-02-03 04:05:06' },
    ]);
  });

  it('a whole zero date keeps the NULLIF hint', async () => {
    expect(await hintOf(`SELECT id, d FROM ${table} WHERE id = 1`)).toContain('NULLIF(x, 0)');
  });
});
