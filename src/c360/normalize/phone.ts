/**
 * `normalize: phone` → E.164 ('+14155552671') with libphonenumber-js's full ("max") metadata,
 * whose isValid() knows which ranges are assigned, so junk that merely has the right length,
 * such as (111) 111-1111 or 0000000000, is rejected (TECH-NOTES, Normalisers).
 */
import { Metadata, isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { configError } from '../../errors.js';
import { COUNTRY_ALIASES } from './country.js';
import { prepare } from './text.js';
import type { Flag, Normalized, Normalizer } from './types.js';

export interface PhoneOptions {
  /**
   * ISO 3166 alpha-2 region for numbers written without a country code ('(415) 555-2671').
   * Without it such numbers are rejected with 'missing-country-code': guessing a country
   * would link strangers in different countries who share a national number.
   */
  region?: string;
}

/** The region as libphonenumber knows it; 'UK' is accepted as GB, like `normalize: country`. */
function checkRegion(region: string | undefined): CountryCode | undefined {
  if (region === undefined) return undefined;
  const upper = region.toUpperCase();
  const code = COUNTRY_ALIASES[upper.toLowerCase()] ?? upper;
  if (!isSupportedCountry(code)) {
    throw configError(`phone region '${region}' is not an ISO 3166 alpha-2 code with a telephone numbering plan`, {
      context: { region },
      hint: 'use a code such as US, GB or DE',
    });
  }
  return code;
}

/** The region's international dialling prefix: '011' in the US and Canada, '00' in most of the world. */
function iddPrefix(region: CountryCode): string | undefined {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(region);
  return metadata.numberingPlan?.IDDPrefix();
}

function parse(text: string, region: CountryCode | undefined): PhoneNumber | undefined {
  // extract: false, so the whole value must be a phone number: "call after 5pm 415 555 2671"
  // is a note, not a number.
  return parsePhoneNumberFromString(text, { defaultCountry: region, extract: false });
}

export function phoneNormalizer(options: PhoneOptions = {}): Normalizer {
  const region = checkRegion(options.region);
  // '0044 7400 123456' with region US: libphonenumber reads it as a US national number and
  // fails, because the US exit code is 011 (TECH-NOTES). '00' is the ITU-recommended prefix
  // that most of the world dials, and a NANP national number never starts with 0, so when the
  // regional reading is invalid we retry with '00' read as '+'. Never the other way round: a
  // valid regional reading always wins.
  const retry00 = region === undefined || iddPrefix(region) !== '00';
  return (input: unknown): Normalized => {
    const p = prepare(input);
    if ('done' in p) return p.done;
    // RFC 3966 'tel:' URIs come from scraped pages and click-to-call links.
    const text = p.text.replace(/^tel:/i, '');
    const flags: Flag[] = [];
    let number = parse(text, region);
    if (!number?.isValid() && retry00 && /^\(?00[1-9]/.test(text.replace(/[\s.-]/g, ''))) {
      const alt = parse(`+${text.replace(/^[\s(]*0\s*0/, '')}`, region);
      if (alt?.isValid()) {
        number = alt;
        flags.push('international-prefix-00');
      }
    }
    if (!number?.isValid()) {
      const international = /^[\s(]*(\+|00)/.test(text);
      return { value: null, reject: region === undefined && !international ? 'missing-country-code' : 'invalid-phone' };
    }
    if (number.ext !== undefined) flags.push('extension-dropped');
    return flags.length > 0 ? { value: number.number, flags } : { value: number.number };
  };
}

/** One-off convenience; pipelines compile once with phoneNormalizer(). */
export function normalizePhone(input: unknown, options: PhoneOptions = {}): Normalized {
  return phoneNormalizer(options)(input);
}
