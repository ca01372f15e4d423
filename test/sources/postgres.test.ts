/**
 * kind: postgres against the real server from scripts/provision-services.sh: every mapped
 * type lands in DuckDB with its exact value, batches smaller than the result, incremental
 * reads, and errors that name the database but never the password.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { type PostgresSourceOptions, postgresSource } from '../../src/sources/postgres.js';
import { columnTypes, config, context, PASSWORD_MARK, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();

const source = (extra: Record<string, unknown>, options?: PostgresSourceOptions) => postgresSource(config({ kind: 'postgres', connection: db.url, ...extra }), options);
/** The cursor path, whatever the column types. */
const NO_COPY: PostgresSourceOptions = { copy: 'never' };
const table = (name: string) => db.table(name);

const db = usePgSchema('floe_src', `
    CREATE TYPE mood AS ENUM ('sad', 'happy');
    CREATE TABLE types (
      id int4 PRIMARY KEY, i2 int2, i8 int8, n numeric(38,10), n_plain numeric, n_neg numeric(5,-2),
      f4 float4, f8 float8, b bool, t text, vc varchar(20), ch char(5), nm name,
      d date, tm time, ts timestamp, tstz timestamptz, u uuid, by bytea, j json, jb jsonb,
      ai int4[], at text[], an numeric(10,2)[], ats timestamptz[], aby bytea[], iv interval, en mood, o oid
    );
    INSERT INTO types VALUES
      (1, -32768, -9223372036854775808, '-9999999999999999999999999999.9999999999', '12345678901234567890.123456789012345678', 1234500,
       '3.4028235e38', '1.7976931348623157e308', true, 'héllo wörld 🦆 中文', 'a,b"c', 'ab', 'pg_name',
       '0044-03-15 BC', '23:59:59.999999', '1999-12-31 23:59:59.999999', '2024-03-10 02:30:00.123456-08',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{"b": [1, 2.50, "x"],  "a": null}', '{"b": 1, "a": "ü"}',
       '{1,NULL,3}', '{"a b","c\\"d",NULL,"NULL",""}', '{1.50,-2.25}', '{"2024-01-01 00:00:00+00","0001-01-01 00:00:00+00"}', '{"\\\\x0102",NULL}',
       '1 year 2 months 3 days 04:05:06', 'happy', 4294967295),
      (2, 32767, 9223372036854775807, '9999999999999999999999999999.9999999999', '-0.000000000000000001', -500,
       'NaN', '-Infinity', false, '', '', '', '', '9999-12-31', '00:00:00', '0001-01-01 00:00:00', '1970-01-01 00:00:00+00',
       'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', '\\x', '[]', '{}', '{}', '{}', '{}', '{}', '{}', '-00:00:01', 'sad', 0),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    CREATE TABLE events (id int8, updated_at timestamptz, note text);
    INSERT INTO events VALUES
      (1, '2024-01-01 00:00:00+00', 'a'), (2, '2024-01-02 00:00:00+00', 'b'),
      (3, '2024-01-02 00:00:00.000001+00', 'c'), (4, '2024-01-03 12:00:00+05', 'd'),
      (9007199254740993, '2024-01-04 00:00:00+00', 'e'), (9007199254740994, '2024-01-05 00:00:00+00', 'f');
    CREATE TABLE many AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 25) g;
    CREATE TABLE "Mixed Case" (x int);
    INSERT INTO "Mixed Case" VALUES (7);
  `);

describe('postgres: types and values', () => {
  it('maps every type to its DuckDB type', async () => {
    const out = await source({ table: table('types') }).extract(context(engine()));
    expect(out.rowsRead).toBe(3);
    expect(out.describe).toBe(`postgres ${new URL(db.url).host}/floe_test`);
    expect(await columnTypes(engine(), out.relation)).toEqual({
      id: 'INTEGER', i2: 'INTEGER', i8: 'BIGINT', n: 'DECIMAL(38,10)', n_plain: 'DECIMAL(38,18)', n_neg: 'DECIMAL(7,0)',
      f4: 'FLOAT', f8: 'DOUBLE', b: 'BOOLEAN', t: 'VARCHAR', vc: 'VARCHAR', ch: 'VARCHAR', nm: 'VARCHAR',
      d: 'DATE', tm: 'TIME', ts: 'TIMESTAMP', tstz: 'TIMESTAMP WITH TIME ZONE', u: 'UUID', by: 'BLOB', j: 'VARCHAR', jb: 'VARCHAR',
      ai: 'INTEGER[]', at: 'VARCHAR[]', an: 'DECIMAL(10,2)[]', ats: 'TIMESTAMP WITH TIME ZONE[]', aby: 'BLOB[]',
      iv: 'VARCHAR', en: 'VARCHAR', o: 'BIGINT',
    });
  });

  it('keeps every value exact', async () => {
    const out = await source({ table: table('types') }).extract(context(engine()));
    const [r1, r2, r3] = await textRows(engine(), out.relation, 'id');
    expect(r1).toEqual({
      id: '1', i2: '-32768', i8: '-9223372036854775808', n: '-9999999999999999999999999999.9999999999',
      n_plain: '12345678901234567890.123456789012345678', n_neg: '1234500',
      f4: '3.4028235e+38', f8: '1.7976931348623157e+308', b: 'true', t: 'héllo wörld 🦆 中文', vc: 'a,b"c', ch: 'ab   ', nm: 'pg_name',
      d: '0044-03-15 (BC)', tm: '23:59:59.999999', ts: '1999-12-31 23:59:59.999999', tstz: '2024-03-10 10:30:00.123456+00',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', by: '\\x00\\xFF\\x10',
      // json keeps its text as stored (spacing, key order); jsonb is Postgres's normal form.
      j: '{"b": [1, 2.50, "x"],  "a": null}', jb: '{"a": "ü", "b": 1}',
      ai: '[1, NULL, 3]', at: `[a b, 'c"d', NULL, 'NULL', '']`, an: '[1.50, -2.25]', ats: `['2024-01-01 00:00:00+00', '0001-01-01 00:00:00+00']`,
      aby: '[\\x01\\x02, NULL]', iv: 'P1Y2M3DT4H5M6S', en: 'happy', o: '4294967295',
    });
    expect(r2).toEqual({
      id: '2', i2: '32767', i8: '9223372036854775807', n: '9999999999999999999999999999.9999999999',
      n_plain: '-0.000000000000000001', n_neg: '-500', f4: 'nan', f8: '-inf', b: 'false', t: '', vc: '', ch: '     ', nm: '',
      d: '9999-12-31', tm: '00:00:00', ts: '0001-01-01 00:00:00', tstz: '1970-01-01 00:00:00+00', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
      by: '', j: '[]', jb: '{}', ai: '[]', at: '[]', an: '[]', ats: '[]', aby: '[]', iv: 'PT-1S', en: 'sad', o: '0',
    });
    expect(Object.entries(r3!).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
  });

  it('reads int8 as exact bigint and timestamptz as UTC micros', async () => {
    const out = await source({ query: `SELECT i8, tstz FROM ${table('types')} WHERE id = 1` }).extract(context(engine()));
    const [row] = await engine().all(`SELECT i8, epoch_us(tstz) AS us FROM "${out.relation}"`, 'read');
    expect(row!.i8).toBe(-9223372036854775808n);
    expect(row!.us).toBe(BigInt(Date.UTC(2024, 2, 10, 10, 30, 0, 123)) * 1000n + 456n);
  });

  it('types an empty result from the row description', async () => {
    const out = await source({ query: `SELECT id, n, tstz FROM ${table('types')} WHERE false;` }).extract(context(engine()));
    expect(out.rowsRead).toBe(0);
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'INTEGER', n: 'DECIMAL(38,10)', tstz: 'TIMESTAMP WITH TIME ZONE' });
  });

  it('quotes a table name that is not a plain identifier', async () => {
    const out = await source({ table: `${db.schema}.Mixed Case` }).extract(context(engine()));
    expect(await textRows(engine(), out.relation, 'x')).toEqual([{ x: '7' }]);
  });
});

describe('postgres: batches', () => {
  it('fetches batch_size rows per round trip and stages them all', async () => {
    const progress: number[] = [];
    const out = await source({ table: table('many'), batch_size: 7 }, NO_COPY).extract(context(engine(), { onProgress: (n) => progress.push(n) }));
    expect(out.rowsRead).toBe(25);
    expect(progress).toEqual([7, 14, 21, 25]);
    const rows = await textRows(engine(), out.relation, 'id');
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
  });
});

describe('postgres: incremental', () => {
  const ids = async (relation: string) => (await textRows(engine(), relation, 'updated_at')).map((r) => r.id);

  it('reads rows after a timestamptz watermark, exact to the microsecond', async () => {
    const src = source({ table: table('events'), incremental: { cursor: 'updated_at' } });
    const out = await src.extract(context(engine(), { cursor: { column: 'updated_at', after: '2024-01-02 00:00:00+00' } }));
    expect(await ids(out.relation)).toEqual(['3', '4', '9007199254740993', '9007199254740994']);
    const micro = await src.extract(context(engine(), { cursor: { column: 'updated_at', after: '2024-01-02 00:00:00.000001+00' } }));
    expect(await ids(micro.relation)).toEqual(['4', '9007199254740993', '9007199254740994']);
  });

  it('reads rows after an int8 watermark beyond 2^53', async () => {
    const src = source({ query: `SELECT * FROM ${table('events')}`, incremental: { cursor: 'id' } });
    const out = await src.extract(context(engine(), { cursor: { column: 'id', after: '9007199254740993' } }));
    expect(await ids(out.relation)).toEqual(['9007199254740994']);
  });

  it('starts from incremental.initial on a first run, and reads everything without one', async () => {
    const withInitial = source({ table: table('events'), incremental: { cursor: 'UPDATED_AT', initial: '2024-01-03' } });
    const first = await withInitial.extract(context(engine(), { cursor: { column: 'UPDATED_AT', after: null } }));
    // '2024-01-03 12:00:00+05' is 07:00 UTC, after midnight UTC.
    expect(await ids(first.relation)).toEqual(['4', '9007199254740993', '9007199254740994']);
    const all = await source({ table: table('events'), incremental: { cursor: 'updated_at' } }).extract(
      context(engine(), { cursor: { column: 'updated_at', after: null } }),
    );
    expect(all.rowsRead).toBe(6);
  });

  it('refuses a cursor that is not a column of the query', async () => {
    const src = source({ table: table('events'), incremental: { cursor: 'nope' } });
    await expect(src.extract(context(engine(), { cursor: { column: 'nope', after: '1' } }))).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining('columns: id, updated_at, note'),
    });
  });
});

describe('postgres: errors', () => {
  const failure = async (p: Promise<unknown>): Promise<FloeError> => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FloeError);
    const f = e as FloeError;
    // Neither the message, the hint, the context nor the cause chain's message may hold the password.
    expect(`${f.message} ${f.hint ?? ''} ${JSON.stringify(f.context)}`).not.toContain(PASSWORD_MARK);
    return f;
  };

  it('names host:port of an unreachable server, never the password', async () => {
    const closed = db.url.replace(/@127\.0\.0\.1:\d+\//, '@127.0.0.1:1/');
    const e = await failure(source({ connection: closed, table: 'x' }).extract(context(engine())));
    expect(e.kind).toBe('source');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('pipeline test_pipeline');
    expect(e.message).toContain('127.0.0.1:1/floe_test');
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('reports a wrong password without echoing it', async () => {
    const wrong = db.url.replace(/:([^:@/]+)@/, `:${PASSWORD_MARK}_wrong@`);
    const e = await failure(source({ connection: wrong, table: 'x' }).extract(context(engine())));
    expect(e.kind).toBe('source');
    expect(e.message).toMatch(/password authentication failed/);
  });

  it('names the pipeline and the SQL error of a bad query', async () => {
    const e = await failure(source({ query: 'SELECT * FROM no_such_table_here' }).extract(context(engine())));
    expect(e.kind).toBe('source');
    expect(e.message).toContain('pipeline test_pipeline');
    expect(e.message).toContain('relation "no_such_table_here" does not exist');
    expect(e.message).toContain('SQLSTATE 42P01');
  });

  it('fails, naming the column, rather than round an unconstrained numeric', async () => {
    const e = await failure(source({ query: 'SELECT 1 AS id, 1::numeric / 3 AS third' }).extract(context(engine())));
    expect(e.message).toMatch(/row 1 .*column "third" \(numeric → DECIMAL\(38, 18\)\).*does not fit/);
    expect(e.hint).toMatch(/cast it in the query/);
  });

  it('refuses a multi-dimensional array and numeric NaN', async () => {
    const nested = await failure(source({ query: `SELECT '{{1,2},{3,4}}'::int[] AS m` }).extract(context(engine())));
    expect(nested.message).toMatch(/column "m".*multi-dimensional/);
    const nan = await failure(source({ query: `SELECT 'NaN'::numeric(10,2) AS x` }).extract(context(engine())));
    expect(nan.message).toMatch(/NaN has no DECIMAL value/);
  });

  it('refuses 24:00:00 and infinite dates inside arrays: Iceberg has no such values', async () => {
    const t = await failure(source({ query: `SELECT 1 AS id, '24:00:00'::time AS tm` }).extract(context(engine())));
    expect(t.message).toMatch(/row 1 .*column "tm" \(time without time zone → TIME\).*no 24:00:00/);
    const a = await failure(source({ query: `SELECT '{2024-01-01,infinity}'::date[] AS ds` }).extract(context(engine())));
    expect(a.message).toMatch(/column "ds".*infinity has no Iceberg date value/);
    const ts = await failure(source({ query: `SELECT '{-infinity}'::timestamptz[] AS ts` }).extract(context(engine())));
    expect(ts.message).toMatch(/column "ts".*-infinity has no Iceberg timestamp value/);
  });

  it('refuses two output columns that DuckDB would take for one', async () => {
    const e = await failure(source({ query: 'SELECT 1 AS "ID", 2 AS id' }).extract(context(engine())));
    expect(e.message).toMatch(/two columns named "ID" and "id"/);
  });
});

describe('postgres: abort', () => {
  it('stops a read when the signal aborts, with the abort reason, and leaves no staging table', async () => {
    const controller = new AbortController();
    const before = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    const read = source({ table: table('many'), batch_size: 5 }, NO_COPY).extract(
      context(engine(), { signal: controller.signal, onProgress: (n) => n >= 10 && controller.abort(new Error('stopped by test')) }),
    );
    await expect(read).rejects.toThrow('stopped by test');
    const after = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    expect(after.length).toBe(before.length);
  });
});
