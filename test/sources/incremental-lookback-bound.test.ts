/**
 * The bound of an `incremental.lookback` run, computed on the watermark's text in the form it
 * is stored and compared in (sources/lookback.ts), the read start a run and `floe plan` share
 * (run/state.ts readStart), and the inclusive filter the database sources send.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { incrementalQuery } from '../../src/sources/incremental.js';
import { lookbackBound } from '../../src/sources/lookback.js';
import { describeStart, readStart } from '../../src/run/state.js';

const where = { pipeline: 'items', file: '/p/pipelines/items.yaml', cursor: 'updated_at' };
const bound = (watermark: string, lookback: string | number) => lookbackBound(watermark, lookback, where);

describe('lookbackBound', () => {
  it('subtracts a duration from a timestamp, keeping its form (separator, fraction, offset)', () => {
    expect(bound('2024-01-05 12:00:00', '2h')).toEqual({ after: '2024-01-05 10:00:00', inclusive: true });
    expect(bound('2024-01-05 12:00:00+00', '90m')).toEqual({ after: '2024-01-05 10:30:00+00', inclusive: true });
    expect(bound('2024-01-05T12:00:00+05:30', '1h30m').after).toBe('2024-01-05T10:30:00+05:30');
    expect(bound('2024-01-05T12:00:00Z', '13h').after).toBe('2024-01-04T23:00:00Z');
    expect(bound('2024-03-01 00:30:00.123456', '1h').after).toBe('2024-02-29 23:30:00.123456');
    expect(bound('2024-01-05 12:00:00', '250ms').after).toBe('2024-01-05 11:59:59.75');
    expect(bound('2024-01-05 12:00:00.5', '1s').after).toBe('2024-01-05 11:59:59.5');
  });

  it('crosses days and years, drops digits past microseconds, keeps a time without seconds and a -0800 offset', () => {
    expect(bound('2024-01-01 00:30:00', '1h').after).toBe('2023-12-31 23:30:00');
    expect(bound('1970-01-01 00:00:00', '1s').after).toBe('1969-12-31 23:59:59');
    expect(bound('1970-01-01', '1d').after).toBe('1969-12-31');
    expect(bound('2024-01-05T12:00', '1m').after).toBe('2024-01-05T11:59:00');
    expect(bound('2024-01-05 12:00:00.123456789', '1s').after).toBe('2024-01-05 11:59:59.123456');
    expect(bound('2024-01-05 12:00:00-0800', '30m').after).toBe('2024-01-05 11:30:00-0800');
    expect(() => bound('0000-01-01 00:00:00', '1d')).toThrow(/outside the years 0000-9999/);
    expect(() => bound('2024-01-05 25:00:00', '1h')).toThrow(/not a date or timestamp/);
  });

  it('a date cursor re-reads the whole days the lookback reaches into, and only those', () => {
    expect(bound('2024-01-05', '1d').after).toBe('2024-01-04');
    expect(bound('2024-01-05', '36h').after).toBe('2024-01-04');
    expect(bound('2024-01-05', '2d').after).toBe('2024-01-03');
    // 2h before midnight reaches no whole earlier day: only the watermark's own day (ties).
    expect(bound('2024-01-05', '2h').after).toBe('2024-01-05');
    expect(bound('2024-03-01', '1d').after).toBe('2024-02-29');
  });

  it('subtracts a number from a numeric watermark exactly', () => {
    expect(bound('1000', 100)).toEqual({ after: '900', inclusive: true });
    expect(bound('9007199254740993', 1).after).toBe('9007199254740992');
    expect(bound('10.50', 0.25).after).toBe('10.25');
    expect(bound('0.1', 0.3).after).toBe('-0.2');
    expect(bound('5', 7.5).after).toBe('-2.5');
    expect(bound('-3', 2).after).toBe('-5');
    expect(Number(bound('1e+20', 1e19).after)).toBe(9e19);
  });

  it('0 keeps the watermark as the bound, inclusive, for any cursor (ties only)', () => {
    expect(bound('abc', 0)).toEqual({ after: 'abc', inclusive: true });
    expect(bound('2024-01-05 12:00:00', '0s')).toEqual({ after: '2024-01-05 12:00:00', inclusive: true });
    expect(bound('42', '0m')).toEqual({ after: '42', inclusive: true });
  });

  it('a lookback whose kind does not fit the watermark is a config error naming the pipeline file', () => {
    const fails = (watermark: string, lookback: string | number) => {
      try {
        bound(watermark, lookback);
      } catch (e) {
        expect(e).toBeInstanceOf(FloeError);
        expect((e as FloeError).kind).toBe('config');
        return e as FloeError;
      }
      throw new Error('no error');
    };
    expect(fails('42', '2h').message).toBe('pipeline items (/p/pipelines/items.yaml): incremental.lookback 2h is a duration, but the last committed updated_at is "42", not a date or timestamp');
    expect(fails('42', '2h').hint).toBe('A numeric cursor takes a number: lookback: 1000.');
    expect(fails('2024-01-05 12:00:00', 5).message).toBe('pipeline items (/p/pipelines/items.yaml): incremental.lookback 5 is a number, but the last committed updated_at is "2024-01-05 12:00:00", not a number');
    expect(fails('2024-01-05 12:00:00', 5).hint).toBe('A timestamp or date cursor takes a duration: lookback: 2h.');
    expect(fails('abc', '1d').hint).toBe('A text cursor takes no lookback but 0 (ties only).');
    expect(fails('2024-02-30 10:00:00', '1h').message).toContain('not a date or timestamp');
  });
});

describe('lookbackBound by the cursor type', () => {
  const typed = (type: string, watermark: string, lookback: string | number) => lookbackBound(watermark, lookback, { ...where, type, at: { line: 3, col: 60 } });
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect((e as FloeError).kind).toBe('config');
      return (e as FloeError).message;
    }
    throw new Error('no error');
  };

  it('a whole-number cursor rounds a fractional bound up to the first whole number (the same rows)', () => {
    expect(typed('long', '200', 1.5).after).toBe('199');
    expect(typed('int', '200', 0.5).after).toBe('200');
    expect(typed('BIGINT', '1', 2.5).after).toBe('-1');
    expect(typed('decimal(10,0)', '200', 1.25).after).toBe('199');
    expect(typed('decimal(10,2)', '200.00', 1.5).after).toBe('198.50');
    expect(typed('double', '200.0', 1.5).after).toBe('198.5');
  });

  it('a text cursor takes only 0, whatever its watermark looks like; the error names the lookback position', () => {
    expect(typed('string', '000200', 0)).toEqual({ after: '000200', inclusive: true });
    expect(error(() => typed('string', '000200', 50))).toBe(
      '/p/pipelines/items.yaml:3:60: source.incremental.lookback: 50 cannot be subtracted from the text cursor updated_at (string): text is compared as text, so a bound below "000200" has no order to follow',
    );
    expect(error(() => typed('VARCHAR', '2024-01-05 12:00:00', '2h'))).toContain('cannot be subtracted from the text cursor');
  });

  it('the kind of lookback follows the type, not the watermark', () => {
    expect(error(() => typed('long', '1000', '2h'))).toBe('/p/pipelines/items.yaml:3:60: source.incremental.lookback: 2h is a duration, but updated_at is a number (long)');
    expect(error(() => typed('timestamptz', '2024-01-05 12:00:00+00', 5))).toBe('/p/pipelines/items.yaml:3:60: source.incremental.lookback: 5 is a number, but updated_at is a date or timestamp (timestamptz)');
    expect(typed('timestamp', '2024-01-05 12:00:00', '2h').after).toBe('2024-01-05 10:00:00');
    expect(typed('date', '2024-01-05', '1d').after).toBe('2024-01-04');
  });
});

describe('readStart', () => {
  const at = { pipeline: 'items' };
  it('without a committed watermark: incremental.initial, exclusive, and no lookback', () => {
    const s = readStart(at, { cursor: 'updated_at', initial: '2024-01-01', lookback: '2h' }, null);
    expect(s).toEqual({ column: 'updated_at', watermark: '2024-01-01', after: '2024-01-01', inclusive: false, committed: false });
    expect(describeStart(s)).toBe('updated_at > 2024-01-01 (incremental.initial: no committed updated_at yet)');
    expect(describeStart(readStart(at, { cursor: 'updated_at' }, null))).toBe('every row (no committed updated_at yet)');
  });

  it('with one: the watermark less the lookback, inclusive; without a lookback the watermark, exclusive', () => {
    const s = readStart(at, { cursor: 'updated_at', lookback: '2h' }, '2024-01-05 12:00:00');
    expect(s).toEqual({ column: 'updated_at', watermark: '2024-01-05 12:00:00', after: '2024-01-05 10:00:00', inclusive: true, committed: true, lookback: '2h' });
    expect(describeStart(s)).toBe('updated_at >= 2024-01-05 10:00:00 (last committed 2024-01-05 12:00:00 less lookback 2h)');
    const plain = readStart(at, { cursor: 'updated_at' }, '2024-01-05 12:00:00');
    expect(describeStart(plain)).toBe('updated_at > 2024-01-05 12:00:00 (last committed)');
  });
});

describe('incrementalQuery', () => {
  it('compares with >= when the bound is inclusive', () => {
    expect(incrementalQuery('postgres', 'SELECT * FROM t', 'updated_at', '$1', undefined, true)).toBe('SELECT * FROM (\nSELECT * FROM t\n) AS q\nWHERE (q."updated_at" >= $1 OR q."updated_at" IS NULL)\nORDER BY q."updated_at"');
    expect(incrementalQuery('mysql', 'SELECT * FROM t', 'seq', '?')).toContain('WHERE (q.`seq` > ? OR q.`seq` IS NULL)');
  });
});
