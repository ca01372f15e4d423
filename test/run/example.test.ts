/**
 * The repository's own Customer 360 example project (floe.yaml, pipelines/ and
 * examples/c360/data copied as they are into a temp folder), run twice with `floe run --all`.
 * Expected counts come from examples/c360/README.md.
 */
import { cp, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, ROOT, type RunResult, show, useProjects } from './helpers.js';
import path from 'node:path';

beforeAll(assertBuilt);
const newProject = useProjects();

const PIPELINES = ['account_revenue', 'billing_accounts', 'billing_invoices', 'billing_payments', 'billing_refunds', 'crm_contacts', 'customer_identity', 'customer_metrics', 'support_tickets', 'web_events'];

describe('the Customer 360 example project', () => {
  let p: Project;
  let first: RunResult;
  let countsAfterFirst: Record<string, unknown>;

  const counts = async () =>
    (
      await p.query(
        `SELECT (SELECT count(*) FROM crm.contacts) AS contacts, (SELECT count(*) FROM billing.accounts) AS accounts,
                (SELECT count(*) FROM billing.invoices) AS invoices, (SELECT count(*) FROM billing.payments) AS payments,
                (SELECT count(*) FROM billing.refunds) AS refunds, (SELECT count(*) FROM support.tickets) AS tickets,
                (SELECT count(*) FROM web.events) AS events, (SELECT count(*) FROM c360.account_revenue) AS revenue`,
      )
    )[0]!;

  beforeAll(async () => {
    p = await newProject();
    await cp(path.join(ROOT, 'floe.yaml'), p.path('floe.yaml'));
    await cp(path.join(ROOT, 'pipelines'), p.path('pipelines'), { recursive: true });
    await cp(path.join(ROOT, 'examples/c360/data'), p.path('examples/c360/data'), { recursive: true });
    first = await p.floe(['run', '--all', '--json']);
    countsAfterFirst = await counts();
  });

  it('every pipeline succeeds, the sqlite CRM source included; exit 0', () => {
    expect(first.code, show(first)).toBe(0);
    const evs = events(first.stdout);
    expect(evs.filter((e) => e.event === 'commit').map((e) => e.pipeline).sort()).toEqual(PIPELINES);
    expect(evs.filter((e) => e.event === 'error')).toEqual([]);
    expect(evs.at(-1)).toMatchObject({ event: 'end', status: 'ok', pipelines: PIPELINES.length, failed: 0 });
  });

  it('the revenue metric runs after the billing tables it reads', () => {
    const evs = events(first.stdout);
    const at = (type: string, pipeline: string) => evs.findIndex((e) => e.event === type && e.pipeline === pipeline);
    for (const upstream of ['billing_accounts', 'billing_payments', 'billing_refunds']) {
      expect(at('start', 'account_revenue')).toBeGreaterThan(at('commit', upstream));
    }
  });

  it('loads the documented numbers of records, each key once', async () => {
    expect(countsAfterFirst).toMatchObject({ contacts: 1960, accounts: 1598, payments: 7128, refunds: 356, events: 7852, revenue: 1598 });
    const keys = (
      await p.query(
        `SELECT (SELECT count(DISTINCT contact_id) FROM crm.contacts) AS contacts, (SELECT count(DISTINCT account_id) FROM billing.accounts) AS accounts,
                (SELECT count(DISTINCT invoice_id) FROM billing.invoices) AS invoices, (SELECT count(DISTINCT payment_id) FROM billing.payments) AS payments,
                (SELECT count(DISTINCT event_id) FROM web.events) AS events`,
      )
    )[0]!;
    expect(keys).toEqual({
      contacts: countsAfterFirst.contacts,
      accounts: countsAfterFirst.accounts,
      invoices: countsAfterFirst.invoices,
      payments: countsAfterFirst.payments,
      events: countsAfterFirst.events,
    });
  });

  it('quarantines the 3 account rows with an extra field', async () => {
    const rows = await p.query(`SELECT reason, line FROM billing.accounts__rejects WHERE NOT kept ORDER BY line`);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(String(r.reason)).toMatch(/^TOO MANY COLUMNS/);
  });

  it('records the account rows written with a value a normaliser nulled or adjusted, kept', async () => {
    const rows = await p.query(`SELECT reason, raw FROM billing.accounts__rejects WHERE kept`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(String(r.reason)).toMatch(/^column (billing_email|phone|country): (invalid-email|invalid-phone|missing-country-code|unknown-country|extension-dropped) /);
    // Each such row is in the table, by its id.
    const ids = rows.map((r) => JSON.parse(String(r.raw)).account_id);
    const inTable = await p.query(`SELECT count(*) AS n FROM billing.accounts WHERE account_id IN (${ids.map((i) => `'${i}'`).join(', ')})`);
    expect(Number(inTable[0]!.n)).toBe(new Set(ids).size);
  });

  it('normalises CRM emails and countries', async () => {
    expect(
      await p.query(
        `SELECT count(*) FILTER (WHERE email <> lower(trim(email))) AS bad_email, count(*) FILTER (WHERE length(country) <> 2) AS bad_country,
                count(*) FILTER (WHERE phone IS NOT NULL AND phone NOT LIKE '+%') AS bad_phone FROM crm.contacts`,
      ),
    ).toEqual([{ bad_email: 0, bad_country: 0, bad_phone: 0 }]);
  });

  it('net revenue is paid minus refunded, and paid matches the succeeded payments', async () => {
    expect(
      await p.query(
        `SELECT (SELECT count(*) FROM c360.account_revenue WHERE net_revenue <> paid - refunded) AS inconsistent,
                (SELECT sum(paid) FROM c360.account_revenue) = (SELECT sum(amount) FROM billing.payments WHERE status = 'succeeded' AND account_id IN (SELECT account_id FROM billing.accounts)) AS paid_matches`,
      ),
    ).toEqual([{ inconsistent: 0, paid_matches: true }]);
  });

  it('support tickets: one row per ticket (1,050), none of NULLs from the malformed lines', async () => {
    expect(await p.query(`SELECT count(*) AS n, count(ticket_id) AS with_id FROM support.tickets`)).toEqual([{ n: 1050, with_id: 1050 }]);
  });

  it('quarantines the 3 tickets.jsonl lines DuckDB cannot read (2 truncated, 1 single quotes); the NaN line is read', async () => {
    // DuckDB's JSON reader accepts the NaN literal (RFC 8259 does not); the README lists this limit.
    expect(await p.query(`SELECT count(*) AS n FROM support.tickets__rejects`)).toEqual([{ n: 3 }]);
  });

  it('counts the 10 bad invoice rows as 10 rejects', async () => {
    const commit = events(first.stdout).find((e) => e.event === 'commit' && e.pipeline === 'billing_invoices')!;
    expect(commit.rejects).toBe(10);
  });

  // Last: every test above looks at the state after the first run.
  it('a second run --all succeeds and changes no counts; the incremental CRM pipeline reads nothing new', async () => {
    const second = await p.floe(['run', '--all', '--json']);
    expect(second.code, show(second)).toBe(0);
    const evs = events(second.stdout);
    expect(evs.find((e) => e.event === 'commit' && e.pipeline === 'crm_contacts')).toMatchObject({ rows_read: 0 });
    expect(await counts()).toEqual(countsAfterFirst);
  });

  it("scripts/example.sh's check summary counts the latest run of each table, not every run kept", async () => {
    // Runs after the second run --all: floe.check_results holds both runs' results.
    const script = await readFile(path.join(ROOT, 'scripts/example.sh'), 'utf8');
    const sql = /show query "(SELECT table_name, count\(\*\) FILTER[^"]*floe\.check_results[^"]*)"/.exec(script)?.[1];
    expect(sql, 'the check summary query in scripts/example.sh').toBeDefined();
    const runs = await p.query("SELECT count(DISTINCT run_id) AS n FROM floe.check_results WHERE table_name = 'c360.customers'");
    expect(Number(runs[0]!.n)).toBe(2);
    // c360.customers has 3 checks (pipelines/customer_identity.yaml), crm.contacts 2.
    expect(await p.query(sql!)).toEqual([
      { table_name: 'c360.customers', passed: 3, not_passed: 0 },
      { table_name: 'crm.contacts', passed: 2, not_passed: 0 },
    ]);
  });
});
