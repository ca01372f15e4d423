/**
 * Invoices, payments and refunds behind the billing exports: enough history, from the first
 * day of trading to the as-of date, for CLV, RFM recency/frequency/monetary, churn (the gap
 * since the last order) and refund rates.
 */
import type { Account } from './billing.js';
import type { Person } from './people.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, HOUR, MINUTE } from './time.js';
import { COUNTRIES } from './vocab.js';

export type InvoiceStatus = 'open' | 'paid' | 'void' | 'overdue';

export interface Invoice {
  id: string;
  account: Account;
  person: Person;
  issuedMs: number;
  dueMs: number;
  currency: string;
  subtotal: number; // cents
  discount: number;
  tax: number;
  total: number;
  items: number;
  category: string;
  paidMs?: number;
  voidMs?: number;
}

export interface Payment {
  id: string;
  invoice: Invoice;
  paidMs: number;
  amount: number;
  method: string;
  status: 'succeeded' | 'failed';
}

export interface Refund {
  id: string;
  payment: Payment;
  refundedMs: number;
  amount: number;
  reason: string;
}

export interface Ledger {
  invoices: Invoice[];
  payments: Payment[];
  refunds: Refund[];
}

const TAX: Readonly<Record<string, number>> = { US: 8, CA: 13, GB: 20, IE: 23, DE: 19, FR: 20, ES: 21, NL: 21 };
const CATEGORIES = ['electronics', 'home', 'apparel', 'beauty', 'sports', 'books', 'toys', 'grocery'] as const;
/** Promotions (and with them the `discount` column) start in 2026. */
export const DISCOUNTS_FROM = Date.UTC(2026, 0, 1);

/** Invoice status as the billing system reported it at time `t`. */
export function statusAt(inv: Invoice, t: number): InvoiceStatus {
  if (inv.voidMs !== undefined && inv.voidMs <= t) return 'void';
  if (inv.paidMs !== undefined && inv.paidMs <= t) return 'paid';
  return t > inv.dueMs ? 'overdue' : 'open';
}

/** When the status at `t` began (the row's updated_at). */
export function statusSince(inv: Invoice, t: number): number {
  const s = statusAt(inv, t);
  return s === 'void' ? (inv.voidMs as number) : s === 'paid' ? (inv.paidMs as number) : s === 'overdue' ? inv.dueMs : inv.issuedMs;
}

function orderTimes(rng: Rng, p: Person, from: number): number[] {
  const end = Math.min(p.churnAt ?? AS_OF, AS_OF);
  const times: number[] = [];
  // The first order opens the account; then gaps are exponential around the person's rate.
  for (let t = from; t < end; t += Math.floor(rng.exp((30 * DAY) / p.orderRate)) + HOUR) times.push(t);
  return times;
}

export function makeLedger(rng: Rng, accounts: readonly Account[]): Ledger {
  const orders: { account: Account; person: Person; t: number }[] = [];
  for (const a of accounts) {
    if (a.person === undefined) continue;
    const p = a.person;
    for (const t of orderTimes(rng, p, a.createdMs)) if (a.closedMs === undefined || t < a.closedMs) orders.push({ account: a, person: p, t });
  }
  orders.sort((x, y) => x.t - y.t);
  const big = new Map<string, number>(); // a few people spend much more: the CLV long tail
  const invoices: Invoice[] = [];
  const payments: Payment[] = [];
  const refunds: Refund[] = [];
  for (const [i, o] of orders.entries()) {
    let scale = big.get(o.person.id);
    if (scale === undefined) big.set(o.person.id, (scale = rng.chance(0.05) ? rng.int(4, 12) : 1));
    const subtotal = Math.max(499, Math.round(rng.logNormal(5500, 0.7) * scale));
    const discount = o.t >= DISCOUNTS_FROM && rng.chance(0.2) ? Math.round(subtotal / 10) : 0;
    const tax = Math.round(((subtotal - discount) * (TAX[o.person.country] ?? 0)) / 100);
    const inv: Invoice = {
      id: `INV-${String(1_000_001 + i)}`,
      account: o.account,
      person: o.person,
      issuedMs: o.t,
      dueMs: o.t + 14 * DAY,
      currency: COUNTRIES[o.person.country].currency,
      subtotal,
      discount,
      tax,
      total: subtotal - discount + tax,
      items: rng.int(1, 6),
      category: rng.pick(CATEGORIES),
    };
    const fate = rng.weighted({ paid: 96, void: 1.5, unpaid: 2.5 });
    if (fate === 'void') inv.voidMs = o.t + Math.floor(rng.exp(3 * DAY)) + MINUTE;
    if (fate === 'paid') {
      const method = rng.weighted({ card: 60, paypal: 20, bank_transfer: 8, apple_pay: 7, klarna: 5 });
      const paid = o.t + Math.floor(rng.exp(method === 'bank_transfer' ? 6 * DAY : method === 'klarna' ? 20 * DAY : HOUR)) + MINUTE;
      if (paid <= AS_OF) {
        inv.paidMs = paid;
        if (rng.chance(0.02)) payments.push({ id: '', invoice: inv, paidMs: paid - HOUR, amount: inv.total, method, status: 'failed' });
        const split = rng.chance(0.03) ? Math.round(inv.total / 2) : 0;
        if (split > 0) payments.push({ id: '', invoice: inv, paidMs: paid - DAY, amount: split, method, status: 'succeeded' });
        const pay: Payment = { id: '', invoice: inv, paidMs: paid, amount: inv.total - split, method, status: 'succeeded' };
        payments.push(pay);
        const refundAt = paid + Math.floor(rng.exp(15 * DAY)) + HOUR;
        if (rng.chance(0.05) && refundAt <= AS_OF) {
          const reason = rng.weighted({ damaged: 25, not_as_described: 20, late_delivery: 20, changed_mind: 30, duplicate_charge: 5 });
          refunds.push({ id: '', payment: pay, refundedMs: refundAt, amount: reason === 'changed_mind' || rng.chance(0.6) ? pay.amount : Math.round(pay.amount * 0.3), reason });
        }
      }
    }
    invoices.push(inv);
  }
  payments.sort((a, b) => a.paidMs - b.paidMs).forEach((p, i) => (p.id = `PAY-${String(2_000_001 + i)}`));
  refunds.sort((a, b) => a.refundedMs - b.refundedMs).forEach((r, i) => (r.id = `RF-${String(300_001 + i)}`));
  return { invoices, payments, refunds };
}
