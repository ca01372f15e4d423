/**
 * "None" values of loyalty numbers and other ids never link records: an integer column's 0 or
 * -1 for "no card", zero in any spelling (the all-zero UUID under any kind name) and
 * punctuation-only values. A negative loyalty number has no key at all (its '-' used to be
 * dropped, so -1 matched card 1). Real numbers still link.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDS, REC, type ResolveInput, stageRecords } from '../../src/c360/identity/records.js';
import { registerIdentityFunctions } from '../../src/c360/identity/udf.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine({ threads: 1 });
  registerIdentityFunctions(engine.connection, {});
});
afterEach(() => engine.close());

/** The unblocked keys that two or more records share, as 'kind key: ids'. */
async function links(): Promise<string[]> {
  const rows = await engine.all(
    `SELECT i.kind, i.key, string_agg(r.source_id, ',' ORDER BY r.source_id) AS ids FROM ${IDS} i JOIN ${REC} r USING (rec) WHERE i.blocked IS NULL GROUP BY i.kind, i.key HAVING count(*) > 1 ORDER BY i.kind, i.key`,
    'links',
  );
  return rows.map((r) => `${String(r.kind)} ${String(r.key)}: ${String(r.ids)}`);
}

describe('identity keys: values that stand for none link nothing', () => {
  it('integer loyalty and member numbers 0 and -1, zero UUIDs, punctuation', async () => {
    await engine.run(
      `CREATE TABLE crm AS SELECT * FROM (VALUES
        (1, 0, 0, '00000000-0000-0000-0000-000000000000'),
        (2, 0, 0, '00000000-0000-0000-0000-000000000000'),
        (3, -1, -1, '***'),
        (4, -1, -1, '***'),
        (5, 104553, 77, 'AB-12'),
        (6, 104553, 77, 'ab-12'),
        (7, 1, 1, '0'),
        (8, NULL, NULL, '000')
      ) t(id, loyalty_number, member_no, ad_id)`,
      'test',
    );
    await engine.run(`CREATE TABLE shop AS SELECT * FROM (VALUES ('s1', 'L000'), ('s2', '-1'), ('s3', 'L00104553')) t(id, card)`, 'test');
    const input = (table: string, relation: string, identifiers: Record<string, string>): ResolveInput => ({ table, relation, sourceId: 'id', identifiers, attributes: {} });
    await stageRecords(engine, [
      input('raw.crm', 'crm', { loyalty_id: 'loyalty_number', member_no: 'member_no', advertising_id: 'ad_id' }),
      input('raw.shop', 'shop', { loyalty_id: 'card' }),
    ]);
    expect(await links()).toEqual(['advertising_id ab-12: 5,6', 'loyalty_id 104553: 5,6,s3', 'member_no 77: 5,6']);
    // Card -1 is not card 1: it has no key at all.
    const minus = await engine.all(`SELECT count(*)::INTEGER AS n FROM ${IDS} i JOIN ${REC} r USING (rec) WHERE i.kind = 'loyalty_id' AND r.source_id IN ('3', '4', 's2')`, 'count');
    expect(minus).toEqual([{ n: 0 }]);
    const blocked = await engine.all(`SELECT r.source_id, i.kind, i.blocked FROM ${IDS} i JOIN ${REC} r USING (rec) WHERE r.source_id IN ('1', 's1') ORDER BY 1, 2`, 'blocked');
    expect(blocked).toEqual([
      { source_id: '1', kind: 'advertising_id', blocked: 'placeholder' },
      { source_id: '1', kind: 'loyalty_id', blocked: 'placeholder' },
      { source_id: '1', kind: 'member_no', blocked: 'placeholder' },
      { source_id: 's1', kind: 'loyalty_id', blocked: 'repeated-digits' },
    ]);
  });
});
