/**
 * Reconciliation (src/ingest/reconcile.ts) tried on rows DuckDB makes in SQL: Iceberg type
 * builders for a table's schema, and `write`, which reconciles the rows' shape with the table
 * as `raw.t` and returns the result and the rows it writes, as JSON.
 */
import { afterAll, beforeAll } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { schemaFromColumns } from '../../src/engine/infer-schema.js';
import { readMapKeys } from '../../src/ingest/map-keys.js';
import { reconcileColumns, type SchemaChangePolicy } from '../../src/ingest/reconcile.js';
import type { IcebergType, NestedField, Schema } from '../../src/iceberg/types.js';

export const f = (id: number, name: string, type: IcebergType): NestedField => ({ id, name, required: false, type });
export const struct = (...fields: NestedField[]) => ({ type: 'struct' as const, fields });
export const list = (elementId: number, element: IcebergType) => ({ type: 'list' as const, 'element-id': elementId, element, 'element-required': false });
export const map = (keyId: number, valueId: number, value: IcebergType) => ({ type: 'map' as const, 'key-id': keyId, key: 'string', 'value-id': valueId, value, 'value-required': false });
export const schema = (...fields: NestedField[]): Schema => ({ type: 'struct', 'schema-id': 0, fields });

/** `write(table, rowsSql, policy, withheld)` on an engine opened for the calling test file; `write.engine()` is that engine. */
export function useReconcileWrite() {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ threads: 1 });
  });
  afterAll(() => engine.close());
  const write = async (table: Schema, rows: string, policy: SchemaChangePolicy = 'add_columns', withheld?: ReadonlySet<string>) => {
    const incoming = schemaFromColumns(await engine.columns(rows, 'describe'));
    const keys = await readMapKeys(engine, rows, table, incoming, 'read the keys');
    const r = reconcileColumns(table, incoming, 'raw.t', policy, 1, 100, keys, withheld);
    const out = async () => {
      const got = await engine.all(`SELECT to_json(t)::VARCHAR AS j FROM (SELECT ${r.projection} FROM (${rows}) AS __floe_in) AS t`, 'write');
      return got.map((g) => JSON.parse(String(g.j)) as Record<string, unknown>);
    };
    return { r, out };
  };
  return Object.assign(write, { engine: () => engine });
}
