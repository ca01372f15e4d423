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

describe('sort order SQL in DuckDB', () => {
  it('orders rows by transform values, directions and null orders', async () => {
    const { openEngine } = await import('../../../src/engine/duckdb.js');
    const { registerFloeFunctions } = await import('../../../src/engine/udf.js');
    const m = newTableMetadata({
      location: 'file:///t',
      schema: {
        type: 'struct',
        fields: [
          { id: 0, name: 'id', required: false, type: 'long' },
          { id: 0, name: 'ts', required: false, type: 'timestamp' },
        ],
      },
      // Day descending with NULL days first, then id ascending within a day.
      sortBy: [{ sourceName: 'ts', transform: 'day', direction: 'desc', nullOrder: 'nulls-first' }, { sourceName: 'id' }],
    });
    const engine = await openEngine({ threads: 1 });
    try {
      registerFloeFunctions(engine.connection);
      const rows = await engine.all(
        `SELECT id FROM (VALUES (1, TIMESTAMP '2024-01-01 23:00'), (2, TIMESTAMP '2024-01-02 01:00'), (3, TIMESTAMP '2024-01-01 01:00'), (4, NULL), (5, TIMESTAMP '2024-01-02 00:00')) AS t(id, ts) ` +
          `ORDER BY ${sortOrderSql(defaultSortOrder(m)!, m.schemas[0]!)}`,
        'sort',
      );
      expect(rows.map((r) => Number(r.id))).toEqual([4, 2, 5, 1, 3]);
    } finally {
      engine.close();
    }
  });
});
