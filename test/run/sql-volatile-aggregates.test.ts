/**
 * Aggregates that keep the order of the rows they read (`string_agg(x, ',')`, `list(x)`,
 * `first(x)`) give another value when DuckDB's threads read the rows in another order, so a
 * metric table built with them differs between two runs over the same input tables: found
 * from the query's parse tree (sql-volatile.ts) like unordered windows, and not when the
 * aggregate has its own ORDER BY or sits inside a function its order cannot change
 * (`list_sort(list(x))`, `len(string_agg(x, ','))`).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { unrepeatable, unrepeatableWarning } from '../../src/sources/sql-volatile.js';

let db: DuckDBInstance;
let con: DuckDBConnection;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
});
afterAll(() => {
  con.closeSync();
  db.closeSync();
});

const tree = async (sql: string): Promise<unknown> => {
  const r = await con.runAndReadAll(`SELECT json_serialize_sql(${`'${sql.replace(/'/g, "''")}'`}) AS t`);
  return JSON.parse(String(r.getRows()[0]![0]));
};
const found = async (sql: string) => unrepeatable(await tree(sql)).map((u) => [u.what, u.at]);

describe('order-dependent aggregates', () => {
  it('finds string_agg, list, array_agg, first, last and any_value without ORDER BY, at their offsets', async () => {
    const sql = "SELECT k, string_agg(a, ','), list(b), array_agg(c), first(d), last(e), any_value(f) FROM t GROUP BY k";
    expect(await found(sql)).toEqual([
      ['string_agg() without ORDER BY', sql.indexOf('string_agg')],
      ['list() without ORDER BY', sql.indexOf('list(')],
      ['array_agg() without ORDER BY', sql.indexOf('array_agg')],
      ['first() without ORDER BY', sql.indexOf('first')],
      ['last() without ORDER BY', sql.indexOf('last')],
      ['any_value() without ORDER BY', sql.indexOf('any_value')],
    ]);
  });

  it('leaves ordered aggregates, order-blind wrappers and other aggregates alone', async () => {
    expect(await found("SELECT k, string_agg(a, ',' ORDER BY a, id), list(b ORDER BY b), first(d ORDER BY ts, id) FROM t GROUP BY k")).toEqual([]);
    expect(await found("SELECT k, list_sort(list(b)), len(string_agg(a, ',')), list_sum(list(x)), sum(x), count(DISTINCT y), max(z) FROM t GROUP BY k")).toEqual([]);
  });

  it('still finds an unordered aggregate nested deeper inside an order-blind function', async () => {
    // list_sort sorts its outer list; the order of the text inside it still varies.
    expect((await found("SELECT list_sort([string_agg(a, ',')]) FROM t")).map(([w]) => w)).toEqual(['string_agg() without ORDER BY']);
    expect((await found("SELECT upper(string_agg(a, ',')) FROM t")).map(([w]) => w)).toEqual(['string_agg() without ORDER BY']);
  });

  it('words the fix for an aggregate, not for a window', () => {
    const w = unrepeatableWarning({ what: 'string_agg() without ORDER BY', why: 'order', at: 7 }, 'pipelines/m.yaml:5:12');
    expect(w).toBe(
      "pipelines/m.yaml:5:12: the query reads string_agg() without ORDER BY, which depends on the order in which DuckDB reads the rows, and that varies between runs: the same input tables give another table on every run; for a table a rerun reproduces, give it an ORDER BY with a total order inside its parentheses (string_agg(… ORDER BY x, key))",
    );
    expect(unrepeatableWarning({ what: 'lag() OVER (...) without ORDER BY', why: 'order' }, undefined)).toContain('give the window an ORDER BY');
  });
});
