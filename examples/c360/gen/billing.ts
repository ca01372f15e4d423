/**
 * billing/: the billing system's CSV exports. accounts.csv is a full export; invoices and
 * payments are exported once per calendar quarter, as of the quarter's end, so an invoice
 * still open at export is restated (paid) in a later file, and a few invoices issued in a
 * quarter's last days only make it into the next quarter's file.
 */
import { countrySpelling, loyaltyCanonical, messEmail, messName, type EmailMess } from './mess.js';
import type { Person } from './people.js';
import { formatPhone } from './phones.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, HOUR, clamp, isoZ } from './time.js';
import type { GroundTruth } from './truth.js';
import { COUNTRIES } from './vocab.js';
import type { Cell } from './csv.js';

const EMAIL: EmailMess = { case: 0.15, alias: 0.03, domainTypo: 0.004, invalid: 0.004, padding: 0.02 };
const ALPHA3: Record<string, string> = { US: 'USA', CA: 'CAN', GB: 'GBR', IE: 'IRL', DE: 'DEU', FR: 'FRA', ES: 'ESP', NL: 'NLD' };

export const ACCOUNT_HEADER = ['account_id', 'billing_name', 'billing_email', 'phone', 'country', 'city', 'loyalty_number', 'currency', 'status', 'created_at', 'updated_at'];

export interface Account {
  id: string;
  person: Person | undefined; // undefined: a test account
  createdMs: number;
  /** Orders go to this account from createdMs until closedMs. */
  closedMs?: number;
  row: Cell[] | string;
}

function billingName(rng: Rng, p: Person): string {
  const { first, last } = messName(rng, p.first, p.last, { typo: 0.02, upper: 0, lower: 0.01, nickname: 0.02, noAccents: 0.3, nfd: 0, spaces: 0.01 });
  switch (rng.weighted({ plain: 60, card: 30, initial: 10 })) {
    case 'plain':
      return `${first} ${last}`;
    case 'card':
      return `${last}, ${first}`.toUpperCase(); // card processors hand names over as 'LAST, FIRST'
    default:
      return `${first[0] ?? ''}. ${last}`;
  }
}

function accountRow(rng: Rng, id: string, p: Person, createdMs: number, useWork: boolean, closedMs?: number): Cell[] {
  const changed = p.emailChangedAt !== undefined && createdMs < p.emailChangedAt;
  const address = useWork && p.workEmail ? p.workEmail : changed ? (p.oldEmail ?? p.email) : p.email;
  const loyalty = p.loyalty === undefined || rng.chance(0.2) ? null : rng.chance(0.4) ? String(p.loyalty) : loyaltyCanonical(p.loyalty);
  const phone = p.phone === undefined || rng.chance(0.1) ? null : formatPhone(p.phone, rng.weighted({ e164: 70, international: 20, national: 10 }), rng);
  const code = rng.weighted({ alpha3: 80, alpha2: 15, lower: 5 });
  const country = code === 'alpha3' ? ALPHA3[p.country] : code === 'alpha2' ? p.country : countrySpelling(rng, p.country).toLowerCase();
  // An account replaced by a newer one was closed when the new one opened.
  const updated = closedMs ?? clamp(createdMs + Math.floor(rng.exp(90 * DAY)), createdMs, AS_OF);
  const status = closedMs === undefined ? 'active' : 'closed';
  return [id, billingName(rng, p), rng.chance(0.01) ? null : messEmail(rng, address, EMAIL), phone, country, p.city, loyalty, COUNTRIES[p.country].currency, status, isoZ(createdMs), isoZ(updated)];
}

export function makeAccounts(rng: Rng, people: readonly Person[], truth: GroundTruth): Account[] {
  const rows: { createdMs: number; make: (id: string) => Account }[] = [];
  for (const p of people) {
    if (p.orderRate === 0 || !rng.chance(0.85)) continue;
    const first = clamp(p.signupAt + Math.floor(rng.exp(20 * DAY)), p.signupAt, AS_OF - DAY);
    // 8% open a second account later: after changing address, or for work (a duplicate).
    const second = rng.chance(0.08) ? clamp(first + Math.floor(rng.exp(250 * DAY)), first + DAY, AS_OF - DAY) : undefined;
    rows.push({ createdMs: first, make: (id) => ({ id, person: p, createdMs: first, closedMs: second, row: accountRow(rng, id, p, first, false, second) }) });
    if (second !== undefined) rows.push({ createdMs: second, make: (id) => ({ id, person: p, createdMs: second, row: accountRow(rng, id, p, second, rng.chance(0.4)) }) });
  }
  const tests: [string, string][] = [
    ['Test Account', 'test@example.com'],
    ['QA BILLING', 'qa+billing@example.com'],
    ['Card Test', 'test@test.com'],
    ['TEST, TEST', 'test@example.com'],
  ];
  for (const [name, email] of tests) {
    const created = AS_OF - Math.floor(rng.next() * 600 * DAY);
    rows.push({ createdMs: created, make: (id) => ({ id, person: undefined, createdMs: created, row: [id, name, email, '+15555555555', 'USA', null, null, 'USD', 'closed', isoZ(created), isoZ(created + HOUR)] }) });
  }
  rows.sort((a, b) => a.createdMs - b.createdMs);
  return rows.map((r, i) => {
    const a = r.make(`ACC-${String(100_001 + i)}`);
    truth.add('billing.accounts', a.id, a.person?.id ?? truth.testPerson());
    return a;
  });
}

/** Three rows whose name has a comma and no quotes: one field too many (a broken export). */
export function breakAccounts(rng: Rng, accounts: Account[]): void {
  const commaNames = accounts.filter((a) => Array.isArray(a.row) && String(a.row[1]).includes(','));
  for (let k = 0; k < 3 && commaNames.length > 0; k++) {
    const a = commaNames.splice(rng.int(0, commaNames.length - 1), 1)[0] as Account;
    a.row = (a.row as Cell[]).map((c) => (c === null || c === undefined ? '' : String(c))).join(',');
  }
}
