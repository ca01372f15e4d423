/**
 * web/events.parquet: clickstream from the web shop and app since analytics went live on
 * 2026-01-01. Every event has a device id; only login, signup and checkout events (and the
 * rest of a logged-in session) carry an email or loyalty number, which is what ties devices
 * to people. Ordered by arrival (received_at), as an event collector writes them.
 */
import type { Invoice } from './ledger.js';
import { loyaltyCanonical } from './mess.js';
import type { Person } from './people.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, MINUTE } from './time.js';
import type { GroundTruth } from './truth.js';

export const WEB_START = Date.UTC(2026, 0, 1);
/** What Apple's IDFA and Google's advertising id read when the user limits ad tracking. */
export const ZERO_DEVICE = '00000000-0000-0000-0000-000000000000';

export interface WebEvent {
  event_id: string;
  event_time: number; // ms
  received_at: number;
  session_id: string;
  device_id: string;
  device_type: string;
  event_type: string;
  page: string;
  referrer: string | null;
  utm_source: string | null;
  ip_country: string;
  email: string | null;
  loyalty_number: string | null;
}

interface Actor {
  pid: string;
  person?: Person;
  email?: string;
  country: string;
}

const SKUS = ['sku-1042', 'sku-2210', 'sku-3301', 'sku-4417', 'sku-5120', 'sku-6008', 'sku-7781', 'sku-8890'];
const BROWSE = ['page_view', 'product_view', 'product_view', 'search', 'add_to_cart', 'page_view'] as const;

function page(rng: Rng, type: string): string {
  switch (type) {
    case 'product_view':
      return `/p/${rng.pick(SKUS)}`;
    case 'search':
      return `/search?q=${rng.pick(['shoes', 'lamp', 'headphones', 'gift', 'sale'])}`;
    case 'add_to_cart':
      return '/cart';
    case 'checkout':
      return '/checkout';
    case 'login':
      return '/login';
    case 'signup':
      return '/signup';
    default:
      return rng.pick(['/', '/', '/sale', '/help', '/account']);
  }
}

export class WebLog {
  readonly events: WebEvent[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly truth: GroundTruth,
  ) {}

  /** One visit: `types` in order, a minute or two apart; identity fields from `login` on. */
  session(actor: Actor, device: { id: string; type: string }, start: number, types: readonly string[], identity?: { email?: string; loyalty?: string }): void {
    const rng = this.rng;
    const session = rng.uuid();
    const ref = rng.weighted({ direct: 40, 'google.com': 30, 'facebook.com': 8, 'instagram.com': 7, newsletter: 15 });
    const utm = ref === 'newsletter' ? 'newsletter' : ref === 'direct' || rng.chance(0.6) ? null : ref.split('.')[0] ?? null;
    const lateBy = rng.chance(0.02) ? DAY + Math.floor(rng.next() * 3 * DAY) : 0; // an app offline for days
    let t = start;
    let known = false;
    for (const [i, type] of types.entries()) {
      t += i === 0 ? 0 : Math.floor(rng.exp(90_000)) + 1000;
      if (t > AS_OF) return;
      if (type === 'login' || type === 'signup' || type === 'checkout') known = true;
      let received = t + 200 + Math.floor(rng.exp(1500)) + lateBy;
      if (rng.chance(0.003)) received = t - Math.floor(rng.next() * 10 * MINUTE); // device clock ahead
      const e: WebEvent = {
        event_id: rng.uuid(),
        event_time: t,
        received_at: Math.min(received, AS_OF),
        session_id: session,
        device_id: device.id,
        device_type: device.type,
        event_type: type,
        page: page(rng, type),
        referrer: i === 0 && ref !== 'direct' ? ref : null,
        utm_source: i === 0 ? utm : null,
        ip_country: rng.chance(0.03) ? rng.pick(['NL', 'US', 'SE']) : actor.country, // VPNs
        email: known ? (identity?.email ?? null) : null,
        loyalty_number: known ? (identity?.loyalty ?? null) : null,
      };
      this.events.push(e);
      this.truth.add('web.events', e.event_id, actor.pid);
      // At-least-once delivery: the collector got this one twice.
      if (rng.chance(0.005)) this.events.push({ ...e, received_at: Math.min(e.received_at + 2000 + Math.floor(rng.exp(5000)), AS_OF) });
    }
  }
}

function browse(rng: Rng, n: number): string[] {
  return ['page_view', ...Array.from({ length: n - 1 }, () => rng.pick(BROWSE))];
}

/** How the person's email shows up on a login or checkout: mostly as stored, sometimes re-cased. */
const typed = (rng: Rng, email: string) => (rng.chance(0.1) ? email.replace(/^./, (c) => c.toUpperCase()) : email);

export function makeWeb(rng: Rng, people: readonly Person[], invoices: readonly Invoice[], visitor: () => string, truth: GroundTruth): WebEvent[] {
  const log = new WebLog(rng, truth);
  for (const p of people) {
    if (p.devices.length === 0) continue;
    // Limited ad tracking on some phones: the app only ever sees the zero id.
    const devices = p.devices.map((d) => (d.type === 'mobile' && rng.chance(0.05) ? { ...d, id: ZERO_DEVICE } : d));
    const actor: Actor = { pid: p.id, person: p, country: p.country };
    const until = Math.min(AS_OF, (p.churnAt ?? AS_OF) + 60 * DAY);
    const rate = (30 * DAY) / (p.webRate * 0.2);
    for (let t = Math.max(WEB_START, p.signupAt - 30 * DAY) + Math.floor(rng.exp(rate)); t < until; t += Math.floor(rng.exp(rate)) + MINUTE) {
      const email = p.emailChangedAt !== undefined && t < p.emailChangedAt ? (p.oldEmail ?? p.email) : p.email;
      const device = rng.pick(devices);
      const signedUp = t >= p.signupAt;
      const login = signedUp && rng.chance(0.3);
      const identity = p.loyalty !== undefined && rng.chance(0.25) ? { loyalty: loyaltyCanonical(p.loyalty) } : { email: typed(rng, email) };
      const types = browse(rng, rng.int(1, 4));
      log.session(actor, device, t, login ? ['login', ...types] : types, login ? identity : undefined);
    }
    if (p.signupAt >= WEB_START && rng.chance(0.5)) log.session(actor, rng.pick(devices), p.signupAt, ['page_view', 'signup', 'page_view'], { email: p.email });
  }
  // Checkouts: most web orders leave a session that ends in checkout, with the email.
  for (const inv of invoices) {
    const p = inv.person;
    if (inv.issuedMs < WEB_START || p.devices.length === 0 || !rng.chance(0.5)) continue;
    const email = p.emailChangedAt !== undefined && inv.issuedMs < p.emailChangedAt ? (p.oldEmail ?? p.email) : p.email;
    log.session({ pid: p.id, person: p, country: p.country }, rng.pick(p.devices), inv.issuedMs - 5 * MINUTE, ['product_view', 'add_to_cart', 'checkout'], { email: typed(rng, email) });
  }
  // Anonymous visitors who never identify themselves.
  for (let k = 0; k < Math.round(people.length * 0.12); k++) {
    const actor: Actor = { pid: visitor(), country: rng.pick(['US', 'US', 'GB', 'DE', 'FR', 'CA']) };
    const device = { id: rng.uuid(), type: rng.pick(['desktop', 'mobile', 'mobile', 'tablet']) };
    for (let s = rng.int(1, 3); s > 0; s--) log.session(actor, device, WEB_START + Math.floor(rng.next() * (AS_OF - WEB_START)), browse(rng, rng.int(1, 4)));
  }
  // Two crawlers: hundreds of page views in a few days, never a login.
  for (let b = 0; b < 2; b++) {
    const actor: Actor = { pid: visitor(), country: 'US' };
    const device = { id: rng.uuid(), type: 'desktop' };
    const from = AS_OF - Math.floor(rng.next() * 90 * DAY) - 5 * DAY;
    for (let s = 0; s < 30; s++) log.session(actor, device, from + s * 4 * 3_600_000, Array.from({ length: 5 }, () => 'page_view'));
  }
  // The QA team's phone logs in as the test account now and then.
  const qa: Actor = { pid: truth.testPerson(), country: 'US' };
  const qaDevice = { id: rng.uuid(), type: 'mobile' };
  for (let s = 0; s < 12; s++) log.session(qa, qaDevice, WEB_START + Math.floor(rng.next() * (AS_OF - WEB_START)), ['login', 'page_view', 'checkout'], { email: 'test@example.com' });
  return log.events.sort((a, b) => a.received_at - b.received_at || a.event_time - b.event_time || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
}
