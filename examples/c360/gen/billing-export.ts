/**
 * The billing CSV files: accounts.csv, invoices_<quarter>.csv and payments_<quarter>.csv
 * exported at each quarter's end (the current quarter as of the as-of date), refunds.csv.
 */
import { ACCOUNT_HEADER, type Account } from './billing.js';
import { csvLine, csvText, type Cell } from './csv.js';
import { DISCOUNTS_FROM, statusAt, statusSince, type Invoice, type Ledger } from './ledger.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, START, isoDate, isoZ, money, quarter } from './time.js';

const INVOICE_HEADER = ['invoice_id', 'account_id', 'invoice_date', 'due_date', 'currency', 'subtotal', 'tax', 'total', 'item_count', 'category', 'status', 'updated_at'];
const PAYMENT_HEADER = ['payment_id', 'invoice_id', 'account_id', 'paid_at', 'amount', 'currency', 'method', 'status'];
const REFUND_HEADER = ['refund_id', 'payment_id', 'invoice_id', 'account_id', 'refunded_at', 'amount', 'currency', 'reason'];

/** Calendar quarters from the first day of trading to the as-of date, with each export's time. */
function quarters(): { label: string; start: number; exportAt: number }[] {
  const out = [];
  for (let start = START; start <= AS_OF; ) {
    const d = new Date(start);
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3, 1);
    out.push({ label: quarter(start), start, exportAt: Math.min(next - 1000, AS_OF) });
    start = next;
  }
  return out;
}

function invoiceRow(inv: Invoice, t: number, withDiscount: boolean): Cell[] {
  const row: Cell[] = [inv.id, inv.account.id, isoDate(inv.issuedMs), isoDate(inv.dueMs), inv.currency, money(inv.subtotal), money(inv.tax), money(inv.total), inv.items, inv.category, statusAt(inv, t), isoZ(statusSince(inv, t))];
  // Promotions arrived in 2026 and the export grew a column: schema drift between files.
  return withDiscount ? [...row, money(inv.discount)] : row;
}

/** Rows broken the ways exports break, in turn; each replaces a real row. */
function breakRow(row: Cell[], kind: number): string {
  const r = row.map((c) => (c === null || c === undefined ? '' : String(c)));
  const [y, m, d] = (r[2] ?? '').split('-');
  switch (kind % 6) {
    case 0:
      r[7] = 'N/A';
      break;
    case 1:
      r[2] = `${y}-02-30`; // no such day
      break;
    case 2:
      return [...r.slice(0, 9), `${r[9]},garden`, ...r.slice(10)].join(','); // unquoted comma: a field too many
    case 3:
      return r.slice(0, 5).join(','); // truncated line
    case 4:
      r[7] = `${{ USD: '$', CAD: 'CA$', GBP: '£', EUR: '€' }[r[4] ?? ''] ?? ''}${r[7]}`; // a currency symbol
      break;
    default:
      r[2] = `${m}/${d}/${y}`; // a US-style date
  }
  return csvLine(r);
}

export function billingFiles(rng: Rng, accounts: readonly Account[], ledger: Ledger): Record<string, string> {
  const files: Record<string, string> = {};
  files['billing/accounts.csv'] = csvText(ACCOUNT_HEADER, accounts.map((a) => a.row));
  const lastSeen = new Map<string, string>(); // invoice id → status in the last file it was in
  const all = quarters();
  // Issued in a quarter's last 3 days: 15% only reach the next quarter's export (late arrivals).
  const late = new Set<string>();
  for (const inv of ledger.invoices) {
    const q = all.find((x) => inv.issuedMs >= x.start && inv.issuedMs <= x.exportAt);
    if (q && q.exportAt < AS_OF && q.exportAt - inv.issuedMs < 3 * DAY && rng.chance(0.15)) late.add(inv.id);
  }
  let broken = 0;
  for (const q of all) {
    const withDiscount = q.start >= DISCOUNTS_FROM;
    const header = withDiscount ? [...INVOICE_HEADER, 'discount'] : INVOICE_HEADER;
    const rows: (Cell[] | string)[] = [];
    for (const inv of ledger.invoices) {
      if (inv.issuedMs > q.exportAt) break;
      if (late.has(inv.id) && inv.issuedMs >= q.start) continue;
      const status = statusAt(inv, q.exportAt);
      if (lastSeen.get(inv.id) === status) continue; // unchanged since the last export
      lastSeen.set(inv.id, status);
      const row = invoiceRow(inv, q.exportAt, withDiscount);
      rows.push(rng.chance(0.0012) ? breakRow(row, broken++) : row);
    }
    files[`billing/invoices_${q.label}.csv`] = csvText(header, rows);
    const payments = ledger.payments.filter((p) => p.paidMs >= q.start && p.paidMs <= q.exportAt);
    files[`billing/payments_${q.label}.csv`] = csvText(
      PAYMENT_HEADER,
      payments.map((p) => {
        const row: Cell[] = [p.id, p.invoice.id, p.invoice.account.id, isoZ(p.paidMs), money(p.amount), p.invoice.currency, p.method, p.status];
        if (rng.chance(0.0005)) row[4] = ''; // a lost amount
        return row;
      }),
    );
  }
  files['billing/refunds.csv'] = csvText(
    REFUND_HEADER,
    ledger.refunds.map((r) => [r.id, r.payment.id, r.payment.invoice.id, r.payment.invoice.account.id, isoZ(r.refundedMs), money(r.amount), r.payment.invoice.currency, r.reason]),
  );
  return files;
}
