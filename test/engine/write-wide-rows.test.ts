/**
 * Rows of several megabytes under floe's default engine memory (512MB): DuckDB sizes Parquet
 * row groups by rows only, so one COPY of 40 rows of 5 MB ran out of memory (kind internal).
 * The writer now writes such rows in slices; rows that still do not fit are an io error that
 * names the table and FLOE_MEMORY_LIMIT.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_MEMORY_LIMIT, openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { writeDataFiles } from '../../src/engine/write-parquet.js';
import { isFloeError } from '../../src/errors.js';
import type { Schema } from '../../src/iceberg/types.js';
import { useTmp } from './helpers.js';

const SCHEMA: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'body', required: false, type: 'string' },
  ],
};

/** `rows` rows whose body is `mb` MB of text, different per row. */
const wide = (rows: number, mb: number) =>
  `SELECT i AS id, repeat(md5(i::VARCHAR), ${mb * 32768}) AS body FROM range(${rows}) t(i)`;

describe('writeDataFiles with wide rows', () => {
  const tmp = useTmp();

  it('writes 40 rows of 5 MB under the default memory limit, every value back as written', async () => {
    const engine = await openEngine({ threads: 2, memoryLimit: DEFAULT_RUN_MEMORY_LIMIT, spill: true });
    try {
      const dir = await tmp();
      const files = await writeDataFiles({
        engine, selectSql: wide(40, 5), schema: SCHEMA, targetFileSizeBytes: 512 * 1024 * 1024,
        outputDir: dir, fileNamePrefix: 'w', table: 'db.wide',
      });
      expect(files.length).toBeGreaterThan(0);
      expect(files.reduce((n, f) => n + f.dataFile.record_count, 0n)).toBe(40n);
      const list = `[${files.map((f) => quoteLiteral(f.localPath)).join(', ')}]`;
      const got = await engine.all(`SELECT id, strlen(body) AS n, md5(body) AS h FROM read_parquet(${list}) ORDER BY id`, 'read back');
      const want = await engine.all(`SELECT id, strlen(body) AS n, md5(body) AS h FROM (${wide(40, 5)}) ORDER BY id`, 'expected');
      expect(got.length).toBe(40);
      expect(got).toEqual(want);
      // Each file's metrics still count its own rows.
      for (const f of files) {
        const [c] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(f.localPath)})`, 'count');
        expect(BigInt(c!.n as bigint)).toBe(f.dataFile.record_count);
        expect(f.dataFile.value_counts?.get(2)).toBe(f.dataFile.record_count);
      }
    } finally {
      engine.close();
    }
  }, 120_000);

  // The wide rows come first, in one vector with narrow ones, so one COPY runs out of memory.
  it('wide rows followed by many narrow ones: slices by bytes, not by the widest row', async () => {
    const engine = await openEngine({ threads: 2, memoryLimit: DEFAULT_RUN_MEMORY_LIMIT, spill: true });
    const mixed = `SELECT i AS id, CASE WHEN i < 40 THEN repeat(md5(i::VARCHAR), 163840) ELSE md5(i::VARCHAR) END AS body FROM range(5000) t(i)`;
    try {
      const dir = await tmp();
      const files = await writeDataFiles({
        engine, selectSql: mixed, schema: SCHEMA, targetFileSizeBytes: 512 * 1024 * 1024, outputDir: dir, fileNamePrefix: 'w', table: 'db.mixed',
      });
      // 200 MB of text in slices of about 32 MB: a handful of files, not one per 6 rows.
      expect(files.length).toBeLessThanOrEqual(10);
      const list = `[${files.map((f) => quoteLiteral(f.localPath)).join(', ')}]`;
      const sum = (from: string) => `SELECT count(*) AS n, sum(strlen(body)) AS b, bit_xor(hash(id, md5(body))) AS h FROM ${from}`;
      expect(await engine.all(sum(`read_parquet(${list})`), 'read back')).toEqual(await engine.all(sum(`(${mixed})`), 'expected'));
    } finally {
      engine.close();
    }
  }, 120_000);

  it('rows too wide for the memory limit are an io error naming the table and FLOE_MEMORY_LIMIT', async () => {
    const engine = await openEngine({ threads: 2, memoryLimit: '48MB', spill: true });
    try {
      const dir = await tmp();
      const err = await writeDataFiles({
        engine, selectSql: wide(4, 40), schema: SCHEMA, targetFileSizeBytes: 512 * 1024 * 1024,
        outputDir: dir, fileNamePrefix: 'w', table: 'db.wide',
      }).then(() => undefined, (e: unknown) => e);
      expect(isFloeError(err, 'io'), String(err)).toBe(true);
      if (!isFloeError(err)) return;
      expect(err.message).toMatch(/not enough memory to write the Parquet data files for db\.wide/);
      expect(err.hint).toMatch(/FLOE_MEMORY_LIMIT/);
    } finally {
      engine.close();
    }
  }, 120_000);

  // A known limit: a partitioned write stages every row first and does not slice; it fails, but as the same io error.
  it('a partitioned write of such rows that does not fit is the same io error, not an internal one', async () => {
    const engine = await openEngine({ threads: 2, memoryLimit: DEFAULT_RUN_MEMORY_LIMIT, spill: true });
    try {
      const dir = await tmp();
      const err = await writeDataFiles({
        engine, selectSql: wide(40, 5), schema: SCHEMA, partition: [{ name: 'k', sql: 'id % 2', type: 'long' }],
        targetFileSizeBytes: 512 * 1024 * 1024, outputDir: dir, fileNamePrefix: 'w', table: 'db.wide',
      }).then(() => undefined, (e: unknown) => e);
      expect(isFloeError(err, 'io'), String(err)).toBe(true);
      if (!isFloeError(err)) return;
      expect(err.message).toMatch(/not enough memory to write the Parquet data files for db\.wide: Out of Memory/);
      expect(err.hint).toMatch(/FLOE_MEMORY_LIMIT/);
    } finally {
      engine.close();
    }
  }, 120_000);
});
