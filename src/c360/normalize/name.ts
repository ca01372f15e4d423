/**
 * `normalize: name` for person names (first, last or full). The stored value is the name
 * cleaned (NFC, invisible characters removed, whitespace collapsed and trimmed, typographic
 * apostrophes made ASCII), in the case asked for. The match key folds case and accents,
 * drops punctuation and collapses hyphens to spaces, so 'José  O’Brien-Smith' and
 * 'JOSE OBRIEN SMITH' compare equal while each source keeps its own spelling.
 * Nothing is rejected: a name cannot be "invalid", only missing or a placeholder.
 */
import { configError } from '../../errors.js';
import { fold, prepare } from './text.js';
import type { Normalized, Normalizer } from './types.js';

/**
 * preserve (default): as typed. title: first letter of each word and of each part after a
 * hyphen or apostrophe upper-cased, the rest lower-cased, but only for words typed all in one
 * case: 'mcdonald' becomes 'Mcdonald', while 'McDonald' and 'DeShawn' are left as typed,
 * because their inner capitals are information the rule cannot rebuild. Particles are not
 * special-cased ('van der berg' becomes 'Van Der Berg'); keep such columns 'preserve'.
 */
export type NameCase = 'preserve' | 'title' | 'upper' | 'lower';
export const NAME_CASES: readonly NameCase[] = ['preserve', 'title', 'upper', 'lower'];

export interface NameOptions {
  case?: NameCase;
}

// U+2019 (’), U+02BC (ʼ), U+2018 (‘), backtick and acute accent all stand for the apostrophe in
// O'Brien, D'Angelo; which one arrives depends on the keyboard and the autocorrect.
const APOSTROPHES = /[\u2019\u02BC\u2018`\u00B4]/g;

function titleWord(word: string): string {
  const lower = word.toLowerCase();
  if (word !== lower && word !== word.toUpperCase()) return word; // mixed case: leave it
  return lower.replace(/(^|[-'])(\p{L})/gu, (_, sep: string, letter: string) => sep + letter.toUpperCase());
}

function applyCase(name: string, c: NameCase): string {
  switch (c) {
    case 'preserve':
      return name;
    case 'upper':
      return name.toUpperCase();
    case 'lower':
      return name.toLowerCase();
    case 'title':
      return name.split(' ').map(titleWord).join(' ');
  }
}

/** Case- and accent-free, letters and digits only: for comparing names, never for storing. */
export function nameMatchKey(name: string): string {
  return fold(name)
    .replace(/['.]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function nameNormalizer(options: NameOptions = {}): Normalizer {
  const c = options.case ?? 'preserve';
  if (!NAME_CASES.includes(c)) {
    throw configError(`name case '${String(c)}' is not one of ${NAME_CASES.join(', ')}`, { context: { case: c } });
  }
  return (input: unknown): Normalized => {
    const p = prepare(input);
    if ('done' in p) return p.done;
    const value = applyCase(p.text.replace(APOSTROPHES, "'"), c);
    const matchKey = nameMatchKey(value);
    // A name of punctuation only ('.', '***') has no key; store it, but never match on it.
    return matchKey === '' ? { value } : { value, matchKey };
  };
}

/** One-off convenience; pipelines compile once with nameNormalizer(). */
export function normalizeName(input: unknown, options: NameOptions = {}): Normalized {
  return nameNormalizer(options)(input);
}
