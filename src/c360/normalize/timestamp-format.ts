/**
 * The pipeline's `format:` is a strptime pattern, the dialect DuckDB's strptime() speaks
 * (DESIGN §4, columns), so one pattern means the same thing whether the engine or
 * `normalize: timestamp` parses the column. luxon has its own token language; this file
 * translates the directives that occur in exported data and refuses the rest, at compile time,
 * with the list of what is supported.
 */
import { configError } from '../../errors.js';

// strptime directive → luxon token. '-' variants accept unpadded numbers.
const DIRECTIVES: Readonly<Record<string, string>> = {
  Y: 'yyyy',
  y: 'yy',
  m: 'MM',
  '-m': 'M',
  d: 'dd',
  '-d': 'd',
  e: 'd',
  H: 'HH',
  '-H': 'H',
  I: 'hh',
  '-I': 'h',
  M: 'mm',
  '-M': 'm',
  S: 'ss',
  '-S': 's',
  f: 'u', // fractional seconds, any number of digits (luxon keeps milliseconds)
  g: 'SSS', // DuckDB: milliseconds
  p: 'a',
  b: 'MMM',
  h: 'MMM',
  B: 'MMMM',
  a: 'EEE',
  A: 'EEEE',
  j: 'ooo',
  z: 'ZZZ', // +hhmm, as C strptime and DuckDB write it
  T: 'HH:mm:ss',
  F: 'yyyy-MM-dd',
  D: 'MM/dd/yy',
  R: 'HH:mm',
};

/** The luxon format for a strptime pattern, e.g. '%m/%d/%Y %H:%M' → "MM'/'dd'/'yyyy' 'HH':'mm". */
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
