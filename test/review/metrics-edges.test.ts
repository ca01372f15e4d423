/**
 * pipelines/customer_metrics.yaml on the customers the catalogue's definitions are easiest to
 * get wrong for (docs/METRICS.md; as of 2026-07-01): refunds exceeding revenue (negative CLV),
 * a single order (no gap: the default 90 days), two orders on one day (one order day, so no
 * gap either), and a customer with nothing at all. Values worked out by hand in the comments.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, ROOT, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const ENV = { FLOE_AUDIT_LOG: 'off' };

const FILES: Record<string, string> = {
  'data/accounts.csv': 'account_id,billing_email\nA1,one@corp.io\nA2,two@corp.io\nA3,three@corp.io\n',
  'data/invoices.csv': 'invoice_id,account_id,invoice_date,status\nI1,A1,2026-06-21,paid\nI2,A3,2026-04-02,paid\nI3,A3,2026-04-02,paid\n',
  'data/payments.csv': 'payment_id,account_id,paid_at,amount,status\nP1,A1,2026-06-21T10:00:00Z,10.00,succeeded\n',
  'data/refunds.csv': 'refund_id,account_id,refunded_at,amount\nR1,A1,2026-06-22T00:00:00Z,25.00\n',
  'data/events.csv': 'event_id,event_time,event_type\n',
  'data/tickets.csv': 'ticket_id,created_at\n',
  'data/identity_map.csv': 'source_table,source_id,customer_id\nbilling.accounts,A1,C1\nbilling.accounts,A2,C2\nbilling.accounts,A3,C3\n',
};

const load = (name: string, table: string, file: string, columns = '') =>
  `name: ${name}\nsource: { kind: csv, path: ${file}${columns ? `, columns: ${columns}` : ''} }\ntarget: { table: ${table}, mode: overwrite }\n`;

describe('customer metrics at the edges', () => {
  let p: Project;
  let rows: Record<string, unknown>[];
  beforeAll(async () => {
    p = await newProject();
    for (const [rel, text] of Object.entries(FILES)) await p.write(rel, text);
    await p.pipeline('accounts', load('accounts', 'billing.accounts', 'data/accounts.csv'));
    await p.pipeline('invoices', load('invoices', 'billing.invoices', 'data/invoices.csv', '{ invoice_date: date }'));
    await p.pipeline('payments', load('payments', 'billing.payments', 'data/payments.csv', '{ paid_at: timestamptz, amount: "decimal(12, 2)" }'));
    await p.pipeline('refunds', load('refunds', 'billing.refunds', 'data/refunds.csv', '{ refunded_at: timestamptz, amount: "decimal(12, 2)" }'));
    await p.pipeline('events', load('events', 'web.events', 'data/events.csv', '{ event_id: string, event_time: timestamptz, event_type: string }'));
    await p.pipeline('tickets', load('tickets', 'support.tickets', 'data/tickets.csv', '{ ticket_id: string, created_at: timestamptz }'));
    await p.pipeline('identity_map', load('identity_map', 'c360.identity_map', 'data/identity_map.csv'));
    await cp(path.join(ROOT, 'pipelines/customer_metrics.yaml'), p.path('pipelines/customer_metrics.yaml'));
    await p.run(['--all'], 0, ENV);
    rows = await p.query('SELECT * FROM c360.customer_metrics ORDER BY customer_id');
  }, 180_000);

  it('refunds above revenue give a negative CLV, scored lowest', () => {
    expect(rows[0]).toMatchObject({ customer_id: 'C1', gross_revenue: '10.00', refunds: '25.00', clv: '-15.00', m_score: 1 });
  });

  it('one order: no gap, the default 90 days; churn score 0.7 x 10/270 + 0.3 x 10/365 = 0.0341', () => {
    expect(rows[0]).toMatchObject({ order_count: 1, recency_days: 10, median_gap_days: null, churn_at_risk: false, churn_score: '0.0341', r_score: 2, f_score: 1, rfm_segment: '211' });
  });

  it('two orders on one day are two orders but one order day: no gap; 0.7 x 90/270 + 0.3 x 90/365 = 0.3073', () => {
    expect(rows[2]).toMatchObject({ customer_id: 'C3', order_count: 2, first_order_date: '2026-04-02', last_order_date: '2026-04-02', recency_days: 90, median_gap_days: null, churn_at_risk: false, churn_score: '0.3073', clv: '0.00', rfm_segment: '122' });
  });

  it('a customer with nothing: zero money, no order figures, no engagement', () => {
    expect(rows[1]).toEqual({
      customer_id: 'C2', as_of_date: '2026-07-01', gross_revenue: '0.00', refunds: '0.00', clv: '0.00', order_count: 0, first_order_date: null, last_order_date: null,
      recency_days: null, r_score: null, f_score: null, m_score: null, rfm_segment: null, median_gap_days: null, churn_at_risk: null, churn_score: null, engagement_events: 0, engagement_score: '0.00',
    });
  });
});
