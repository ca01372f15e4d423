/**
 * A `format:` is a DuckDB strptime pattern and means the same thing to `normalize: timestamp`
 * as to a `type: date`/`timestamp` column, which DuckDB parses. It did not: luxon's two-digit
 * tokens refused a number without its leading zero ('3/8/2026' with %m/%d/%Y, which DuckDB
 * reads), so such rows were nulled, and luxon's two-digit-year pivot (60) put 61-68 a century
 * before DuckDB (03/08/65 was 1965 here, 2065 in the engine). An offset with a colon
 * ('+02:00') did not read with %z, nor a day of the year without its zeros with %j.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { normalizeTimestamp, strptimeToLuxon } from '../../../src/c360/normalize/index.js';

const CASES: [string, string][] = [
  ['3/8/2026', '%m/%d/%Y'],
  ['03/08/2026', '%m/%d/%Y'],
  ['2026-3-8 9:05:07', '%Y-%m-%d %H:%M:%S'],
  ['8.3.2026 9:5', '%d.%m.%Y %H:%M'],
  ['2026-03-08 2:30 PM', '%Y-%m-%d %I:%M %p'],
  ['03/08/65', '%m/%d/%y'],
  ['03/08/61', '%m/%d/%y'],
  ['03/08/68', '%m/%d/%y'],
  ['03/08/69', '%m/%d/%y'],
  ['20260308', '%Y%m%d'],
  ['2026-3-8T9:05:07', '%Y-%m-%dT%H:%M:%S'],
  // %z: '+hhmm' and '+hh:mm' alike ('+02:00' was refused, ISO 8601's own form).
  ['2026-07-01 12:00:00 +02:00', '%Y-%m-%d %H:%M:%S %z'],
  ['2026-07-01T12:00:00-05:00', '%Y-%m-%dT%H:%M:%S%z'],
  ['2026-07-01 12:00:00 +0200', '%Y-%m-%d %H:%M:%S %z'],
  ['2026-67', '%Y-%j'],
];

describe('normalize: timestamp reads a format as DuckDB strptime does', () => {
  it('gives the instant DuckDB gives for each value and pattern', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      for (const [text, format] of CASES) {
        const rows = (await c.runAndReadAll(`SELECT strftime(strptime('${text}', '${format}'), '%Y-%m-%dT%H:%M:%S.%fZ') AS v`)).getRowObjects();
        expect({ text, format, value: normalizeTimestamp(text, { format }).value }).toEqual({ text, format, value: rows[0]!.v });
      }
    } finally {
      c.closeSync();
    }
  });

  it('keeps a two-digit year pivot in a zone, and four-digit years as written', () => {
    expect(normalizeTimestamp('01/15/65 10:00', { format: '%m/%d/%y %H:%M', zone: 'America/New_York' })).toEqual({ value: '2065-01-15T15:00:00.000000Z' });
    expect(normalizeTimestamp('03/08/1965', { format: '%m/%d/%Y' })).toEqual({ value: '1965-03-08T00:00:00.000000Z' });
    expect(strptimeToLuxon('%m/%d/%Y')).toBe("M'/'d'/'yyyy");
  });
});
