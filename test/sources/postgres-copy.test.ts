/**
 * The COPY fast path of kind: postgres (src/sources/postgres-copy.ts) against the real server:
 * every value it stages equals what the cursor path stages, NULL stays distinct from '',
 * CSV-hostile text survives, types it cannot carry go through the cursor, refused values fall
 * back to the cursor (which converts or reports them), incremental watermarks are quoted
 * safely, an abort stops it, and it runs within a tiny DuckDB memory limit by spilling.
 */
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { type PostgresPath, type PostgresSourceOptions, postgresSource } from '../../src/sources/postgres.js';
import { copyColumnSql, copyStatement, pgLiteral } from '../../src/sources/postgres-copy.js';
import { columnTypes, config, context, runId, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();
const table = (name: string) => db.table(name);

/** Extracts with the given options and records the path taken. */
async function extract(extra: Record<string, unknown>, options: PostgresSourceOptions = {}, ctxExtra = {}) {
  const paths: PostgresPath[] = [];
  const source = postgresSource(config({ kind: 'postgres', connection: db.url, ...extra }), { ...options, onPath: (p) => paths.push(p) });
  const out = await source.extract(context(engine(), ctxExtra));
  return { out, path: paths[0]! };
}

const db = usePgSchema('floe_copy', `
    CREATE TABLE flat (
      id int4, i2 int2, i8 int8, n numeric(38,10), nw numeric(30,2), n_neg numeric(5,-2), f4 float4, f8 float8, b bool,
      t text, ch char(4), d date, ts timestamp, tstz timestamptz, u uuid, by bytea, j jsonb, o oid, nu numeric, nx numeric(50,40)
    );
    INSERT INTO flat VALUES
      (1, -32768, -9223372036854775808, '-9999999999999999999999999999.9999999999', '-9999999999999999999999999999.99', 1234500,
       '3.4028235e38', '1.7976931348623157e308', true, 'a,b"c' || chr(10) || 'd\\N"', 'ab', '0001-01-01', '1999-12-31 23:59:59.999999',
       '2024-03-10 02:30:00.123456-08', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff2c22', '{"a": "x,\\"y\\""}', 4294967295,
       '-12345678901234567890.123456789012345678', '0.12345678901234567890123456789012345678'),
      (2, 32767, 9223372036854775807, '9999999999999999999999999999.9999999999', '12.50', -500,
       'NaN', '-Infinity', false, '', '', '5874897-12-31', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999+00', NULL, '\\x', '[]', 0, '-0.000000000000000001', '-0.00000000000000000000000000000000000001'),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (4, 0, 9007199254740993, '0.0000000001', '0.01', 0, '-0', 'Infinity', NULL, 'NULL', NULL, '2024-02-29', '2024-02-29 12:00:00',
       '1970-01-01 00:00:00+00', NULL, NULL, 'null', NULL, '0', '0.0000000000'),
      (5, 1, 1, '1', '1234567890123456789012345678.00', 100, '1.5e-45', '5e-324', true, '\\N', ' x  ', '10000-01-01', '2000-01-01 00:00:00.5',
       '2262-04-11 23:47:16.854776+00', NULL, '\\x0a0d', '"\\u00fc"', 1, '99999999999999999999.500000000000000000000', '0.5');
    CREATE TABLE with_array (id int4, tags text[]);
    INSERT INTO with_array VALUES (1, '{"a,b",NULL}'), (2, NULL);
    CREATE TABLE with_bc (id int4, d date, note text);
    INSERT INTO with_bc VALUES (1, '0044-03-15 BC', 'ides'), (2, '2024-01-01', 'now');
    CREATE TABLE events (id int8, k text, updated_at timestamptz);
    INSERT INTO events VALUES
      (1, 'a', '2024-01-01 00:00:00+00'), (2, 'b''x', '2024-01-02 00:00:00+00'),
      (3, 'c', '2024-01-02 00:00:00.000001+00'), (4, 'd', '2024-01-03 12:00:00+05');
    CREATE TABLE wide AS SELECT g AS id, repeat(md5(g::text), 4) AS h, (g / 7.0)::numeric(12,2) AS amount
      FROM generate_series(1, 300000) g;
  `);

describe('postgres COPY path: values', () => {
  it('stages exactly what the cursor path stages, types included', async () => {
    const copy = await extract({ table: table('flat') });
    expect(copy.path).toEqual({ path: 'copy' });
    expect(copy.out.rowsRead).toBe(5);
    const cursor = await extract({ table: table('flat') }, { copy: 'never' });
    expect(cursor.path.path).toBe('cursor');
    expect(await columnTypes(engine(), copy.out.relation)).toEqual(await columnTypes(engine(), cursor.out.relation));
    const a = await textRows(engine(), copy.out.relation, 'id');
    expect(a).toEqual(await textRows(engine(), cursor.out.relation, 'id'));
    // Spot checks against the literal values, not only the other path.
    expect(a[0]).toMatchObject({ i8: '-9223372036854775808', n: '-9999999999999999999999999999.9999999999', nw: '-9999999999999999999999999999.99' });
    expect(a[0]!.t).toBe('a,b"c\nd\\N"');
    expect(a[0]!.tstz).toBe('2024-03-10 10:30:00.123456+00');
    expect(a[0]!.by).toBe('\\x00\\xFF,\\x22');
    expect(a[1]).toMatchObject({ t: '', ch: '    ', f4: 'nan', f8: '-inf', d: '5874897-12-31', ts: '0001-01-01 00:00:00', tstz: '9999-12-31 23:59:59.999999+00', u: null, by: '' });
    expect(a[3]).toMatchObject({ i8: '9007199254740993', t: 'NULL', ch: null, b: null });
    // DuckDB writes DECIMAL(38, 38) text without the leading zero.
    expect(a.map((r) => [r.nu, r.nx])).toEqual([
      ['-12345678901234567890.123456789012345678', '.12345678901234567890123456789012345678'],
      ['-0.000000000000000001', '-.00000000000000000000000000000000000001'],
      [null, null],
      ['0.000000000000000000', '.00000000000000000000000000000000000000'],
      ['99999999999999999999.500000000000000000', '.50000000000000000000000000000000000000'],
    ]);
    expect(a[4]).toMatchObject({ t: '\\N', ch: ' x  ', nw: '1234567890123456789012345678.00', d: '10000-01-01' });
  });

  it('keeps NULL and the empty string apart in every text position', async () => {
    const { out, path } = await extract({ query: `SELECT * FROM (VALUES (1, NULL::text, ''::text), (2, '', NULL), (3, '""', ',')) v(id, x, y)` });
    expect(path.path).toBe('copy');
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', x: null, y: '' },
      { id: '2', x: '', y: null },
      { id: '3', x: '""', y: ',' },
    ]);
  });

  it('undoes the text format escapes: backslashes, tabs, newlines, control characters', async () => {
    const values = ['back\\slash', 'tab\there', 'cr\rlf\n', '\\', '\\\\n', '\\N', '\b\f\v', '\\t\t\\\\', 'x\\'];
    await db.admin.query(`CREATE TABLE ${table('escapes')} (id int, v text)`);
    for (const [i, v] of values.entries()) await db.admin.query(`INSERT INTO ${table('escapes')} VALUES ($1, $2)`, [i, v]);
    const { out, path } = await extract({ table: table('escapes') });
    expect(path.path).toBe('copy');
    const staged = await engine().all(`SELECT v FROM ${out.relation} ORDER BY id`, 'read');
    expect(staged.map((r) => r.v)).toEqual(values);
  });

  it('cuts the stream into segments at row ends only, loading every row once', async () => {
    const progress: number[] = [];
    const { out, path } = await extract(
      { query: `SELECT g AS id, repeat(E'a\\tb\\nc\\\\', g % 7) AS v FROM generate_series(1, 30000) g` },
      { copySegmentBytes: 8192 },
      { onProgress: (n: number) => progress.push(n) },
    );
    expect(path.path).toBe('copy');
    expect(out.rowsRead).toBe(30000);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(30000);
    const r = await engine().all(
      `SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS ids, sum(CASE WHEN v = repeat('a' || chr(9) || 'b' || chr(10) || 'c\\', id % 7) THEN 1 ELSE 0 END)::BIGINT AS exact FROM ${out.relation}`,
      'check',
    );
    expect(r[0]).toEqual({ n: 30000n, ids: 30000n, exact: 30000n });
  });

  it('drops the staging table once the runner has scanned it (afterScan), on either path', async () => {
    for (const options of [{}, { copy: 'never' as const }]) {
      const { out } = await extract({ table: table('events') }, options);
      const tables = async () => (await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list')).map((r) => r.table_name);
      expect(await tables()).toContain(out.relation);
      await out.afterScan!();
      expect(await tables()).not.toContain(out.relation);
    }
  });

  it('reads an empty result with its column types', async () => {
    const { out, path } = await extract({ query: `SELECT id, tstz FROM ${table('flat')} WHERE false` });
    expect(path.path).toBe('copy');
    expect(out.rowsRead).toBe(0);
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'INTEGER', tstz: 'TIMESTAMP WITH TIME ZONE' });
  });
});

describe('postgres COPY path: fallbacks', () => {
  it('reads a query with a type COPY cannot carry through the cursor, naming the column', async () => {
    const { out, path } = await extract({ table: table('with_array') });
    expect(path).toEqual({ path: 'cursor', reason: 'column "tags" (text[])' });
    expect((await textRows(engine(), out.relation, 'id'))[0]!.tags).toBe("['a,b', NULL]");
  });

  it('falls back to the cursor for a value the cast would misread (a BC date), leaving no stray table', async () => {
    const before = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    const { out, path } = await extract({ table: table('with_bc') });
    expect(path.path).toBe('cursor');
    expect(path.path === 'cursor' && path.reason).toMatch(/BC date/);
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', d: '0044-03-15 (BC)', note: 'ides' },
      { id: '2', d: '2024-01-01', note: 'now' },
    ]);
    const after = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    expect(after.length).toBe(before.length + 1);
  });

  it('refuses infinite dates and timestamps (no Iceberg value) on either path, naming row and column', async () => {
    for (const [type, v] of [['date', 'infinity'], ['timestamp', '-infinity'], ['timestamptz', 'infinity']]) {
      const q = `SELECT * FROM (VALUES (1, '2024-01-01'::${type}), (2, '${v}'::${type})) v(id, x)`;
      for (const options of [{}, { copy: 'never' } as const]) {
        const e = await extract({ query: q }, options).catch((x) => x);
        expect(e, `${type} ${v}`).toBeInstanceOf(FloeError);
        expect((e as FloeError).message).toMatch(new RegExp(`row 2 .*column "x".*${v} has no Iceberg (date|timestamp) value`));
        expect((e as FloeError).hint).toMatch(/isfinite/);
      }
    }
  });

  it('reports a value no path can hold with its row and column, as the cursor path does', async () => {
    const e = await extract({ query: `SELECT * FROM (VALUES (1, 1.5::numeric(10,2)), (2, 'NaN'::numeric(10,2))) v(id, x)` }).catch((x) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).message).toMatch(/row 2 .*column "x".*NaN has no DECIMAL value/);
  });

  it('refuses an unconstrained numeric that would round, through the cursor path', async () => {
    const q = (v: string) => ({ query: `SELECT * FROM (VALUES (1, 1.5::numeric), (2, '${v}'::numeric)) v(id, x)` });
    for (const v of ['0.1234567890123456789', '123456789012345678901', 'NaN', 'Infinity']) {
      const e = await extract(q(v)).catch((x) => x);
      expect(e).toBeInstanceOf(FloeError);
      expect((e as FloeError).message).toMatch(/row 2 .*column "x"/);
    }
    const ok = await extract(q('-99999999999999999999.999999999999999999000'));
    expect(ok.path.path).toBe('copy');
    expect((await textRows(engine(), ok.out.relation, 'id'))[1]!.x).toBe('-99999999999999999999.999999999999999999');
  });

  it('reports an unwritable temp folder as an io error naming it, leaving no stray table', async () => {
    const before = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = `/nonexistent-floe-${runId}`;
    try {
      const e = await extract({ table: table('events') }).catch((x) => x);
      expect(e).toBeInstanceOf(FloeError);
      expect((e as FloeError).kind).toBe('io');
      expect((e as FloeError).message).toContain(`could not create a COPY spool folder in /nonexistent-floe-${runId}`);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const after = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    expect(after.length).toBe(before.length);
  });

  it('reports a failing query as the server error, without the password', async () => {
    const e = await extract({ query: `SELECT 1/0 AS x` }).catch((x) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).message).toMatch(/could not (read rows|run the query): division by zero \(SQLSTATE 22012\)/);
    expect((e as FloeError).message).not.toContain(new URL(db.url).password || '\0');
  });
});

describe('postgres COPY path: incremental', () => {
  const rows = async (relation: string) => (await textRows(engine(), relation, 'id')).map((r) => r.id);

  it('reads rows after a timestamptz watermark, exact to the microsecond', async () => {
    const { out, path } = await extract(
      { table: table('events'), incremental: { cursor: 'updated_at' } },
      {},
      { cursor: { column: 'updated_at', after: '2024-01-02 00:00:00+00' } },
    );
    expect(path.path).toBe('copy');
    expect(await rows(out.relation)).toEqual(['3', '4']);
  });

  it('quotes a text watermark holding a quote as a literal', async () => {
    const { out, path } = await extract({ table: table('events'), incremental: { cursor: 'k' } }, {}, { cursor: { column: 'k', after: "b'x" } });
    expect(path.path).toBe('copy');
    expect(await rows(out.relation)).toEqual(['3', '4']);
    const evil = await extract({ table: table('events'), incremental: { cursor: 'k' } }, {}, { cursor: { column: 'k', after: "z') OR ('1'='1" } });
    expect(await rows(evil.out.relation)).toEqual([]);
  });
});

describe('postgres COPY path: bounded memory and abort', () => {
  it('loads more rows than a tiny DuckDB memory limit holds, by spilling', async () => {
    const small = await openEngine({ memoryLimit: '32MB', spill: true, threads: 1 });
    try {
      const paths: PostgresPath[] = [];
      const source = postgresSource(config({ kind: 'postgres', connection: db.url, table: table('wide') }), { onPath: (p) => paths.push(p) });
      const out = await source.extract(context(small));
      expect(paths).toEqual([{ path: 'copy' }]);
      expect(out.rowsRead).toBe(300_000);
      // ~40 MB of text staged under a 32 MB limit: part of it lives in the spill folder.
      const spilled = await small.all(`SELECT sum(temporary_storage_bytes)::BIGINT AS b FROM duckdb_memory()`, 'memory');
      expect(Number(spilled[0]!.b)).toBeGreaterThan(0);
      const r = await small.all(`SELECT count(h)::BIGINT AS n, sum(amount)::VARCHAR AS s, sum(length(h))::BIGINT AS chars FROM ${out.relation}`, 'sum');
      const expected = await db.admin.query(`SELECT sum(amount)::text AS s FROM ${table('wide')}`);
      expect(r[0]).toEqual({ n: 300_000n, s: expected.rows[0].s, chars: 38_400_000n });
    } finally {
      small.close();
    }
  });

  it('stops a COPY when the signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const before = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    const timer = setTimeout(() => controller.abort(new Error('stopped by test')), 200);
    const source = postgresSource(config({ kind: 'postgres', connection: db.url, query: 'SELECT g, pg_sleep(0.5)::text AS s FROM generate_series(1, 600) g' }));
    await expect(source.extract(context(engine(), { signal: controller.signal }))).rejects.toThrow('stopped by test');
    clearTimeout(timer);
    const after = await engine().all(`SELECT table_name FROM duckdb_tables() WHERE temporary`, 'list');
    expect(after.length).toBe(before.length);
  });
});

describe('postgres COPY path: planning', () => {
  it('carries only types whose text DuckDB reads exactly', () => {
    const plan = (type: string, wire: string) => ({ plan: { name: 'x', sourceType: 's', type, wire } as never, decimal: type.startsWith('DECIMAL') ? ('exact' as const) : undefined });
    expect(copyColumnSql(plan('VARCHAR', 'VARCHAR'), 'c0')).toMatch(/^CASE WHEN contains\(c0, '\\'\) THEN .* ELSE c0 END$/);
    expect(copyColumnSql(plan('BIGINT', 'BIGINT'), 'c0')).toBe('CAST(c0 AS BIGINT)');
    expect(copyColumnSql(plan('DECIMAL(12, 2)', 'VARCHAR'), 'c0')).toBe('CAST(c0 AS DECIMAL(12, 2))');
    expect(copyColumnSql(plan('DECIMAL(30, 2)', 'VARCHAR'), 'c0')).toMatch(/length\(c0\) <= 18 THEN CAST\(CAST\(c0 AS DECIMAL\(18, 2\)\)/);
    expect(copyColumnSql({ ...plan('DECIMAL(38, 18)', 'VARCHAR'), decimal: 'checked' }, 'c0')).toMatch(/AS HUGEINT/);
    expect(copyColumnSql({ ...plan('DECIMAL(38, 18)', 'VARCHAR'), decimal: undefined }, 'c0')).toBeUndefined();
    expect(copyColumnSql(plan('TIME', 'TIME'), 'c0')).toBeUndefined();
    expect(copyColumnSql(plan('INTEGER[]', 'VARCHAR[]'), 'c0')).toBeUndefined();
    expect(copyColumnSql(plan('BLOB[]', 'BLOB[]'), 'c0')).toBeUndefined();
  });

  it('quotes watermarks and keeps a trailing comment inside the COPY', () => {
    expect(pgLiteral("it's")).toBe("'it''s'");
    expect(() => pgLiteral('a\0b')).toThrow(/NUL/);
    expect(copyStatement('SELECT 1 -- note')).toBe('COPY (\nSELECT 1 -- note\n) TO STDOUT');
  });
});
