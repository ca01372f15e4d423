/**
 * The pipeline's `format:` is a strptime pattern, the dialect DuckDB's strptime() speaks
 * (DESIGN §4, columns), so one pattern means the same thing whether the engine or
 * `normalize: timestamp` parses the column. luxon has its own token language; this file
 * translates the directives that occur in exported data and refuses the rest, at compile time,
 * with the list of what is supported.
 */
import { configError } from '../../errors.js';

// strptime directive → luxon token. DuckDB's strptime reads a number with or without its
// leading zero ('3/8/2026' with %m/%d/%Y), so every numeric directive is luxon's one- or
// two-digit token ('MM' would refuse '3'); the '-' variants are the same.
const DIRECTIVES: Readonly<Record<string, string>> = {
  Y: 'yyyy',
  y: 'yy',
  m: 'M',
  '-m': 'M',
  d: 'd',
  '-d': 'd',
  e: 'd',
  H: 'H',
  '-H': 'H',
  I: 'h',
  '-I': 'h',
  M: 'm',
  '-M': 'm',
  S: 's',
  '-S': 's',
  f: 'u', // fractional seconds, any number of digits (luxon keeps milliseconds)
  g: 'SSS', // DuckDB: milliseconds
  p: 'a',
  b: 'MMM',
  h: 'MMM',
  B: 'MMMM',
  a: 'EEE',
  A: 'EEEE',
  j: 'o',
  z: 'ZZZ', // +hhmm, as C strptime and DuckDB write it; +hh:mm is tried too (offsetVariants)
  T: 'H:m:s',
  F: 'yyyy-M-d',
  D: 'M/d/yy',
  R: 'H:m',
};

/**
 * A two-digit year (%y, %D) as DuckDB's strptime reads it, 00-68 → 2000-2068 and 69-99 →
 * 1969-1999 (POSIX); luxon's own pivot is 60, so 61-68 would be read a century earlier than
 * the same `format:` on a `type: date` column reads it.
 */
export function twoDigitYear<T extends { year: number; set(values: { year: number }): T }>(d: T, luxonFormat: string): T {
  const tokens = luxonFormat.replace(/'[^']*'/g, '');
  return /(^|[^y])yy([^y]|$)/.test(tokens) && d.year >= 1961 && d.year <= 1968 ? d.set({ year: d.year + 100 }) : d;
}

/** The luxon format for a strptime pattern, e.g. '%m/%d/%Y %H:%M' → "M'/'d'/'yyyy' 'H':'m". */
export function strptimeToLuxon(pattern: string): string {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal !== '') out += `'${literal}'`;
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c !== '%') {
      // luxon has no escape for a quote inside a literal; no exported format we know needs one.
      if (c === "'") throw configError(`timestamp format '${pattern}': a single quote cannot be matched`, { context: { format: pattern } });
      literal += c;
      continue;
    }
    let d = pattern[i + 1] ?? '';
    if (d === '-') d += pattern[i + 2] ?? '';
    i += d.length;
    if (d === '%') {
      literal += '%';
      continue;
    }
    const token = DIRECTIVES[d];
    if (token === undefined) {
      throw configError(`timestamp format '${pattern}': %${d} is not supported`, {
        context: { format: pattern },
        hint: `supported: ${Object.keys(DIRECTIVES).map((k) => `%${k}`).join(' ')} %%; zone names (%Z) are not: set the column's zone instead`,
      });
    }
    flush();
    out += token;
  }
  flush();
  return out;
}

/**
 * The luxon formats a translated pattern is tried as: DuckDB's %z reads '+0200' and '+02:00'
 * alike, luxon's ZZZ only the first and ZZ only the second, so a pattern with an offset is
 * tried with each (outside quoted literals).
 */
export function offsetVariants(luxon: string): string[] {
  const parts = luxon.split(/('[^']*')/);
  if (!parts.some((part, i) => i % 2 === 0 && part.includes('ZZZ'))) return [luxon];
  return [luxon, parts.map((part, i) => (i % 2 === 0 ? part.replace(/ZZZ/g, 'ZZ') : part)).join('')];
}
