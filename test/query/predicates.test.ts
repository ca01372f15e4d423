import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import type { Schema } from '../../src/iceberg/types.js';
import { queryFilters } from '../../src/query/predicates.js';
import { bind, formatExpr } from '../../src/table/expr/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine?.close());

const T = { namespace: ['ns'], name: 't' };
const U = { namespace: ['ns'], name: 'u' };
const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'a', required: false, type: 'long' },
    { id: 2, name: 'Mixed Case', required: false, type: 'string' },
    { id: 3, name: 'd', required: false, type: 'date' },
    { id: 4, name: 'x', required: false, type: 'double' },
    { id: 5, name: 'b', required: false, type: 'boolean' },
  ],
};

/** The filter found for ns.t, bound to the schema above, as text ('' when none). */
async function filterOf(sql: string, table = 'ns.t'): Promise<string> {
  const filters = await queryFilters(engine, sql, [T, U]);
  const f = filters.get(table);
  return f ? formatExpr(bind(f, schema)) : '';
}

describe('queryFilters', () => {
  it('reads comparisons, IN, BETWEEN, IS NULL, LIKE prefixes and ORs of them', async () => {
    expect(await filterOf('SELECT * FROM ns.t WHERE a = 5 AND 10 > a')).toBe('a = 5 AND a < 10');
    expect(await filterOf('SELECT * FROM ns.t WHERE a IN (1, 2, 3) AND a NOT IN (2)')).toBe('a IN (1, 2, 3) AND a NOT IN (2)');
    expect(await filterOf("SELECT * FROM ns.t WHERE d BETWEEN DATE '2024-01-01' AND '2024-01-31'")).toBe("d >= '2024-01-01' AND d <= '2024-01-31'");
    expect(await filterOf('SELECT * FROM ns.t WHERE a IS NULL OR a IS NOT NULL')).toBe('a IS NULL OR a IS NOT NULL');
    expect(await filterOf(`SELECT * FROM ns.t WHERE "mixed case" LIKE 'ab%'`)).toBe(`"Mixed Case" STARTS WITH 'ab'`);
    expect(await filterOf(`SELECT * FROM ns.t WHERE starts_with("Mixed Case", 'q')`)).toBe(`"Mixed Case" STARTS WITH 'q'`);
    expect(await filterOf('SELECT * FROM ns.t WHERE (a = 1 AND x > 0.5) OR a = 3')).toBe('(a = 1 AND x > 0.5) OR a = 3');
    expect(await filterOf('SELECT * FROM ns.t WHERE a <> 9223372036854775807 AND b = true')).toBe('a <> 9223372036854775807 AND b = true');
    expect(await filterOf('SELECT * FROM ns.t WHERE NOT (a = 1)')).toBe('a <> 1');
  });

  it('drops what it does not understand from ANDs, and whole ORs with such a branch', async () => {
    expect(await filterOf("SELECT * FROM ns.t WHERE a + 1 = 5 AND a > 2 AND lower(\"Mixed Case\") = 'x'")).toBe('a > 2');
    expect(await filterOf('SELECT * FROM ns.t WHERE a = 1 OR a + 1 = 5')).toBe('');
    expect(await filterOf("SELECT * FROM ns.t WHERE \"Mixed Case\" LIKE 'a_c%' OR \"Mixed Case\" LIKE '%x'")).toBe('');
    expect(await filterOf('SELECT * FROM ns.t WHERE a = (SELECT max(a) FROM ns.u)')).toBe('');
    expect(await filterOf('SELECT * FROM ns.t WHERE NOT (a BETWEEN 1 AND 2)')).toBe('');
    expect(await filterOf('SELECT * FROM ns.t')).toBe('');
    expect(await filterOf('this is not sql')).toBe('');
  });

  it('resolves aliases and qualified names, and bare names only with a single relation', async () => {
    expect(await filterOf('SELECT * FROM ns.t AS q WHERE q.a = 1')).toBe('a = 1');
    expect(await filterOf('SELECT * FROM ns.t WHERE t.a = 1 AND ns.t.a < 3')).toBe('a = 1 AND a < 3');
    expect(await filterOf('SELECT * FROM "ns"."t" q JOIN ns.u ON q.a = u.a WHERE q.a = 1 AND u.a = 2 AND a = 3')).toBe('a = 1');
    expect(await filterOf('SELECT * FROM "ns"."t" q JOIN ns.u ON q.a = u.a WHERE q.a = 1 AND u.a = 2', 'ns.u')).toBe('a = 2');
    expect(await filterOf('SELECT * FROM ns.t q, ns.u WHERE q.a = 1')).toBe('a = 1');
    // A CTE or subquery that filters the table is a filter on every use of it.
    expect(await filterOf('WITH c AS (SELECT * FROM ns.t WHERE a > 7) SELECT * FROM c JOIN c AS c2 USING (a)')).toBe('a > 7');
  });

  it('takes nothing from outer joins, from tables used twice, or from an outer query', async () => {
    expect(await filterOf('SELECT * FROM ns.u LEFT JOIN ns.t ON u.a = t.a WHERE t.a IS NULL')).toBe('');
    expect(await filterOf('SELECT * FROM ns.t FULL JOIN ns.u ON u.a = t.a WHERE t.a = 1')).toBe('');
    expect(await filterOf('SELECT * FROM ns.t WHERE a = 1 UNION ALL SELECT * FROM ns.t')).toBe('');
    expect(await filterOf('SELECT * FROM (SELECT * FROM ns.t) s WHERE s.a = 1')).toBe('');
    expect(await filterOf('SELECT * FROM ns.t TABLESAMPLE 10% WHERE a = 1')).toBe('');
    expect(await filterOf('SELECT * FROM ns.t WHERE a = 1 USING SAMPLE 5 ROWS')).toBe('');
    expect(await filterOf('SELECT * FROM ns.u WHERE EXISTS (SELECT 1 FROM ns.t WHERE t.a = u.a AND t.a = 4)')).toBe('a = 4');
  });
});
