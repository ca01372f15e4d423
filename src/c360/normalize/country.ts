/**
 * `normalize: country` → ISO 3166-1 alpha-2 ('GB'). Accepted, in this order:
 *   1. floe's aliases for common non-ISO spellings (COUNTRY_ALIASES; flagged 'alias');
 *   2. an alpha-2 code, any case ('de');
 *   3. an alpha-3 code ('GBR', 'usa') or a numeric code ('826', '276');
 *   4. a country name in one of NAME_LOCALES, any case, accents and punctuation ignored
 *      ('United Kingdom', 'Deutschland', 'Royaume-Uni', 'côte d’ivoire').
 * Anything else, and names that mean two countries ('Congo'), is rejected 'unknown-country'.
 */
import { createRequire } from 'node:module';
import type * as Countries from 'i18n-iso-countries';
import { fold, prepare } from './text.js';
import type { Normalized, Normalizer } from './types.js';

/**
 * Spellings people use that i18n-iso-countries does not map (TECH-NOTES: it does not know
 * 'UK' as a code). England, Scotland, Wales and Northern Ireland are ISO 3166-2 subdivisions of
 * GB, not countries of their own. 'EL' is the European Union's code for Greece; Irish is not
 * among NAME_LOCALES, so Éire is listed here. Keys are
 * folded (lower-case, no accents or dots).
 */
export const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  uk: 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  holland: 'NL',
  eire: 'IE', // Éire, the state's name in Irish (Bunreacht na hÉireann, Art. 4)
  el: 'GR',
  // ISO 3166-1 short names that i18n-iso-countries does not list, and the everyday French
  // name of the US (the package has only 'États-Unis d'Amérique').
  'viet nam': 'VN',
  'united kingdom of great britain and northern ireland': 'GB',
  'etats unis': 'US',
};

/**
 * Languages whose country names are recognised: English plus the main languages of the
 * markets in the example sources (Germany, France, Spain, Italy, the Netherlands,
 * Portugal/Brazil). i18n-iso-countries ships 78 locales, but every extra one makes a
 * collision between languages more likely and costs start-up time.
 */
export const NAME_LOCALES: readonly string[] = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt'];

type Lib = typeof Countries;
let lib: Lib | undefined;
let names: Map<string, string> | undefined;

/**
 * Loaded on first use, and without the package's Node entry point, which registers all 78
 * locales at import time (about 140 ms) although only NAME_LOCALES are needed.
 */
function countries(): Lib {
  if (lib !== undefined) return lib;
  const require = createRequire(import.meta.url);
  const loaded = require('i18n-iso-countries/index.js') as Lib;
  for (const l of NAME_LOCALES) loaded.registerLocale(require(`i18n-iso-countries/langs/${l}.json`) as Countries.LocaleData);
  return (lib = loaded);
}

/** Folded, with punctuation made a space: 'Côte d’Ivoire' and 'cote d ivoire' meet. */
function key(s: string): string {
  return fold(s)
    .replace(/\./g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Folded name → alpha-2 across NAME_LOCALES; a name two countries share maps to '' (ambiguous). */
function nameIndex(): Map<string, string> {
  if (names !== undefined) return names;
  const index = new Map<string, string>();
  for (const locale of NAME_LOCALES) {
    for (const [code, list] of Object.entries(countries().getNames(locale, { select: 'all' }))) {
      for (const name of list) {
        const k = key(name);
        const seen = index.get(k);
        index.set(k, seen === undefined || seen === code ? code : '');
      }
    }
  }
  return (names = index);
}

export function normalizeCountry(input: unknown): Normalized {
  const p = prepare(input);
  if ('done' in p) return p.done;
  const k = key(p.text);
  const alias = COUNTRY_ALIASES[k];
  if (alias !== undefined) return { value: alias, flags: ['alias'] };
  const lib = countries();
  let code: string | undefined;
  if (/^[a-z]{2}$/.test(k)) code = lib.isValid(k.toUpperCase()) ? k.toUpperCase() : undefined;
  else if (/^[a-z]{3}$/.test(k)) code = lib.alpha3ToAlpha2(k.toUpperCase());
  else if (/^\d{1,3}$/.test(k)) code = lib.numericToAlpha2(k.padStart(3, '0'));
  // Names are tried whenever the codes fail: 'UAE' is not an alpha-3 code but is an English name.
  code ??= nameIndex().get(k) || undefined;
  // ISO 3166 qualifies short names: 'Bolivia (Plurinational State of)', 'Tanzania, United
  // Republic of'. Without the qualifier the name must still mean one country ('Congo' does not).
  if (code === undefined) {
    // Only ISO's own qualifiers ('(the)', '… of', '… of the'): 'Georgia, USA' is not Georgia.
    const short = key(p.text.replace(/\s*\((?:the|[^()]*\bof(?: the)?)\)$/i, '').replace(/,[^,]*\bof(?: the)?$/i, ''));
    if (short !== k && short !== '') code = COUNTRY_ALIASES[short] ?? (nameIndex().get(short) || undefined);
  }
  return code === undefined ? { value: null, reject: 'unknown-country' } : { value: code };
}

export function countryNormalizer(): Normalizer {
  return normalizeCountry;
}
