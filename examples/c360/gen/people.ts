/**
 * The ground truth: the people behind the source records. Every source record is generated
 * from one Person, so which records are "the same person" is known exactly and written to
 * ground_truth.csv for scoring identity resolution.
 */
import type { PhoneNumber } from 'libphonenumber-js/max';
import { validPhone } from './phones.js';
import type { Rng } from './rng.js';
import { AS_OF, DAY, START } from './time.js';
import { COUNTRIES, GLOBAL_NAMES, GLOBAL_PROVIDERS, WORK_DOMAINS, type Country } from './vocab.js';
import { fold, mailboxKey } from './text.js';

export interface Person {
  id: string; // P00001
  first: string;
  last: string;
  country: Country;
  city: string;
  /** The address they use now; lower-case, as they would write it on a good day. */
  email: string;
  /** The address they used before `emailChangedAt` (if they changed it). */
  oldEmail?: string;
  emailChangedAt?: number;
  /** A work address some of them give to billing or support. */
  workEmail?: string;
  phone?: PhoneNumber;
  /** Set when this person shares a household landline with another person. */
  sharedPhoneWith?: string;
  loyalty?: number; // the loyalty programme's sequence number
  signupAt: number;
  /** Orders per 30 days while active; 0 for people who never buy. */
  orderRate: number;
  /** When they stopped buying (churned), if they did. */
  churnAt?: number;
  /** Web sessions per 30 days. */
  webRate: number;
  devices: { id: string; type: 'desktop' | 'mobile' | 'tablet' }[];
}

/** A mailbox name built the ways people build them. */
function localPart(rng: Rng, first: string, last: string): string {
  const f = fold(first).replace(/[^a-z]/g, '');
  const l = fold(last).replace(/[^a-z]/g, '');
  const year = String(rng.int(60, 99) + (rng.chance(0.3) ? 1900 : 0));
  switch (rng.weighted({ dot: 35, plain: 20, underscore: 5, initial: 15, withYear: 15, firstOnly: 10 })) {
    case 'dot':
      return `${f}.${l}`;
    case 'plain':
      return `${f}${l}`;
    case 'underscore':
      return `${f}_${l}`;
    case 'initial':
      return `${f[0] ?? 'x'}${l}`;
    case 'withYear':
      return `${f}${l}${year}`;
    default:
      return `${f}${rng.digits(3)}`;
  }
}

function emailFor(rng: Rng, p: { first: string; last: string; country: Country }, taken: Set<string>): string {
  const providers = { ...GLOBAL_PROVIDERS, ...Object.fromEntries(COUNTRIES[p.country].providers.map((d) => [d, 6])) };
  for (;;) {
    const local = localPart(rng, p.first, p.last);
    const address = `${rng.chance(0.05) ? `${local}${rng.int(1, 99)}` : local}@${rng.weighted(providers)}`;
    // Unique by mailbox, not just by spelling: john.doe@ and johndoe@gmail.com are one inbox.
    const key = mailboxKey(address);
    if (!taken.has(key)) {
      taken.add(key);
      return address;
    }
  }
}

export function makePeople(rng: Rng, count: number): Person[] {
  const taken = new Set<string>();
  const weights = Object.fromEntries(Object.entries(COUNTRIES).map(([c, info]) => [c, info.weight])) as Record<Country, number>;
  const people: Person[] = [];
  let loyalty = 100_000;
  for (let i = 1; i <= count; i++) {
    const country = rng.weighted(weights);
    const info = COUNTRIES[country];
    const first = rng.chance(0.08) ? rng.pick(GLOBAL_NAMES.first) : rng.pick(info.first);
    const last = rng.chance(0.08) ? rng.pick(GLOBAL_NAMES.last) : rng.pick(info.last);
    const signupAt = START + Math.floor(rng.next() * (AS_OF - 14 * DAY - START));
    const p: Person = {
      id: `P${String(i).padStart(5, '0')}`,
      first,
      last,
      country,
      city: rng.pick(info.cities),
      email: '',
      signupAt,
      orderRate: rng.chance(0.15) ? 0 : Math.min(3, rng.logNormal(0.18, 0.8)),
      webRate: rng.chance(0.35) ? 0 : Math.min(6, rng.logNormal(0.9, 0.9)),
      devices: [],
    };
    p.email = emailFor(rng, p, taken);
    if (rng.chance(0.08)) {
      // Changed address (new job, new provider) at some point after signing up.
      p.oldEmail = p.email;
      p.email = emailFor(rng, p, taken);
      p.emailChangedAt = signupAt + Math.floor(rng.next() * (AS_OF - signupAt));
    }
    if (rng.chance(0.12)) p.workEmail = `${localPart(rng, first, last)}@${rng.pick(WORK_DOMAINS)}`;
    if (rng.chance(0.88)) p.phone = validPhone(rng, country);
    if (rng.chance(0.4)) p.loyalty = loyalty += rng.int(1, 40);
    if (p.orderRate > 0 && rng.chance(0.3)) p.churnAt = signupAt + Math.floor(rng.next() * (AS_OF - signupAt));
    const devices = p.webRate === 0 ? 0 : rng.weighted({ 1: 55, 2: 35, 3: 10 });
    for (let d = 0; d < Number(devices); d++) {
      p.devices.push({ id: rng.uuid(), type: rng.weighted({ desktop: 45, mobile: 45, tablet: 10 }) });
    }
    people.push(p);
  }
  // Households: about 2% share a landline with someone of the same surname in the same
  // country. Different people, one phone number: a trap for linking on phone alone.
  for (let i = 0; i + 1 < people.length; i++) {
    const a = people[i] as Person;
    const b = people.slice(i + 1, i + 40).find((q) => q.country === a.country && q.phone && !q.sharedPhoneWith);
    if (a.phone && !a.sharedPhoneWith && b && rng.chance(0.02)) {
      b.last = a.last;
      b.city = a.city;
      b.phone = a.phone;
      b.sharedPhoneWith = a.id;
      a.sharedPhoneWith = b.id;
    }
  }
  return people;
}
