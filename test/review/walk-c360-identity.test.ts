/**
 * The identity resolver at its edges: stable ids when previous customers merge and split in
 * the same run, a fresh id that collides with a kept one, survivorship ties, blocked values.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_CUSTOMER } from '../../src/c360/identity/assign.js';
import type { ResolveInput } from '../../src/c360/identity/records.js';
import { resolveIdentities, type ResolveOptions } from '../../src/c360/identity/resolve.js';
import { freshCustomerId } from '../../src/c360/identity/stable-ids.js';
import { PROFILES } from '../../src/c360/identity/survive.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine({ threads: 1 });
});
afterEach(() => engine.close());

const crm = (identifiers: Record<string, string> = { email: 'email', phone: 'phone' }): ResolveInput => ({
  table: 'crm.contacts',
  relation: 'crm',
  sourceId: 'id',
  identifiers,
  attributes: { name: 'name' },
  updatedAt: 'updated_at',
});
const options = (inputs: ResolveInput[], over: Partial<ResolveOptions> = {}): ResolveOptions => ({
  inputs,
  blockValues: {},
  maxPerProfile: {},
  survivorship: { default: 'most_recent', attributes: {} },
  ...over,
});
const ids = async () =>
  Object.fromEntries((await engine.all(`SELECT source_id, customer_id FROM ${RECORD_CUSTOMER}`, 'read')).map((r) => [String(r.source_id), String(r.customer_id)]));

async function table(rows: [number | string, string | null, string | null, string | null, string | null][]): Promise<void> {
  const values = rows.map((r) => `(${r.map((v) => (v === null ? 'NULL' : `'${String(v)}'`)).join(', ')})`).join(', ');
  await engine.run(`CREATE OR REPLACE TABLE crm AS SELECT id::VARCHAR AS id, email, phone, name, updated_at::TIMESTAMPTZ AS updated_at FROM (VALUES ${values}) t(id, email, phone, name, updated_at)`, 'test');
}
async function previous(rows: [string, string][]): Promise<void> {
  await engine.run(`CREATE OR REPLACE TABLE prev AS SELECT 'crm.contacts' AS source_table, * FROM (VALUES ${rows.map(([s, c]) => `('${s}', '${c}')`).join(', ')}) t(source_id, customer_id)`, 'test');
}

describe('stable ids', () => {
  it('gives a fresh id with a counter when the hashed id is a previous id kept by another part', async () => {
    const taken = freshCustomerId('crm.contacts', '1');
    await table([
      ['1', 'a@x.io', null, 'A', '2026-01-01'],
      ['2', 'b@x.io', '+14155552671', 'B', '2026-01-01'],
      ['3', 'c@x.io', '+14155552671', 'C', '2026-01-01'],
    ]);
    await previous([['1', taken], ['2', taken], ['3', taken]]);
    await resolveIdentities(engine, options([crm()], { previousMap: 'prev' }));
    const m = await ids();
    expect(m['2']).toBe(taken);
    expect(m['3']).toBe(taken);
    expect(m['1']).toBe(freshCustomerId('crm.contacts', '1', 1));
  });

  it('keeps both ids when one previous customer splits and its smaller part merges into another', async () => {
    await table([
      ['1', 'a@x.io', '+14155552671', 'A', '2026-01-01'],
      ['2', 'a@x.io', null, 'A', '2026-01-01'],
      ['3', 'b@x.io', null, 'B', '2026-01-01'],
      ['4', 'b@x.io', '+14155550199', 'B', '2026-01-01'],
    ]);
    // Before: X = {1, 2, 4} (joined by something now gone), Y = {3}. Now: {1, 2} and {3, 4}.
    await previous([['1', 'X'], ['2', 'X'], ['4', 'X'], ['3', 'Y']]);
    await resolveIdentities(engine, options([crm()], { previousMap: 'prev' }));
    const m = await ids();
    expect([m['1'], m['2']]).toEqual(['X', 'X']);
    expect([m['3'], m['4']]).toEqual(['Y', 'Y']);
  });
});

describe('survivorship ties', () => {
  it('most_recent with equal updated_at: the smaller source_id', async () => {
    await table([
      ['1', 'a@x.io', null, 'Zed', '2026-01-01'],
      ['2', 'a@x.io', null, 'Amy', '2026-01-01'],
    ]);
    await resolveIdentities(engine, options([crm()]));
    const [p] = await engine.all(`SELECT name FROM ${PROFILES}`, 'read');
    expect(p!.name).toBe('Zed');
  });

  it('most_frequent: a value carried by more records wins over a more recent one', async () => {
    await table([
      ['1', 'a@x.io', null, 'Ann', '2026-01-01'],
      ['2', 'a@x.io', null, 'Ann', '2026-01-02'],
      ['3', 'a@x.io', null, 'Anne', '2026-06-01'],
    ]);
    await resolveIdentities(engine, options([crm()], { survivorship: { default: 'most_recent', attributes: { name: { strategy: 'most_frequent' } } } }));
    const [p] = await engine.all(`SELECT name FROM ${PROFILES}`, 'read');
    expect(p!.name).toBe('Ann');
  });
});
