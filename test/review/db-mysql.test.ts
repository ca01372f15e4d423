/**
 * Review of kind: mysql against the MariaDB test server, as a data engineer moving production
 * tables would meet it: FLOAT columns (the text protocol prints 6 significant digits), a
 * connection killed mid-read, and text and UUID cursors under the server's collation.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { mysqlSource } from '../../src/sources/mysql.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';
import { columnTypes, config, context, encodedPassword, PASSWORD_MARK, PROVISION, runId, services, setupOnce, textRows, useEngine } from '../sources/helpers.js';

const engine = useEngine();
let url: string;
let admin: mysql.Connection;
const T = { floats: `rv_${runId}_floats`, big: `rv_${runId}_big`, words: `rv_${runId}_words`, codes: `rv_${runId}_codes` };

const source = (extra: Record<string, unknown>) => mysqlSource(config({ kind: 'mysql', connection: url, ...extra }));

setupOnce(async () => {
  url = services().mysql;
  try {
    admin = await mysql.createConnection({ uri: url, multipleStatements: true });
  } catch (e) {
    throw new Error(`MariaDB at ${new URL(url).host} does not answer (${(e as Error).message}): ${PROVISION}`);
  }
  await admin.query(`
    CREATE TABLE ${T.floats} (id INT PRIMARY KEY, f FLOAT, fu FLOAT UNSIGNED, f2 FLOAT(7,4));
    INSERT INTO ${T.floats} VALUES (1, 16777215, 7654321, 123.4567), (2, 0.1e0, 0.3e0, -1.5), (3, 123456.789e0, 1e0/3e0, 0),
      (4, 3.4028234663852886e38, 1.1754943508222875e-38, 999.9999), (5, -2.5e-30, 0, NULL), (6, NULL, NULL, NULL);
    CREATE TABLE ${T.words} (id INT PRIMARY KEY, w VARCHAR(10), u UUID) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
    INSERT INTO ${T.words} VALUES (1, 'B', '00000000-0000-2000-8000-000000000001'), (2, 'Z', 'ffffffff-0000-1000-8000-000000000000'),
      (3, 'a', '00000000-ffff-1000-8000-000000000000'), (4, 'a ', '10000000-0000-4000-8000-000000000000'), (5, 'é', NULL);
    CREATE TABLE ${T.codes} (code VARCHAR(10) PRIMARY KEY, f FLOAT) COLLATE utf8mb4_general_ci;
    INSERT INTO ${T.codes} VALUES ('B', 16777215), ('Z', 123456.789e0);
  `);
});

afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${Object.values(T).join(', ')}`).catch(() => undefined);
  await admin?.end();
});

describe('mysql review: FLOAT columns', () => {
  it('stages the stored float, not the 6-digit text the server prints', async () => {
    const out = await source({ table: T.floats }).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'INTEGER', f: 'FLOAT', fu: 'FLOAT', f2: 'FLOAT' });
    // The server's own widening to DOUBLE, rounded to a float, is the stored value.
    const [truth] = await admin.query(`SELECT id, CAST(f AS DOUBLE) AS f, CAST(fu AS DOUBLE) AS fu, CAST(f2 AS DOUBLE) AS f2 FROM ${T.floats} ORDER BY id`);
    const float = (v: unknown) => (v === null ? null : Math.fround(Number(v)));
    const staged = await engine().all(`SELECT id, f::DOUBLE AS f, fu::DOUBLE AS fu, f2::DOUBLE AS f2 FROM "${out.relation}" ORDER BY id`, 'read');
    expect(staged.map((r) => ({ id: r.id, f: r.f, fu: r.fu, f2: r.f2 }))).toEqual(
      (truth as Record<string, unknown>[]).map((r) => ({ id: r.id, f: float(r.f), fu: float(r.fu), f2: float(r.f2) })),
    );
    const rows = await textRows(engine(), out.relation, 'id');
    expect(rows.map((r) => r.f)).toEqual(['16777215.0', '0.1', '123456.79', '3.4028235e+38', '-2.5e-30', null]);
    expect(rows[0]!.fu).toBe('7654321.0');
  });

  it('reads FLOAT exactly in an incremental read too, and as the cursor', async () => {
    const byId = await source({ table: T.floats, incremental: { cursor: 'id' } }).extract(context(engine(), { cursor: { column: 'id', after: '2' } }));
    expect((await textRows(engine(), byId.relation, 'id')).map((r) => r.f)).toEqual(['123456.79', '3.4028235e+38', '-2.5e-30', null]);
    // The watermark as DuckDB prints the FLOAT: the rows above it, and not the row that holds it
    // (the NULL row comes along for the runner to count in its warning).
    const byF = await source({ table: T.floats, incremental: { cursor: 'f' } }).extract(context(engine(), { cursor: { column: 'f', after: '123456.79' } }));
    expect((await textRows(engine(), byF.relation, 'id')).map((r) => r.f)).toEqual(['16777215.0', '3.4028235e+38', null]);
  });
});

describe('mysql review: FLOAT columns and the query order', () => {
  it("keeps the query's ORDER BY (the later row wins a key's duplicates) when FLOAT columns are read as DOUBLE", async () => {
    const out = await source({ query: `SELECT id, f FROM ${T.floats} ORDER BY id DESC` }).extract(context(engine()));
    const rows = await engine().all(`SELECT id FROM "${out.relation}" ORDER BY rowid`, 'read in staged order');
    expect(rows.map((r) => r.id)).toEqual([6, 5, 4, 3, 2, 1]);
  });
});

describe('mysql review: connection killed mid-read', () => {
  it('fails the read naming the pipeline and server, instead of hanging or returning part of the rows', async () => {
    let killed = false;
    const progress: number[] = [];
    // Far more rows than the server can send before the KILL lands (the read stops at the kill).
    const read = source({ query: `SELECT seq AS id, REPEAT('x', 100) AS pad FROM seq_1_to_5000000 /* ${T.big} */`, batch_size: 1000 }).extract(
      context(engine(), {
        onProgress: (n) => {
          progress.push(n);
          if (n < 2000 || killed) return;
          killed = true;
          void admin
            .query(`SELECT id FROM information_schema.processlist WHERE info LIKE '%${T.big}%' AND info NOT LIKE '%processlist%' AND id <> CONNECTION_ID()`)
            .then(async ([rows]) => {
              for (const r of rows as { id: number }[]) await admin.query(`KILL ${r.id}`);
            });
        },
      }),
    );
    const e = await read.then(() => undefined, (err: unknown) => err);
    expect(killed).toBe(true);
    expect(e).toBeInstanceOf(FloeError);
    const f = e as FloeError;
    expect(f.kind).toBe('source');
    expect(f.retryable).toBe(true);
    expect(f.message).toMatch(/^pipeline test_pipeline: MySQL at 127\.0\.0\.1:\d+\/floe_test could not read rows: /);
    expect(`${f.message} ${JSON.stringify(f.context)}`).not.toContain(PASSWORD_MARK);
    expect(progress.at(-1)!).toBeLessThan(5_000_000);
  }, 60_000);
});

describe('mysql review: text and UUID cursors compare as DuckDB does', () => {
  const read = async (column: string, after: string) => {
    const out = await source({ table: T.words, incremental: { cursor: column } }).extract(context(engine(), { cursor: { column, after } }));
    return (await textRows(engine(), out.relation, 'id')).map((r) => r.id);
  };

  it('reads every row whose text is above the watermark byte by byte, whatever the collation', async () => {
    // utf8mb4_general_ci puts 'a' below 'Z' and 'a ' equal to 'a'; DuckDB (and the runner's
    // watermark) order by bytes, so these rows would never be read by any later run.
    expect(await read('w', 'Z')).toEqual(['3', '4', '5']);
    expect(await read('w', 'a')).toEqual(['4', '5']);
    expect(await read('w', 'é')).toEqual([]);
  });

  it('orders MariaDB UUIDs by their text, not by their time-based storage order', async () => {
    // Row 5's NULL comes along for the runner to count.
    expect(await read('u', '0fffffff-0000-0000-0000-000000000000')).toEqual(['2', '4', '5']);
    expect(await read('u', 'ffffffff-0000-1000-8000-000000000000')).toEqual(['5']);
  });
});

describe('mysql review: errors', () => {
  it('names the pipeline, server and code of a table the user may not read', async () => {
    const e = await source({ table: 'mysql.user' }).extract(context(engine())).then(() => undefined, (err: unknown) => err as FloeError);
    expect(e).toBeInstanceOf(FloeError);
    expect(e!.kind).toBe('source');
    expect(e!.retryable).toBe(false);
    expect(e!.message).toMatch(/^pipeline test_pipeline: MySQL at 127\.0\.0\.1:\d+\/floe_test could not run the query: SELECT command denied to user 'floe'@'[^']+' for table .*user.* \(ER_TABLEACCESS_DENIED_ERROR\)$/);
  });
});

describe('mysql review: connection URL', () => {
  it('reports a password with a bare % as a config error naming the pipeline and server, not a raw URIError', async () => {
    const e = await source({ connection: 'mysql://floe:p%zz_floe_s3cret_pw@127.0.0.1:1/floe_test', table: 'x' })
      .extract(context(engine()))
      .then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(FloeError);
    const f = e as FloeError;
    expect(f.kind).toBe('config');
    expect(f.message).toBe('pipeline test_pipeline: the connection URL of MySQL at 127.0.0.1:1/floe_test cannot be read: URI malformed');
    expect(f.hint).toMatch(/% as %25/);
    expect(`${f.message} ${f.hint} ${JSON.stringify(f.context)}`).not.toContain(PASSWORD_MARK);
  });
});

describe('mysql review: floe run', () => {
  beforeAll(assertBuilt);
  const newProject = useProjects();

  it('lands FLOAT exactly in an Iceberg float, and a later run reads the text cursor rows DuckDB puts above the watermark', async () => {
    const p = await newProject();
    const env = { RV_MY: url };
    await p.pipeline('codes', `source: { kind: mysql, connection: "\${RV_MY}", table: ${T.codes}, incremental: { cursor: code } }\ntarget: { table: raw.codes }\n`);
    await p.run(['codes'], 0, env);
    expect(await p.columns('raw.codes')).toEqual(['code string', 'f float']);
    // 'a' sorts below 'Z' in utf8mb4_general_ci, above it in bytes: the watermark is 'Z'.
    await admin.query(`INSERT INTO ${T.codes} VALUES ('a', 0.1e0), ('Y', 1)`);
    const r = await p.floe(['run', 'codes'], env);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT code, CAST(f AS DOUBLE) AS f FROM raw.codes ORDER BY code')).toEqual([
      { code: 'B', f: 16777215 },
      { code: 'Z', f: Math.fround(123456.789) },
      { code: 'a', f: Math.fround(0.1) },
    ]);
  }, 120_000);
});
describe('mysql review: percent-encoded password', () => {
  it('connects with every character of the password percent-encoded', async () => {
    const out = await source({ connection: encodedPassword(url), query: 'SELECT 1 AS one' }).extract(context(engine()));
    expect(out.rowsRead).toBe(1);
  });
});
