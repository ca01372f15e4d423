/**
 * `incremental.lookback`: how far below the last committed high-watermark a run starts
 * reading again, so that rows committed late with a cursor at or below it (a long
 * transaction, clock skew, a tie on the watermark itself) are read by the next run. Allowed
 * only with `mode: merge`, whose key upserts the rows read again instead of adding them twice.
 *
 * With a lookback the bound is inclusive: a run reads rows with cursor >= watermark − lookback
 * (`lookback: 0` re-reads only the rows tied with the watermark). Without one it stays
 * exclusive (cursor > watermark), as before. Which arithmetic applies is chosen by the cursor
 * column's type (a number, a date or timestamp; a text cursor takes only `lookback: 0`); it is
 * done on the watermark's text, keeping its form (a date stays a date, an offset stays), since
 * every source already reads that form: the bound is compared exactly where the watermark was.
 */
import { configError } from '../errors.js';
import { floorDiv, formatDate, formatTimeOfDay } from '../iceberg/transforms/calendar.js';
import { formatDuration, tryParseDuration } from '../pipeline/duration.js';
import { parseDate, parseTimestamp } from './sql-types.js';

/** `incremental.lookback` as written: a duration (timestamp and date cursors) or a number (numeric cursors). */
export type LookbackSetting = string | number;

/** Where a run starts reading: the bound and whether rows equal to it are read. */
export interface ReadBound {
  /** The cursor value the run compares with (text, the watermark's form). */
  after: string;
  /** True: rows with cursor >= after are read (a lookback); false: cursor > after. */
  inclusive: boolean;
}

/** The lookback as people read it in messages and `floe plan`: `2h`, `1h30m`, `100`. */
export function lookbackText(lookback: LookbackSetting): string {
  if (typeof lookback === 'number') return String(lookback);
  const ms = tryParseDuration(lookback);
  return ms === undefined ? lookback : formatDuration(ms);
}

/**
 * The cursor column's type as far as the lookback's arithmetic goes: a whole number (the bound
 * is rounded up to one: `seq >= 198.5` and `seq >= 199` read the same rows), another number, a
 * date or timestamp, or text (no arithmetic: only `lookback: 0`). From an Iceberg type
 * (`long`, `decimal(10,2)`, `timestamptz`, `string`) or a DuckDB one (`BIGINT`, `VARCHAR`);
 * undefined for others.
 */
export type CursorKind = 'integer' | 'number' | 'temporal' | 'text';

export function cursorKind(type: string | undefined): CursorKind | undefined {
  const t = (type ?? '').trim().toLowerCase();
  if (/^u?(tinyint|smallint|int|integer|bigint|hugeint|long|int\d+)$/.test(t) || /^(decimal|numeric)\(\s*\d+\s*,\s*0\s*\)$/.test(t)) return 'integer';
  if (/^(decimal|numeric)\b/.test(t) || /^(float|double|real|float4|float8|double precision)$/.test(t)) return 'number';
  if (/^(date|timestamp|timestamptz|timestamp_ns|timestamptz_ns|timestamp_ms|timestamp_s|timestamp with time zone|datetime)$/.test(t)) return 'temporal';
  if (/^(string|varchar|text|char|bpchar)\b/.test(t)) return 'text';
  return undefined;
}

/** Where the bound is computed for, for messages; `type` and `at` when they are known. */
export interface LookbackWhere {
  pipeline: string;
  file?: string;
  cursor: string;
  /** The cursor column's type (the table's, which the watermark was stored from): the arithmetic follows it. */
  type?: string;
  /** Where `incremental.lookback` is written in the pipeline file. */
  at?: { line: number; col: number };
}

/** True for `0` and `0s`: only the rows tied with the watermark are read again. */
export function isZeroLookback(lookback: LookbackSetting): boolean {
  return typeof lookback === 'number' ? lookback === 0 : tryParseDuration(lookback) === 0;
}

/**
 * The bound of a run that resumes from `watermark` (the last committed high-watermark, as
 * text). The arithmetic follows the cursor's type when `where.type` gives it, else the
 * watermark's form. Throws a config error when the lookback's kind does not fit (a duration
 * with a numeric cursor, a number with a timestamp one, anything but 0 with text), at the
 * lookback's line and column when `where.at` gives them.
 */
export function lookbackBound(watermark: string, lookback: LookbackSetting, where: LookbackWhere): ReadBound {
  if (isZeroLookback(lookback)) return { after: watermark, inclusive: true };
  const fail = (why: string, hint: string) =>
    configError(
      where.file && where.at
        ? `${where.file}:${where.at.line}:${where.at.col}: source.incremental.lookback: ${lookbackText(lookback)} ${why}`
        : `pipeline ${where.pipeline}${where.file ? ` (${where.file})` : ''}: incremental.lookback ${lookbackText(lookback)} ${why}`,
      { context: { pipeline: where.pipeline, cursor: where.cursor }, hint },
    );
  const kind = cursorKind(where.type);
  const typed = where.type !== undefined ? ` (${where.type})` : '';
  if (kind === 'text') {
    throw fail(
      `cannot be subtracted from the text cursor ${where.cursor}${typed}: text is compared as text, so a bound below ${JSON.stringify(watermark)} has no order to follow`,
      `A text cursor takes no lookback but 0 (ties only); to go back by a number or a duration, give ${where.cursor} a numeric, date or timestamp type under columns:.`,
    );
  }
  if (typeof lookback === 'number') {
    if (kind === 'temporal') throw fail(`is a number, but ${where.cursor} is a date or timestamp${typed}`, 'A timestamp or date cursor takes a duration: lookback: 2h.');
    const n = subtractNumber(watermark, lookback);
    if (n === undefined) {
      throw fail(
        `is a number, but the last committed ${where.cursor} is ${JSON.stringify(watermark)}, not a number`,
        timestampOf(watermark) ? 'A timestamp or date cursor takes a duration: lookback: 2h.' : 'A text cursor takes no lookback but 0 (ties only).',
      );
    }
    // A whole-number cursor: the first whole number at or above the bound reads the same rows (and a database compares a bigint with it).
    return { after: kind === 'integer' ? ceilText(n) : n, inclusive: true };
  }
  if (kind === 'integer' || kind === 'number') throw fail(`is a duration, but ${where.cursor} is a number${typed}`, 'A numeric cursor takes a number: lookback: 1000.');
  const ms = tryParseDuration(lookback);
  const ts = timestampOf(watermark);
  if (ms === undefined || !ts) {
    throw fail(
      `is a duration, but the last committed ${where.cursor} is ${JSON.stringify(watermark)}, not a date or timestamp`,
      NUMBER.test(watermark) ? 'A numeric cursor takes a number: lookback: 1000.' : 'A text cursor takes no lookback but 0 (ties only).',
    );
  }
  return { after: ts.minus(BigInt(ms) * 1000n), inclusive: true };
}

// --- numbers ----------------------------------------------------------------------------

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const PLAIN = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;

/** `watermark − amount`, exact for plain decimals (BigInt), else as doubles. */
function subtractNumber(watermark: string, amount: number): string | undefined {
  if (!NUMBER.test(watermark)) return undefined;
  const a = PLAIN.exec(watermark);
  const b = PLAIN.exec(plainText(amount));
  if (a && b && (a[2] || a[3])) {
    const scale = Math.max(a[3]?.length ?? 0, b[3]?.length ?? 0);
    const scaled = (m: RegExpExecArray) => BigInt(`${m[1]}${m[2] || '0'}${(m[3] ?? '').padEnd(scale, '0')}`);
    const d = scaled(a) - scaled(b);
    if (scale === 0) return d.toString();
    const neg = d < 0n;
    const digits = (neg ? -d : d).toString().padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return String(Number(watermark) - amount);
}

/** The smallest whole number at or above a decimal's text (`198.5` → `199`, `-2.5` → `-2`); other text as it is. */
function ceilText(n: string): string {
  const m = /^([+-]?)(\d*)\.(\d+)$/.exec(n.trim());
  if (!m) return n;
  const whole = BigInt(`${m[1]}${m[2] || '0'}`);
  const up = m[1] !== '-' && /[1-9]/.test(m[3]!) ? whole + 1n : whole;
  return up.toString();
}

/** A JS number without an exponent when it has one (1e-7 → 0.0000001), for the exact path. */
function plainText(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/\.?0+$/, '');
}

// --- dates and timestamps ---------------------------------------------------------------

/**
 * The form of a date or timestamp watermark, kept by the bound: `YYYY-MM-DD`, or that with a
 * time (` ` or `T`), an optional fraction and an optional zone suffix (`Z`, `+00`, `+05:30`,
 * `-0800`): the forms DuckDB writes for DATE, TIMESTAMP and TIMESTAMPTZ, and ISO 8601 text.
 * The values are read by the sources' own parsers (sql-types.ts).
 */
const FORM = /^(\d{4}-\d{2}-\d{2})(?:([ T])(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?)?$/;

const DAY_US = 86_400_000_000n;

interface Instant {
  /** The watermark minus `micros`, in the watermark's form. */
  minus(micros: bigint): string;
}

function timestampOf(text: string): Instant | undefined {
  const m = FORM.exec(text.trim());
  if (!m) return undefined;
  const [, date, sep, clock, frac, zone] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined, string | undefined];
  if (sep === undefined || clock === undefined) {
    // Not a calendar day (2024-02-30): not a value any database wrote.
    const day = parseDate(date);
    if (day === undefined) return undefined;
    // A date cursor d read with d >= (midnight − lookback) is read with d >= the first whole day at or after it.
    return { minus: (micros) => dateText(-floorDiv(micros - BigInt(day) * DAY_US, DAY_US)) };
  }
  const fraction = frac ?? '';
  // Wall-clock arithmetic on the written fields: the zone suffix is left out of the parse and
  // kept as written (a fixed offset shifts both sides alike). Digits past microseconds are
  // dropped (an earlier bound).
  const wall = parseTimestamp(`${date} ${clock}${fraction ? `.${fraction.slice(0, 6)}` : ''}`);
  if (wall === undefined || !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(clock)) return undefined;
  return {
    minus: (by) => {
      const t = wall - by;
      const day = floorDiv(t, DAY_US);
      const ofDay = t - day * DAY_US;
      const sub = String(ofDay % 1_000_000n).padStart(6, '0');
      const need = sub.replace(/0+$/, '').length;
      const digits = Math.max(need, Math.min(fraction.length, 6));
      return `${dateText(day)}${sep}${formatTimeOfDay(ofDay, 6, 0n).slice(0, 8)}${digits ? `.${sub.slice(0, digits)}` : ''}${zone ?? ''}`;
    },
  };
}

/** `YYYY-MM-DD` of a day since the epoch; a bound before year 0 or after 9999 is no value a source holds. */
function dateText(day: bigint): string {
  const text = formatDate(Number(day));
  if (!/^\d{4}-/.test(text)) throw configError(`incremental.lookback reaches outside the years 0000-9999 (${text})`);
  return text;
}
