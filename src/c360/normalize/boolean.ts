/**
 * `normalize: boolean` → 'true' or 'false' (the engine casts it to an Iceberg boolean).
 *
 * Flags and consents arrive as whatever each system wrote: 1/0 integers, 'Y'/'N', 'yes',
 * 'TRUE', 'on'. The words below are read case-insensitively after the text clean-up every
 * normaliser shares (whitespace, NBSP and invisible characters trimmed), and a number is read
 * by its value (1, 1.0 → true; 0, 0.00 → false). A rule's `true_values` / `false_values` add
 * words (a source's own 'si', 'ja', 'opted-in') to the built-in ones; a word may mean only
 * one of the two.
 *
 * Blank text and placeholders ('n/a', 'unknown', 'null'; text.ts) are missing: NULL without
 * a reject. Anything else ('2', 'maybe', 'yes please') is not guessed: NULL, rejected as
 * 'invalid-boolean', so the run records it beside the row it kept.
 */
import { configError } from '../../errors.js';
import { cleanText, isPlaceholder } from './text.js';
import type { Normalized, Normalizer } from './types.js';

export const TRUE_WORDS: readonly string[] = ['true', 't', 'yes', 'y', 'on', '1'];
export const FALSE_WORDS: readonly string[] = ['false', 'f', 'no', 'n', 'off', '0'];

export interface BooleanOptions {
  /** Words read as true besides TRUE_WORDS (compared case-insensitively, after clean-up). */
  trueValues?: readonly string[];
  /** Words read as false besides FALSE_WORDS. */
  falseValues?: readonly string[];
}

/** The form a word is compared in: cleaned and lower-cased. */
export const booleanWord = (s: string): string => cleanText(s).toLowerCase();

// Plain decimal notation only: '1e0' or '0x1' are not a flag anyone wrote.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Problems with a rule's extra words, each with where it is (`true_values`/`false_values` and
 * its index): a blank word, or a word that would mean both true and false (with the other
 * list or the built-in words). Empty when the words are usable. Shared by the pipeline schema
 * (`floe validate`, file:line:col) and the normaliser itself.
 */
export function booleanWordProblems(options: BooleanOptions): { list: 'true_values' | 'false_values'; index: number; message: string }[] {
  const problems: { list: 'true_values' | 'false_values'; index: number; message: string }[] = [];
  const sides = [
    { list: 'true_values', words: options.trueValues ?? [], meaning: 'true', other: FALSE_WORDS, otherList: options.falseValues ?? [], otherMeaning: 'false' },
    { list: 'false_values', words: options.falseValues ?? [], meaning: 'false', other: TRUE_WORDS, otherList: options.trueValues ?? [], otherMeaning: 'true' },
  ] as const;
  for (const side of sides) {
    side.words.forEach((word, index) => {
      const w = booleanWord(word);
      if (w === '') problems.push({ list: side.list, index, message: `a blank ${side.list} word would read missing values as ${side.meaning}` });
      else if (side.other.includes(w) || (DECIMAL.test(w) && Number(w) === (side.meaning === 'true' ? 0 : 1))) {
        problems.push({ list: side.list, index, message: `'${word}' already reads as ${side.otherMeaning}; a word can mean only one of true and false` });
      } else if (side.list === 'true_values' && side.otherList.some((o) => booleanWord(o) === w)) {
        problems.push({ list: side.list, index, message: `'${word}' is in both true_values and false_values` });
      }
    });
  }
  return problems;
}

export function booleanNormalizer(options: BooleanOptions = {}): Normalizer {
  const problem = booleanWordProblems(options)[0];
  if (problem) throw configError(`${problem.list}[${problem.index}]: ${problem.message}`, { context: { field: problem.list } });
  const words = new Map<string, boolean>();
  for (const w of [...TRUE_WORDS, ...(options.trueValues ?? [])]) words.set(booleanWord(w), true);
  for (const w of [...FALSE_WORDS, ...(options.falseValues ?? [])]) words.set(booleanWord(w), false);
  const of = (b: boolean): Normalized => ({ value: b ? 'true' : 'false' });
  const invalid: Normalized = { value: null, reject: 'invalid-boolean' };
  const fromNumber = (n: number): Normalized => (n === 1 ? of(true) : n === 0 ? of(false) : invalid);
  return (input: unknown): Normalized => {
    if (input === null || input === undefined) return { value: null };
    if (typeof input === 'boolean') return of(input);
    if (typeof input === 'number') return fromNumber(input);
    if (typeof input === 'bigint') return input === 1n ? of(true) : input === 0n ? of(false) : invalid;
    if (typeof input !== 'string') return { value: null, reject: 'unsupported-type' };
    const text = cleanText(input);
    if (text === '') return { value: null };
    const word = words.get(text.toLowerCase());
    if (word !== undefined) return of(word);
    if (DECIMAL.test(text)) return fromNumber(Number(text));
    if (isPlaceholder(text)) return { value: null, flags: ['placeholder'] };
    return invalid;
  };
}

/** One-off convenience; pipelines compile once with booleanNormalizer(). */
export function normalizeBoolean(input: unknown, options: BooleanOptions = {}): Normalized {
  return booleanNormalizer(options)(input);
}
