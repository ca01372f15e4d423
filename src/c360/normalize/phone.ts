/**
 * `normalize: phone` → E.164 ('+14155552671') with libphonenumber-js's full ("max") metadata,
 * whose isValid() knows which ranges are assigned, so junk that merely has the right length,
 * such as (111) 111-1111 or 0000000000, is rejected (TECH-NOTES, Normalisers).
 *
 * An extension is kept as RFC 3966 writes it after the number, ';ext=' and its digits:
 * '+1 212 555 0100 ext. 12' → '+12125550100;ext=12' (libphonenumber's RFC 3966 format without
 * the 'tel:' scheme). Co-workers behind one switchboard share the number and differ only in
 * the extension, so dropping it would make two people one value. libphonenumber reads the
 * stored form back as the same number and extension.
 */
import { Metadata, isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { configError } from '../../errors.js';
import { COUNTRY_ALIASES, normalizeCountry } from './country.js';
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

/** The separator between a stored number and its extension (RFC 3966 'ext' parameter). */
export const EXTENSION_SEPARATOR = ';ext=';

/** A stored phone value without its extension: '+12125550100;ext=12' → '+12125550100'. */
export function phoneBase(value: string): string {
  const at = value.indexOf(EXTENSION_SEPARATOR);
  return at < 0 ? value : value.slice(0, at);
}

/** A stored phone value's extension digits ('12'), or undefined when it has none. */
export function phoneExtension(value: string): string | undefined {
  const at = value.indexOf(EXTENSION_SEPARATOR);
  return at < 0 ? undefined : value.slice(at + EXTENSION_SEPARATOR.length);
}

const rowRegions = new Map<string, string | undefined>();

/**
 * A row's region for reading national phone numbers, from what a column of the row holds (a
 * rule's `region_from`, an identity input's `phone_region`): an ISO 3166 code ('GB', 'DEU'),
 * a country name as `normalize: country` reads it ('Deutschland', 'U.K.'), or a locale with a
 * region ('en-GB', 'de_DE'). undefined when it names no country with a numbering plan; the
 * caller then falls back to its fixed region.
 */
export function phoneRegionOf(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const t = text.trim();
  if (rowRegions.has(t)) return rowRegions.get(t);
  const locale = /^[A-Za-z]{2,3}[-_]([A-Za-z]{2})$/.exec(t);
  // A locale's region goes through the country aliases too: 'en-UK' is common, if not ISO.
  const code = locale ? (COUNTRY_ALIASES[locale[1]!.toLowerCase()] ?? locale[1]!.toUpperCase()) : normalizeCountry(t).value;
  const region = typeof code === 'string' && isSupportedCountry(code) ? code : undefined;
  if (rowRegions.size < 10_000) rowRegions.set(t, region);
  return region;
}

/**
 * The region one row's phone is read in under `region_from`: the country the row's column
 * names, or `fallback` (the rule's `region:`) when that column is null or names no country
 * with a numbering plan.
 */
export function rowPhoneRegion(rowValue: string | null | undefined, fallback: string | undefined): string | undefined {
  return phoneRegionOf(rowValue) ?? fallback;
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
    const value = number.ext === undefined ? number.number : `${number.number}${EXTENSION_SEPARATOR}${number.ext}`;
    return flags.length > 0 ? { value, flags } : { value };
  };
}

/** One-off convenience; pipelines compile once with phoneNormalizer(). */
export function normalizePhone(input: unknown, options: PhoneOptions = {}): Normalized {
  return phoneNormalizer(options)(input);
}
