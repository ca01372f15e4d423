import { describe, expect, it } from 'vitest';
import { newTableMetadata } from '../../../src/iceberg/metadata-builder.js';
import { defaultSortOrder, sortOrderSql } from '../../../src/table/evolve/sort-sql.js';

describe('sort order as ORDER BY', () => {
  const schema = {
    type: 'struct' as const,
    fields: [
      { id: 0, name: 'id', required: true, type: 'long' },
      { id: 0, name: 'ts', required: false, type: 'timestamptz' },
      { id: 0, name: 's', required: false, type: { type: 'struct' as const, fields: [{ id: 0, name: 'city', required: false, type: 'string' }] } },
    ],
  };

  it('renders directions, null orders, transforms and nested columns', () => {
    const m = newTableMetadata({
      location: 'file:///t',
      schema,
      sortBy: [{ sourceName: 'id', direction: 'desc' }, { sourceName: 'ts', transform: 'day' }, { sourceName: 's.city', nullOrder: 'nulls-last' }],
    });
    const order = defaultSortOrder(m)!;
    const sql = sortOrderSql(order, m.schemas[0]!);
    expect(sql).toMatch(/^"id" DESC NULLS LAST, CAST\(.*\("ts"\).* AS DATE\) ASC NULLS FIRST, "s"\."city" ASC NULLS LAST$/);
  });

  it('an unsorted table has no default sort order to apply', () => {
    expect(defaultSortOrder(newTableMetadata({ location: 'file:///t', schema }))).toBeUndefined();
  });
});
