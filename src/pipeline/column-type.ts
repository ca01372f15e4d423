/**
 * Iceberg primitive type strings as a pipeline file may name them in `columns.*.type`,
 * `source.columns` (csv) and `checks.schema` (spec: "Primitive Types"; JSON form per
 * "Appendix C": `decimal(P, S)`, `fixed[L]`).
 *
 * This is deliberately the subset floe can produce from a source, so `variant` or
 * `geometry` is a validation error here even though src/iceberg can read them.
 */
import { SIMPLE_PRIMITIVES } from '../iceberg/primitive.js';
import { didYouMean } from './suggest.js';

/** The parameterless primitives a source can produce: all but `unknown` and `variant`. */
export const SIMPLE_TYPES: readonly string[] = SIMPLE_PRIMITIVES.filter((t) => t !== 'unknown' && t !== 'variant');

// Appendix C: "Readers should accept optional whitespace around parameters and separators".
const DECIMAL = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;
const FIXED = /^fixed\s*\[\s*(\d+)\s*\]$/;

/**
 * Whether `type` is an integer or decimal type, whose values a cast can change by rounding
 * (`10.5` → long 11, `1.234` → decimal(9,2) 1.23): a CSV source's column declared so is read
 * as text and typed by a rule that rejects such a value (run/normalize.ts withDeclaredNumberRules).
 */
export const isExactNumberType = (type: string): boolean => type === 'int' || type === 'long' || DECIMAL.test(type.trim());

/** The scale S of `decimal(P, S)`; 0 for any other type (an integer has no fraction digits). */
export const decimalScale = (type: string): number => Number(DECIMAL.exec(type.trim())?.[2] ?? 0);

export const TYPE_HINT = `one of ${SIMPLE_TYPES.join(', ')}, decimal(P,S) or fixed[L]`;

/** Why `text` is not a usable column type, or null when it is. */
export function columnTypeProblem(text: string): string | null {
  const t = text.trim();
  if (SIMPLE_TYPES.includes(t)) return null;
  const dec = DECIMAL.exec(t);
  if (dec) {
    const p = Number(dec[1]);
    const s = Number(dec[2]);
    // "precision must be 38 or less"; a scale above the precision has no digits left of the point.
    if (p < 1 || p > 38) return `decimal precision must be 1..38, got ${p}`;
    if (s > p) return `decimal scale ${s} is larger than precision ${p}`;
    return null;
  }
  const fixed = FIXED.exec(t);
  if (fixed) return Number(fixed[1]) >= 1 ? null : 'fixed length must be at least 1';
  if (/^(decimal|fixed)\b/.test(t)) return `malformed '${t}': write decimal(P,S) or fixed[L]`;
  return `unknown type '${t}'${didYouMean(t, SIMPLE_TYPES)}: expected ${TYPE_HINT}`;
}
