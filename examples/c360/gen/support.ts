/**
 * support/tickets.jsonl: the help desk's ticket export, one JSON object per line, one line per
 * ticket *version*: a ticket that changed status appears again with a later updated_at, and a
 * few of those updates arrive out of order (late). Requesters are identified only by what they
 * typed (email, name) or by caller id (phone).
 */
import { DateTime } from 'luxon';
import type { Invoice } from './ledger.js';
import { messEmail, messName, type EmailMess } from './mess.js';
import type { Person } from './people.js';
import { formatPhone } from './phones.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, HOUR, MINUTE, isoZ } from './time.js';
import type { GroundTruth } from './truth.js';
import { COUNTRIES } from './vocab.js';

const EMAIL: EmailMess = { case: 0.2, alias: 0.08, domainTypo: 0.01, invalid: 0.01, padding: 0.02 };
const SUBJECTS: Readonly<Record<string, readonly string[]>> = {
  shipping: ['Where is my order?', 'Package not delivered', 'Tracking number not working'],
  returns: ['Return request', 'How do I return an item?', 'Refund not received'],
  billing: ['Charged twice', 'Invoice copy needed', 'Payment declined'],
  account: ['Cannot log in', 'Change my email address', 'Delete my account'],
  product: ['Item arrived damaged', 'Wrong size', 'Question about warranty'],
};

/**
 * Callback times are local wall-clock times typed by agents. These fall in a daylight-saving
 * gap (they never happened) or overlap (they happened twice), for the timestamp normaliser.
 */
const DST_TRAPS: [string, string][] = [
  ['2026-03-08T02:30:00', 'America/New_York'],
  ['2025-03-09T02:15:00', 'America/New_York'],
  ['2026-03-29T02:30:00', 'Europe/Berlin'],
  ['2025-03-30T01:45:00', 'Europe/London'],
  ['2025-11-02T01:30:00', 'America/New_York'],
  ['2025-10-26T02:30:00', 'Europe/Paris'],
];

/** Someone who exists in no other system; their address is all support knows. */
function strangerEmail(rng: Rng, country: keyof typeof COUNTRIES): string {
  const info = COUNTRIES[country];
  const name = `${rng.pick(info.first)}.${rng.pick(info.last)}`.normalize('NFD').replace(/[^A-Za-z.]/g, '');
  return `${name.toLowerCase()}${rng.int(1, 999)}@${rng.pick(['gmail.com', 'outlook.com', ...info.providers])}`;
}

interface Line {
  ms: number;
  /** Where the line sits in the file; differs from ms for late arrivals. */
  order: number;
  record: Record<string, unknown> | string;
}

function requesterName(rng: Rng, p: Person): string | null {
  const { first, last } = messName(rng, p.first, p.last, { typo: 0.05, upper: 0.03, lower: 0.1, nickname: 0.05, noAccents: 0.2, nfd: 0.03, spaces: 0.03 });
  return rng.weighted({ full: 70, first: 15, none: 5, initial: 10 }) === 'full' ? `${first} ${last}` : rng.chance(0.6) ? first : rng.chance(0.5) ? null : `${first[0] ?? ''}. ${last}`;
}

export function makeTickets(rng: Rng, people: readonly Person[], invoices: readonly Invoice[], visitors: () => string, truth: GroundTruth): string {
  const ordersOf = new Map<string, Invoice[]>();
  for (const inv of invoices) ordersOf.set(inv.person.id, [...(ordersOf.get(inv.person.id) ?? []), inv]);
  const tickets: { p: Person | undefined; pid: string; created: number; order?: Invoice }[] = [];
  for (const p of people) {
    const orders = ordersOf.get(p.id) ?? [];
    const expected = 0.12 + 0.07 * orders.length;
    for (let k = 0; k < 8 && rng.chance(expected / (k + 1)); k++) {
      const order = orders.length > 0 && rng.chance(0.7) ? rng.pick(orders) : undefined;
      const from = order?.issuedMs ?? p.signupAt + Math.floor(rng.next() * (AS_OF - p.signupAt));
      tickets.push({ p, pid: p.id, created: Math.min(AS_OF - HOUR, from + Math.floor(rng.exp(5 * DAY))), order });
    }
  }
  // People who write to support but exist nowhere else (pre-sales questions).
  const strangers = Math.round(people.length * 0.03);
  for (let k = 0; k < strangers; k++) tickets.push({ p: undefined, pid: visitors(), created: AS_OF - Math.floor(rng.next() * 700 * DAY) });
  // QA's tickets: 'test ticket, please ignore', from blocked addresses; each its own X id.
  for (let k = 0; k < 4; k++) tickets.push({ p: undefined, pid: `test:${k}`, created: AS_OF - Math.floor(rng.next() * 500 * DAY) });
  tickets.sort((a, b) => a.created - b.created);
  const lines: Line[] = [];
  let traps = 0;
  for (const [i, t] of tickets.entries()) {
    const id = `TCK-${String(500_001 + i)}`;
    const channel = rng.weighted({ email: 40, web_form: 30, chat: 15, phone: 15 });
    const category = t.order ? rng.pick(['shipping', 'returns', 'billing', 'product']) : rng.pick(Object.keys(SUBJECTS));
    const p = t.p;
    const test = t.pid.startsWith('test:');
    const country = p?.country ?? rng.pick(['US', 'GB', 'DE'] as const);
    const address = test ? rng.pick(['test@example.com', 'qa+support@example.com']) : p ? (p.emailChangedAt !== undefined && t.created < p.emailChangedAt ? (p.oldEmail ?? p.email) : rng.chance(0.05) && p.workEmail ? p.workEmail : p.email) : strangerEmail(rng, country);
    const requester = {
      name: test ? 'Test User' : p ? requesterName(rng, p) : rng.pick(['Alex', 'Sam', null]),
      email: channel === 'phone' && rng.chance(0.6) ? null : messEmail(rng, address, EMAIL),
      phone: p?.phone && (channel === 'phone' || rng.chance(0.1)) ? formatPhone(p.phone, channel === 'phone' ? 'e164' : 'national', rng) : null,
    };
    let callback: Record<string, string> | null = null;
    if (channel === 'phone' && rng.chance(0.3)) {
      const zone = COUNTRIES[country].zone;
      const trap = traps < DST_TRAPS.length && rng.chance(0.25) ? DST_TRAPS[traps++] : undefined;
      const local = DateTime.fromMillis(t.created + Math.floor(rng.exp(DAY)), { zone }).startOf('minute').toFormat("yyyy-MM-dd'T'HH:mm:ss");
      callback = trap ? { requested_for: trap[0], timezone: trap[1] } : { requested_for: local, timezone: zone };
    }
    const base = {
      ticket_id: id,
      created_at: isoZ(t.created),
      channel,
      category,
      priority: rng.weighted({ low: 30, normal: 50, high: 15, urgent: 5 }),
      subject: test ? 'test ticket, please ignore' : rng.pick(SUBJECTS[category] ?? ['Question']),
      requester,
      locale: COUNTRIES[country].locale,
      order_ref: t.order?.id ?? null,
      tags: t.order && rng.chance(0.3) ? ['order', category] : [],
      callback,
    };
    truth.add('support.tickets', id, test ? truth.testPerson() : t.pid);
    // Versions: new → (pending) → solved; each a line with its own updated_at and status.
    // Versions after the as-of date have not happened yet.
    let at = t.created;
    const versions: [string, number][] = [['new', at]];
    if (rng.chance(0.6)) versions.push(['pending', (at += Math.floor(rng.exp(8 * HOUR)) + MINUTE)]);
    if (rng.chance(0.85)) versions.push(['solved', (at += Math.floor(rng.exp(2 * DAY)) + MINUTE)]);
    const happened = versions.filter(([, ms]) => ms <= AS_OF);
    // Most tickets are exported once, in their latest state; a third show their history.
    for (const [status, ms] of rng.chance(0.33) ? happened : happened.slice(-1)) {
      const record = { ...base, status, updated_at: isoZ(ms), satisfaction: status === 'solved' && rng.chance(0.4) ? rng.int(1, 5) : null };
      const lateBy = rng.chance(0.03) ? Math.floor(rng.exp(3 * DAY)) : 0;
      lines.push({ ms, order: ms + lateBy, record });
    }
  }
  lines.sort((a, b) => a.order - b.order || a.ms - b.ms);
  // Malformed lines: copies of real updates, cut short or written by a buggy exporter.
  const victims = lines.filter((l) => l.record !== null && typeof l.record === 'object').slice(-400);
  for (const [k, how] of ['truncate', 'single-quotes', 'nan', 'truncate'].entries()) {
    const v = victims[(k * 97) % victims.length] as Line;
    const json = JSON.stringify(v.record);
    const text = how === 'truncate' ? json.slice(0, Math.floor(json.length / 2)) : how === 'nan' ? json.replace(/"satisfaction":[^,}]*/, '"satisfaction":NaN') : json.replace(/"/g, "'");
    lines.push({ ms: v.ms, order: v.order + 1, record: text });
  }
  lines.sort((a, b) => a.order - b.order || a.ms - b.ms);
  return `${lines.map((l) => (typeof l.record === 'string' ? l.record : JSON.stringify(l.record))).join('\n')}\n`;
}
