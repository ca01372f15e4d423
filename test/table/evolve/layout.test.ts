import { describe, expect, it } from 'vitest';
import { newTableMetadata } from '../../../src/iceberg/metadata-builder.js';
import { applyChange } from '../../../src/table/apply.js';
import { layoutRequest, planLayout } from '../../../src/table/evolve/layout.js';

const table = () =>
  newTableMetadata({
    location: 'file:///t',
    schema: { type: 'struct', fields: [{ id: 0, name: 'id', required: false, type: 'long' }, { id: 0, name: 'ts', required: false, type: 'timestamp' }] },
    partitionBy: [{ sourceName: 'ts', transform: 'day', name: 'custom_day' }],
    tableUuid: 'u',
  });

describe('declared layout of a pipeline', () => {
  it('empty lists leave the table layout alone', () => {
    expect(layoutRequest({ partitionBy: [], sortBy: [] })).toEqual({});
    expect(planLayout(table(), { partitionBy: [], sortBy: [] }, 'ns.t').change.updates).toEqual([]);
  });

  it('a field the table already has keeps its name: no new spec for a name alone', () => {
    expect(planLayout(table(), { partitionBy: [{ sourceName: 'ts', transform: 'day' }], sortBy: [] }, 'ns.t').change.updates).toEqual([]);
  });

  it('a different partition_by and sort_by become one change', () => {
    const m = table();
    const plan = planLayout(m, { partitionBy: [{ sourceName: 'ts', transform: 'day' }, { sourceName: 'id', transform: 'bucket[8]' }], sortBy: [{ sourceName: 'id' }] }, 'ns.t');
    const next = applyChange(m, plan.change, { metadataLocation: 'x', now: Date.now() });
    expect(next['partition-specs'][1]!.fields.map((f) => [f.name, f['field-id']])).toEqual([['custom_day', 1000], ['id_bucket', 1001]]);
    expect(next['default-sort-order-id']).toBe(1);
  });

  it('a column the table lacks is a schema error naming it', () => {
    expect(() => planLayout(table(), { partitionBy: [{ sourceName: 'region', transform: 'identity' }], sortBy: [] }, 'ns.t')).toThrow(/ns\.t: partition column 'region': no such column/);
  });
});
