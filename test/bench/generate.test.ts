/**
 * The bench CSV generator: deterministic by (rows, seed), valid CSV that DuckDB reads with
 * the intended types, and pinned, because cached inputs are keyed by GENERATOR_VERSION.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, GENERATOR_VERSION, writeCsv } from '../../bench/generate/csv.js';
import { createPrng } from '../../bench/generate/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-bench-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('createPrng', () => {
  it('is a pure function of the seed', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const c = createPrng(8);
    const xs = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.u32())).not.toEqual(xs);
  });

  it('keeps int() within its inclusive bounds and reaches both ends', () => {
    const r = createPrng(1);
    const seen = new Set(Array.from({ length: 2000 }, () => r.int(-2, 2)));
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2]);
  });
});

describe('writeCsv', () => {
  it('writes the same bytes for the same rows and seed, and other bytes for another seed', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(dir, `${n}.csv`));
    await writeCsv(a!, 3000, 42);
    await writeCsv(b!, 3000, 42);
    await writeCsv(c!, 3000, 43);
    expect(sha(a!)).toBe(sha(b!));
    expect(sha(a!)).not.toBe(sha(c!));
  });

  it('is pinned: a change to the output must bump GENERATOR_VERSION (cached files are keyed by it)', async () => {
    const p = join(dir, 'pinned.csv');
    await writeCsv(p, 1000, 1);
    expect(GENERATOR_VERSION).toBe(1);
    expect(sha(p)).toBe('1bd36ab5a4ab3c720a85ba6dbab721e4b49ca74af6d5ed6244d5d0ee9840a834');
  });

  it('reads back in DuckDB as 10 typed columns, every row, with nulls and quoted fields', async () => {
    const p = join(dir, 'typed.csv');
    const rows = 20_000;
    const { bytes } = await writeCsv(p, rows, 5);
    expect(bytes).toBe(readFileSync(p).length);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const lit = `'${p.replaceAll("'", "''")}'`;
      const types = (await conn.runAndReadAll(`DESCRIBE FROM read_csv(${lit})`)).getRowObjectsJson().map((r) => [r.column_name, r.column_type]);
      expect(types).toEqual([
        ['id', 'BIGINT'],
        ['customer_id', 'BIGINT'],
        ['quantity', 'BIGINT'],
        ['price', 'DOUBLE'],
        ['amount', 'DOUBLE'],
        ['created_at', 'TIMESTAMP'],
        ['birth_date', 'DATE'],
        ['country', 'VARCHAR'],
        ['comment', 'VARCHAR'],
        ['active', 'BOOLEAN'],
      ]);
      expect(types.map((t) => t[0])).toEqual([...CSV_COLUMNS]);
      const [stats] = (
        await conn.runAndReadAll(
          `SELECT count(*)::INT AS n, min(id)::INT AS lo, max(id)::INT AS hi, count(DISTINCT id)::INT AS ids,
                  (count(*) - count(quantity))::INT AS null_quantity, (count(*) - count(comment))::INT AS null_comment,
                  count(*) FILTER (WHERE comment LIKE '%,%')::INT AS commas, count(*) FILTER (WHERE comment LIKE '%"%')::INT AS quotes
           FROM read_csv(${lit})`,
        )
      ).getRowObjectsJson();
      expect(stats).toMatchObject({ n: rows, lo: 1, hi: rows, ids: rows });
      expect(stats!.null_quantity).toBeGreaterThan(0);
      expect(stats!.null_comment).toBeGreaterThan(0);
      expect(stats!.commas).toBeGreaterThan(0);
      expect(stats!.quotes).toBeGreaterThan(0);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
