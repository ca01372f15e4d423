/**
 * pipelines/customer_metrics.yaml (the repository's file, copied as it is) over a small
 * hand-made project: billing, web and support tables loaded from CSV/JSONL, and a stand-in
 * c360.identity_map with the identity contract's columns (source_table, source_id,
 * customer_id). Expected values are worked out by hand in the comments (as of 2026-07-01).
 * The project runs twice into two warehouses: the metric table's content and its data file
 * bytes must be equal.
 */
import { readFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, ROOT, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const FILES: Record<string, string> = {
  'data/accounts.csv': 'account_id,billing_email\nA1,one@example.com\nA2,one@example.com\nA3,three@example.com\nA4,four@example.com\nA5,five@example.com\n',
  'data/invoices.csv':
    'invoice_id,account_id,invoice_date,status\n' +
    'I1,A1,2026-01-01,paid\nI2,A1,2026-03-02,paid\nI3,A1,2026-05-01,void\nI4,A2,2026-06-01,paid\n' +
    'I5,A3,2025-01-01,paid\nI6,A5,2025-01-01,paid\nI7,A1,2026-07-02,open\n',
  'data/payments.csv':
    'payment_id,account_id,paid_at,amount,status\n' +
    'P1,A1,2026-01-02T10:00:00Z,100.00,succeeded\nP2,A2,2026-06-02T10:00:00Z,50.50,succeeded\nP3,A1,2026-03-03T10:00:00Z,20.00,failed\n' +
    'P4,A1,2026-07-05T10:00:00Z,999.00,succeeded\nP5,A3,2025-01-02T10:00:00Z,30.00,succeeded\nP6,A5,2025-01-02T10:00:00Z,30.00,succeeded\n',
  'data/refunds.csv': 'refund_id,account_id,refunded_at,amount\nR1,A1,2026-02-01T00:00:00Z,10.25\nR2,A1,2026-07-10T00:00:00Z,5.00\n',
  'data/events.csv': 'event_id,event_time,event_type\nE1,2026-06-01T00:00:00Z,checkout\nE2,2026-07-01T00:00:00Z,checkout\nE3,2026-06-01T00:00:00Z,page_view\n',
  'data/tickets.jsonl': '{"ticket_id":"T1","created_at":"2026-05-02T00:00:00Z"}\n{"ticket_id":"T2","created_at":"2026-07-01T00:00:00Z"}\n',
  'data/identity_map.csv':
    'source_table,source_id,customer_id\n' +
    'billing.accounts,A1,C1\nbilling.accounts,A2,C1\nbilling.accounts,A3,C2\nbilling.accounts,A4,C3\nbilling.accounts,A5,C5\n' +
    'web.events,E1,C4\nweb.events,E2,C4\nsupport.tickets,T1,C4\nsupport.tickets,T2,C4\n',
};

const load = (name: string, table: string, file: string, kind = 'csv', columns = '') =>
  `name: ${name}\nsource: { kind: ${kind}, path: ${file} }\n${columns}target: { table: ${table}, mode: overwrite }\n`;

async function buildProject(p: Project): Promise<void> {
  for (const [rel, text] of Object.entries(FILES)) await p.write(rel, text);
  await p.pipeline('accounts', load('accounts', 'billing.accounts', 'data/accounts.csv'));
  await p.pipeline('invoices', load('invoices', 'billing.invoices', 'data/invoices.csv', 'csv', 'columns: { invoice_date: { type: date } }\n'));
  await p.pipeline(
    'payments',
    load('payments', 'billing.payments', 'data/payments.csv', 'csv', 'columns: { paid_at: { type: timestamptz }, amount: { type: "decimal(12, 2)" } }\n'),
  );
  await p.pipeline(
    'refunds',
    load('refunds', 'billing.refunds', 'data/refunds.csv', 'csv', 'columns: { refunded_at: { type: timestamptz }, amount: { type: "decimal(12, 2)" } }\n'),
  );
  await p.pipeline('events', load('events', 'web.events', 'data/events.csv', 'csv', 'columns: { event_time: { type: timestamptz } }\n'));
  await p.pipeline('tickets', load('tickets', 'support.tickets', 'data/tickets.jsonl', 'jsonl', 'columns: { created_at: { type: timestamptz } }\n'));
  await p.pipeline('identity_map', load('identity_map', 'c360.identity_map', 'data/identity_map.csv'));
  await cp(path.join(ROOT, 'pipelines/customer_metrics.yaml'), p.path('pipelines/customer_metrics.yaml'));
}

describe('pipelines/customer_metrics.yaml', () => {
  let a: Project;
  let b: Project;
  let rows: Record<string, any>[];

  beforeAll(async () => {
    a = await newProject();
    b = await newProject();
    await buildProject(a);
    await buildProject(b);
    await a.run(['--all']);
    await b.run(['--all']);
    rows = await a.query('SELECT * FROM c360.customer_metrics ORDER BY customer_id');
  }, 120_000);

  it('has one row per customer of the identity map', () => {
    expect(rows.map((r) => r.customer_id)).toEqual(['C1', 'C2', 'C3', 'C4', 'C5']);
    for (const r of rows) expect(r.as_of_date).toBe('2026-07-01');
  });

  it('CLV is succeeded payments minus refunds before the as-of date, across all accounts of the customer', () => {
    // C1: 100.00 + 50.50 (the failed 20.00 and the later 999.00 do not count) - 10.25 (not the later 5.00)
    expect(rows.map((r) => [r.customer_id, r.gross_revenue, r.refunds, r.clv])).toEqual([
      ['C1', '150.50', '10.25', '140.25'],
      ['C2', '30.00', '0.00', '30.00'],
      ['C3', '0.00', '0.00', '0.00'],
      ['C4', '0.00', '0.00', '0.00'],
      ['C5', '30.00', '0.00', '30.00'],
    ]);
  });

  it('orders exclude voided invoices and those on or after the as-of date; RFM quintiles break ties by customer_id', () => {
    const c1 = rows[0]!;
    expect(c1).toMatchObject({ order_count: 3, first_order_date: '2026-01-01', last_order_date: '2026-06-01', recency_days: 30 });
    // C2 and C5 tie on every measure (one order on 2025-01-01, CLV 30.00): C2 ranks lower.
    const scores = rows.map((r) => [r.customer_id, r.r_score, r.f_score, r.m_score, r.rfm_segment]);
    expect(scores).toEqual([
      ['C1', 3, 3, 3, '333'],
      ['C2', 1, 1, 1, '111'],
      ['C3', null, null, null, null],
      ['C4', null, null, null, null],
      ['C5', 2, 2, 2, '222'],
    ]);
  });

  it('churn risk compares days since the last order with k x the median gap', () => {
    // C1: order days 01-01, 03-02, 06-01: gaps 60 and 91, median 75.5; 30 days <= 3 x 75.5.
    // score 0.7 x 30/226.5 + 0.3 x 30/365 = 0.1174
    expect(rows[0]).toMatchObject({ median_gap_days: 75.5, churn_at_risk: false, churn_score: '0.1174' });
    // C2: one order 546 days ago, no gap: the default 90 days; 546 > 270, score saturates at 1.
    expect(rows[1]).toMatchObject({ recency_days: 546, median_gap_days: null, churn_at_risk: true, churn_score: '1.0000' });
    expect(rows[2]).toMatchObject({ order_count: 0, churn_at_risk: null, churn_score: null });
  });

  it('engagement decays event weights with a 30-day half-life, scaled to 0..100', () => {
    // C4: checkout (5) 30 days before: 2.5; ticket (2) 60 days before: 0.5; the events on the
    // as-of date do not count. 100 x (1 - e^(-3.0 / 10)) = 25.92
    expect(rows[3]).toMatchObject({ engagement_events: 2, engagement_score: '25.92' });
    expect(rows[0]).toMatchObject({ engagement_events: 0, engagement_score: '0.00' });
  });

  it('is reproducible: two warehouses built from the same inputs hold equal content and byte-equal data files', async () => {
    const dump = (p: Project) => p.query('SELECT * FROM c360.customer_metrics');
    expect(await dump(b)).toEqual(await dump(a));
    const fa = await a.dataFiles('c360.customer_metrics');
    const fb = await b.dataFiles('c360.customer_metrics');
    expect(fa).toHaveLength(1);
    expect(fb).toHaveLength(1);
    const bytes = async (f: string) => readFile(f.replace(/^file:\/\//, ''));
    expect((await bytes(fb[0]!)).equals(await bytes(fa[0]!))).toBe(true);
  });
});
