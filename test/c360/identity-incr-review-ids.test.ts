/**
 * Stable ids across runs when a customer splits into equal parts. Two customers joined for one
 * run (a record that linked them, then deleted or corrected) used to come apart with the id
 * the merge kept going to the part with the smaller record, whoever it came from: Bob's id
 * went to Ann, and Bob got a new one, so both ids changed. A tie between equal parts now goes
 * to the part holding the record the id was derived from; the other part's fresh id is then
 * its old one again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changesSql, RECORD_CUSTOMER } from '../../src/c360/identity/assign.js';
import type { ResolveInput } from '../../src/c360/identity/records.js';
import { resolveIdentities } from '../../src/c360/identity/resolve.js';
import { assignKeptIds, freshCustomerId } from '../../src/c360/identity/stable-ids.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine({ threads: 1 });
});
afterEach(() => engine.close());

const crm: ResolveInput = { table: 'raw.crm', relation: 'crm', sourceId: 'id', identifiers: { email: 'email', phone: 'phone' }, attributes: {} };

/** One run over `rows` against the map the previous call left in `map`; returns id per source id. */
async function run(rows: string, first = false): Promise<Record<string, string>> {
  await engine.run(`CREATE OR REPLACE TABLE crm AS SELECT * FROM (VALUES ${rows}) t(id, email, phone)`, 'test');
  await resolveIdentities(engine, { inputs: [crm], blockValues: {}, maxPerProfile: {}, survivorship: { default: 'most_recent', attributes: {} }, ...(first ? {} : { previousMap: 'map' }) });
  await engine.run(`CREATE OR REPLACE TEMP TABLE changes AS ${changesSql()}`, 'test');
  await engine.run(`CREATE OR REPLACE TABLE map AS SELECT source_table, source_id, customer_id FROM ${RECORD_CUSTOMER}`, 'test');
  const out: Record<string, string> = {};
  for (const r of await engine.all('SELECT source_id, customer_id FROM map', 'test')) out[String(r.source_id)] = String(r.customer_id);
  return out;
}

const changes = async () => (await engine.all('SELECT change, customer_id, previous_customer_id, records::INTEGER AS records FROM changes ORDER BY ALL', 'test')).map((r) => ({ ...r }));

describe('identity ids after a merge is undone', () => {
  it('each of two one-record customers gets its own id back, whichever id the merge kept', async () => {
    const ann = freshCustomerId('raw.crm', '1');
    const bob = freshCustomerId('raw.crm', '2');
    // The merge keeps the smaller id; here that is Bob's, held by the larger record.
    expect(bob < ann).toBe(true);
    expect(await run(`('1', 'ann@x.com', NULL), ('2', 'bob@x.com', '4155552671')`, true)).toEqual({ 1: ann, 2: bob });
    expect(await run(`('1', 'ann@x.com', NULL), ('2', 'bob@x.com', '4155552671'), ('3', 'ann@x.com', '4155552671')`)).toEqual({ 1: bob, 2: bob, 3: bob });
    expect(await changes()).toEqual([{ change: 'merge', customer_id: bob, previous_customer_id: ann, records: 1 }]);
    // Record 3 is deleted at the source: the two parts are equal (one record each).
    expect(await run(`('1', 'ann@x.com', NULL), ('2', 'bob@x.com', '4155552671')`)).toEqual({ 1: ann, 2: bob });
    expect(await changes()).toEqual([{ change: 'split', customer_id: ann, previous_customer_id: bob, records: 1 }]);
  });

  it('the same with customers of two records each, the kept id held by the part of the larger records', async () => {
    // ids 3 and 4 are Ann's, 1 and 2 Bob's: Ann's records sort after Bob's.
    const bob = freshCustomerId('raw.crm', '1');
    const ann = freshCustomerId('raw.crm', '3');
    const base = `('1', 'bob@x.com', NULL), ('2', 'bob@x.com', '4155552671'), ('3', 'ann@x.com', NULL), ('4', 'ann@x.com', '4155550199')`;
    const first = await run(base, true);
    expect(first).toEqual({ 1: bob, 2: bob, 3: ann, 4: ann });
    const merged = await run(`${base}, ('5', 'ann@x.com', '4155552671')`);
    // The merge keeps the smaller id, Ann's, whose records sort after Bob's.
    expect(ann < bob).toBe(true);
    expect(merged).toEqual({ 1: ann, 2: ann, 3: ann, 4: ann, 5: ann });
    expect(await run(base)).toEqual(first);
  });

  it('assignKeptIds settles a tie of equal parts for the part holding the id\'s origin', () => {
    const o = (component: number, holdsOrigin: boolean) => ({ component, previous: 0, overlap: 2, previousSize: 4, previousId: 'c_x', holdsOrigin });
    expect(Array.from(assignKeptIds([o(0, false), o(1, true)], 2, 1))).toEqual([-1, 0]);
    expect(Array.from(assignKeptIds([o(0, true), o(1, false)], 2, 1))).toEqual([0, -1]);
    // A larger part still keeps the id without its origin.
    expect(Array.from(assignKeptIds([{ ...o(0, false), overlap: 3 }, o(1, true)], 2, 1))).toEqual([0, -1]);
  });
});
