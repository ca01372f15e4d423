/**
 * Review of kind: postgres against the test server, as a data engineer moving production
 * tables would meet it: text cursors under a linguistic collation, a backend terminated
 * mid-read and a query that fails mid-stream, on both read paths (COPY and the cursor).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { type PostgresSourceOptions, postgresSource } from '../../src/sources/postgres.js';
import { columnTypes, config, context, encodedPassword, PASSWORD_MARK, textRows, useEngine, usePgSchema } from '../sources/helpers.js';

const engine = useEngine();
const db = usePgSchema('floe_rv_pg', `
    CREATE TABLE words (id int PRIMARY KEY, w text COLLATE "en-x-icu", v varchar(10) COLLATE "und-x-icu");
    INSERT INTO words VALUES (1, 'B', 'B'), (2, 'Z', 'Z'), (3, 'a', 'a'), (4, 'b', 'b'), (5, 'é', 'é'), (6, NULL, NULL);
    CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
    CREATE DOMAIN amount AS numeric(12,2);
    CREATE TABLE odd (id int, d posint, m amount, tz timetz, f4a float4[], ba bool[], ua uuid[], wide numeric(1000,500), n numeric);
    INSERT INTO odd VALUES (1, 5, 12.34, '10:00:00.5+02', '{1.4e-45,NaN,-Infinity,3.4028235e38}', '{t,f,NULL}',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', 0.25, 12345678901234567890.123456789012345678),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, 1.5, 123456789012345678901234567890.5);
    CREATE DOMAIN amount2 AS amount;
    CREATE DOMAIN stamp AS timestamptz;
    CREATE TABLE domain_arrays (id int, pa posint[], aa amount[], a2 amount2[], sa stamp[]);
    INSERT INTO domain_arrays VALUES (1, '{1,2}', '{1.50,NULL}', '{-2.25}', '{"2024-01-01 00:00:00+00"}'), (2, '{}', '{}', '{}', '{infinity}');
    CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 200000) g;
  `);

const PATHS: [string, PostgresSourceOptions][] = [['COPY', { copy: 'auto' }], ['cursor', { copy: 'never' }]];
const source = (extra: Record<string, unknown>, options: PostgresSourceOptions) =>
  postgresSource(config({ kind: 'postgres', connection: db.url, ...extra }), options);

describe.each(PATHS)('postgres review (%s path)', (_, options) => {
  const read = async (column: string, after: string) => {
    const out = await source({ table: db.table('words'), incremental: { cursor: column } }, options).extract(context(engine(), { cursor: { column, after } }));
    return (await textRows(engine(), out.relation, 'id')).map((r) => r.id);
  };

  it('reads every row whose text is above the watermark byte by byte, whatever the column collation', async () => {
    // en-x-icu sorts 'a' and 'b' below 'Z'; the runner's watermark and filter are in byte
    // order (DuckDB), so those rows would never be read by a later run.
    // Row 6's NULL comes along for the runner to count in its warning.
    expect(await read('w', 'Z')).toEqual(['3', '4', '5', '6']);
    expect(await read('v', 'Z')).toEqual(['3', '4', '5', '6']);
    expect(await read('w', 'b')).toEqual(['5', '6']);
  });

  it('fails a read whose backend is terminated mid-stream, naming the pipeline and server, retryable', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      let killed: Promise<unknown> | undefined;
      // Far more rows than the server can send before the termination lands.
      const out = source({ query: 'SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 5000000) g', batch_size: 1000 }, { ...options, copySegmentBytes: 64 * 1024 }).extract(
        context(engine(), {
          pipeline: 'kill_me',
          onProgress: (n) => {
            if (n >= 3000 && !killed) killed = admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'floe kill_me'`);
          },
        }),
      );
      const e = await out.then(() => undefined, (err: unknown) => err);
      expect(await killed).toBeDefined();
      expect(e).toBeInstanceOf(FloeError);
      const f = e as FloeError;
      expect(f.kind, f.message).toBe('source');
      expect(f.retryable, f.message).toBe(true);
      expect(f.message).toMatch(/^pipeline kill_me: PostgreSQL at 127\.0\.0\.1:\d+\/floe_test could not read rows: /);
      // Socket errors are not SQLSTATEs.
      expect(f.message).not.toMatch(/SQLSTATE E[A-Z]+/);
      expect(`${f.message} ${JSON.stringify(f.context)}`).not.toContain(PASSWORD_MARK);
    } finally {
      await admin.end();
    }
  }, 60_000);

  it('fails a query that errors mid-stream with the server message, and leaves no staging table', async () => {
    const before = await engine().all(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE temporary`, 'count');
    const e = await source({ query: `SELECT id, 1 / (150000 - id) AS x FROM ${db.table('big')}`, batch_size: 5000 }, options)
      .extract(context(engine()))
      .then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).message).toMatch(/^pipeline test_pipeline: PostgreSQL at .* could not read rows: division by zero \(SQLSTATE 22012\)$/);
    expect((e as FloeError).retryable).toBe(false);
    expect(await engine().all(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE temporary`, 'count')).toEqual(before);
  });

  it('lands domains as their base type, and timetz, float4[], bool[] and uuid[] exactly', async () => {
    const out = await source({ query: `SELECT id, d, m, tz, f4a, ba, ua FROM ${db.table('odd')}` }, options).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({
      id: 'INTEGER', d: 'INTEGER', m: 'DECIMAL(12,2)', tz: 'VARCHAR', f4a: 'FLOAT[]', ba: 'BOOLEAN[]', ua: 'UUID[]',
    });
    expect((await textRows(engine(), out.relation, 'id'))[0]).toEqual({
      id: '1', d: '5', m: '12.34', tz: '10:00:00.5+02', f4a: '[1e-45, nan, -inf, 3.4028235e+38]', ba: '[true, false, NULL]',
      ua: '[a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11]',
    });
  });

  it('refuses a numeric too wide for its DECIMAL with a short message naming the row and column', async () => {
    const fail = (column: string) =>
      source({ query: `SELECT id, ${column} FROM ${db.table('odd')} ORDER BY id` }, options)
        .extract(context(engine()))
        .then(() => undefined, (err: unknown) => err as FloeError);
    const wide = await fail('wide');
    expect(wide).toBeInstanceOf(FloeError);
    expect(wide!.message).toMatch(/^pipeline test_pipeline: row 2 from postgres .*, column "wide" \(numeric\(1000,500\) → DECIMAL\(38, 38\)\): 1\.5000+… \(1 integer and 500 fraction digits\) does not fit DECIMAL\(38, 38\) without rounding/);
    expect(wide!.message.length).toBeLessThan(400);
    const n = await fail('n');
    expect(n!.message).toMatch(/row 2 .*column "n" \(numeric → DECIMAL\(38, 18\)\): 123456789012345678901234567890\.5 does not fit DECIMAL\(38, 18\)/);
    expect(n!.hint).toMatch(/round\(x, 6\)/);
  });

  it('types an array of a domain as a list of its base type, as it types the domain itself', async () => {
    const out = await source({ query: `SELECT id, pa, aa, a2 FROM ${db.table('domain_arrays')}` }, options).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'INTEGER', pa: 'INTEGER[]', aa: 'DECIMAL(12,2)[]', a2: 'DECIMAL(12,2)[]' });
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', pa: '[1, 2]', aa: '[1.50, NULL]', a2: '[-2.25]' },
      { id: '2', pa: '[]', aa: '[]', a2: '[]' },
    ]);
    // And the checks of the base type apply: an infinite timestamp in a stamp[] is refused.
    const e = await source({ query: `SELECT id, sa FROM ${db.table('domain_arrays')} ORDER BY id` }, options)
      .extract(context(engine()))
      .then(() => undefined, (err: unknown) => err as FloeError);
    expect(e?.message).toMatch(/row 2 .*column "sa" \([a-z0-9_]+\.stamp\[\] → TIMESTAMPTZ\[\]\): infinity has no Iceberg timestamp value/);
  });

  it('names the pipeline, server and SQLSTATE of a table the user may not read, and of a missing column', async () => {
    const denied = await source({ table: 'pg_catalog.pg_authid' }, options).extract(context(engine())).then(() => undefined, (err: unknown) => err as FloeError);
    expect(denied).toBeInstanceOf(FloeError);
    expect(denied!.kind).toBe('source');
    expect(denied!.retryable).toBe(false);
    expect(denied!.message).toMatch(/^pipeline test_pipeline: PostgreSQL at 127\.0\.0\.1:\d+\/floe_test could not run the query: permission denied for table pg_authid \(SQLSTATE 42501\)$/);
    const missing = await source({ query: `SELECT id, nope FROM ${db.table('words')}` }, options).extract(context(engine())).then(() => undefined, (err: unknown) => err as FloeError);
    expect(missing!.message).toMatch(/could not run the query: column "nope" does not exist \(SQLSTATE 42703\)$/);
  });

  it('connects with a percent-encoded password', async () => {
    const out = await postgresSource(config({ kind: 'postgres', connection: encodedPassword(db.url), query: 'SELECT 1 AS one' }), options).extract(context(engine()));
    expect(out.rowsRead).toBe(1);
  });
});
