import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../src/errors.js';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEFAULT_RUN_MEMORY_LIMIT, openEngine, runMemoryLimit } from '../../src/engine/duckdb.js';
import { one, useEngine } from './helpers.js';

describe('openEngine', () => {
  const engine = useEngine();

  it('turns extension autoinstall/autoload off and runs in UTC', async () => {
    const r = await one(
      engine(),
      `SELECT current_setting('autoinstall_known_extensions') AS ai, current_setting('autoload_known_extensions') AS al,
              current_setting('TimeZone') AS tz, TIMESTAMPTZ '2024-06-01 12:00:00+05'::VARCHAR AS text`,
    );
    expect(r).toEqual({ ai: false, al: false, tz: 'UTC', text: '2024-06-01 07:00:00+00' });
  });

  it('fails at once, as a FloeError, when an extension would be downloaded', async () => {
    const err = await engine().run(`SELECT * FROM read_parquet('s3://bucket/x.parquet')`, 'read from S3').catch((e) => e);
    expect(isFloeError(err)).toBe(true);
    expect(err.message).toMatch(/^DuckDB could not read from S3: /);
  });

  it('returns exact longs through typed readers', async () => {
    const r = await one(engine(), `SELECT 9007199254740993::BIGINT AS big, 1::INTEGER AS small, 'x' AS s`);
    expect(r).toEqual({ big: 9007199254740993n, small: 1, s: 'x' });
  });

  it('binds positional parameters', async () => {
    const rows = await engine().all(`SELECT CAST($1 AS INTEGER) + 1 AS n`, 'add', { params: ['41'] });
    expect(rows).toEqual([{ n: 42 }]);
  });

  it('wraps errors with the purpose, a kind, and without the SQL excerpt', async () => {
    const err = await engine()
      .all(`SELECT CAST('abc' AS INTEGER)`, 'cast the test value', { context: { table: 'ns.t' } })
      .catch((e) => e);
    expect(isFloeError(err, 'source')).toBe(true);
    expect(err.message).toMatch(/^DuckDB could not cast the test value: Conversion Error: /);
    expect(err.message).not.toMatch(/LINE 1/);
    expect(err.context).toMatchObject({ table: 'ns.t', purpose: 'cast the test value' });
    const io = await engine().all(`SELECT * FROM read_parquet('/nonexistent/x.parquet')`, 'read x').catch((e) => e);
    expect(isFloeError(io, 'io')).toBe(true);
    const kinded = await engine().run('SELEC 1', 'parse', { kind: 'config' }).catch((e) => e);
    expect(isFloeError(kinded, 'config')).toBe(true);
  });

  it('describes a query without running it', async () => {
    const cols = await engine().columns(`SELECT 1::BIGINT AS a, [1]::INT[] AS l, error('never run') AS e`, 'describe');
    expect(cols.map((c) => [c.name, c.type.toString()])).toEqual([
      ['a', 'BIGINT'],
      ['l', 'INTEGER[]'],
      ['e', 'INTEGER'], // an untyped NULL is reported as INTEGER
    ]);
  });

  it('honours threads, memory limit and insertion order, and refuses use after close', async () => {
    const e = await openEngine({ threads: 1, memoryLimit: '256MB', preserveInsertionOrder: false });
    const r = await one(
      e,
      `SELECT current_setting('threads') AS t, current_setting('memory_limit') AS m, current_setting('preserve_insertion_order') AS p`,
    );
    expect(r).toMatchObject({ t: 1n, p: false });
    expect(String(r.m)).toMatch(/MiB|MB/);
    expect(e.uniqueName('stage')).not.toBe(e.uniqueName('stage'));
    e.close();
    e.close();
    await expect(e.run('SELECT 1', 'run')).rejects.toThrow(/after close/);
  });

  it('spills beyond a small memory limit into a private temp folder that close() removes', async () => {
    const e = await openEngine({ memoryLimit: '64MB', spill: true, threads: 1 });
    let dir = '';
    try {
      const r = await one(e, `SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS d`);
      dir = String(r.d);
      expect(String(r.m)).toMatch(/^6[0-4](\.\d+)? MiB$/);
      expect(dir.startsWith(tmpdir())).toBe(true);
      expect(dir).toMatch(/floe-spill-/);
      // ~200 MB of rows in a temp table: more than the limit, so blocks go to the folder.
      await e.run(`CREATE TEMP TABLE big AS SELECT i, repeat(md5(CAST(i AS VARCHAR)), 4) AS s FROM range(1500000) r(i)`, 'fill');
      const used = await one(e, `SELECT sum(temporary_storage_bytes)::BIGINT AS spilled FROM duckdb_memory()`);
      expect(Number(used.spilled)).toBeGreaterThan(0);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
      expect(await one(e, `SELECT count(*)::BIGINT AS n, sum(length(s))::BIGINT AS chars FROM big`)).toEqual({ n: 1_500_000n, chars: 192_000_000n });
    } finally {
      e.close();
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('takes the run memory limit from FLOE_MEMORY_LIMIT, else the default', () => {
    expect(runMemoryLimit({})).toBe(DEFAULT_RUN_MEMORY_LIMIT);
    expect(runMemoryLimit({ FLOE_MEMORY_LIMIT: ' 2GB ' })).toBe('2GB');
    expect(runMemoryLimit({ FLOE_MEMORY_LIMIT: '' })).toBe(DEFAULT_RUN_MEMORY_LIMIT);
  });

  it('refuses a malformed memory limit as a config error', async () => {
    const err = await openEngine({ memoryLimit: 'lots' }).catch((x) => x);
    expect(isFloeError(err) && err.kind).toBe('config');
  });
});
