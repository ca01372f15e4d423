/**
 * `table:` of a database source names tables as the user quotes them: `public."Orders"` is the
 * table an ORM created with that exact case, and a dot inside quotes is part of the name.
 * Before, every part that was not a plain identifier was quoted again (`"""Orders"""`), so such
 * tables could only be read with `query:`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { sourceSchema } from '../../src/pipeline/schema-source.js';
import { mysqlSource } from '../../src/sources/mysql.js';
import { postgresSource } from '../../src/sources/postgres.js';
import { sqliteSource } from '../../src/sources/sqlite.js';
import { config, context, runId, services, setupOnce, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();

const db = usePgSchema('floe_tn', `
    CREATE TABLE "Orders" (id int, "UpdatedAt" timestamptz);
    INSERT INTO "Orders" VALUES (1, '2024-01-01 00:00:00+00'), (2, '2024-01-02 00:00:00+00');
    CREATE TABLE orders (id int, "UpdatedAt" timestamptz);
    INSERT INTO orders VALUES (99, '2024-01-01 00:00:00+00');
    CREATE TABLE "sales.2024" (id int);
    INSERT INTO "sales.2024" VALUES (7);
  `);

const myTable = `tn_${runId}`;
let myUrl = '';
let admin: mysql.Connection | undefined;
setupOnce(async () => {
  myUrl = services().mysql;
  admin = await mysql.createConnection({ uri: myUrl, multipleStatements: true });
  await admin.query(`CREATE TABLE \`${myTable}.2024\` (id INT); INSERT INTO \`${myTable}.2024\` VALUES (5);`);
});
afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS \`${myTable}.2024\``).catch(() => undefined);
  await admin?.end();
});

const dir = mkdtempSync(path.join(tmpdir(), 'floe-tn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('database sources: quoted table names', () => {
  it('postgres reads "Orders" as that exact table, also incrementally', async () => {
    const pg = (table: string) => postgresSource(config({ kind: 'postgres', connection: db.url, table }));
    const out = await pg(`${db.schema}."Orders"`).extract(context(engine()));
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', UpdatedAt: '2024-01-01 00:00:00+00' },
      { id: '2', UpdatedAt: '2024-01-02 00:00:00+00' },
    ]);
    // A plain name still folds as Postgres folds it: Orders is orders.
    const folded = await pg(`${db.schema}.Orders`).extract(context(engine()));
    expect(await textRows(engine(), folded.relation, 'id')).toEqual([{ id: '99', UpdatedAt: '2024-01-01 00:00:00+00' }]);
    const inc = postgresSource(config({ kind: 'postgres', connection: db.url, table: `"${db.schema}"."Orders"`, incremental: { cursor: 'UpdatedAt' } }));
    const after = await inc.extract(context(engine(), { cursor: { column: 'UpdatedAt', after: '2024-01-01 00:00:00+00' } }));
    expect((await textRows(engine(), after.relation, 'id')).map((r) => r.id)).toEqual(['2']);
  });

  it('a dot inside quotes is part of the name (postgres, mysql, sqlite)', async () => {
    const pg = await postgresSource(config({ kind: 'postgres', connection: db.url, table: `${db.schema}."sales.2024"` })).extract(context(engine()));
    expect(await textRows(engine(), pg.relation, 'id')).toEqual([{ id: '7' }]);
    const my = await mysqlSource(config({ kind: 'mysql', connection: myUrl, table: `\`${myTable}.2024\`` })).extract(context(engine()));
    expect(await textRows(engine(), my.relation, 'id')).toEqual([{ id: '5' }]);
    const file = path.join(dir, 'q.db');
    const lite = new Database(file);
    lite.exec(`CREATE TABLE "sales.2024" (id INTEGER); INSERT INTO "sales.2024" VALUES (3);`);
    lite.close();
    const sq = await sqliteSource(config({ kind: 'sqlite', connection: file, table: '"sales.2024"' })).extract(context(engine()));
    expect(await textRows(engine(), sq.relation, 'id')).toEqual([{ id: '3' }]);
  });

  it('an unclosed quote or an empty part is refused by the pipeline schema (floe validate), at source.table', () => {
    for (const table of [`${db.schema}."Orders`, 'a..b', '"a"b']) {
      const parsed = sourceSchema.safeParse({ kind: 'postgres', connection: 'postgresql://u@h/d', table });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['table', expect.stringContaining('not a table name')]]);
    }
    expect(sourceSchema.safeParse({ kind: 'postgres', connection: 'postgresql://u@h/d', table: 'public."Orders"' }).success).toBe(true);
  });

  it('the source refuses such a name too, naming it (a config error)', async () => {
    const cfg = { ...config({ kind: 'postgres', connection: db.url, table: 'x' }), table: `${db.schema}."Orders` };
    const err = await postgresSource(cfg).extract(context(engine())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('config');
    expect((err as Error).message).toContain(`${db.schema}.\\"Orders`);
  });
});
