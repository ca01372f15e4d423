import { describe, expect, it } from 'vitest';
import { columnTypeProblem, formatDuration, parseDuration, parsePartitionExpr, parseSortExpr, tryParseDuration, tryParsePercent } from '../../src/pipeline/index.js';

const ok = <T>(r: { ok: true; value: T } | { ok: false; problem: string }): T => {
  if (!r.ok) throw new Error(r.problem);
  return r.value;
};
const problem = (r: { ok: boolean; problem?: string }) => (r.ok ? undefined : r.problem);

describe('partition and sort expressions', () => {
  it('maps the written transforms to the spec transform strings', () => {
    const cases: [string, string, string][] = [
      ['country', 'country', 'identity'],
      ['identity(country)', 'country', 'identity'],
      ['month(updated_at)', 'updated_at', 'month'],
      ['days(ts)', 'ts', 'day'],
      ['year( ts )', 'ts', 'year'],
      ['hour(ts)', 'ts', 'hour'],
      ['void(x)', 'x', 'void'],
      ['bucket(16, contact_id)', 'contact_id', 'bucket[16]'],
      ['truncate(4,name)', 'name', 'truncate[4]'],
      ['"Odd Name"', 'Odd Name', 'identity'],
      ['day(event.ts)', 'event.ts', 'day'],
    ];
    for (const [text, source, transform] of cases) expect(ok(parsePartitionExpr(text)), text).toEqual({ text, source, transform });
  });

  it('explains what is wrong with a bad expression', () => {
    expect(problem(parsePartitionExpr('bucket(0, id)'))).toMatch(/positive integer, got '0'/);
    expect(problem(parsePartitionExpr('bucket(-3, id)'))).toMatch(/positive integer/);
    expect(problem(parsePartitionExpr('truncate(id, 4)'))).toMatch(/positive integer, got 'id'/);
    expect(problem(parsePartitionExpr('bucket(16)'))).toMatch(/takes a number of buckets and a column/);
    expect(problem(parsePartitionExpr('month(a, b)'))).toMatch(/takes one column/);
    expect(problem(parsePartitionExpr('mnth(ts)'))).toMatch(/unknown transform 'mnth' \(did you mean 'month'\?\)/);
    expect(problem(parsePartitionExpr('a b'))).toMatch(/cannot read 'a b'/);
  });

  it('reads sort direction and null order, with SQL defaults', () => {
    const s = (t: string) => {
      const v = ok(parseSortExpr(t));
      return `${v.source} ${v.transform} ${v.direction} ${v['null-order']}`;
    };
    expect(s('updated_at')).toBe('updated_at identity asc nulls-first');
    expect(s('updated_at desc')).toBe('updated_at identity desc nulls-last');
    expect(s('col desc nulls first')).toBe('col identity desc nulls-first');
    expect(s('day(ts) ASC NULLS LAST')).toBe('ts day asc nulls-last');
    expect(problem(parseSortExpr('col sideways'))).toMatch(/cannot read/);
  });
});

describe('durations and percentages', () => {
  it('parses the DESIGN forms to milliseconds', () => {
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('6h')).toBe(21_600_000);
    expect(parseDuration('3d')).toBe(259_200_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('rejects malformed durations', () => {
    for (const bad of ['', '6', 'h', '6 hours', '6hours', '-1h', '1y']) expect(tryParseDuration(bad), bad).toBeUndefined();
    expect(() => parseDuration('6 hours')).toThrow(/invalid duration '6 hours': expected a duration such as 0s, 90m, 6h, 3d or 2w/);
  });

  it('formats milliseconds back to the shortest exact form', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(21_600_000)).toBe('6h');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(1_209_600_000 + 1)).toBe('2w1ms');
  });

  it('reads percentages', () => {
    expect(tryParsePercent('5%')).toBe(5);
    expect(tryParsePercent(' 0.5 % ')).toBe(0.5);
    expect(tryParsePercent(50)).toBe(50);
    expect(tryParsePercent('five')).toBeUndefined();
    expect(tryParsePercent(-1)).toBeUndefined();
  });
});

describe('column types', () => {
  it('accepts the Iceberg primitive types', () => {
    for (const t of ['boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'string', 'uuid', 'binary', 'decimal(10,2)', 'decimal(38, 0)', 'fixed[16]']) {
      expect(columnTypeProblem(t), t).toBeNull();
    }
  });
  it('explains bad types', () => {
    expect(columnTypeProblem('decimal(39,2)')).toMatch(/precision must be 1\.\.38/);
    expect(columnTypeProblem('decimal(4,6)')).toMatch(/scale 6 is larger than precision 4/);
    expect(columnTypeProblem('decimal(10)')).toMatch(/malformed/);
    expect(columnTypeProblem('fixed[0]')).toMatch(/at least 1/);
    expect(columnTypeProblem('varchar')).toMatch(/unknown type 'varchar'/);
    expect(columnTypeProblem('timestamptzz')).toMatch(/did you mean 'timestamptz'/);
  });
});
