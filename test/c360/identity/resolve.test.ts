/** The resolver over small in-memory tables in DuckDB: matching, blocking, guard, ids, survivorship. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changesSql, RECORD_CUSTOMER } from '../../../src/c360/identity/assign.js';
import type { ResolveInput } from '../../../src/c360/identity/records.js';
import { resolveIdentities, type ResolveOptions } from '../../../src/c360/identity/resolve.js';
import { freshCustomerId } from '../../../src/c360/identity/stable-ids.js';
import { PROFILES } from '../../../src/c360/identity/survive.js';
import { type Engine, openEngine } from '../../../src/engine/duckdb.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine({ threads: 1 });
  await engine.run(`CREATE TABLE crm AS SELECT * FROM (VALUES
    (1, 'Ann.Lee@gmail.com', '+14155552671', 'Ann', 'US', TIMESTAMPTZ '2024-01-01 00:00:00Z'),
    (2, 'annlee+shop@gmail.com', NULL, 'Anne', 'US', TIMESTAMPTZ '2025-01-01 00:00:00Z'),
    (3, 'bob@work.com', '+14155550000', 'Bob', 'CA', TIMESTAMPTZ '2024-06-01 00:00:00Z'),
    (4, 'test@example.com', NULL, 'Test', NULL, TIMESTAMPTZ '2024-06-01 00:00:00Z'),
    (5, 'test@example.com', NULL, 'Tester', NULL, TIMESTAMPTZ '2024-06-01 00:00:00Z'),
    (6, 'n/a', '0000000000', 'Cy', 'GB', NULL)
  ) t(contact_id, email, phone, first_name, country, updated_at)`, 'test');
  await engine.run(`CREATE TABLE billing AS SELECT * FROM (VALUES
    ('A1', 'bob@home.com', '(415) 555-0000', 'CA', TIMESTAMPTZ '2026-01-01 00:00:00Z'),
    ('A2', 'ann.lee@gmail.com', NULL, 'GB', NULL),
    ('A3', 'cy@x.org', '0000000000', 'GB', NULL)
  ) t(account_id, billing_email, phone, country, updated_at)`, 'test');
});
afterEach(() => engine.close());

const inputs: ResolveInput[] = [
  { table: 'crm.contacts', relation: 'crm', sourceId: 'contact_id', identifiers: { email: 'email', phone: 'phone' }, attributes: { first_name: 'first_name', country: 'country' }, updatedAt: 'updated_at' },
  { table: 'billing.accounts', relation: 'billing', sourceId: 'account_id', identifiers: { email: 'billing_email', phone: 'phone' }, attributes: { country: 'country' }, updatedAt: 'updated_at' },
];
const options = (over: Partial<ResolveOptions> = {}): ResolveOptions => ({ inputs, blockValues: {}, maxPerProfile: {}, survivorship: { default: 'most_recent', attributes: {} }, ...over });

async function groups(): Promise<string[][]> {
  const rows = await engine.all(`SELECT string_agg(source_table || ':' || source_id, ' ' ORDER BY source_table, source_id) AS g FROM ${RECORD_CUSTOMER} GROUP BY customer_id ORDER BY g`, 'read');
  return rows.map((r) => String(r.g).split(' '));
}

describe('resolveIdentities', () => {
  it('links records through shared keys of one kind, and blocked or garbage values link nothing', async () => {
    const r = await resolveIdentities(engine, options());
    expect(await groups()).toEqual([
      ['billing.accounts:A1', 'crm.contacts:3'], // phone (415) 555-0000 = +14155550000
      ['billing.accounts:A2', 'crm.contacts:1', 'crm.contacts:2'], // Gmail dots and +tag
      ['billing.accounts:A3'],
      ['crm.contacts:4'], // test@example.com is blocked
      ['crm.contacts:5'],
      ['crm.contacts:6'], // 'n/a' and 0000000000 are garbage
    ]);
    expect(r).toMatchObject({ records: 9, components: 6, kept: 0, fresh: 6 });
    expect(r.blocked['reserved-domain']).toBe(2);
  });

  it("reads each record's national phone numbers in its phone_region, and in US without one", async () => {
    await engine.run(`CREATE TABLE tickets AS SELECT * FROM (VALUES ('T1', '020 8384 5999', 'en-GB'), ('T2', '(415) 555-0000', NULL), ('T3', '020 8384 5999', NULL)) t(ticket_id, phone, locale)`, 'test');
    await engine.run(`UPDATE billing SET phone = '+44 20 8384 5999' WHERE account_id = 'A3'`, 'test');
    const tickets: ResolveInput = { table: 'support.tickets', relation: 'tickets', sourceId: 'ticket_id', identifiers: { phone: 'phone' }, attributes: {}, phoneRegion: 'locale' };
    await resolveIdentities(engine, options({ inputs: [...inputs, tickets] }));
    const g = await groups();
    expect(g).toContainEqual(['billing.accounts:A3', 'support.tickets:T1']); // +442083845999
    expect(g).toContainEqual(['billing.accounts:A1', 'crm.contacts:3', 'support.tickets:T2']);
    expect(g).toContainEqual(['support.tickets:T3']); // no region: not a US number, links nothing
    const [ids] = await engine.all(`SELECT count(*) FILTER (WHERE kind = 'phone' AND value = '+442083845999') AS gb FROM __id_ids`, 'read');
    expect(Number(ids!.gb)).toBe(2);
  });

  it("honours the pipeline's block_values", async () => {
    await resolveIdentities(engine, options({ blockValues: { phone: ['+14155550000'] } }));
    expect((await groups()).some((g) => g.includes('crm.contacts:3') && g.includes('billing.accounts:A1'))).toBe(false);
  });

  it('cuts the weakest link of a customer over max_per_profile and reports it', async () => {
    const r = await resolveIdentities(engine, options({ maxPerProfile: { email: 1 } }));
    expect(r.cuts).toMatchObject([{ kind: 'phone', key: '+14155550000', overKind: 'email', had: 2, limit: 1, bridged: 2 }]);
    expect(await groups()).toContainEqual(['crm.contacts:3']);
    expect(await groups()).toContainEqual(['billing.accounts:A1']);
    // Ann's three records share one email key: one distinct value, nothing to cut.
    expect(await groups()).toContainEqual(['billing.accounts:A2', 'crm.contacts:1', 'crm.contacts:2']);
  });

  it('survives attributes by rule with nulls ignored', async () => {
    await resolveIdentities(engine, options({
      survivorship: { default: 'most_recent', attributes: { country: { strategy: 'source_priority', source_priority: ['billing.accounts'] }, first_name: { strategy: 'most_frequent' } } },
    }));
    const ann = (await engine.all(`SELECT * FROM ${PROFILES} WHERE email = 'annlee+shop@gmail.com' OR email = 'ann.lee@gmail.com'`, 'read'))[0]!;
    // most_recent email: crm 2 (2025) beats crm 1 (2024) and A2 (no updated_at).
    expect(ann).toMatchObject({ email: 'annlee+shop@gmail.com', phone: '+14155552671', country: 'GB', source_records: 3n });
    // most_frequent first_name: Ann and Anne once each; the most recently seen wins.
    expect(ann.first_name).toBe('Anne');
    const cy = (await engine.all(`SELECT * FROM ${PROFILES} WHERE first_name = 'Cy'`, 'read'))[0]!;
    expect(cy).toMatchObject({ email: null, phone: null, country: 'GB' });
  });

  it('derives fresh ids from the smallest member, as freshCustomerId does', async () => {
    await resolveIdentities(engine, options());
    const rows = await engine.all(`SELECT customer_id FROM ${RECORD_CUSTOMER} WHERE source_table = 'billing.accounts' AND source_id = 'A2'`, 'read');
    expect(rows[0]!.customer_id).toBe(freshCustomerId('billing.accounts', 'A2'));
  });

  it('keeps ids across runs and records merges and splits', async () => {
    await engine.run(`CREATE TABLE prev AS SELECT * FROM (VALUES
      ('crm.contacts', '1', 'ANN'), ('crm.contacts', '2', 'ANN2'), ('billing.accounts', 'A2', 'ANN'),
      ('crm.contacts', '3', 'BOB'), ('billing.accounts', 'A1', 'BOB'), ('crm.contacts', '4', 'TEST'), ('crm.contacts', '5', 'TEST')
    ) t(source_table, source_id, customer_id)`, 'test');
    const r = await resolveIdentities(engine, options({ previousMap: 'prev' }));
    const ids = await engine.all(`SELECT source_id, customer_id FROM ${RECORD_CUSTOMER} ORDER BY source_table, source_id`, 'read');
    const of = (id: string) => ids.find((x) => x.source_id === id)!.customer_id;
    expect([of('1'), of('2'), of('A2')]).toEqual(['ANN', 'ANN', 'ANN']); // merged ANN2 into the larger ANN
    expect([of('3'), of('A1')]).toEqual(['BOB', 'BOB']);
    expect(of('4')).toBe('TEST'); // TEST split: crm 4 is the smaller member of equal halves
    expect(of('5')).toBe(freshCustomerId('crm.contacts', '5'));
    expect(r.kept).toBe(3);
    const changes = await engine.all(`SELECT change, customer_id, previous_customer_id, records FROM (${changesSql()}) ORDER BY change`, 'read');
    expect(changes).toEqual([
      { change: 'merge', customer_id: 'ANN', previous_customer_id: 'ANN2', records: 1n },
      { change: 'split', customer_id: freshCustomerId('crm.contacts', '5'), previous_customer_id: 'TEST', records: 1n },
    ]);
  });
});
