import { describe, expect, it } from 'vitest';
import type { Schema } from '../../../src/iceberg/types.js';
import { bind, formatExpr, pred } from '../../../src/table/expr/index.js';
import { viewColumnNames } from '../../../src/table/expr/bind.js';
import { DuckDBInstance } from '@duckdb/node-api';

// Iceberg allows columns that differ only in case; DuckDB's view of such a table renames the
// later ones (name → name_1), and a query's `name` is the first column.
const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'Name', required: false, type: 'string' },
    { id: 2, name: 'name', required: false, type: 'string' },
  ],
};
const eq = (column: string) => formatExpr(bind(pred({ op: 'eq', column, literals: [{ kind: 'string', value: 'x' }] }), schema));

describe('bind: names as the table view spells them', () => {
  it('binds a name to the column DuckDB resolves it to, and the renamed twin by its view name', () => {
    expect(eq('name')).toBe("Name = 'x'");
    expect(eq('NAME')).toBe("Name = 'x'");
    expect(eq('name_1')).toBe("name = 'x'");
    expect(eq('Name_1')).toBe("name = 'x'");
  });

  it('spells duplicate names as DuckDB does', async () => {
    const cases = [
      ['a', 'A', 'a', 'a_1', 'A_1'],
      ['a_1', 'A', 'a'],
      ['x', 'X', 'x_1', 'X', 'x'],
    ];
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      for (const names of cases) {
        await c.run(`CREATE OR REPLACE VIEW v AS SELECT ${names.map((n, i) => `${i} AS "${n}"`).join(', ')}`);
        const r = await c.runAndReadAll('SELECT * FROM v');
        expect(viewColumnNames(names)).toEqual(r.columnNames());
      }
    } finally {
      c.closeSync();
    }
  });
});
