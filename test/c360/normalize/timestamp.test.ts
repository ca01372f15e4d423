import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../../src/errors.js';
import { normalizeTimestamp, strptimeToLuxon } from '../../../src/c360/normalize/index.js';

const NY = { zone: 'America/New_York' };

describe('normalize: timestamp', () => {
  it.each([
    ['2026-06-30T12:00:00Z', {}, '2026-06-30T12:00:00.000000Z'],
    ['2026-06-30T12:00:00', {}, '2026-06-30T12:00:00.000000Z'], // no offset, default zone UTC
    ['2026-06-30 14:00:00+02:00', NY, '2026-06-30T12:00:00.000000Z'], // an offset beats the zone
    ['2026-06-30T08:00', NY, '2026-06-30T12:00:00.000000Z'], // EDT
    ['2026-01-15T07:00', NY, '2026-01-15T12:00:00.000000Z'], // EST
    ['2026-06-30', { zone: 'Europe/Berlin' }, '2026-06-29T22:00:00.000000Z'], // a date is local midnight
    ['2026-06-30T12:00:00.123456Z', {}, '2026-06-30T12:00:00.123456Z'], // microseconds survive
    ['2026-06-30 12:00:00.5', {}, '2026-06-30T12:00:00.500000Z'],
    ['Tue, 30 Jun 2026 12:00:00 GMT', {}, '2026-06-30T12:00:00.000000Z'], // HTTP / RFC 2822
    ['  2026-06-30T12:00:00Z\n', {}, '2026-06-30T12:00:00.000000Z'],
  ])('%j %j → %s', (input, options, value) => {
    expect(normalizeTimestamp(input, options)).toEqual({ value });
  });

  it('flags the spring-forward gap and shifts forward by the gap, as java.time does', () => {
    // 02:00 EST jumps to 03:00 EDT on 2026-03-08: 02:30 never happened in New York.
    expect(normalizeTimestamp('2026-03-08T02:30', NY)).toEqual({ value: '2026-03-08T07:30:00.000000Z', flags: ['nonexistent'] });
    expect(normalizeTimestamp('2026-03-29 02:15:00', { zone: 'Europe/Berlin' })).toEqual({ value: '2026-03-29T01:15:00.000000Z', flags: ['nonexistent'] });
    // The minutes either side exist.
    expect(normalizeTimestamp('2026-03-08T01:59', NY)).toEqual({ value: '2026-03-08T06:59:00.000000Z' });
    expect(normalizeTimestamp('2026-03-08T03:00', NY)).toEqual({ value: '2026-03-08T07:00:00.000000Z' });
  });

  it('flags the fall-back overlap and picks the earlier instant', () => {
    // 01:30 on 2026-11-01 happened twice in New York: EDT (05:30Z), then EST (06:30Z).
    expect(normalizeTimestamp('2026-11-01T01:30', NY)).toEqual({ value: '2026-11-01T05:30:00.000000Z', flags: ['ambiguous'] });
    // With an explicit offset there is nothing to guess.
    expect(normalizeTimestamp('2026-11-01T01:30-05:00', NY)).toEqual({ value: '2026-11-01T06:30:00.000000Z' });
  });

  it('flags a midnight that does not exist (Brazil moved clocks at 00:00)', () => {
    expect(normalizeTimestamp('2018-11-04', { zone: 'America/Sao_Paulo' })).toEqual({ value: '2018-11-04T03:00:00.000000Z', flags: ['nonexistent'] });
  });

  it('parses with a strptime format, the dialect of the pipeline file and DuckDB', () => {
    expect(normalizeTimestamp('03/08/2026 2:30 PM', { ...NY, format: '%m/%d/%Y %-I:%M %p' })).toEqual({ value: '2026-03-08T18:30:00.000000Z' });
    expect(normalizeTimestamp('08.03.2026 02:30', { ...NY, format: '%d.%m.%Y %H:%M' })).toEqual({ value: '2026-03-08T07:30:00.000000Z', flags: ['nonexistent'] });
    expect(normalizeTimestamp('20260630 120000 +0200', { format: '%Y%m%d %H%M%S %z' })).toEqual({ value: '2026-06-30T10:00:00.000000Z' });
    expect(normalizeTimestamp('30/06/2026', { format: '%m/%d/%Y' })).toEqual({ value: null, reject: 'invalid-timestamp' });
  });

  it('tries a list of formats in order: the first that reads the whole text wins', () => {
    const legacy = { format: ['%Y-%m-%d %H:%M:%S', '%m/%d/%Y'] };
    expect(normalizeTimestamp('2024-10-29 04:48:55', legacy)).toEqual({ value: '2024-10-29T04:48:55.000000Z' });
    expect(normalizeTimestamp('12/02/2023', legacy)).toEqual({ value: '2023-12-02T00:00:00.000000Z' });
    expect(normalizeTimestamp('02.12.2023', legacy)).toEqual({ value: null, reject: 'invalid-timestamp' });
    // Order decides between patterns that both read a value.
    expect(normalizeTimestamp('03/08/2026', { format: ['%d/%m/%Y', '%m/%d/%Y'] })).toEqual({ value: '2026-08-03T00:00:00.000000Z' });
    expect(normalizeTimestamp('03/08/2026', { format: ['%m/%d/%Y', '%d/%m/%Y'] })).toEqual({ value: '2026-03-08T00:00:00.000000Z' });
    expect(normalizeTimestamp('31/12/2026', { format: ['%m/%d/%Y', '%d/%m/%Y'] })).toEqual({ value: '2026-12-31T00:00:00.000000Z' });
    // A wall-clock time read by any of them is resolved in the zone, flags included.
    expect(normalizeTimestamp('2026-03-08 02:30', { ...NY, format: ['%m/%d/%Y', '%Y-%m-%d %H:%M'] })).toEqual({ value: '2026-03-08T07:30:00.000000Z', flags: ['nonexistent'] });
  });

  it('translates strptime directives and quotes literals', () => {
    expect(strptimeToLuxon('%Y-%m-%dT%H:%M:%S.%f%z')).toBe("yyyy'-'M'-'d'T'H':'m':'s'.'uZZZ");
    expect(strptimeToLuxon('%d %b %Y, %-I%p %%')).toBe("d' 'MMM' 'yyyy', 'ha' %'");
  });

  it.each(['03/08/2026 02:30', '2026-02-30', '2026-13-01', 'yesterday', '0000-01-01T00:00:00Z', '10000-01-01T00:00:00Z'])('rejects %j', (input) => {
    expect(normalizeTimestamp(input, NY)).toEqual({ value: null, reject: 'invalid-timestamp' });
  });

  it('accepts Dates; refuses numbers, which could be seconds, milliseconds or yyyymmdd', () => {
    expect(normalizeTimestamp(new Date(Date.UTC(2026, 5, 30, 12)))).toEqual({ value: '2026-06-30T12:00:00.000000Z' });
    expect(normalizeTimestamp(new Date(Number.NaN))).toEqual({ value: null, reject: 'invalid-timestamp' });
    expect(normalizeTimestamp(1_782_820_800)).toEqual({ value: null, reject: 'unsupported-type' });
    expect(normalizeTimestamp(20260630)).toEqual({ value: null, reject: 'unsupported-type' });
  });

  it('reports bad zones and formats as config errors', () => {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(isFloeError(error(() => normalizeTimestamp('x', { zone: 'Mars/Olympus_Mons' })), 'config')).toBe(true);
    expect(isFloeError(error(() => normalizeTimestamp('x', { format: '%Y %Q' })), 'config')).toBe(true);
    expect(isFloeError(error(() => normalizeTimestamp('x', { format: '%Y %Z' })), 'config')).toBe(true);
    expect(isFloeError(error(() => normalizeTimestamp('x', { format: ['%Y', '%Y %Q'] })), 'config')).toBe(true);
  });
});
