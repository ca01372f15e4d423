/**
 * Text clean-up shared by the normalisers, and the one place that decides what counts as
 * "missing": absent, blank, or a placeholder token (see blocked.ts).
 */
import type { Normalized } from './types.js';

/**
 * Tokens that mean "no value" in the sources floe meets (CRM exports, spreadsheets, pandas,
 * SQL dumps), compared case-insensitively after clean-up. Deliberately absent: 'na' (Namibia's
 * country code) and 'nan' (a given name); a numeric NaN never reaches here as text.
 */
export const PLACEHOLDERS: readonly string[] = ['null', 'nil', 'none', 'n/a', 'n.a.', '#n/a', '-', '--', '?', 'unknown', 'undefined'];
const placeholderSet = new Set(PLACEHOLDERS);

export function isPlaceholder(cleaned: string): boolean {
  return cleaned === '' || placeholderSet.has(cleaned.toLowerCase());
}

// Zero-width characters, the BOM and soft hyphens arrive from copy-paste and Excel exports;
// they are invisible, so two values that look equal would otherwise never compare equal.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
// C0/C1 controls other than whitespace (which the next step folds into a space).
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;

/**
 * NFC (so a decomposed "é" from macOS equals the precomposed one), invisible and control
 * characters removed, any run of Unicode whitespace (NBSP, ideographic space, tabs, newlines)
 * made one space, then trimmed.
 */
export function cleanText(s: string): string {
  return s.normalize('NFC').replace(INVISIBLE, '').replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/** Either cleaned, non-empty text to work on, or the final result for a missing/odd input. */
export type Prepared = { text: string } | { done: Normalized };

/**
 * Missing values are not errors: null, undefined, blank and placeholders give `value: null`
 * without a reject. Numbers and bigints are accepted as text because sources type columns
 * of digits (phones, numeric country codes) as numbers.
 */
export function prepare(input: unknown): Prepared {
  if (input === null || input === undefined) return { done: { value: null } };
  let raw: string;
  if (typeof input === 'string') raw = input;
  else if (typeof input === 'bigint' || (typeof input === 'number' && Number.isFinite(input))) raw = String(input);
  else return { done: { value: null, reject: 'unsupported-type' } };
  const text = cleanText(raw);
  if (text === '') return { done: { value: null } };
  if (isPlaceholder(text)) return { done: { value: null, flags: ['placeholder'] } };
  return { text };
}

// Letters that carry no combining mark, so NFD alone leaves them as they are.
const LATIN_EXTRA: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ð: 'd', ħ: 'h', ı: 'i', æ: 'ae', œ: 'oe', ß: 'ss', þ: 'th' };

/** Lower-case, accents and other combining marks removed: for keys, never for stored values. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øłđðħıæœßþ]/g, (c) => LATIN_EXTRA[c] ?? c);
}
