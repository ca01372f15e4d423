import { describe, expect, it } from 'vitest';
import { reconcileColumns } from '../../../src/ingest/reconcile.js';
import type { Schema } from '../../../src/iceberg/types.js';

describe('columns added by a write after a drop', () => {
  // The table had column 3 ('legacy'), dropped by an evolution: last-column-id stays 3.
  const table: Schema = {
    type: 'struct',
    'schema-id': 1,
    fields: [
      { id: 1, name: 'id', required: false, type: 'long' },
      { id: 2, name: 'name', required: false, type: 'string' },
    ],
  };
  const incoming = { type: 'struct' as const, fields: [...table.fields, { id: 0, name: 'region', required: false, type: 'string' }] };

  it('get ids above last-column-id, never the dropped column\'s id', () => {
    const r = reconcileColumns(table, incoming, 'ns.t', 'add_columns', 2, 3);
    expect(r.schema.fields.map((f) => [f.id, f.name])).toEqual([[1, 'id'], [2, 'name'], [4, 'region']]);
    expect(r.changes).toEqual(['add column region string']);
  });

  it('without a last-column-id, the schema\'s highest id is the floor', () => {
    const r = reconcileColumns(table, incoming, 'ns.t', 'add_columns');
    expect(r.schema.fields.at(-1)!.id).toBe(3);
  });
});
