/**
 * A default partition spec or sort order over a column the current schema lacks (another tool
 * dropped it): found by missingLayoutSources, refused at write naming the table, the spec or
 * order id, the field and the column, and repaired by `table evolve` dropping the field or
 * replacing the order — which used to be refused too ("which this change drops").
 */
import { describe, expect, it } from 'vitest';
import { newTableMetadata } from '../../../src/iceberg/metadata-builder.js';
import { lastKnownName, missingLayoutSources } from '../../../src/iceberg/partition-rules.js';
import type { TableMetadata } from '../../../src/iceberg/types.js';
import { applyChange } from '../../../src/table/apply.js';
import { planEvolution } from '../../../src/table/evolve/evolve.js';
import { refuseWriteWithMissingLayoutSource } from '../../../src/table/evolve/missing-source.js';
import { refused } from './refused.js';

function healthy(formatVersion: 1 | 2 = 2): TableMetadata {
  return newTableMetadata({
    location: 's3://wh/t',
    schema: {
      type: 'struct',
      fields: [
        { id: 0, name: 'id', required: false, type: 'long' },
        { id: 0, name: 'ts', required: false, type: 'timestamptz' },
        { id: 0, name: 'n', required: false, type: 'int' },
      ],
    },
    partitionBy: [{ sourceName: 'ts', transform: 'day' }],
    sortBy: [{ sourceName: 'n' }],
    tableUuid: 'uuid-1',
    formatVersion,
    now: 1_700_000_000_000,
  });
}

/** What another tool leaves: schema 1 without ts (id 2) and n (id 3), layout unchanged. */
function broken(formatVersion: 1 | 2 = 2): TableMetadata {
  const m = healthy(formatVersion);
  const s0 = m.schemas[0]!;
  return { ...m, schemas: [s0, { ...s0, 'schema-id': 1, fields: s0.fields.filter((f) => f.name === 'id') }], 'current-schema-id': 1 };
}

describe('missingLayoutSources (pure)', () => {
  it('is empty for a healthy table', () => {
    expect(missingLayoutSources(healthy())).toEqual([]);
  });

  it('names the spec, the order, their fields and the columns by their last names', () => {
    expect(missingLayoutSources(broken())).toEqual([
      { what: 'partition spec', id: 0, field: 'ts_day', transform: 'day', sourceId: 2, lastName: 'ts' },
      { what: 'sort order', id: 1, field: '1', transform: 'identity', sourceId: 3, lastName: 'n' },
    ]);
    expect(lastKnownName(broken(), 1)).toBe('id');
    expect(lastKnownName(broken(), 99)).toBeUndefined();
  });

  it('a v1 void field needs no source', () => {
    const m = broken(1);
    const spec = m['partition-specs'][0]!;
    const voided = { ...m, 'partition-specs': [{ ...spec, fields: spec.fields.map((f) => ({ ...f, transform: 'void' })) }] };
    expect(missingLayoutSources(voided).map((p) => p.what)).toEqual(['sort order']);
  });
});

describe('a write to such a table', () => {
  it('is refused naming the table, the spec and order ids, the fields and the columns, with the repair', () => {
    const e = refused(() => refuseWriteWithMissingLayoutSource(broken(), 'raw.t'));
    expect(e.kind).toBe('schema');
    expect(e.message).toBe(
      "cannot write to table raw.t: the default partition spec 0 uses partition field 'ts_day' (day of column 'ts', id 2), and the default sort order 1 uses sort field 1 (column 'n', id 3), which the current schema 1 does not have",
    );
    expect(e.hint).toBe('change the layout first: floe table evolve raw.t --drop-partition-field ts_day --sort-by none (or give a new --partition-by / --sort-by)');
    expect(e.context).toMatchObject({ table: 'raw.t', spec: '0', column: 'ts' });
    expect(() => refuseWriteWithMissingLayoutSource(healthy(), 'raw.t')).not.toThrow();
  });
});

describe('table evolve on such a table', () => {
  it('an unrelated change names what is broken and how to repair it', () => {
    const e = refused(() => planEvolution(broken(), { addColumns: [{ name: 'x', type: 'string' }] }, 'raw.t'));
    expect(e.message).toBe(
      "table raw.t: the default partition spec 0 uses partition field 'ts_day' (day of column 'ts', id 2), and the default sort order 1 uses sort field 1 (column 'n', id 3), which the current schema 1 does not have; this change leaves that in place",
    );
    expect(e.hint).toContain('floe table evolve raw.t --drop-partition-field ts_day --sort-by none');
  });

  it('dropping the partition field alone still names the sort order', () => {
    const e = refused(() => planEvolution(broken(), { dropPartitionFields: ['ts_day'] }, 'raw.t'));
    expect(e.message).toBe("table raw.t: the default sort order 1 uses sort field 1 (column 'n', id 3), which the current schema 1 does not have; this change leaves that in place");
  });

  it('dropping the field (by name or by its old expression) and the sort order repairs it; the result validates', () => {
    for (const name of ['ts_day', 'day(ts)']) {
      const m = broken();
      const plan = planEvolution(m, { dropPartitionFields: [name], sortBy: [] }, 'raw.t');
      // The gone columns are named by their last names.
      expect(plan.changes).toEqual(['partition spec 0 [day(ts [dropped]) as ts_day] → spec 1 [unpartitioned]', 'sort order 1 [n [dropped] asc nulls first] → order 0 [unsorted]']);
      const next = applyChange(m, plan.change, { metadataLocation: 's3://wh/t/metadata/1.json', now: 1_700_000_000_001 });
      expect(next['partition-specs'].find((s) => s['spec-id'] === next['default-spec-id'])!.fields).toEqual([]);
      expect(next['default-sort-order-id']).toBe(0);
      expect(missingLayoutSources(next)).toEqual([]);
    }
  });

  it('a new --partition-by replaces the broken spec', () => {
    const m = broken();
    const plan = planEvolution(m, { partitionBy: [{ sourceName: 'id', transform: 'bucket[4]' }], sortBy: [{ sourceName: 'id' }] }, 'raw.t');
    const next = applyChange(m, plan.change, { metadataLocation: 's3://wh/t/metadata/1.json', now: 1_700_000_000_001 });
    expect(missingLayoutSources(next)).toEqual([]);
  });
});

describe('dropping a column the layout uses (floe never leaves such a table)', () => {
  it('is refused naming the column and the spec id, or the sort order id', () => {
    expect(refused(() => planEvolution(healthy(), { dropColumns: ['ts'] }, 'raw.t')).message).toBe("table raw.t: cannot drop column 'ts': partition field 'ts_day' of spec 0 uses it");
    expect(refused(() => planEvolution(healthy(), { dropColumns: ['n'] }, 'raw.t')).message).toBe("table raw.t: cannot drop column 'n': the table's sort order 1 uses it");
  });
});
