/**
 * kind: mysql against the real MariaDB from scripts/provision-services.sh: every mapped type
 * lands in DuckDB with its exact value, streamed batches, incremental reads, and errors that
 * name the database but never the password.
 */
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { mysqlSource } from '../../src/sources/mysql.js';
import { columnTypes, config, context, PASSWORD_MARK, PROVISION, runId, services, setupOnce, textRows, useEngine } from './helpers.js';

const engine = useEngine();
let url: string;
const prefix = `t_${runId}`;
const T = { types: `${prefix}_types`, events: `${prefix}_events`, many: `${prefix}_many`, odd: `${prefix}_odd`, zero: `${prefix}_zero` };
let admin: mysql.Connection;

const source = (extra: Record<string, unknown>) => mysqlSource(config({ kind: 'mysql', connection: url, ...extra }));

setupOnce(async () => {
  url = services().mysql;
  try {
    admin = await mysql.createConnection({ uri: url, multipleStatements: true });
  } catch (e) {
    throw new Error(`MariaDB at ${new URL(url).host} does not answer (${(e as Error).message}): ${PROVISION}`);
  }
  await admin.query(`
    SET time_zone = '-08:00';
    CREATE TABLE ${T.types} (
      id INT PRIMARY KEY, ti TINYINT, tb TINYINT(1), si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED,
      bi BIGINT, bu BIGINT UNSIGNED, de DECIMAL(38,10), dw DECIMAL(65,30), fl FLOAT, db DOUBLE,
      dt DATE, dtt DATETIME(6), tsz TIMESTAMP(6) NULL, tm TIME(6), yr YEAR,
      ch CHAR(5), vc VARCHAR(50), tx TEXT, bl BLOB, bn BINARY(3), vb VARBINARY(10), js JSON,
      en ENUM('a','b'), st SET('x','y'), bt1 BIT(1), bt BIT(10), u UUID
    ) CHARACTER SET utf8mb4;
    INSERT INTO ${T.types} VALUES
      (1, -128, 1, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
       '-9999999999999999999999999999.9999999999', '12345678.123456789012345678901234567890', 3.5, 1.7976931348623157e308,
       '2024-02-29', '1999-12-31 23:59:59.999999', '2024-03-10 02:30:00.123456', '23:59:59.999999', 2155,
       'ab', 'a,b"c', 'héllo wörld 🦆 中文', X'00FF10', X'0102', X'', '{"b": [1, 2.50], "a": null}',
       'b', 'x,y', b'1', b'1000000001', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      (2, 127, 0, 32767, 8388607, 2147483647, 0, 9223372036854775807, 0,
       '9999999999999999999999999999.9999999999', '-0.000000000000000000000000000001', -0.25, -2.5e-300,
       '1000-01-01', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:00', '00:00:00', 1901,
       '', '', '', X'', X'000000', X'FF', '[]', 'a', '', b'0', b'0', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    SET time_zone = '+00:00';
    CREATE TABLE ${T.events} (id BIGINT, updated_at DATETIME(6), changed TIMESTAMP(6) NULL, note TEXT);
    INSERT INTO ${T.events} VALUES
      (1, '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'a'), (2, '2024-01-02 00:00:00', '2024-01-02 00:00:00', 'b'),
      (3, '2024-01-02 00:00:00.000001', '2024-01-02 00:00:00.000001', 'c'), (4, '2024-01-03 07:00:00', '2024-01-03 07:00:00', 'd'),
      (9007199254740993, '2024-01-04 00:00:00', '2024-01-04 00:00:00', 'e'), (9007199254740994, '2024-01-05 00:00:00', '2024-01-05 00:00:00', 'f');
    CREATE TABLE ${T.many} (id INT PRIMARY KEY, h CHAR(32));
    INSERT INTO ${T.many} SELECT seq, MD5(seq) FROM seq_1_to_25;
    CREATE TABLE ${T.odd} (id INT, flag TINYINT(1), t TIME, d DECIMAL(65,0));
    INSERT INTO ${T.odd} VALUES (1, 2, '838:59:59', 12345678901234567890123456789012345678901234567890);
    CREATE TABLE ${T.zero} (id INT, dt DATE, dtt DATETIME(6), tsz TIMESTAMP NULL, tm TIME);
    INSERT INTO ${T.zero} VALUES (1, '2024-01-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '24:00:00'),
      (2, '0000-00-00', '2024-00-10 00:00:00', '0000-00-00 00:00:00', '12:00:00'), (3, NULL, NULL, NULL, NULL);
  `);
});

afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${Object.values(T).join(', ')}`).catch(() => undefined);
  await admin?.end();
});

describe('mysql: types and values', () => {
  it('maps every type to its DuckDB type', async () => {
    const out = await source({ table: T.types }).extract(context(engine()));
    expect(out.rowsRead).toBe(3);
    expect(out.describe).toBe(`mysql ${new URL(url).host}/floe_test`);
    expect(await columnTypes(engine(), out.relation)).toEqual({
      id: 'INTEGER', ti: 'INTEGER', tb: 'BOOLEAN', si: 'INTEGER', mi: 'INTEGER', i: 'INTEGER', iu: 'BIGINT',
      bi: 'BIGINT', bu: 'DECIMAL(20,0)', de: 'DECIMAL(38,10)', dw: 'DECIMAL(38,30)', fl: 'FLOAT', db: 'DOUBLE',
      dt: 'DATE', dtt: 'TIMESTAMP', tsz: 'TIMESTAMP WITH TIME ZONE', tm: 'TIME', yr: 'INTEGER',
      ch: 'VARCHAR', vc: 'VARCHAR', tx: 'VARCHAR', bl: 'BLOB', bn: 'BLOB', vb: 'BLOB', js: 'VARCHAR',
      en: 'VARCHAR', st: 'VARCHAR', bt1: 'BOOLEAN', bt: 'BIGINT', u: 'UUID',
    });
  });

  it('keeps every value exact', async () => {
    const out = await source({ table: T.types }).extract(context(engine()));
    const [r1, r2, r3] = await textRows(engine(), out.relation, 'id');
    expect(r1).toEqual({
      id: '1', ti: '-128', tb: 'true', si: '-32768', mi: '-8388608', i: '-2147483648', iu: '4294967295',
      bi: '-9223372036854775808', bu: '18446744073709551615', de: '-9999999999999999999999999999.9999999999',
      dw: '12345678.123456789012345678901234567890', fl: '3.5', db: '1.7976931348623157e+308',
      // TIMESTAMP was written at -08:00 and is read as the UTC instant.
      dt: '2024-02-29', dtt: '1999-12-31 23:59:59.999999', tsz: '2024-03-10 10:30:00.123456+00', tm: '23:59:59.999999', yr: '2155',
      ch: 'ab', vc: 'a,b"c', tx: 'héllo wörld 🦆 中文', bl: '\\x00\\xFF\\x10', bn: '\\x01\\x02\\x00', vb: '', js: '{"b": [1, 2.50], "a": null}',
      en: 'b', st: 'x,y', bt1: 'true', bt: '513', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    });
    expect(r2).toEqual({
      id: '2', ti: '127', tb: 'false', si: '32767', mi: '8388607', i: '2147483647', iu: '0',
      bi: '9223372036854775807', bu: '0', de: '9999999999999999999999999999.9999999999',
      dw: '-0.000000000000000000000000000001', fl: '-0.25', db: '-2.5e-300',
      dt: '1000-01-01', dtt: '9999-12-31 23:59:59.999999', tsz: '1970-01-01 08:00:00+00', tm: '00:00:00', yr: '1901',
      ch: '', vc: '', tx: '', bl: '', bn: '\\x00\\x00\\x00', vb: '\\xFF', js: '[]', en: 'a', st: '', bt1: 'false', bt: '0', u: null,
    });
    expect(Object.entries(r3!).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
  });

  it('streams batch_size rows at a time', async () => {
    const progress: number[] = [];
    const out = await source({ query: `SELECT * FROM ${T.many} ORDER BY id`, batch_size: 10 }).extract(context(engine(), { onProgress: (n) => progress.push(n) }));
    expect(out.rowsRead).toBe(25);
    expect(progress).toEqual([10, 20, 25]);
    expect((await textRows(engine(), out.relation, 'id')).map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
  });
});

describe('mysql: incremental', () => {
  const ids = async (relation: string) => (await textRows(engine(), relation, 'id')).map((r) => r.id);
  const after = (column: string, value: string | null, initial?: string) =>
    source({ table: T.events, incremental: { cursor: column, ...(initial ? { initial } : {}) } }).extract(
      context(engine(), { cursor: { column, after: value } }),
    );

  it('reads rows after a DATETIME and a TIMESTAMP watermark, exact to the microsecond', async () => {
    expect(await ids((await after('updated_at', '2024-01-02 00:00:00')).relation)).toEqual(['3', '4', '9007199254740993', '9007199254740994']);
    // The watermark as DuckDB prints a TIMESTAMPTZ: the +00 offset is understood, not compared as text.
    expect(await ids((await after('changed', '2024-01-02 00:00:00.000001+00')).relation)).toEqual(['4', '9007199254740993', '9007199254740994']);
    expect(await ids((await after('changed', '2024-01-03 12:00:00+05')).relation)).toEqual(['9007199254740993', '9007199254740994']);
  });

  it('reads rows after a BIGINT watermark beyond 2^53', async () => {
    expect(await ids((await after('id', '9007199254740993')).relation)).toEqual(['9007199254740994']);
  });

  it('refuses a watermark MySQL would cast to 0 or NULL (every row, or none, read without a word)', async () => {
    for (const [column, initial, what] of [['id', 'abc', 'an integer'], ['id', '12x', 'an integer']] as const) {
      const e = await after(column, null, initial).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(FloeError);
      expect((e as FloeError).message).toBe(`incremental cursor ${column}: the watermark ${JSON.stringify(initial)} is not ${what}`);
    }
    const odd = (initial: string) =>
      source({ table: T.odd, incremental: { cursor: 'd', initial } }).extract(context(engine(), { cursor: { column: 'd', after: null } }));
    const e = await odd('1,5').then(() => undefined, (err: unknown) => err);
    expect((e as FloeError).message).toBe('incremental cursor d: the watermark "1,5" is not a number');
    expect(await ids((await after('id', null, '4')).relation)).toEqual(['9007199254740993', '9007199254740994']);
  });

  it('starts from incremental.initial, and reads everything without one', async () => {
    expect(await ids((await after('updated_at', null, '2024-01-04')).relation)).toEqual(['9007199254740994']);
    expect((await after('updated_at', null)).rowsRead).toBe(6);
  });
});

describe('mysql: errors', () => {
  const failure = async (p: Promise<unknown>): Promise<FloeError> => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FloeError);
    const f = e as FloeError;
    expect(`${f.message} ${f.hint ?? ''} ${JSON.stringify(f.context)}`).not.toContain(PASSWORD_MARK);
    return f;
  };

  it('names host:port of an unreachable server, never the password', async () => {
    const closed = url.replace(/@127\.0\.0\.1:\d+\//, '@127.0.0.1:1/');
    const e = await failure(source({ connection: closed, table: 'x' }).extract(context(engine())));
    expect(e.kind).toBe('source');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('pipeline test_pipeline');
    expect(e.message).toContain('127.0.0.1:1/floe_test');
  });

  it('reports a wrong password without echoing it', async () => {
    const wrong = url.replace(/:([^:@/]+)@/, `:${PASSWORD_MARK}_wrong@`);
    const e = await failure(source({ connection: wrong, table: 'x' }).extract(context(engine())));
    expect(e.message).toMatch(/Access denied/);
  });

  it('names the pipeline and the SQL error of a bad query', async () => {
    const e = await failure(source({ query: 'SELECT * FROM no_such_table_here' }).extract(context(engine())));
    expect(e.kind).toBe('source');
    expect(e.message).toContain('pipeline test_pipeline');
    expect(e.message).toMatch(/no_such_table_here' doesn't exist \(ER_NO_SUCH_TABLE\)/);
  });

  it('refuses values the mapped type cannot hold, naming the column', async () => {
    const flag = await failure(source({ query: `SELECT id, flag FROM ${T.odd}` }).extract(context(engine())));
    expect(flag.message).toMatch(/column "flag" \(tinyint\(1\) → BOOLEAN\): 2 in a tinyint\(1\) column/);
    const time = await failure(source({ query: `SELECT id, t FROM ${T.odd}` }).extract(context(engine())));
    expect(time.message).toMatch(/column "t" \(time → TIME\): 838:59:59 is not a time of day/);
    const wide = await failure(source({ query: `SELECT id, d FROM ${T.odd}` }).extract(context(engine())));
    expect(wide.message).toMatch(/column "d" \(decimal\(65,0\) → DECIMAL\(38, 0\)\).*does not fit/);
    expect(wide.hint).toMatch(/CAST\(x AS DECIMAL\(38, 6\)\)/);
    const midnight = await failure(source({ query: `SELECT id, tm FROM ${T.zero}` }).extract(context(engine())));
    expect(midnight.message).toMatch(/row 1 .*column "tm" \(time → TIME\): 24:00:00 is not a time of day/);
  });

  it('refuses zero dates rather than read them as NULL, and reads them as NULL when the query says so', async () => {
    for (const [col, value] of [['dt', '0000-00-00'], ['dtt', '2024-00-10 00:00:00'], ['tsz', '0000-00-00 00:00:00']]) {
      const e = await failure(source({ query: `SELECT id, ${col} FROM ${T.zero} ORDER BY id` }).extract(context(engine())));
      expect(e.message).toMatch(new RegExp(`row 2 .*column "${col}" .*: ${value}.* is a MySQL zero date(-time)?, which has no Iceberg value`));
      expect(e.hint).toMatch(/NULLIF\(x, 0\)/);
    }
    const out = await source({ query: `SELECT id, NULLIF(dt, 0) AS dt, NULLIF(tsz, 0) AS tsz FROM ${T.zero}` }).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'INTEGER', dt: 'DATE', tsz: 'TIMESTAMP WITH TIME ZONE' });
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', dt: '2024-01-01', tsz: '2024-01-01 00:00:00+00' },
      { id: '2', dt: null, tsz: null },
      { id: '3', dt: null, tsz: null },
    ]);
  });
});

describe('mysql: abort', () => {
  it('stops a streamed read when the signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const read = source({ table: T.many, batch_size: 5 }).extract(
      context(engine(), { signal: controller.signal, onProgress: (n) => n >= 10 && controller.abort(new Error('stopped by test')) }),
    );
    await expect(read).rejects.toThrow('stopped by test');
  });
});
