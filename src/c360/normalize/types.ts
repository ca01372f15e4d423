/**
 * What every Customer 360 normaliser returns (DESIGN §4, `columns: { x: { normalize: ... } }`).
 *
 * A normaliser is a pure function of one value (and options fixed when the rule is
 * compiled): no IO, no clock, no global state, so the engine can run it row by row, in any
 * order, in a DuckDB scalar function, and a re-run gives the same table.
 */

/**
 * Why a present value could not be normalised. The stored value is then null and the
 * reason is recorded with the row (`rejects:` in the pipeline decides whether the run
 * fails). The codes are stable: checks and reject tables group by them.
 */
export const REJECT_REASONS = {
  'invalid-email': 'not a valid email address',
  'invalid-phone': 'not a valid phone number for its country (libphonenumber metadata)',
  'missing-country-code': 'a phone number without a country code, and the column rule has no region',
  'unknown-country': 'neither an ISO 3166 code nor a country name floe recognises',
  'invalid-timestamp': 'not a timestamp in a recognised format, or out of range',
  'invalid-boolean': 'not a boolean: true/false, t/f, yes/no, y/n, on/off, 1/0 or a true_values/false_values word',
  'unsupported-type': 'a value of a type this normaliser does not accept (object, boolean, ...)',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;

/** Facts worth auditing about a value that was kept (or, for `placeholder`, nulled on purpose). */
export const FLAGS = {
  placeholder: "a placeholder such as 'n/a' or 'null'; stored as null, not rejected",
  'international-prefix-00': "'00' read as the international prefix although the default region dials another",
  alias: "a common name that ISO 3166 does not define (UK, England, EL); mapped to its code",
  nonexistent: 'a local time skipped by a daylight-saving change; shifted forward by the gap',
  ambiguous: 'a local time repeated by a daylight-saving change; the earlier instant was chosen',
} as const;
export type Flag = keyof typeof FLAGS;

export interface Normalized {
  /** The value to store: canonical text, or null when missing, a placeholder or rejected. */
  value: string | null;
  /**
   * The key identity resolution compares, when it may differ from `value` (email: Gmail dots
   * and plus-tags removed; name: case and accents folded). Never stored in place of `value`.
   */
  matchKey?: string;
  /** Set only when a present value was unusable; `value` is then null. */
  reject?: RejectReason;
  flags?: Flag[];
}

/** A normaliser with its options already checked and compiled. */
export type Normalizer = (value: unknown) => Normalized;
