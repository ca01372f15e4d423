/**
 * Phone numbers that are valid in libphonenumber's full metadata (checked, not assumed), and
 * the ways people and systems write them.
 */
import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/max';
import type { Rng } from './rng.js';
import type { Country } from './vocab.js';

// National significant number templates: fixed digits, then 'x' for a random digit.
const TEMPLATES: Readonly<Record<Country, readonly string[]>> = {
  US: ['212', '415', '312', '617', '206', '303', '512', '404', '305', '213', '646', '718', '720', '503'].map((a) => `${a}xxxxxxx`),
  CA: ['416', '647', '604', '778', '514', '438', '403', '613', '902'].map((a) => `${a}xxxxxxx`),
  GB: ['74xxxxxxxx', '75xxxxxxxx', '77xxxxxxxx', '78xxxxxxxx', '79xxxxxxxx', '207xxxxxxx', '208xxxxxxx', '161xxxxxxx', '131xxxxxxx'],
  IE: ['83xxxxxxx', '85xxxxxxx', '86xxxxxxx', '87xxxxxxx', '1xxxxxxx'],
  DE: ['151xxxxxxxx', '160xxxxxxx', '170xxxxxxx', '176xxxxxxxx', '30xxxxxxxx', '89xxxxxxxx', '40xxxxxxxx'],
  FR: ['6xxxxxxxx', '7xxxxxxxx', '1xxxxxxxx', '4xxxxxxxx'],
  ES: ['6xxxxxxxx', '91xxxxxxx', '93xxxxxxx'],
  NL: ['6xxxxxxxx', '20xxxxxxx', '10xxxxxxx'],
};

/** A phone number valid for `country`, as a parsed PhoneNumber. */
export function validPhone(rng: Rng, country: Country): PhoneNumber {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const national = rng.pick(TEMPLATES[country]).replace(/x/g, () => String(rng.int(0, 9)));
    // NANP 555-01XX is reserved for fiction, and floe blocks it: keep real-looking numbers real.
    if (/^\d{3}555/.test(national)) continue;
    const n = parsePhoneNumberFromString(national, country);
    if (n?.isValid()) return n;
  }
  throw new Error(`no valid phone number found for ${country}`);
}

export type PhoneStyle = 'national' | 'dashes' | 'dots' | 'digits' | 'international' | 'e164' | 'idd00' | 'trunk0' | 'noplus' | 'ext';

/** The number written in `style`; styles that only exist in North America fall back to national. */
export function formatPhone(n: PhoneNumber, style: PhoneStyle, rng: Rng): string {
  const nanp = n.countryCallingCode === '1';
  const nsn = n.nationalNumber;
  switch (style) {
    case 'national':
      return n.formatNational();
    case 'dashes':
      return nanp ? `${nsn.slice(0, 3)}-${nsn.slice(3, 6)}-${nsn.slice(6)}` : n.formatNational();
    case 'dots':
      return nanp ? `${nsn.slice(0, 3)}.${nsn.slice(3, 6)}.${nsn.slice(6)}` : n.formatNational().replace(/ /g, '.');
    case 'digits':
      return nanp ? nsn : n.formatNational().replace(/\D/g, '');
    case 'international':
      return n.formatInternational();
    case 'e164':
      return n.number;
    case 'idd00':
      return `00${n.formatInternational().slice(1)}`;
    case 'trunk0':
      // '+44 (0)20 7946 0000': the UK habit of showing the trunk prefix in brackets.
      return nanp ? n.formatInternational() : n.formatInternational().replace(' ', ' (0)');
    case 'noplus':
      return n.number.slice(1);
    case 'ext':
      return `${n.formatNational()} x${rng.int(10, 999)}`;
  }
}

/** Junk people type into a required phone field. */
export const JUNK_PHONES = ['0000000000', '(111) 111-1111', '123-456-7890', '999-999-9999', '(555) 555-5555', '1', 'none', 'n/a'];
