/**
 * The per-input row counts of identity resolution (rows, rows without a source id, rows that
 * repeat one) come from the staging scan itself: the same numbers a separate count gives,
 * with NULL, blank and repeated ids, an input without rows, and a struct-field source id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REC, type ResolveInput, stageRecords } from '../../../src/c360/identity/records.js';
import { registerIdentityFunctions } from '../../../src/c360/identity/udf.js';
import { type Engine, openEngine } from '../../../src/engine/duckdb.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine({ threads: 2 });
  registerIdentityFunctions(engine.connection, {});
});
afterEach(() => engine.close());

const input = (table: string, relation: string, sourceId: string, over: Partial<ResolveInput> = {}): ResolveInput => ({
  table,
  relation,
  sourceId,
  identifiers: { email: 'email' },
  attributes: { name: 'name' },
  ...over,
});

describe('stageRecords counts each input in its one scan', () => {
  it('rows, rows without an id (NULL, empty, blank) and repeated ids, per input', async () => {
    await engine.run(
      `CREATE TABLE crm AS SELECT * FROM (VALUES
        ('1', 'a@x.com', 'A', TIMESTAMPTZ '2024-01-01 00:00:00Z'),
        ('1', 'a2@x.com', 'A2', TIMESTAMPTZ '2025-01-01 00:00:00Z'),
        ('1', 'a3@x.com', 'A3', NULL),
        ('2', 'b@x.com', 'B', NULL),
        (NULL, 'n@x.com', 'N', NULL),
        ('', 'e@x.com', 'E', NULL),
        ('  ', 's@x.com', 'S', NULL),
        ('3', NULL, 'C', NULL),
        ('3', NULL, 'C', NULL)
      ) t(id, email, name, updated_at)`,
      'test',
    );
    await engine.run(`CREATE TABLE empty_input (id INTEGER, email VARCHAR, name VARCHAR)`, 'test');
    await engine.run(`CREATE TABLE nested AS SELECT {'id': i % 4} AS who, 'p' || i || '@x.com' AS email, 'n' AS name FROM range(10) t(i)`, 'test');
    const r = await stageRecords(engine, [
      input('crm.contacts', 'crm', 'id', { updatedAt: 'updated_at' }),
      input('empty.t', 'empty_input', 'id'),
      input('nested.t', 'nested', 'who.id'),
    ]);
    expect(r.inputRows).toEqual([
      { table: 'crm.contacts', rows: 9, withoutId: 3, duplicateIds: 3 },
      { table: 'empty.t', rows: 0, withoutId: 0, duplicateIds: 0 },
      { table: 'nested.t', rows: 10, withoutId: 0, duplicateIds: 6 },
    ]);
    // The records are unchanged: one per id, the latest version, numbered in (table, id) order.
    expect(await engine.all(`SELECT rec, source_table, source_id, a0 FROM ${REC} ORDER BY rec`, 'read')).toEqual([
      { rec: 0, source_table: 'crm.contacts', source_id: '1', a0: 'A2' },
      { rec: 1, source_table: 'crm.contacts', source_id: '2', a0: 'B' },
      { rec: 2, source_table: 'crm.contacts', source_id: '3', a0: 'C' },
      { rec: 3, source_table: 'nested.t', source_id: '0', a0: 'n' },
      { rec: 4, source_table: 'nested.t', source_id: '1', a0: 'n' },
      { rec: 5, source_table: 'nested.t', source_id: '2', a0: 'n' },
      { rec: 6, source_table: 'nested.t', source_id: '3', a0: 'n' },
    ]);
    expect((await engine.columns(`SELECT * FROM ${REC}`, 'read')).map((c) => c.name)).toEqual(['rec', 'input', 'source_table', 'source_id', 'updated_at', 'phone_region', 'a0', 'i0']);
  });

  it('matches a separate count on a larger input', async () => {
    // 20 000 rows: every 13th without an id, ids repeating with a period of 7 919.
    await engine.run(
      `CREATE TABLE big AS SELECT CASE WHEN i % 13 = 0 THEN NULL WHEN i % 13 = 1 THEN ' ' ELSE CAST(i % 7919 AS VARCHAR) END AS id, 'u' || (i % 500) || '@x.com' AS email, 'n' || i AS name FROM range(20000) t(i)`,
      'test',
    );
    const expected = (await engine.all(
      `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE id IS NULL OR trim(id) = '')::BIGINT AS w, count(DISTINCT CASE WHEN trim(id) <> '' THEN id END)::BIGINT AS d FROM big`,
      'count',
    ))[0]!;
    const r = await stageRecords(engine, [input('big.t', 'big', 'id')]);
    const rows = Number(expected.n);
    const withoutId = Number(expected.w);
    expect(r.inputRows).toEqual([{ table: 'big.t', rows, withoutId, duplicateIds: rows - withoutId - Number(expected.d) }]);
    expect(r.inputRows[0]!.duplicateIds).toBeGreaterThan(0);
    expect(await engine.all(`SELECT count(*)::INTEGER AS n FROM ${REC}`, 'read')).toEqual([{ n: Number(expected.d) }]);
  });
});
