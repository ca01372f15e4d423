/**
 * The mess real sources have, applied to a person's true values. Each function takes the
 * rates it should use, so every source can be messy in its own way (see ../README.md).
 */
import type { Rng } from './rng.js';
import { COUNTRIES, DOMAIN_TYPOS, NICKNAMES, type Country } from './vocab.js';

/** One keyboard slip: swap two neighbours, drop, double or replace a letter (never the first). */
export function typo(rng: Rng, s: string): string {
  const chars = [...s];
  if (chars.length < 4) return s;
  const i = rng.int(1, chars.length - 2);
  switch (rng.weighted({ swap: 35, drop: 25, double: 20, replace: 20 })) {
    case 'swap':
      [chars[i], chars[i + 1]] = [chars[i + 1] as string, chars[i] as string];
      break;
    case 'drop':
      chars.splice(i, 1);
      break;
    case 'double':
      chars.splice(i, 0, chars[i] as string);
      break;
    default:
      chars[i] = rng.pick([...'aeiourstnl']);
  }
  return chars.join('');
}

/** Accents lost by an ASCII-only system: 'José Müller' → 'Jose Muller'. */
export const stripAccents = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '');

export interface NameMess {
  typo: number;
  upper: number;
  lower: number;
  nickname: number;
  noAccents: number;
  /** Decomposed Unicode (NFD), as macOS and some web forms send it. */
  nfd: number;
  spaces: number;
}

export function messName(rng: Rng, first: string, last: string, m: NameMess): { first: string; last: string } {
  let f = first;
  let l = last;
  if (rng.chance(m.nickname) && NICKNAMES[f]) f = NICKNAMES[f] as string;
  if (rng.chance(m.typo)) {
    if (rng.chance(0.5)) f = typo(rng, f);
    else l = typo(rng, l);
  }
  if (rng.chance(m.noAccents)) [f, l] = [stripAccents(f), stripAccents(l)];
  else if (rng.chance(m.nfd)) [f, l] = [f.normalize('NFD'), l.normalize('NFD')];
  if (rng.chance(m.upper)) [f, l] = [f.toUpperCase(), l.toUpperCase()];
  else if (rng.chance(m.lower)) [f, l] = [f.toLowerCase(), l.toLowerCase()];
  if (rng.chance(m.spaces)) {
    if (rng.chance(0.5)) f = ` ${f}  `;
    else l = l.includes(' ') ? l.replace(' ', '   ') : `${l} `;
  }
  return { first: f, last: l };
}

export interface EmailMess {
  /** Mixed case ('John.Smith@Gmail.com'). */
  case: number;
  /** Gmail: dots added or removed, a +tag, or googlemail.com. Others: a +tag. */
  alias: number;
  /** A typo in the domain: a valid, different address. */
  domainTypo: number;
  /** Not an address at all: no @, no TLD, a space. */
  invalid: number;
  /** Leading/trailing whitespace. */
  padding: number;
}

function capitalise(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  const cap = (w: string) => w.replace(/(^|[._-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
  return `${cap(local)}@${cap(domain.replace(/\.[a-z]+$/, ''))}${domain.slice(domain.lastIndexOf('.'))}`;
}

export function gmailVariant(rng: Rng, address: string): string {
  const [local = '', domain = ''] = address.split('@');
  const tag = rng.pick(['news', 'shop', 'promo', 'orders', 'spam']);
  if (domain !== 'gmail.com') return `${local}+${tag}@${domain}`;
  switch (rng.weighted({ dots: 45, tag: 35, googlemail: 20 })) {
    case 'dots':
      return local.includes('.') ? `${local.replace(/\./g, '')}@${domain}` : `${local.slice(0, 2)}.${local.slice(2)}@${domain}`;
    case 'tag':
      return `${local}+${tag}@${domain}`;
    default:
      return `${local}@googlemail.com`;
  }
}

export function messEmail(rng: Rng, address: string, m: EmailMess): string {
  let e = address;
  if (rng.chance(m.invalid)) {
    return rng.pick([e.replace('@', ' at '), e.replace(/\.[a-z.]+$/, ''), e.replace('@', '@@'), e.replace('.', ' '), e.replace('@', '')]);
  }
  if (rng.chance(m.alias)) e = gmailVariant(rng, e);
  const domain = e.slice(e.indexOf('@') + 1);
  if (rng.chance(m.domainTypo) && DOMAIN_TYPOS[domain]) e = e.replace(domain, DOMAIN_TYPOS[domain] as string);
  if (rng.chance(m.case)) e = rng.chance(0.7) ? capitalise(e) : e.toUpperCase();
  if (rng.chance(m.padding)) e = rng.pick([` ${e}`, `${e} `, `\t${e}`, `${e}\u00a0`]);
  return e;
}

/** How a free-text country field spells the country. */
export const countrySpelling = (rng: Rng, c: Country) => rng.weighted(COUNTRIES[c].spellings);

/** Loyalty numbers: 'L' and 8 digits in the programme; spreadsheets lose the leading zeros. */
export const loyaltyCanonical = (n: number) => `L${String(n).padStart(8, '0')}`;
