import { describe, expect, it } from 'vitest';
import { toBinary } from '../../../src/iceberg/conversions.js';
import { type DataFile, DataFileContent, type FieldSummary, type IcebergValue, type PartitionSpec, type Schema } from '../../../src/iceberg/types.js';
import {
  bind,
  type BoundExpr,
  formatExpr,
  metricsMightMatch,
  partitionMightMatch,
  type PredicateOp,
  projectInclusive,
  pred,
  type SqlLiteral,
  summariesMightMatch,
  and,
  or,
} from '../../../src/table/expr/index.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 's', required: false, type: 'string' },
    { id: 3, name: 'd', required: false, type: 'double' },
    { id: 4, name: 'amount', required: false, type: 'decimal(10, 2)' },
    { id: 5, name: 'ts', required: false, type: 'timestamp' },
    { id: 6, name: 'day', required: false, type: 'date' },
    { id: 7, name: 'n', required: false, type: 'int' },
    { id: 8, name: 'f', required: false, type: 'float' },
  ],
};

const int = (v: number | bigint): SqlLiteral => ({ kind: 'integer', value: BigInt(v) });
const str = (value: string): SqlLiteral => ({ kind: 'string', value });
const u = (op: PredicateOp, column: string, ...literals: SqlLiteral[]) => pred({ op, column, literals });
const b = (e: ReturnType<typeof u>): BoundExpr => bind(e, schema);

const TS = (text: string) => BigInt(Date.parse(text + 'Z')) * 1000n;

describe('bind', () => {
  it('binds names case-insensitively and converts literals to the column type', () => {
    expect(formatExpr(b(u('eq', 'ID', int(5))))).toBe('id = 5');
    expect(formatExpr(b(u('gt', 'amount', { kind: 'decimal', text: '1.5' })))).toBe('amount > 1.50');
    expect(formatExpr(b(u('lt', 'ts', str('2024-01-02 03:04:05'))))).toBe("ts < '2024-01-02T03:04:05.000000'");
    expect(formatExpr(b(u('gteq', 'ts', { kind: 'date', text: '2024-01-02' })))).toBe("ts >= '2024-01-02T00:00:00.000000'");
    expect(formatExpr(b(u('eq', 'day', str('2024-02-29'))))).toBe("day = '2024-02-29'");
  });

  it('gives up (true) where DuckDB could compare differently', () => {
    for (const e of [
      u('eq', 'id', { kind: 'decimal', text: '1.5' }), // fraction against an integer column
      u('eq', 'n', int(2n ** 40n)), // out of int range
      u('eq', 'f', { kind: 'double', value: 0.1 }), // float rounding
      u('eq', 'amount', { kind: 'decimal', text: '1.005' }), // finer than the column's scale
      u('eq', 'day', { kind: 'timestamp', text: '2024-01-01 12:00:00' }),
      u('eq', 'ts', str('2024-01-01 00:00:00+02')), // offset on a timestamp without zone
      u('eq', 'day', str('Jan 1 2024')),
      u('eq', 's', int(5)),
      u('eq', 'missing', int(1)),
      u('startsWith', 'id', str('1')),
    ]) {
      expect(b(e)).toEqual({ op: 'true' });
    }
    // Inside an OR, an unusable branch makes the whole OR unusable; inside an AND it is dropped.
    expect(bind(or([u('eq', 'id', int(1)), u('eq', 'missing', int(1))]), schema)).toEqual({ op: 'true' });
    expect(formatExpr(bind(and([u('eq', 'id', int(1)), u('eq', 'missing', int(1))]), schema))).toBe('id = 1');
  });
});

describe('inclusive projection', () => {
  const spec = (transform: string, source = 1): PartitionSpec => ({ 'spec-id': 1, fields: [{ 'source-id': source, 'field-id': 1000, name: 'p', transform }] });
  const proj = (e: ReturnType<typeof u>, transform: string, source?: number) => formatExpr(projectInclusive(b(e), spec(transform, source)));

  it('identity keeps every predicate', () => {
    expect(proj(u('notEq', 'id', int(3)), 'identity')).toBe('p <> 3');
    expect(proj(u('notIn', 'id', int(3), int(4)), 'identity')).toBe('p NOT IN (3, 4)');
    expect(proj(u('startsWith', 's', str('ab')), 'identity', 2)).toBe("p STARTS WITH 'ab'");
  });

  it('bucket projects only = and IN', () => {
    // bucket[16] of long 34 is 3 (spec appendix B test vector).
    expect(proj(u('eq', 'id', int(34)), 'bucket[16]')).toBe('p = 3');
    expect(proj(u('in', 'id', int(34), int(34)), 'bucket[16]')).toBe('p IN (3, 3)');
    expect(proj(u('lt', 'id', int(34)), 'bucket[16]')).toBe('true');
    expect(proj(u('notEq', 'id', int(34)), 'bucket[16]')).toBe('true');
    expect(proj(u('isNull', 'id'), 'bucket[16]')).toBe('p IS NULL');
  });

  it('truncate and time transforms keep order, tightening < and > on integer sources', () => {
    expect(proj(u('lt', 'id', int(20)), 'truncate[10]')).toBe('p <= 10');
    expect(proj(u('lteq', 'id', int(20)), 'truncate[10]')).toBe('p <= 20');
    expect(proj(u('gt', 'id', int(19)), 'truncate[10]')).toBe('p >= 20');
    expect(proj(u('gt', 'id', int(-1)), 'truncate[10]')).toBe('p >= 0');
    expect(proj(u('eq', 'id', int(-1)), 'truncate[10]')).toBe('p = -10');
    expect(proj(u('startsWith', 's', str('abc')), 'truncate[2]', 2)).toBe("p = 'ab'");
    expect(proj(u('startsWith', 's', str('a')), 'truncate[2]', 2)).toBe("p STARTS WITH 'a'");
    expect(proj(u('gt', 's', str('abc')), 'truncate[2]', 2)).toBe("p >= 'ab'");
    expect(proj(u('lt', 'ts', str('2024-01-02')), 'day', 5)).toBe("p <= '2024-01-01'");
    expect(proj(u('lteq', 'ts', str('2024-01-02')), 'day', 5)).toBe("p <= '2024-01-02'");
    expect(proj(u('gteq', 'ts', str('2024-03-15 10:00:00')), 'month', 5)).toBe('p >= 650');
    expect(proj(u('eq', 'day', str('2024-03-15')), 'year', 6)).toBe('p = 54');
    expect(proj(u('gt', 'ts', str('2024-01-01 05:59:59.999999')), 'hour', 5)).toBe(`p >= ${19723 * 24 + 6}`);
    expect(proj(u('eq', 'id', int(1)), 'void')).toBe('true');
    expect(proj(u('eq', 's', str('x')), 'identity')).toBe('true'); // another column
  });
});

describe('partition values', () => {
  const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 5, 'field-id': 1000, name: 'ts_day', transform: 'day' }] };
  const on = (e: ReturnType<typeof u>, value: IcebergValue) => partitionMightMatch(projectInclusive(b(e), spec), [value]);
  it('matches each value exactly after projection, with nulls', () => {
    expect(on(u('eq', 'ts', str('2024-01-01 10:00:00')), 19723)).toBe(true);
    expect(on(u('eq', 'ts', str('2024-01-01 10:00:00')), 19724)).toBe(false);
    expect(on(u('eq', 'ts', str('2024-01-01 10:00:00')), null)).toBe(false);
    expect(on(u('isNull', 'ts'), null)).toBe(true);
    expect(on(u('isNull', 'ts'), 19723)).toBe(false);
    expect(on(u('notNull', 'ts'), null)).toBe(false);
    expect(on(u('lt', 'id', int(1)), 19723)).toBe(true); // not a partition source
  });
});

describe('manifest partition summaries', () => {
  const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 3, 'field-id': 1000, name: 'd', transform: 'identity' }] };
  const sum = (lo: number | null, hi: number | null, extra: Partial<FieldSummary> = {}): FieldSummary[] => [
    { contains_null: false, contains_nan: false, lower_bound: lo === null ? null : toBinary('double', lo), upper_bound: hi === null ? null : toBinary('double', hi), ...extra },
  ];
  const on = (e: ReturnType<typeof u>, s: FieldSummary[]) => summariesMightMatch(projectInclusive(b(e), spec), s);
  const dbl = (value: number): SqlLiteral => ({ kind: 'double', value });

  it('prunes by bounds and contains_null', () => {
    expect(on(u('eq', 'd', dbl(5)), sum(1, 4))).toBe(false);
    expect(on(u('eq', 'd', dbl(4)), sum(1, 4))).toBe(true);
    expect(on(u('lt', 'd', dbl(1)), sum(1, 4))).toBe(false);
    expect(on(u('gt', 'd', dbl(4)), sum(1, 4))).toBe(false);
    expect(on(u('in', 'd', dbl(0), dbl(9)), sum(1, 4))).toBe(false);
    expect(on(u('isNull', 'd'), sum(1, 4))).toBe(false);
    expect(on(u('isNull', 'd'), sum(1, 4, { contains_null: true }))).toBe(true);
    expect(on(u('eq', 'd', dbl(5)), sum(null, null))).toBe(true); // no bounds: unknown
  });

  it('keeps NaN for > and >= (DuckDB orders NaN last) and treats -0.0 as 0.0', () => {
    expect(on(u('gt', 'd', dbl(4)), sum(1, 4, { contains_nan: true }))).toBe(true);
    expect(on(u('gt', 'd', dbl(4)), sum(1, 4, { contains_nan: null }))).toBe(true);
    expect(on(u('lt', 'd', dbl(1)), sum(1, 4, { contains_nan: true }))).toBe(false);
    expect(on(u('eq', 'd', dbl(0)), sum(-0, -0))).toBe(true);
    expect(on(u('gt', 'd', dbl(-1)), sum(-0, -0))).toBe(true);
  });
});

describe('data file metrics', () => {
  const file = (m: Partial<DataFile>): DataFile => ({ content: DataFileContent.DATA, file_path: 'f.parquet', file_format: 'PARQUET', partition: [], record_count: 10n, file_size_in_bytes: 1n, ...m });
  const bounds = (id: number, type: string, lo: IcebergValue, hi: IcebergValue, counts: { values?: bigint; nulls?: bigint; nans?: bigint } = {}): Partial<DataFile> => ({
    lower_bounds: new Map([[id, toBinary(type, lo)]]),
    upper_bounds: new Map([[id, toBinary(type, hi)]]),
    value_counts: new Map([[id, counts.values ?? 10n]]),
    null_value_counts: new Map([[id, counts.nulls ?? 0n]]),
    ...(counts.nans !== undefined ? { nan_value_counts: new Map([[id, counts.nans]]) } : {}),
  });
  const on = (e: ReturnType<typeof u>, m: Partial<DataFile>) => metricsMightMatch(b(e), file(m));

  it('longs: comparisons against bounds, IN, nulls', () => {
    const m = bounds(1, 'long', 100n, 199n);
    expect(on(u('lt', 'id', int(100)), m)).toBe(false);
    expect(on(u('lteq', 'id', int(100)), m)).toBe(true);
    expect(on(u('gt', 'id', int(199)), m)).toBe(false);
    expect(on(u('gteq', 'id', int(199)), m)).toBe(true);
    expect(on(u('eq', 'id', int(250)), m)).toBe(false);
    expect(on(u('in', 'id', int(1), int(150)), m)).toBe(true);
    expect(on(u('in', 'id', int(1), int(250)), m)).toBe(false);
    expect(on(u('notEq', 'id', int(150)), m)).toBe(true);
    expect(on(u('isNull', 'id'), m)).toBe(false);
    expect(on(u('notNull', 'id'), m)).toBe(true);
    expect(on(u('eq', 'id', int(1)), {})).toBe(true); // no metrics
  });

  it('all-null columns match only IS NULL', () => {
    const m: Partial<DataFile> = { value_counts: new Map([[2, 10n]]), null_value_counts: new Map([[2, 10n]]) };
    expect(on(u('eq', 's', str('a')), m)).toBe(false);
    expect(on(u('notNull', 's'), m)).toBe(false);
    expect(on(u('isNull', 's'), m)).toBe(true);
  });

  it('strings: truncated bounds and prefixes', () => {
    // A 16-character lower bound prefix and an incremented upper bound, as writers truncate them.
    const m = bounds(2, 'string', 'apple', 'apricoz');
    expect(on(u('eq', 's', str('apricot')), m)).toBe(true);
    expect(on(u('eq', 's', str('banana')), m)).toBe(false);
    expect(on(u('startsWith', 's', str('ap')), m)).toBe(true);
    expect(on(u('startsWith', 's', str('apq')), m)).toBe(true);
    expect(on(u('startsWith', 's', str('apz')), m)).toBe(false);
    expect(on(u('startsWith', 's', str('ab')), m)).toBe(false);
    expect(on(u('lt', 's', str('apple')), m)).toBe(false);
    // Code point order: U+1F600 (surrogate pair) sorts above U+FFFD.
    expect(on(u('gt', 's', str('\uFFFD')), bounds(2, 'string', 'a', '😀'))).toBe(true);
    expect(on(u('gt', 's', str('😀')), bounds(2, 'string', 'a', '\uFFFD'))).toBe(false);
  });

  it('doubles: NaN counts, NaN-only files, -0.0', () => {
    const m = bounds(3, 'double', 1, 4, { nans: 0n });
    expect(on(u('gt', 'd', { kind: 'double', value: 4 }), m)).toBe(false);
    expect(on(u('gt', 'd', { kind: 'double', value: 4 }), bounds(3, 'double', 1, 4, { nans: 2n }))).toBe(true);
    expect(on(u('gt', 'd', { kind: 'double', value: 4 }), bounds(3, 'double', 1, 4))).toBe(true); // NaN count unknown
    expect(on(u('lt', 'd', { kind: 'double', value: 1 }), bounds(3, 'double', 1, 4, { nans: 2n }))).toBe(false);
    const nanOnly: Partial<DataFile> = { value_counts: new Map([[3, 10n]]), null_value_counts: new Map([[3, 4n]]), nan_value_counts: new Map([[3, 6n]]) };
    expect(on(u('eq', 'd', { kind: 'double', value: 1 }), nanOnly)).toBe(false);
    expect(on(u('gteq', 'd', { kind: 'double', value: 1 }), nanOnly)).toBe(true);
    expect(on(u('eq', 'd', { kind: 'integer', value: 0n }), bounds(3, 'double', -0, -0, { nans: 0n }))).toBe(true);
  });

  it('decimals and timestamps', () => {
    const m = { ...bounds(4, 'decimal(10, 2)', 150n, 999n), ...{} };
    expect(on(u('lt', 'amount', { kind: 'decimal', text: '1.5' }), m)).toBe(false);
    expect(on(u('lteq', 'amount', { kind: 'decimal', text: '1.50' }), m)).toBe(true);
    expect(on(u('gt', 'amount', int(10)), m)).toBe(false);
    const t = bounds(5, 'timestamp', TS('2024-01-01T00:00:00'), TS('2024-01-01T23:59:59'));
    expect(on(u('gteq', 'ts', str('2024-01-02')), t)).toBe(false);
    expect(on(u('gteq', 'ts', { kind: 'timestamp', text: '2024-01-01 23:59:59' }), t)).toBe(true);
    expect(on(u('lt', 'ts', { kind: 'date', text: '2024-01-01' }), t)).toBe(false);
  });

  it('decodes bounds written before a type promotion, and answers might-match for undecodable ones', () => {
    // float bounds (4 bytes) of a column promoted to double.
    const m: Partial<DataFile> = { lower_bounds: new Map([[3, toBinary('float', 5)]]), upper_bounds: new Map([[3, toBinary('float', 6)]]) };
    expect(on(u('eq', 'd', { kind: 'double', value: 1 }), m)).toBe(false);
    expect(on(u('eq', 'd', { kind: 'double', value: 5.5 }), m)).toBe(true);
    const bad: Partial<DataFile> = { lower_bounds: new Map([[3, Uint8Array.of(1, 2, 3)]]), upper_bounds: new Map([[3, Uint8Array.of(1, 2, 3)]]) };
    expect(on(u('eq', 'd', { kind: 'double', value: 1 }), bad)).toBe(true);
    // int bounds (4 bytes) of a column promoted to long decode as long.
    const p: Partial<DataFile> = { lower_bounds: new Map([[1, toBinary('int', 5)]]), upper_bounds: new Map([[1, toBinary('int', 6)]]) };
    expect(on(u('eq', 'id', int(7)), p)).toBe(false);
    expect(on(u('eq', 'id', int(6)), p)).toBe(true);
  });
});
