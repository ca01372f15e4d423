import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../src/errors.js';
import type { Schema, Snapshot, TableMetadata } from '../../src/iceberg/types.js';
import { parseAsOf, parseSnapshotId, selectSnapshot } from '../../src/table/snapshot-select.js';

const schema = (id: number, names: string[]): Schema => ({
  type: 'struct',
  'schema-id': id,
  fields: names.map((name, i) => ({ id: i + 1, name, required: false, type: 'long' })),
});

const snap = (id: bigint, ms: number, schemaId?: number): Snapshot => ({
  'snapshot-id': id,
  'sequence-number': id,
  'timestamp-ms': ms,
  'manifest-list': `s3://b/t/metadata/snap-${id}.avro`,
  summary: { operation: 'append' },
  ...(schemaId === undefined ? {} : { 'schema-id': schemaId }),
});

// main: 1 → 2 → 3, then rolled back to 2 at t=400; a tag on 1 and a branch on 3.
const metadata = {
  'format-version': 2,
  'current-schema-id': 1,
  schemas: [schema(0, ['a']), schema(1, ['a', 'b'])],
  'current-snapshot-id': 2n,
  snapshots: [snap(1n, 100, 0), snap(2n, 200, 1), snap(3n, 300, 1), snap(9_223_372_036_854_775_807n, 50)],
  'snapshot-log': [
    { 'timestamp-ms': 100, 'snapshot-id': 1n },
    { 'timestamp-ms': 200, 'snapshot-id': 2n },
    { 'timestamp-ms': 300, 'snapshot-id': 3n },
    { 'timestamp-ms': 400, 'snapshot-id': 2n },
    { 'timestamp-ms': 500, 'snapshot-id': 77n },
  ],
  refs: {
    main: { 'snapshot-id': 2n, type: 'branch' },
    v1: { 'snapshot-id': 1n, type: 'tag' },
    dev: { 'snapshot-id': 3n, type: 'branch' },
  },
} as unknown as TableMetadata;

const ids = (r: ReturnType<typeof selectSnapshot>) => [r.snapshot?.['snapshot-id'], r.schema['schema-id'], r.timeTravel];

describe('selectSnapshot', () => {
  it('reads the current snapshot with the current schema', () => {
    expect(ids(selectSnapshot(metadata, { kind: 'current' }, 'db.t'))).toEqual([2n, 1, false]);
  });

  it('reads a snapshot by id with the schema it was written with', () => {
    expect(ids(selectSnapshot(metadata, { kind: 'id', snapshotId: 1n }, 'db.t'))).toEqual([1n, 0, true]);
    // no schema-id on the snapshot (v1): the current schema
    expect(ids(selectSnapshot(metadata, { kind: 'id', snapshotId: 9_223_372_036_854_775_807n }, 'db.t'))).toEqual([
      9_223_372_036_854_775_807n, 1, true,
    ]);
  });

  it('reads as of a time from main\'s snapshot log, honouring rollbacks', () => {
    const at = (ms: number) => selectSnapshot(metadata, { kind: 'as-of', timestampMs: ms }, 'db.t').snapshot?.['snapshot-id'];
    expect(at(100)).toBe(1n);
    expect(at(299)).toBe(2n);
    expect(at(300)).toBe(3n);
    expect(at(450)).toBe(2n);
    expect(selectSnapshot(metadata, { kind: 'as-of', timestampMs: 150 }, 'db.t').schema['schema-id']).toBe(0);
  });

  it('names the table and the time when nothing is that old, and when the snapshot expired', () => {
    expect(() => selectSnapshot(metadata, { kind: 'as-of', timestampMs: 99 }, 'db.t')).toThrow(
      /table db\.t has no snapshot at or before 1970-01-01T00:00:00\.099Z/,
    );
    expect(() => selectSnapshot(metadata, { kind: 'as-of', timestampMs: 600 }, 'db.t')).toThrow(/snapshot 77.*expired/);
  });

  it('reads tags with the snapshot schema and branches with the current schema', () => {
    expect(ids(selectSnapshot(metadata, { kind: 'ref', name: 'v1' }, 'db.t'))).toEqual([1n, 0, true]);
    expect(ids(selectSnapshot(metadata, { kind: 'ref', name: 'dev' }, 'db.t'))).toEqual([3n, 1, true]);
    expect(ids(selectSnapshot(metadata, { kind: 'ref', name: 'main' }, 'db.t'))).toEqual([2n, 1, false]);
  });

  it('fails with not-found naming the table and the snapshot id or ref', () => {
    try {
      selectSnapshot(metadata, { kind: 'id', snapshotId: 42n }, 'db.t');
      expect.unreachable();
    } catch (e) {
      expect(isFloeError(e, 'not-found')).toBe(true);
      expect((e as Error).message).toBe('table db.t has no snapshot 42');
    }
    expect(() => selectSnapshot(metadata, { kind: 'ref', name: 'nope' }, 'db.t')).toThrow(
      "table db.t has no branch or tag named 'nope'",
    );
  });

  it('gives no snapshot for a table without one', () => {
    const empty = { ...metadata, 'current-snapshot-id': null } as TableMetadata;
    expect(ids(selectSnapshot(empty, { kind: 'current' }, 'db.t'))).toEqual([undefined, 1, false]);
  });
});

describe('parsing --as-of and --snapshot', () => {
  it('parses ISO times (UTC unless a zone is given), dates and epoch millis', () => {
    expect(parseAsOf('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseAsOf('2024-05-01 12:00:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseAsOf('2024-05-01T14:00:00+02:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseAsOf('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseAsOf('1714564800000')).toBe(1714564800000);
    expect(() => parseAsOf('yesterday')).toThrow(/--as-of 'yesterday' is not a time/);
  });

  it('reads fractions and zones exactly', () => {
    expect(parseAsOf('2024-05-01T12:00:00.250Z')).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 250));
    expect(parseAsOf('2024-05-01T12:00:00.123456789Z')).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    expect(parseAsOf('2024-05-01T12:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseAsOf('2024-05-01T07:30:00-0430')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseAsOf('2024-05-01T14:00:00+02')).toBe(Date.UTC(2024, 4, 1, 12));
  });

  it('refuses what Date.parse would bend into some other time', () => {
    // Date.parse('-5Z') is May 2001; '2026-02-30' rolls over to March 2.
    expect(() => parseAsOf('-5')).toThrow(/--as-of '-5' is not a time/);
    expect(() => parseAsOf('2026-02-30')).toThrow(/2026-02-30 is not a calendar date/);
    expect(() => parseAsOf('2026-04-31T10:00:00Z')).toThrow(/not a calendar date/);
    expect(() => parseAsOf('2024-01-01T24:00:00Z')).toThrow(/24:00:00 is not a time of day/);
    expect(() => parseAsOf('2024-01-01T10:61:00Z')).toThrow(/is not a time of day/);
    expect(() => parseAsOf('2024-05')).toThrow(/is not a time/);
    expect(() => parseAsOf('May 5 2024')).toThrow(/is not a time/);
    expect(() => parseAsOf('2026-1-1')).toThrow(/is not a time/);
    expect(() => parseAsOf('99999999999999999999')).toThrow(/beyond the largest time/);
    expect(() => parseAsOf('2024-05-01T12:00:00+25:00')).toThrow(/\+25:00 is not a time zone offset/);
  });

  it('names the option it parses', () => {
    expect(() => parseAsOf('soon', '--to-time')).toThrow(/--to-time 'soon' is not a time/);
  });

  it('keeps 64-bit snapshot ids exact', () => {
    expect(parseSnapshotId('7505300640432048841')).toBe(7505300640432048841n);
    expect(() => parseSnapshotId('12abc')).toThrow(/not a snapshot id/);
  });
});
