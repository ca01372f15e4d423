/**
 * Pruning binds a query's names as DuckDB does: ASCII letters without case, every other
 * letter exactly. `"ÜNÏ"` and `"ünï"` are two columns of one view to DuckDB (Iceberg allows
 * both names; PyIceberg writes them), and the aliases "ü" and "Ü" are two relations. With
 * JavaScript's toLowerCase a filter on one was applied to the other, and floe query left out
 * files holding matching rows.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import type { Schema } from '../../src/iceberg/types.js';
import { queryFilters } from '../../src/query/predicates.js';
import { bind, formatExpr } from '../../src/table/expr/index.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';
import { pyicebergWrite } from '../interop/oracle.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'ünï', required: false, type: 'long' },
    { id: 2, name: 'ÜNÏ', required: false, type: 'long' },
  ],
};

describe('binding names without ASCII case only', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
  });
  afterAll(() => engine?.close());

  it('binds "ÜNÏ" to ÜNÏ, not to ünï', async () => {
    const filters = await queryFilters(engine, 'SELECT * FROM ns.t WHERE "ÜNÏ" = 112', [{ namespace: ['ns'], name: 't' }]);
    const bound = bind(filters.get('ns.t')!, schema);
    expect(bound).toMatchObject({ op: 'pred', pred: { ref: 2 } });
    expect(formatExpr(bound)).toBe('"ÜNÏ" = 112');
  });

  it('does not take alias "Ü" for alias "ü"', async () => {
    const ids = [
      { namespace: ['ns'], name: 't' },
      { namespace: ['ns'], name: 'u' },
    ];
    const filters = await queryFilters(engine, 'SELECT * FROM ns.t "ü", ns.u "Ü" WHERE "Ü"."ünï" = 12', ids);
    expect(filters.has('ns.t')).toBe(false);
    expect(formatExpr(bind(filters.get('ns.u')!, schema))).toBe('"ünï" = 12');
  });
});

describe('floe query over a table with columns ünï and ÜNÏ', () => {
  let dir: string;
  beforeAll(async () => {
    assertBuilt('test/query/query-review-names.test.ts');
    dir = mkdtempSync(join(tmpdir(), 'floe-names-'));
    expect((await collect(spawnFloe(['init'], dir))).code).toBe(0);
    mkdirSync(join(dir, 'warehouse'));
    // Four appends, four files: ünï 0-4 with ÜNÏ 100-104, ünï 10-14 with ÜNÏ 110-114, ...
    const appends = [0, 1, 2, 3].map((j) => [0, 1, 2, 3, 4].map((i) => ({ 'ünï': j * 10 + i, 'ÜNÏ': 100 + j * 10 + i })));
    for (const table of ['raw.uni', 'raw.uni2']) {
      await pyicebergWrite({
        catalogDb: join(dir, 'warehouse', 'catalog.db'),
        warehouse: join(dir, 'warehouse'),
        table,
        schema: {
          type: 'struct',
          fields: [
            { id: 1, name: 'ünï', required: false, type: 'long' },
            { id: 2, name: 'ÜNÏ', required: false, type: 'long' },
          ],
        },
        appends,
      });
    }
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const csv = async (sql: string) => {
    const r = await collect(spawnFloe(['query', sql, '--format', 'csv'], dir));
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n');
  };

  it('finds the row WHERE "ÜNÏ" = 112', async () => {
    expect(await csv('SELECT * FROM raw.uni WHERE "ÜNÏ" = 112')).toEqual(['ünï,ÜNÏ', '12,112']);
    expect(await csv('SELECT * FROM raw.uni WHERE "ünï" = 12')).toEqual(['ünï,ÜNÏ', '12,112']);
  }, 60_000);

  it('keeps every row of the table aliased "ü" when the filter is on "Ü"', async () => {
    expect(await csv('SELECT count(*) AS n FROM raw.uni "ü", raw.uni2 "Ü" WHERE "Ü"."ünï" = 12')).toEqual(['n', '20']);
  }, 60_000);
});
