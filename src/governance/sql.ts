/**
 * The policies as DuckDB SQL expressions, so masking runs inside the engine's scan (no
 * per-row JS). Pure: column expression in, expression out.
 *
 * - hash:   hex SHA-256 of salt || value (text form); the same value and salt always give
 *           the same hash, so hashed columns still join and count distinct.
 * - mask:   email `j***@example.com` (first character and domain kept; a one-character
 *           local part is hidden whole: `***@example.com`); phone `+1******2671` (an
 *           international number of 12 characters or more keeps its first two and last four,
 *           one * per hidden character; written without `+` (`415-555-2671`), only its last
 *           four; of 7 to 11 characters, only its last two, so that no more than half of the
 *           digits show; an extension `;ext=12` shows as `;ext=**`); anything else keeps its
 *           first and last character: `J***n`. Values of three characters or fewer become `***`.
 * - redact: NULL (of the column's own type).
 * - none:   the value unchanged (the column is only classified).
 * hash and mask turn the column into a string; NULL stays NULL.
 */
import { quoteLiteral } from '../engine/sql.js';
import { internalError } from '../errors.js';
import type { PiiColumn } from './policy.js';

export function maskSql(v: string, tag: string): string {
  const s = `CAST(${v} AS VARCHAR)`;
  const generic = `CASE WHEN length(${s}) <= 3 THEN '***' ELSE left(${s}, 1) || '***' || right(${s}, 1) END`;
  if (tag === 'email') {
    // The domain is what follows the last '@' (a quoted local part may hold one: "a@b"@x.io).
    // Only a value that looks like one address: the text of a struct or list, or a display
    // name with an address, would show everything after its last '@'.
    return `CASE WHEN ${v} IS NULL THEN NULL WHEN ${s} LIKE '_%@%' AND NOT regexp_matches(${s}, '[\\s{}\\[\\]<>,;]') THEN (CASE WHEN ${s} LIKE '_@%' THEN '' ELSE left(${s}, 1) END) || '***' || regexp_extract(${s}, '@[^@]*$') ELSE ${generic} END`;
  }
  if (tag === 'phone') {
    // A number with an extension as `normalize: phone` writes it (`+14155552671;ext=12`): the
    // number masked as below, every digit of the extension hidden (`+1******2671;ext=**`).
    const base = `regexp_extract(${s}, '^(.*);ext=[0-9]+$', 1)`;
    const ext = `regexp_extract(${s}, ';ext=([0-9]+)$', 1)`;
    return (
      `CASE WHEN ${v} IS NULL THEN NULL ` +
      `WHEN regexp_full_match(${s}, '\\+[0-9]{7,15};ext=[0-9]+') THEN ${phoneMask(base, generic)} || ';ext=' || repeat('*', length(${ext})) ` +
      `ELSE ${phoneMask(s, generic)} END`
    );
  }
  return `CASE WHEN ${v} IS NULL THEN NULL ELSE ${generic} END`;
}

/**
 * Never more than half the digits shown: 7 to 11 characters (a local or national number)
 * keep only their last two; international numbers of 12 and more (`+` and the country code
 * first) their first two and last four; longer numbers written without `+` (a national
 * number with separators, `415-555-2671`: its first two are the area code's) their last four.
 */
function phoneMask(s: string, generic: string): string {
  return (
    `CASE WHEN length(${s}) <= 6 THEN '***' ` +
    // Not a phone number (the text of a struct, a note): the generic mask.
    `WHEN NOT regexp_full_match(${s}, '[0-9+()./ -]+') THEN ${generic} ` +
    `WHEN length(${s}) < 12 THEN repeat('*', length(${s}) - 2) || right(${s}, 2) ` +
    `WHEN ${s} LIKE '+%' THEN left(${s}, 2) || repeat('*', length(${s}) - 6) || right(${s}, 4) ` +
    `ELSE repeat('*', length(${s}) - 4) || right(${s}, 4) END`
  );
}

export function hashSql(v: string, salt: string): string {
  return `CASE WHEN ${v} IS NULL THEN NULL ELSE sha256(${quoteLiteral(salt)} || CAST(${v} AS VARCHAR)) END`;
}

/** The expression for one column under its policy; `salt` is required for hash. */
export function policySql(v: string, c: Pick<PiiColumn, 'tag' | 'policy'>, salt: string | undefined): string {
  switch (c.policy) {
    case 'hash':
      if (salt === undefined) throw internalError('pii policy hash needs a salt');
      return hashSql(v, salt);
    case 'mask':
      return maskSql(v, c.tag);
    case 'redact':
      return `(CASE WHEN false THEN ${v} END)`;
    case 'none':
      return v;
  }
}
