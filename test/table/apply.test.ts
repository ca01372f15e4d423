import { describe, expect, it } from 'vitest';
import type { Schema, Snapshot, TableMetadata } from '../../src/iceberg/types.js';
import type { TableChange, TableRequirement, TableUpdate } from '../../src/table/updates.js';
import { applyChange } from '../../src/table/apply.js';
import { newTableMetadata } from '../../src/iceberg/metadata-builder.js';
import { FloeError, isFloeError } from '../../src/errors.js';

const T0 = 1_700_000_000_000;
const LOC = 's3://wh/t/metadata/00000-a.metadata.json';

function table(formatVersion: 1 | 2 | 3 = 2): TableMetadata {
  return newTableMetadata({
    location: 's3://wh/t',
    schema: {
      type: 'struct',
      fields: [
        { id: 0, name: 'id', required: true, type: 'long' },
        { id: 0, name: 'ts', required: false, type: 'timestamptz' },
      ],
    },
    partitionBy: [{ sourceName: 'ts', transform: 'day' }],
    tableUuid: 'uuid-1',
    formatVersion,
    now: T0,
  });
}

function snapshot(id: bigint, seq: bigint, parent?: bigint, extra: Partial<Snapshot> = {}): Snapshot {
  return {
    'snapshot-id': id,
    ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
    'sequence-number': seq,
    'timestamp-ms': T0 + Number(seq) * 1000,
    'manifest-list': `s3://wh/t/metadata/snap-${id}.avro`,
    summary: { operation: 'append' },
    'schema-id': 0,
    ...extra,
  };
}

const u = (...updates: TableUpdate[]): TableChange => ({ requirements: [], updates });
const apply = (base: TableMetadata | null, change: TableChange, now = T0 + 60_000, metadataLocation: string | null = LOC) =>
  applyChange(base, change, { metadataLocation, now });

/** The invariant every result must hold (types.ts, spec "Table Metadata Fields"). */
function expectInvariant(m: TableMetadata) {
  expect(m['current-snapshot-id']).toBe(m.refs.main?.['snapshot-id'] ?? null);
}

function append(base: TableMetadata, id: bigint, now = T0 + 60_000): TableMetadata {
  const parent = base['current-snapshot-id'] ?? undefined;
  const m = apply(
    base,
    {
      requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': base['current-snapshot-id'] }],
      updates: [
        { action: 'add-snapshot', snapshot: snapshot(id, base['last-sequence-number'] + 1n, parent) },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id },
      ],
    },
    now,
  );
  expectInvariant(m);
  return m;
}

function conflict(f: () => unknown): FloeError {
  try {
    f();
  } catch (e) {
    expect(isFloeError(e, 'conflict')).toBe(true);
    return e as FloeError;
  }
  throw new Error('expected a conflict');
}

describe('applyChange basics', () => {
  it('returns a new object and never mutates the base', () => {
    const base = table();
    const frozen = structuredClone(base);
    const m = append(base, 11n);
    expect(base).toEqual(frozen);
    expect(m).not.toBe(base);
    expect(m.snapshots).toHaveLength(1);
  });

  it('sets last-updated-ms to now, never backwards', () => {
    expect(apply(table(), u(), T0 + 5)['last-updated-ms']).toBe(T0 + 5);
    expect(apply(table(), u(), T0 - 5)['last-updated-ms']).toBe(T0);
  });
});

describe('requirements (REST spec TableRequirement)', () => {
  const base = append(table(), 11n);
  const ok: TableRequirement[] = [
    { type: 'assert-table-uuid', uuid: 'uuid-1' },
    { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 11n },
    { type: 'assert-ref-snapshot-id', ref: 'audit', 'snapshot-id': null },
    { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 },
    { type: 'assert-current-schema-id', 'current-schema-id': 0 },
    { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 1000 },
    { type: 'assert-default-spec-id', 'default-spec-id': 0 },
    { type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 },
  ];

  it('passes when every requirement holds', () => {
    expect(() => apply(base, { requirements: ok, updates: [] })).not.toThrow();
  });

  it.each([
    [{ type: 'assert-table-uuid', uuid: 'other' }, /assert-table-uuid failed: expected other, found uuid-1/, false],
    [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 10n }, /assert-ref-snapshot-id \(ref 'main'\) failed: expected 10, found 11/, true],
    [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }, /expected none, found 11/, true],
    [{ type: 'assert-ref-snapshot-id', ref: 'audit', 'snapshot-id': 11n }, /\(ref 'audit'\) failed: expected 11, found none/, true],
    [{ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 1 }, /assert-last-assigned-field-id failed: expected 1, found 2/, true],
    [{ type: 'assert-current-schema-id', 'current-schema-id': 1 }, /assert-current-schema-id failed: expected 1, found 0/, true],
    [{ type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 }, /expected 999, found 1000/, true],
    [{ type: 'assert-default-spec-id', 'default-spec-id': 1 }, /assert-default-spec-id failed: expected 1, found 0/, true],
    [{ type: 'assert-default-sort-order-id', 'default-sort-order-id': 1 }, /assert-default-sort-order-id failed: expected 1, found 0/, true],
    [{ type: 'assert-create' }, /assert-create failed: expected no table, found a table with uuid uuid-1/, false],
  ] as [TableRequirement, RegExp, boolean][])('%# fails as a conflict', (r, message, retryable) => {
    const e = conflict(() => apply(base, { requirements: [r], updates: [] }));
    expect(e.message).toMatch(message);
    expect(e.retryable).toBe(retryable);
    expect(e.context.requirement).toBe(r.type);
  });

  it('fails every non-create requirement when the table does not exist', () => {
    const e = conflict(() => apply(null, { requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }], updates: [] }));
    expect(e.message).toMatch(/expected an existing table, found no table/);
  });

  it('checks requirements against the base, before any update', () => {
    const change: TableChange = {
      requirements: [{ type: 'assert-default-spec-id', 'default-spec-id': 0 }],
      updates: [{ action: 'set-properties', updates: { a: 'b' } }],
    };
    expect(apply(base, change).properties.a).toBe('b');
  });
});

describe('schemas', () => {
  const added: Schema = {
    type: 'struct',
    'schema-id': 99,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'ts', required: false, type: 'timestamptz' },
      { id: 3, name: 'email', required: false, type: 'string' },
    ],
  };

  it('adds a schema with id max+1 and sets it current with -1', () => {
    const m = apply(table(), u({ action: 'add-schema', schema: added }, { action: 'set-current-schema', 'schema-id': -1 }));
    expect(m.schemas.map((s) => s['schema-id'])).toEqual([0, 1]);
    expect(m['current-schema-id']).toBe(1);
    expect(m['last-column-id']).toBe(3);
  });

  it('reuses an identical existing schema instead of adding a duplicate', () => {
    const base = table();
    const same = { ...base.schemas[0]!, 'schema-id': 5 };
    const m = apply(base, u({ action: 'add-schema', schema: same }, { action: 'set-current-schema', 'schema-id': -1 }));
    expect(m.schemas).toHaveLength(1);
    expect(m['current-schema-id']).toBe(0);
  });

  it('can switch back to an older schema by id', () => {
    const m1 = apply(table(), u({ action: 'add-schema', schema: added }, { action: 'set-current-schema', 'schema-id': -1 }));
    const m2 = apply(m1, u({ action: 'set-current-schema', 'schema-id': 0 }));
    expect(m2['current-schema-id']).toBe(0);
    expect(m2['last-column-id']).toBe(3);
  });

  it('rejects -1 with no schema added, unknown ids, and a lower last-column-id', () => {
    expect(() => apply(table(), u({ action: 'set-current-schema', 'schema-id': -1 }))).toThrow(/this change added no schema/);
    expect(() => apply(table(), u({ action: 'set-current-schema', 'schema-id': 4 }))).toThrow(/no schema with id 4/);
    expect(() => apply(table(), u({ action: 'add-schema', schema: added, 'last-column-id': 1 }))).toThrow(/invalid last-column-id 1/);
  });

  it('rejects v3 types in a v2 table and accepts them after an upgrade', () => {
    const ns: Schema = { ...added, fields: [...added.fields, { id: 4, name: 'ns', required: false, type: 'timestamp_ns' }] };
    const change = u({ action: 'add-schema', schema: ns }, { action: 'set-current-schema', 'schema-id': -1 });
    expect(() => apply(table(), change)).toThrow(/needs format version 3/);
    const up = apply(table(), u({ action: 'upgrade-format-version', 'format-version': 3 }, ...change.updates));
    expect(up['format-version']).toBe(3);
    expect(up['next-row-id']).toBe(0n);
  });
});

describe('partition specs and sort orders', () => {
  const bucket = { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[4]' }] };

  it('adds a spec with a new id, tracks last-partition-id, sets default with -1', () => {
    const m = apply(table(), u({ action: 'add-spec', spec: bucket }, { action: 'set-default-spec', 'spec-id': -1 }));
    expect(m['partition-specs'].map((s) => s['spec-id'])).toEqual([0, 1]);
    expect(m['default-spec-id']).toBe(1);
    expect(m['last-partition-id']).toBe(1001);
  });

  it('reuses an equivalent spec', () => {
    const base = table();
    const m = apply(base, u({ action: 'add-spec', spec: { ...base['partition-specs'][0]!, 'spec-id': 7 } }, { action: 'set-default-spec', 'spec-id': -1 }));
    expect(m['partition-specs']).toHaveLength(1);
    expect(m['default-spec-id']).toBe(0);
  });

  it('rejects a new spec that gives an existing partition field id to a different field', () => {
    const clash = { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[4]' }] };
    expect(() => apply(table(), u({ action: 'add-spec', spec: clash }))).toThrow(/reuses field id 1000 of 'ts_day'/);
    const reuse = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }, bucket.fields[0]!] };
    expect(apply(table(), u({ action: 'add-spec', spec: reuse }))['partition-specs']).toHaveLength(2);
  });

  it('rejects an unknown default spec', () => {
    expect(() => apply(table(), u({ action: 'set-default-spec', 'spec-id': 3 }))).toThrow(/no spec with id 3/);
    expect(() => apply(table(), u({ action: 'set-default-spec', 'spec-id': -1 }))).toThrow(/added no partition spec/);
  });

  it('adds sort orders from id 1, reuses equal ones, keeps 0 for unsorted', () => {
    const order = { 'order-id': 0, fields: [{ transform: 'identity', 'source-id': 2, direction: 'asc' as const, 'null-order': 'nulls-first' as const }] };
    const m = apply(table(), u({ action: 'add-sort-order', 'sort-order': order }, { action: 'set-default-sort-order', 'sort-order-id': -1 }));
    expect(m['sort-orders'].map((o) => o['order-id'])).toEqual([0, 1]);
    expect(m['default-sort-order-id']).toBe(1);
    const again = apply(m, u({ action: 'add-sort-order', 'sort-order': { ...order, 'order-id': 9 } }, { action: 'set-default-sort-order', 'sort-order-id': -1 }));
    expect(again['sort-orders']).toHaveLength(2);
    const unsorted = apply(m, u({ action: 'add-sort-order', 'sort-order': { 'order-id': 5, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 }));
    expect(unsorted['default-sort-order-id']).toBe(0);
    expect(unsorted['sort-orders']).toHaveLength(2);
  });

  it('rejects a default spec that refers to a column the current schema lacks', () => {
    const spec = { 'spec-id': 0, fields: [{ 'source-id': 42, 'field-id': 1001, name: 'x', transform: 'identity' }] };
    expect(() => apply(table(), u({ action: 'add-spec', spec }, { action: 'set-default-spec', 'spec-id': -1 }))).toThrow(/column id 42/);
  });
});

describe('snapshots and refs', () => {
  it('adds a snapshot, moves main, logs it and bumps the sequence number', () => {
    const m = append(table(), 11n);
    expect(m['last-sequence-number']).toBe(1n);
    expect(m['current-snapshot-id']).toBe(11n);
    expect(m.refs.main).toEqual({ 'snapshot-id': 11n, type: 'branch' });
    // A snapshot added in this change is logged at its own timestamp (as Java does).
    expect(m['snapshot-log']).toEqual([{ 'timestamp-ms': T0 + 1000, 'snapshot-id': 11n }]);
  });

  it('stages a snapshot without moving main (write-audit-publish)', () => {
    const m = apply(table(), u({ action: 'add-snapshot', snapshot: snapshot(11n, 1n) }));
    expect(m['current-snapshot-id']).toBeNull();
    expect(m.refs).toEqual({});
    expect(m['snapshot-log']).toEqual([]);
    expect(m['last-sequence-number']).toBe(1n);
    const published = apply(m, u({ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 11n }), T0 + 99);
    expect(published['current-snapshot-id']).toBe(11n);
    // Publishing an existing snapshot is logged at commit time.
    expect(published['snapshot-log']).toEqual([{ 'timestamp-ms': T0 + 99, 'snapshot-id': 11n }]);
  });

  it('rejects a duplicate snapshot id and a stale sequence number', () => {
    const m = append(table(), 11n);
    const dup = conflict(() => apply(m, u({ action: 'add-snapshot', snapshot: snapshot(11n, 2n, 11n) })));
    expect(dup.message).toMatch(/already has a snapshot with that id/);
    expect(dup.retryable).toBe(false);
    const stale = conflict(() => apply(m, u({ action: 'add-snapshot', snapshot: snapshot(12n, 1n, 11n) })));
    expect(stale.message).toMatch(/sequence number 1, but the table's last sequence number is already 1/);
    expect(stale.retryable).toBe(true);
  });

  it('does not track sequence numbers in v1', () => {
    const m = apply(table(1), u({ action: 'add-snapshot', snapshot: snapshot(11n, 0n) }));
    expect(m['last-sequence-number']).toBe(0n);
  });

  it('assigns v3 row ids: first-row-id must be at least next-row-id, which grows by added-rows', () => {
    const v3 = table(3);
    const m = apply(v3, u({ action: 'add-snapshot', snapshot: snapshot(11n, 1n, undefined, { 'first-row-id': 0n, 'added-rows': 30n }) }));
    expect(m['next-row-id']).toBe(30n);
    const behind = conflict(() => apply(m, u({ action: 'add-snapshot', snapshot: snapshot(12n, 2n, 11n, { 'first-row-id': 10n, 'added-rows': 1n }) })));
    expect(behind.message).toMatch(/first-row-id 10, behind the table's next-row-id 30/);
    expect(() => apply(v3, u({ action: 'add-snapshot', snapshot: snapshot(11n, 1n) }))).toThrow(/no first-row-id/);
  });

  it('sets branches and tags with retention, refusing unknown snapshots and a main tag', () => {
    const m = append(table(), 11n);
    const tagged = apply(
      m,
      u(
        { action: 'set-snapshot-ref', 'ref-name': 'v1', type: 'tag', 'snapshot-id': 11n, 'max-ref-age-ms': 1000, 'min-snapshots-to-keep': 3 },
        { action: 'set-snapshot-ref', 'ref-name': 'audit', type: 'branch', 'snapshot-id': 11n, 'min-snapshots-to-keep': 2, 'max-snapshot-age-ms': 5 },
      ),
    );
    expect(tagged.refs.v1).toEqual({ 'snapshot-id': 11n, type: 'tag', 'max-ref-age-ms': 1000 });
    expect(tagged.refs.audit).toEqual({ 'snapshot-id': 11n, type: 'branch', 'min-snapshots-to-keep': 2, 'max-snapshot-age-ms': 5 });
    expect(tagged['snapshot-log']).toEqual(m['snapshot-log']);
    expect(() => apply(m, u({ action: 'set-snapshot-ref', 'ref-name': 'x', type: 'tag', 'snapshot-id': 5n }))).toThrow(/no such snapshot/);
    expect(() => apply(m, u({ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'tag', 'snapshot-id': 11n }))).toThrow(/must be a branch/);
  });

  it('does not log a main ref that did not move', () => {
    const m = append(table(), 11n);
    const same = apply(m, u({ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 11n }));
    expect(same['snapshot-log']).toEqual(m['snapshot-log']);
  });

  it('drops intermediate snapshots of one change from the snapshot log', () => {
    const m = apply(
      table(),
      u(
        { action: 'add-snapshot', snapshot: snapshot(11n, 1n) },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 11n },
        { action: 'add-snapshot', snapshot: snapshot(12n, 2n, 11n) },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 12n },
      ),
    );
    expect(m['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([12n]);
    expect(m['last-sequence-number']).toBe(2n);
    expectInvariant(m);
  });

  it('rolls back by moving main to an older snapshot', () => {
    const m = append(append(table(), 11n), 12n);
    const back = apply(m, u({ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 11n }), T0 + 7);
    expect(back['current-snapshot-id']).toBe(11n);
    expect(back['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([11n, 12n, 11n]);
    expectInvariant(back);
  });

  it('removes snapshots, their refs, statistics, and the log up to the last removed one', () => {
    let m = append(append(append(table(), 11n), 12n), 13n);
    m = apply(
      m,
      u(
        { action: 'set-snapshot-ref', 'ref-name': 'old', type: 'tag', 'snapshot-id': 11n },
        {
          action: 'set-statistics',
          'snapshot-id': 11n,
          statistics: { 'snapshot-id': 11n, 'statistics-path': 's3://p', 'file-size-in-bytes': 1n, 'file-footer-size-in-bytes': 1n, 'blob-metadata': [] },
        },
      ),
    );
    expect(m.statistics).toHaveLength(1);
    const out = apply(m, u({ action: 'remove-snapshots', 'snapshot-ids': [12n, 11n] }));
    expect(out.snapshots.map((s) => s['snapshot-id'])).toEqual([13n]);
    expect(out.refs).toEqual({ main: { 'snapshot-id': 13n, type: 'branch' } });
    expect(out.statistics).toEqual([]);
    expect(out['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([13n]);
    expectInvariant(out);
  });

  it('clears current-snapshot-id when main itself is removed, by ref or by snapshot', () => {
    const m = append(table(), 11n);
    const noRef = apply(m, u({ action: 'remove-snapshot-ref', 'ref-name': 'main' }));
    expect(noRef['current-snapshot-id']).toBeNull();
    expect(noRef.snapshots).toHaveLength(1);
    expectInvariant(noRef);
    const noSnap = apply(m, u({ action: 'remove-snapshots', 'snapshot-ids': [11n] }));
    expect(noSnap['current-snapshot-id']).toBeNull();
    expect(noSnap.refs).toEqual({});
    expect(noSnap['snapshot-log']).toEqual([]);
  });

  it('refuses a snapshot before the table has a schema', () => {
    expect(() => apply(null, u({ action: 'add-snapshot', snapshot: snapshot(1n, 1n) }))).toThrow(/before the table has a schema/);
  });
});

describe('properties, location, uuid, format version', () => {
  it('sets and removes properties', () => {
    const m = apply(table(), u({ action: 'set-properties', updates: { a: '1', b: '2' } }, { action: 'remove-properties', removals: ['a', 'zz'] }));
    expect(m.properties).toEqual({ b: '2' });
  });

  it('sets the location', () => {
    expect(apply(table(), u({ action: 'set-location', location: 's3://other/t' })).location).toBe('s3://other/t');
  });

  it('refuses to change the uuid of an existing table, but accepts the same one', () => {
    expect(() => apply(table(), u({ action: 'assign-uuid', uuid: 'uuid-2' }))).toThrow(/cannot change the uuid/);
    expect(apply(table(), u({ action: 'assign-uuid', uuid: 'uuid-1' }))['table-uuid']).toBe('uuid-1');
  });

  it('upgrades but never downgrades, and refuses unknown versions', () => {
    expect(apply(table(1), u({ action: 'upgrade-format-version', 'format-version': 2 }))['format-version']).toBe(2);
    expect(apply(table(), u({ action: 'upgrade-format-version', 'format-version': 2 }))['format-version']).toBe(2);
    expect(() => apply(table(), u({ action: 'upgrade-format-version', 'format-version': 1 }))).toThrow(/cannot downgrade a v2 table to v1/);
    expect(() => apply(table(), u({ action: 'upgrade-format-version', 'format-version': 4 as 3 }))).toThrow(/format version 4/);
  });
});

describe('metadata-log (spec: Table Metadata Fields)', () => {
  it('records the previous file at the base last-updated-ms', () => {
    const m = apply(table(), u(), T0 + 10, LOC);
    expect(m['metadata-log']).toEqual([{ 'timestamp-ms': T0, 'metadata-file': LOC }]);
  });

  it('records nothing on create or without a previous location', () => {
    expect(apply(table(), u(), T0 + 10, null)['metadata-log']).toEqual([]);
  });

  it('keeps at most write.metadata.previous-versions-max entries, dropping the oldest', () => {
    let m = apply(table(), u({ action: 'set-properties', updates: { 'write.metadata.previous-versions-max': '2' } }), T0, null);
    for (let i = 1; i <= 4; i++) m = apply(m, u(), T0 + i, `v${i}.metadata.json`);
    expect(m['metadata-log'].map((e) => e['metadata-file'])).toEqual(['v3.metadata.json', 'v4.metadata.json']);
  });

  it('defaults to 100 entries', () => {
    let m = table();
    for (let i = 1; i <= 102; i++) m = apply(m, u(), T0 + i, `v${i}.metadata.json`);
    expect(m['metadata-log']).toHaveLength(100);
    expect(m['metadata-log'][0]!['metadata-file']).toBe('v3.metadata.json');
  });
});
