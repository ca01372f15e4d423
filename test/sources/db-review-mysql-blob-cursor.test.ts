/**
 * A MySQL varbinary cursor: the watermark is DuckDB's text of the blob (`A\x00`), and MySQL
 * compared the column with that text's bytes, where `\` (0x5C) stands for a lower byte: rows
 * between the true watermark (0x4100) and 0x415C (0x4110, 0x4127) were never read, by any run.
 */
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { mysqlSource } from '../../src/sources/mysql.js';
import { config, context, runId, services, setupOnce, textRows, useEngine } from './helpers.js';

const engine = useEngine();
const table = `bl_${runId}`;
let url = '';
let admin: mysql.Connection | undefined;
setupOnce(async () => {
  url = services().mysql;
  admin = await mysql.createConnection({ uri: url, multipleStatements: true });
  await admin.query(`CREATE TABLE ${table} (id INT, b VARBINARY(8));
    INSERT INTO ${table} VALUES (1, x'4100'), (2, x'4110'), (3, x'4127'), (4, x'41ff'), (5, x'0002');`);
});
afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await admin?.end();
});

describe('mysql: a varbinary cursor', () => {
  it("reads every row above the watermark, given as DuckDB's text of the blob", async () => {
    const source = mysqlSource(config({ kind: 'mysql', connection: url, table, incremental: { cursor: 'b' } }));
    const first = await source.extract(context(engine()));
    const w = ((await engine().all(`SELECT b::VARCHAR AS w FROM "${first.relation}" WHERE id = 1`, 'watermark')) as { w: string }[])[0]!.w;
    expect(w).toBe('A\\x00');
    const above = await source.extract(context(engine(), { cursor: { column: 'b', after: w } }));
    expect((await textRows(engine(), above.relation, 'id')).map((r) => r.id)).toEqual(['2', '3', '4']);
  });
});
