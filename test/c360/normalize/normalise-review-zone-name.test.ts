/**
 * `normalize: timestamp` with a `zone:`: a value that names its own zone ('2026-07-01
 * 12:00:00 UTC', as Ruby's Time#to_s and many logs write it, or '… Europe/Berlin') is an
 * instant in that zone, as a value with an offset is. It used to be read in the rule's zone
 * instead (12:00 UTC stored as 16:00Z with zone America/New_York), silently; and a named-zone
 * time in a daylight-saving gap or overlap was resolved by luxon without a flag (the later
 * instant of an overlap), unlike the same time without a zone name.
 */
import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../../src/c360/normalize/index.js';

const NY = { zone: 'America/New_York' };

describe('normalize: timestamp, a value that names its zone', () => {
  it.each([
    ['2026-07-01 12:00:00 UTC', NY, '2026-07-01T12:00:00.000000Z'],
    ['2026-07-01 12:00:00 GMT', NY, '2026-07-01T12:00:00.000000Z'],
    ['2026-07-01 12:00:00 America/New_York', NY, '2026-07-01T16:00:00.000000Z'],
    ['2026-07-01 12:00:00 Europe/Berlin', NY, '2026-07-01T10:00:00.000000Z'],
    ['2026-07-01 12:00:00 europe/berlin', {}, '2026-07-01T10:00:00.000000Z'],
    ['2026-07-01T12:00[Europe/Berlin]', NY, '2026-07-01T10:00:00.000000Z'],
    // An offset beside the name fixes the instant.
    ['2026-11-01T01:30:00-05:00[America/New_York]', {}, '2026-11-01T06:30:00.000000Z'],
  ])('%j %j → %s', (input, options, value) => {
    expect(normalizeTimestamp(input, options)).toEqual({ value });
  });

  it('resolves and flags a named-zone time in a gap or an overlap as it does one in the rule zone', () => {
    expect(normalizeTimestamp('2026-03-29 02:30:00 Europe/Berlin')).toEqual({ value: '2026-03-29T01:30:00.000000Z', flags: ['nonexistent'] });
    expect(normalizeTimestamp('2026-10-25 02:30:00 Europe/Berlin', NY)).toEqual({ value: '2026-10-25T00:30:00.000000Z', flags: ['ambiguous'] });
    expect(normalizeTimestamp('2026-11-01 01:30:00 America/New_York', { zone: 'Europe/Berlin' })).toEqual({ value: '2026-11-01T05:30:00.000000Z', flags: ['ambiguous'] });
  });
});
