/**
 * Customer 360 normalisers: the `normalize:` values of a pipeline's `columns:` rules
 * (DESIGN §4). Each is a pure function, value → { value, matchKey?, reject?, flags? }
 * (types.ts), compiled once per column so that bad options fail at plan time as config
 * errors, not once per row.
 *
 * | kind      | value                          | matchKey                      | reject                                  | flags |
 * |-----------|--------------------------------|-------------------------------|-----------------------------------------|-------|
 * | email     | trimmed, lower-case address    | Gmail dots/+tags removed, ... | invalid-email                           | placeholder |
 * | phone     | E.164, '+14155552671'; an extension as ';ext=12' | —           | invalid-phone, missing-country-code     | international-prefix-00 |
 * | country   | ISO 3166 alpha-2, 'GB'         | —                             | unknown-country                         | alias |
 * | timestamp | UTC ISO, '…T07:30:00.000000Z'  | —                             | invalid-timestamp, unsupported-type     | nonexistent, ambiguous |
 * | name      | cleaned, optionally re-cased   | case/accent/punctuation-free  | —                                       | placeholder |
 * | boolean   | 'true' or 'false'              | —                             | invalid-boolean, unsupported-type       | placeholder |
 *
 * Missing input (null, blank, 'n/a', ...) is value null with no reject. Identity resolution
 * compares `matchKey ?? value` and skips values blocked by blocked.ts.
 *
 * The libraries behind these load in 50-250 ms each; commands that do not normalise should
 * import this module lazily (`await import(...)`), as the engine does with DuckDB.
 */
import { configError } from '../../errors.js';
import { booleanNormalizer } from './boolean.js';
import { countryNormalizer } from './country.js';
import { emailNormalizer } from './email.js';
import { nameNormalizer, type NameCase } from './name.js';
import { phoneNormalizer } from './phone.js';
import { timestampNormalizer } from './timestamp.js';
import { FLAGS, REJECT_REASONS, type Normalizer } from './types.js';

export type { Flag, Normalized, Normalizer, RejectReason } from './types.js';
export { FLAGS, REJECT_REASONS } from './types.js';
export { emailMatchKey, normalizeEmail } from './email.js';
export { EXTENSION_SEPARATOR, normalizePhone, phoneBase, phoneExtension, phoneRegionOf, rowPhoneRegion, type PhoneOptions } from './phone.js';
export { COUNTRY_ALIASES, NAME_LOCALES, normalizeCountry } from './country.js';
export { normalizeTimestamp, type TimestampOptions } from './timestamp.js';
export { strptimeToLuxon } from './timestamp-format.js';
export { booleanWordProblems, FALSE_WORDS, normalizeBoolean, TRUE_WORDS, type BooleanOptions } from './boolean.js';
export { nameMatchKey, normalizeName, NAME_CASES, type NameCase, type NameOptions } from './name.js';
export * from './blocked.js';

export const NORMALIZE_KINDS = ['email', 'phone', 'country', 'timestamp', 'name', 'boolean'] as const;
export type NormalizeKind = (typeof NORMALIZE_KINDS)[number];

/**
 * A column rule's normalising part. `region`, `format`, `zone`, `case` (name) and
 * `true_values` / `false_values` (here trueValues / falseValues) are the pipeline file's fields.
 */
export interface NormalizeRule {
  normalize: NormalizeKind;
  region?: string;
  format?: string | readonly string[];
  zone?: string;
  case?: NameCase;
  trueValues?: readonly string[];
  falseValues?: readonly string[];
}

/** The compiled normaliser for one column; throws a config FloeError for bad options. */
export function normalizerFor(rule: NormalizeRule): Normalizer {
  const misplaced = (field: keyof NormalizeRule, only: NormalizeKind) => {
    if (rule[field] !== undefined && rule.normalize !== only) {
      throw configError(`${field} only applies with normalize: ${only}, not normalize: ${rule.normalize}`, { context: { field } });
    }
  };
  misplaced('region', 'phone');
  misplaced('zone', 'timestamp');
  misplaced('case', 'name');
  misplaced('trueValues', 'boolean');
  misplaced('falseValues', 'boolean');
  switch (rule.normalize) {
    case 'email':
      return emailNormalizer();
    case 'phone':
      return phoneNormalizer({ region: rule.region });
    case 'country':
      return countryNormalizer();
    case 'timestamp':
      return timestampNormalizer({ zone: rule.zone, format: rule.format });
    case 'name':
      return nameNormalizer({ case: rule.case });
    case 'boolean':
      return booleanNormalizer({ trueValues: rule.trueValues, falseValues: rule.falseValues });
    default:
      throw configError(`unknown normalize '${String(rule.normalize)}': expected one of ${NORMALIZE_KINDS.join(', ')}`);
  }
}

/** Sentences for reports: "rejected: not a valid email address". */
export const describeReject = (reason: keyof typeof REJECT_REASONS): string => REJECT_REASONS[reason];
export const describeFlag = (flag: keyof typeof FLAGS): string => FLAGS[flag];
