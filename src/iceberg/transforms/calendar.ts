/**
 * Proleptic Gregorian calendar arithmetic on days from 1970-01-01, for the year/month/day/hour
 * transforms (spec: "Partition Transforms") and the date/time JSON forms (spec: "Appendix D").
 * Everything floors, so instants before the epoch map to negative ordinals: 1969-12-31 is
 * day -1, month -1 (1969-12) and year -1.
 */

export const MICROS_PER_DAY = 86_400_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const NANOS_PER_MICRO = 1000n;

/** Floor division for bigints (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Floor modulo: the result has the sign of b. */
export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

export interface Civil {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
}

/** Days from 1970-01-01 → civil date (H. Hinnant's era-based algorithm, 400-year cycles). */
export function civilFromDays(days: number): Civil {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Civil date → days from 1970-01-01. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Micros from epoch → days from epoch (floor). */
export function microsToDays(micros: bigint): number {
  return Number(floorDiv(micros, MICROS_PER_DAY));
}

export function nanosToMicros(nanos: bigint): bigint {
  return floorDiv(nanos, NANOS_PER_MICRO);
}

export function yearsFromEpoch(days: number): number {
  return civilFromDays(days).year - 1970;
}

export function monthsFromEpoch(days: number): number {
  const c = civilFromDays(days);
  return (c.year - 1970) * 12 + (c.month - 1);
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** ISO-8601 date; years beyond 0000..9999 get a sign and at least 4 digits (as java.time does). */
export function formatDate(days: number): string {
  const c = civilFromDays(days);
  const y = c.year >= 0 && c.year <= 9999 ? pad(c.year, 4) : (c.year < 0 ? '-' : '+') + pad(Math.abs(c.year), 4);
  return `${y}-${pad(c.month, 2)}-${pad(c.day, 2)}`;
}

const DATE_RE = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/;

/** Parses 'YYYY-MM-DD' (optionally signed, extended years); null when malformed. */
export function parseDate(s: string): number | null {
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const days = daysFromCivil(y, mo, d);
  // Reject 2017-02-30 and friends: the round trip must give the same date.
  const c = civilFromDays(days);
  return c.month === mo && c.day === d ? days : null;
}

/** 'HH:MM:SS.ffffff' for micros from midnight (or from the start of a day). */
export function formatTimeOfDay(micros: bigint, fractionDigits: 6 | 9, sub: bigint): string {
  const secs = Number(micros / 1_000_000n);
  const frac = (micros % 1_000_000n) * (fractionDigits === 9 ? 1000n : 1n) + sub;
  const h = Math.floor(secs / 3600);
  const mi = Math.floor((secs % 3600) / 60);
  const se = secs % 60;
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(se, 2)}.${frac.toString().padStart(fractionDigits, '0')}`;
}

const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** Parses 'HH:MM[:SS[.fffffffff]]' to nanos from midnight; null when malformed. */
export function parseTimeOfDayNanos(s: string): bigint | null {
  const m = TIME_RE.exec(s);
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const se = Number(m[3] ?? '0');
  if (h > 23 || mi > 59 || se > 59) return null;
  const frac = BigInt((m[4] ?? '').padEnd(9, '0'));
  return BigInt(h * 3600 + mi * 60 + se) * 1_000_000_000n + frac;
}
