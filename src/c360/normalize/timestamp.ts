/**
 * `normalize: timestamp` → a UTC instant as ISO 8601 text with microseconds,
 * '2026-03-08T07:30:00.000000Z' (what an Iceberg timestamptz holds; DuckDB casts it directly).
 *
 * Text with an offset or 'Z' is an instant already. Text without one is a wall-clock time in
 * the rule's `zone` (default UTC), and wall-clock times can be wrong twice a year:
 * - in the spring gap (2026-03-08T02:30 in America/New_York never happened) the value is
 *   shifted forward by the gap, 02:30 EST = 03:30 EDT = 07:30Z, and flagged 'nonexistent';
 *   this is what java.time's ZonedDateTime.of and Python's fold=0 do;
 * - in the autumn overlap (2026-11-01T01:30 happened twice) the earlier instant (EDT) is
 *   chosen, as java.time does, and flagged 'ambiguous'.
 * Without `format`, ISO 8601, SQL ('2026-03-08 02:30:00'), RFC 2822 and HTTP dates are read.
 * Day-first versus month-first ('03/08/2026') cannot be guessed, so such columns need a format;
 * a list of formats is tried in order (a column whose legacy rows were written another way).
 */
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { configError } from '../../errors.js';
import { prepare } from './text.js';
import { offsetVariants, strptimeToLuxon, twoDigitYear } from './timestamp-format.js';
import type { Flag, Normalized, Normalizer } from './types.js';

export interface TimestampOptions {
  /** IANA zone of values written without an offset. Default 'UTC'. */
  zone?: string;
  /** strptime pattern (see timestamp-format.ts), or several tried in order; without it the common standard forms are tried. */
  format?: string | readonly string[];
}

const DAY = 86_400_000;

function checkZone(zone: string): Zone {
  // The fixed UTC zone, not the IANA entry 'UTC': it tells luxon no wall-clock resolution is needed.
  if (zone.toUpperCase() === 'UTC') return FixedOffsetZone.utcInstance;
  if (!IANAZone.isValidZone(zone)) {
    throw configError(`timestamp zone '${zone}' is not an IANA time zone`, { context: { zone }, hint: "use a name such as 'Europe/Berlin' or 'UTC'" });
  }
  return IANAZone.create(zone);
}

type Parse = (text: string, zone: Zone | 'utc') => DateTime;

function parser(format: string | readonly string[] | undefined): Parse {
  const read = (text: string, luxon: string, zone: Zone | 'utc') => {
    const d = DateTime.fromFormat(text, luxon, { zone, setZone: true });
    return d.isValid ? twoDigitYear(d, luxon) : d;
  };
  if (format !== undefined) {
    // The first pattern that reads the whole text wins, as DuckDB's strptime with a list does.
    const patterns = (typeof format === 'string' ? [format] : format).flatMap((f) => offsetVariants(strptimeToLuxon(f)));
    return (text, zone) => {
      for (const luxon of patterns) {
        const d = read(text, luxon, zone);
        if (d.isValid) return d;
      }
      return DateTime.invalid('unparsable');
    };
  }
  return (text, zone) => {
    const o = { zone, setZone: true };
    for (const read of [DateTime.fromISO, DateTime.fromSQL, DateTime.fromRFC2822, DateTime.fromHTTP]) {
      const d = read(text, o);
      if (d.isValid) return d;
    }
    return DateTime.invalid('unparsable');
  };
}

/**
 * The instant of wall-clock time `wall` (its fields read as if UTC) in `zone`. The offsets a
 * day either side bracket any transition; each candidate is kept if the zone really has that
 * offset at the resulting instant. None: a gap. Two: an overlap.
 */
function resolveWallClock(wall: number, zone: Zone): { ms: number; flag?: Flag } {
  const offsets = new Set([zone.offset(wall - DAY), zone.offset(wall), zone.offset(wall + DAY)]);
  const instants = [...offsets].map((o) => wall - o * 60_000).filter((t) => zone.offset(t) * 60_000 === wall - t);
  instants.sort((a, b) => a - b);
  if (instants.length === 0) return { ms: wall - zone.offset(wall - DAY) * 60_000, flag: 'nonexistent' };
  if (instants.length > 1) return { ms: instants[0] as number, flag: 'ambiguous' };
  return { ms: instants[0] as number };
}

/**
 * The wall-clock time a text says, its fields read as if UTC: the text parsed in UTC, or, when
 * it names its own zone (which parsing in UTC still honours), the text without that name.
 * undefined when the text also has an offset ('…+02:00[Europe/Berlin]'): its instant is fixed.
 */
function wallClock(text: string, parse: Parse): number | undefined {
  const u = parse(text, 'utc');
  if (u.zone.type !== 'iana') return u.toMillis();
  const name = u.zone.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const bare = text.replace(new RegExp(`\\s*\\[?${name}\\]?$`, 'i'), '');
  const wall = parse(bare, 'utc');
  // Not found at the end: the fields luxon read (a time in a gap already shifted by it).
  if (!wall.isValid || wall.zone.type === 'iana') return u.toMillis() + u.offset * 60_000;
  return wall.toMillis() === parse(bare, FixedOffsetZone.instance(60)).toMillis() ? undefined : wall.toMillis();
}

/** ISO text with six fractional digits; `micros` are the digits after the milliseconds. */
function format(ms: number, micros = '000'): string | null {
  const year = new Date(ms).getUTCFullYear();
  if (!Number.isFinite(ms) || year < 1 || year > 9999) return null;
  return new Date(ms).toISOString().replace(/Z$/, `${micros}Z`);
}

/** luxon keeps milliseconds; sources (DuckDB, Postgres) write microseconds, so keep those digits. */
function subMillis(text: string): string {
  const fraction = /:\d\d[.,](\d{4,})/.exec(text)?.[1];
  return fraction === undefined ? '000' : fraction.slice(3, 6).padEnd(3, '0');
}

export function timestampNormalizer(options: TimestampOptions = {}): Normalizer {
  const zone = checkZone(options.zone ?? 'UTC');
  const parse = parser(options.format);
  return (input: unknown): Normalized => {
    if (input instanceof Date) {
      const value = format(input.getTime());
      return value === null ? { value: null, reject: 'invalid-timestamp' } : { value };
    }
    // Numbers are refused: epoch seconds, epoch milliseconds and yyyymmdd cannot be told apart.
    if (typeof input === 'number' || typeof input === 'bigint') return { value: null, reject: 'unsupported-type' };
    const p = prepare(input);
    if ('done' in p) return p.done;
    const d = parse(p.text, zone);
    if (!d.isValid) return { value: null, reject: 'invalid-timestamp' };
    let ms = d.toMillis();
    let flag: Flag | undefined;
    // An IANA zone on the result means a wall-clock time: the text had no offset of its own
    // (the rule's zone), or named its zone ('2026-07-01 12:00:00 UTC', '… Europe/Berlin'),
    // which wins over the rule's as an offset does. luxon would resolve gaps and overlaps
    // silently (and picks the later instant in an overlap), so resolve here from the wall clock.
    if (d.zone.type === 'iana') {
      const wall = wallClock(p.text, parse);
      if (wall !== undefined) ({ ms, flag } = resolveWallClock(wall, d.zone));
    }
    const value = format(ms, subMillis(p.text));
    if (value === null) return { value: null, reject: 'invalid-timestamp' };
    return flag === undefined ? { value } : { value, flags: [flag] };
  };
}

/** One-off convenience; pipelines compile once with timestampNormalizer(). */
export function normalizeTimestamp(input: unknown, options: TimestampOptions = {}): Normalized {
  return timestampNormalizer(options)(input);
}
