/**
 * Database column types end to end: a table on the real Postgres and MariaDB servers (and a
 * SQLite file) run through `floe run` of the built CLI into Iceberg, then read back by floe and
 * by PyIceberg. Each column checks the Iceberg type floe chose (docs/SOURCE-TYPES.md) and the
 * values both readers see, at the edges of each type. Values Iceberg cannot hold (infinite
 * dates, 24:00:00, MySQL zero dates, numerics past 38 digits, text that is not UTF-8) fail the
 * run naming the column, and leave no table behind: never a silent NULL or a changed value.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pyicebergRead } from '../interop/oracle.js';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';
import { runId, services, setupOnce, usePgSchema } from '../sources/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pg = usePgSchema('floe_rv_types', `
    CREATE TYPE mood AS ENUM ('sad', 'happy');
    CREATE TABLE edges (
      id int4, n numeric, n10 numeric(10,2), n50 numeric(50,10), n38 numeric(38,0),
      r real, d double precision, s int2, i int4, b int8, bo bool,
      dt date, ts timestamp, tstz timestamptz, tm time, ttz timetz, iv interval,
      u uuid, j json, jb jsonb, ai int4[], at text[], e mood, by bytea, c5 char(5), tx text
    );
    INSERT INTO edges VALUES
      (1, 123.456, 12345678.99, 12345678901234567890123456.0123456789, 99999999999999999999999999999999999999,
       'NaN', 'Infinity', -32768, -2147483648, -9223372036854775808, true,
       '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', '00:00:00', '12:00:00+05', '1 year 2 months 3 days 04:05:06.789',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a": [1,2]}', '{"b": 1, "a": [1,2]}',
       '{1,NULL,3}', '{"a,b",NULL,"c\\"d"}', 'happy', '\\x00ff10', 'ab', 'plain'),
      (2, -0.000000000000000001, -99999999.99, -1.5, -99999999999999999999999999999999999999,
       '-Infinity', 'NaN', 32767, 2147483647, 9223372036854775807, false,
       '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', '23:59:59.999999', '00:00:00-08', '-1 days',
       '00000000-0000-0000-0000-000000000000', 'null', '[]', '{}', '{}', 'sad', '', 'abcde', E'tab\\there\\nü €'),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    CREATE TABLE flat AS SELECT id, dt, ts, tstz FROM edges;
  `);

let my: mysql.Connection;
const myTable = `rv_types_${runId}`;
setupOnce(async () => {
  my = await mysql.createConnection({ uri: services().mysql, multipleStatements: true });
  await my.query(`
    SET time_zone = '+02:00';
    CREATE TABLE ${myTable} (
      id INT, ub BIGINT UNSIGNED, b BIGINT, t1 TINYINT(1), bt1 BIT(1), bt8 BIT(8), bt64 BIT(64), dc DECIMAL(65,30),
      f FLOAT, d DOUBLE, dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR, e ENUM('a','b'), st SET('x','y'),
      j JSON, bl BLOB, c5 CHAR(5), u UUID
    ) CHARACTER SET utf8mb4;
    INSERT INTO ${myTable} VALUES
      (1, 18446744073709551615, -9223372036854775808, 1, b'1', b'11111111', b'1111111111111111111111111111111111111111111111111111111111111111',
       12345678.123456789012345678901234567890, -1.5, 1.7976931348623157e308, '1000-01-01', '1000-01-01 00:00:00',
       '1970-01-01 02:00:01', '12:00:00', 1901, 'a', 'x,y', '{"b":1, "a":2}', x'00ff', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      (2, 9223372036854775808, 9223372036854775807, 0, b'0', b'0', b'0', 0, 0.5, -2.5e-300, '9999-12-31', '9999-12-31 23:59:59.999999',
       '2038-01-19 05:14:07.999999', '23:59:59.999999', 2155, 'b', '', 'null', x'', 'abcde', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    SET time_zone = '+00:00';
  `);
});
afterAll(async () => {
  await my?.query(`DROP TABLE IF EXISTS ${myTable}`).catch(() => undefined);
  await my?.end();
});

const env = () => ({ RV_PG: pg.url, RV_MY: services().mysql });

async function load(p: Project, name: string, source: string): Promise<void> {
  await p.pipeline(name, `source: ${source}\ntarget: { table: rv.${name} }\n`);
  await p.run([name], 0, env());
}

/** `floe run` that must fail: exit 1, the message on stderr, and no table. */
async function refused(p: Project, name: string, source: string, extra = ''): Promise<string> {
  await p.pipeline(name, `source: ${source}\ntarget: { table: rv.${name} }\n${extra}`);
  const r = await p.floe(['run', name], env());
  expect(r.code, show(r)).toBe(1);
  expect(await p.exists(`rv.${name}`)).toBe(false);
  return r.stderr.replace(/\s+/g, ' ');
}

const py = async (p: Project, table: string) =>
  pyicebergRead({ catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse'), table });

describe('postgres → Iceberg', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('chooses the documented Iceberg type for each column, and floe and PyIceberg read the same exact values', async () => {
    await load(p, 'pg_edges', `{ kind: postgres, connection: "\${RV_PG}", table: ${pg.table('edges')} }`);
    expect(await p.columns('rv.pg_edges')).toEqual([
      'id int', 'n decimal(38, 18)', 'n10 decimal(10, 2)', 'n50 decimal(38, 10)', 'n38 decimal(38, 0)', 'r float', 'd double',
      's int', 'i int', 'b long', 'bo boolean', 'dt date', 'ts timestamp', 'tstz timestamptz', 'tm time', 'ttz string', 'iv string',
      'u uuid', 'j string', 'jb string', 'ai {"type":"list","element-id":27,"element":"int","element-required":false}',
      'at {"type":"list","element-id":28,"element":"string","element-required":false}', 'e string', 'by binary', 'c5 string', 'tx string',
    ]);
    const r = await py(p, 'rv.pg_edges');
    expect(r.row_count).toBe(3);
    const [r1, r2, r3] = r.rows!;
    expect(r1).toEqual({
      id: 1, n: '123.456000000000000000', n10: '12345678.99', n50: '12345678901234567890123456.0123456789',
      n38: '99999999999999999999999999999999999999', r: 'NaN', d: 'Infinity', s: -32768, i: -2147483648, b: '-9223372036854775808', bo: true,
      dt: '0001-01-01', ts: '0001-01-01T00:00:00.000000', tstz: '0001-01-01T00:00:00.000000Z', tm: '00:00:00.000000',
      ttz: '12:00:00+05', iv: 'P1Y2M3DT4H5M6.789S', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: '{"b": 1,  "a": [1,2]}', jb: '{"a": [1, 2], "b": 1}', ai: [1, null, 3], at: ['a,b', null, 'c"d'], e: 'happy', by: '00ff10',
      c5: 'ab   ', tx: 'plain',
    });
    expect(r2).toEqual({
      id: 2, n: '-0.000000000000000001', n10: '-99999999.99', n50: '-1.5000000000', n38: '-99999999999999999999999999999999999999',
      r: '-Infinity', d: 'NaN', s: 32767, i: 2147483647, b: '9223372036854775807', bo: false,
      dt: '9999-12-31', ts: '9999-12-31T23:59:59.999999', tstz: '9999-12-31T23:59:59.999999Z', tm: '23:59:59.999999',
      ttz: '00:00:00-08', iv: 'P-1D', u: '00000000-0000-0000-0000-000000000000', j: 'null', jb: '[]', ai: [], at: [], e: 'sad', by: '',
      c5: 'abcde', tx: 'tab\there\nü €',
    });
    expect(Object.entries(r3!).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
    // floe's own reading of the edges it wrote.
    expect(await p.query('SELECT CAST(dt AS VARCHAR) AS dt, CAST(ts AS VARCHAR) AS ts, CAST(tm AS VARCHAR) AS tm, CAST(b AS VARCHAR) AS b, CAST(n38 AS VARCHAR) AS n38 FROM rv.pg_edges WHERE id = 2')).toEqual([
      { dt: '9999-12-31', ts: '9999-12-31 23:59:59.999999', tm: '23:59:59.999999', b: '9223372036854775807', n38: '-99999999999999999999999999999999999999' },
    ]);
  });

  it('refuses what Iceberg cannot hold, naming the column, on the COPY path and the cursor path', async () => {
    const src = (q: string) => `{ kind: postgres, connection: "\${RV_PG}", query: "${q}" }`;
    expect(await refused(p, 'pg_inf_date', src(`SELECT 1 AS id, 'infinity'::date AS d`))).toMatch(/column "d" \(date → DATE\): infinity has no Iceberg date value/);
    expect(await refused(p, 'pg_inf_ts', src(`SELECT '-infinity'::timestamptz AS t, ARRAY[1] AS a`))).toMatch(/column "t" .*-infinity has no Iceberg timestamp value/);
    expect(await refused(p, 'pg_midnight', src(`SELECT '24:00:00'::time AS tm`))).toMatch(/column "tm" .*24:00:00 is not a time of day/);
    expect(await refused(p, 'pg_nan', src(`SELECT 'NaN'::numeric AS x`))).toMatch(/column "x" .*NaN has no DECIMAL value/);
    expect(await refused(p, 'pg_wide', src(`SELECT 1234567890123456789012345678901234567890.5::numeric(50,10) AS x`))).toMatch(/column "x" \(numeric\(50,10\) → DECIMAL\(38, 10\)\).*does not fit/);
  });
});

describe('mysql → Iceberg', () => {
  it('maps unsigned bigint, bits, tinyint(1), DATETIME and TIMESTAMP, and PyIceberg reads the same values', async () => {
    const p = await newProject();
    await load(p, 'my_edges', `{ kind: mysql, connection: "\${RV_MY}", table: ${myTable} }`);
    expect(await p.columns('rv.my_edges')).toEqual([
      'id int', 'ub decimal(20, 0)', 'b long', 't1 boolean', 'bt1 boolean', 'bt8 long', 'bt64 decimal(20, 0)', 'dc decimal(38, 30)',
      'f float', 'd double', 'dt date', 'dtm timestamp', 'ts timestamptz', 'tm time', 'yr int', 'e string', 'st string', 'j string',
      'bl binary', 'c5 string', 'u uuid',
    ]);
    const r = await py(p, 'rv.my_edges');
    expect(r.rows![0]).toEqual({
      id: 1, ub: '18446744073709551615', b: '-9223372036854775808', t1: true, bt1: true, bt8: '255', bt64: '18446744073709551615',
      dc: '12345678.123456789012345678901234567890', f: -1.5, d: 1.7976931348623157e308, dt: '1000-01-01', dtm: '1000-01-01T00:00:00.000000',
      // Written at +02:00: the TIMESTAMP is the UTC instant.
      ts: '1970-01-01T00:00:01.000000Z', tm: '12:00:00.000000', yr: 1901, e: 'a', st: 'x,y', j: '{"b":1, "a":2}', bl: '00ff', c5: 'ab',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    });
    expect(r.rows![1]).toMatchObject({
      ub: '9223372036854775808', b: '9223372036854775807', t1: false, bt1: false, bt8: '0', bt64: '0', dc: '0.000000000000000000000000000000',
      d: -2.5e-300, dt: '9999-12-31', dtm: '9999-12-31T23:59:59.999999', ts: '2038-01-19T03:14:07.999999Z', tm: '23:59:59.999999', yr: 2155,
      st: '', j: 'null', bl: '', c5: 'abcde', u: null,
    });
    expect(Object.entries(r.rows![2]!).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
  });

  it('refuses zero dates and 24:00:00, naming the column, instead of reading NULL or midnight', async () => {
    const p = await newProject();
    const src = (q: string) => `{ kind: mysql, connection: "\${RV_MY}", query: "${q}" }`;
    expect(await refused(p, 'my_zero', src(`SELECT CAST('0000-00-00' AS DATE) AS d`))).toMatch(/column "d" .*0000-00-00 is a MySQL zero date, which has no Iceberg value/);
    expect(await refused(p, 'my_midnight', src(`SELECT CAST('24:00:00' AS TIME) AS t`))).toMatch(/column "t" .*24:00:00 is not a time of day/);
  });
});

describe('sqlite → Iceberg', () => {
  it('types declared columns, keeps a column of mixed values as exact text, and refuses bytes that are not UTF-8', async () => {
    const p = await newProject();
    const db = new Database(p.path('app.db'));
    db.exec(`CREATE TABLE t (id INTEGER, i INTEGER, big NUMERIC, d DATE, flag BOOLEAN, b BLOB, tx TEXT);
      INSERT INTO t VALUES (1, 9223372036854775807, 9007199254740993, '0001-01-01', 1, x'00ff', 'a'),
        (2, 'lots', 1.5, '9999-12-31', 0, x'', 'nul' || char(0) || 'in'), (3, NULL, NULL, 'infinity', NULL, NULL, NULL);
      CREATE TABLE bad (id INTEGER, tx TEXT); INSERT INTO bad VALUES (1, CAST(x'61ff62' AS TEXT));`);
    db.close();
    await load(p, 'sq', `{ kind: sqlite, connection: app.db, table: t }`);
    // i and big hold values their type cannot (text, and an integer past 2^53 in a REAL-like NUMERIC): text, digits exact.
    expect(await p.columns('rv.sq')).toEqual(['id long', 'i string', 'big string', 'd string', 'flag boolean', 'b binary', 'tx string']);
    const r = await py(p, 'rv.sq');
    expect(r.rows).toEqual([
      { id: '1', i: '9223372036854775807', big: '9007199254740993', d: '0001-01-01', flag: true, b: '00ff', tx: 'a' },
      { id: '2', i: 'lots', big: '1.5', d: '9999-12-31', flag: false, b: '', tx: 'nul\0in' },
      { id: '3', i: null, big: null, d: 'infinity', flag: null, b: null, tx: null },
    ]);
    expect(await refused(p, 'sq_bad', `{ kind: sqlite, connection: app.db, table: bad }`)).toMatch(/row 1 .*column "tx": the text is not valid UTF-8 \(0x61ff62/);
  });
});

describe('file sources: values with a DuckDB form but no Iceberg one', () => {
  it('a declared date holding "infinity" or a time 24:00:00 is a reject naming the column; over the limit, the run writes nothing', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id,d,t\n1,2024-01-01,12:00:00\n2,infinity,24:00:00\n');
    const csv = `{ kind: csv, path: data/a.csv }\ncolumns: { d: { type: date } }`;
    expect(await refused(p, 'inf_csv', csv)).toMatch(/column d: cannot convert infinity to date/);
    await p.write('data/b.csv', 'id,t\n1,12:00:00\n2,24:00:00\n');
    expect(await refused(p, 'midnight_csv', `{ kind: csv, path: data/b.csv }\ncolumns: { t: { type: time } }`)).toMatch(/column t: cannot convert 24:00:00 to time/);
  });
});
