/**
 * crm.db (SQLite): the CRM's `contacts` table, as sales and marketing keep it. One row per
 * contact record, not per person: people sign up twice, records go stale, reps type phones
 * the way they hear them, and the country is a free-text field.
 */
import Database from 'better-sqlite3';
import { countrySpelling, loyaltyCanonical, messEmail, messName, typo, type EmailMess, type NameMess } from './mess.js';
import type { Person } from './people.js';
import { formatPhone, JUNK_PHONES, validPhone, type PhoneStyle } from './phones.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, MINUTE, clamp, sqlTime, usDate } from './time.js';
import type { GroundTruth } from './truth.js';

const NAME: NameMess = { typo: 0.03, upper: 0.03, lower: 0.03, nickname: 0.03, noAccents: 0.15, nfd: 0.04, spaces: 0.03 };
const EMAIL: EmailMess = { case: 0.12, alias: 0.04, domainTypo: 0.01, invalid: 0.012, padding: 0.03 };
const NANP_STYLES: Partial<Record<PhoneStyle, number>> = { national: 35, dashes: 20, dots: 8, digits: 12, e164: 10, international: 10, ext: 3, idd00: 2 };
const INTL_STYLES: Partial<Record<PhoneStyle, number>> = { international: 40, idd00: 15, national: 20, trunk0: 10, e164: 10, noplus: 5 };

export interface ContactRow {
  contact_id: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  city: string | null;
  loyalty_number: string | null;
  lead_source: string;
  marketing_opt_in: bigint | string | null;
  created_at: string;
  updated_at: string;
  person: string;
  createdMs: number;
}

type Draft = Omit<ContactRow, 'contact_id' | 'created_at'> & { createdRaw: (ms: number) => string };

function phoneText(rng: Rng, p: Person, moved: boolean): string | null {
  if (rng.chance(0.015)) return rng.pick(JUNK_PHONES);
  if (!p.phone || rng.chance(0.06)) return null;
  const n = moved ? validPhone(rng, p.country) : p.phone;
  const styles = n.countryCallingCode === '1' ? NANP_STYLES : INTL_STYLES;
  return formatPhone(n, rng.weighted(styles as Record<PhoneStyle, number>), rng);
}

function draft(rng: Rng, p: Person, createdMs: number, duplicate: boolean): Draft {
  const name = messName(rng, p.first, p.last, duplicate ? { ...NAME, typo: 0.15, nickname: 0.15 } : NAME);
  // A record keeps the address it was created with unless someone updated it.
  const stale = p.oldEmail !== undefined && (createdMs < (p.emailChangedAt ?? 0) ? rng.chance(0.3) : false);
  const address = stale ? (p.oldEmail as string) : p.email;
  const emailRoll = rng.next();
  const email = emailRoll < 0.05 ? null : emailRoll < 0.06 ? rng.pick(['n/a', 'none', '-', 'NULL']) : messEmail(rng, address, duplicate ? { ...EMAIL, alias: 0.4 } : EMAIL);
  const moved = rng.chance(0.03);
  const lead = rng.weighted({ web: 45, store: 20, referral: 10, event: 10, import: 15 });
  let updated = createdMs;
  if (!stale && p.emailChangedAt !== undefined && p.emailChangedAt > createdMs) updated = p.emailChangedAt;
  if (rng.chance(0.4)) updated = Math.max(updated, clamp(createdMs + rng.exp(120 * DAY), createdMs, AS_OF));
  // Moved house: a new phone in the last 45 days; billing and support still have the old one.
  if (moved) updated = AS_OF - Math.floor(rng.next() * 45 * DAY);
  const loyalty = p.loyalty === undefined || rng.chance(0.15) ? null : loyaltyCanonical(p.loyalty);
  return {
    first_name: rng.chance(0.01) ? null : name.first,
    last_name: name.last,
    email,
    phone: phoneText(rng, p, moved),
    country: rng.chance(0.04) ? null : rng.chance(0.015) ? typo(rng, countrySpelling(rng, p.country)) : countrySpelling(rng, p.country),
    city: rng.chance(0.05) ? null : p.city,
    loyalty_number: loyalty === null ? null : rng.chance(0.05) ? loyalty.toLowerCase() : rng.chance(0.05) ? ` ${loyalty}` : loyalty,
    lead_source: lead,
    // No declared type on this column: the values are as mixed as the CRM's history.
    marketing_opt_in: rng.pick([1n, 0n, 1n, 0n, 'yes', 'no', 'Y', 'true', null]),
    updated_at: sqlTime(updated),
    person: p.id,
    createdMs,
    // The 2024 migration imported legacy records with US-style dates and no time.
    createdRaw: lead === 'import' && createdMs < Date.UTC(2024, 0, 1) ? usDate : sqlTime,
  };
}

const TEST_CONTACTS: [string, string, string | null, string | null][] = [
  ['Test', 'User', 'test@example.com', '(555) 555-5555'],
  ['Test', 'Test', 'test@test.com', '0000000000'],
  ['QA', 'Tester', 'qa+1@example.com', '(212) 555-0100'],
  ['QA', 'Tester', 'qa+2@example.com', '(212) 555-0101'],
  ['asdf', 'asdf', 'asdf@asdf.com', '123-456-7890'],
  ['Demo', 'Account', 'demo@northwind-traders.com', null],
  ['No', 'Reply', 'noreply@northwind-traders.com', null],
  ['Test', 'Customer', 'test@example.com', '+1 212 555 0199'],
];

export function makeContacts(rng: Rng, people: readonly Person[], truth: GroundTruth): ContactRow[] {
  const drafts: Draft[] = [];
  for (const p of people) {
    if (!rng.chance(0.9)) continue;
    const created = clamp(p.signupAt + Math.floor(rng.exp(2 * DAY)), p.signupAt, AS_OF);
    drafts.push(draft(rng, p, created, false));
    // Signed up again, or a rep created a second record: a within-source duplicate.
    if (rng.chance(0.08)) drafts.push(draft(rng, p, clamp(created + Math.floor(rng.exp(200 * DAY)), created, AS_OF - DAY), true));
  }
  for (const [first, last, email, phone] of TEST_CONTACTS) {
    const created = Date.UTC(2024, 0, 1) + Math.floor(rng.next() * 800 * DAY);
    drafts.push({
      first_name: first,
      last_name: last,
      email,
      phone,
      country: rng.pick(['US', 'USA', null]),
      city: null,
      loyalty_number: null,
      lead_source: 'import',
      marketing_opt_in: 0n,
      updated_at: sqlTime(created + 5 * MINUTE),
      person: truth.testPerson(),
      createdMs: created,
      createdRaw: sqlTime,
    });
  }
  // Ids follow creation order, as an autoincrement key would.
  drafts.sort((a, b) => a.createdMs - b.createdMs);
  return drafts.map(({ createdRaw, ...d }, i) => {
    const row = { ...d, contact_id: i + 1, created_at: createdRaw(d.createdMs) };
    truth.add('crm.contacts', row.contact_id, row.person);
    return row;
  });
}

const SCHEMA = `
CREATE TABLE contacts (
  contact_id       INTEGER PRIMARY KEY,
  first_name       TEXT,
  last_name        TEXT,
  email            TEXT,
  phone            TEXT,
  country          TEXT,
  city             TEXT,
  loyalty_number   TEXT,
  lead_source      TEXT NOT NULL,
  marketing_opt_in,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX contacts_updated_at ON contacts (updated_at);
`;

export function writeCrm(path: string, rows: readonly ContactRow[]): void {
  const db = new Database(path);
  try {
    db.exec(SCHEMA);
    const insert = db.prepare(
      'INSERT INTO contacts VALUES (@contact_id, @first_name, @last_name, @email, @phone, @country, @city, @loyalty_number, @lead_source, @marketing_opt_in, @created_at, @updated_at)',
    );
    db.transaction(() => {
      for (const { person: _p, createdMs: _c, ...r } of rows) insert.run(r);
    })();
  } finally {
    db.close();
  }
}
