/**
 * The keys of the input's maps that a write reads into a table struct (reconcile.ts
 * mapIntoStruct): which of them are the struct's fields, which are new. One aggregate pass over
 * the input, made only when such a map exists (a JSON object the table has as a struct, typed
 * as a map in this input because its keys vary from record to record).
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent } from '../engine/sql.js';
import type { Schema, StructType } from '../iceberg/types.js';
import { mapKeySites, type MapKeys, valuesAt } from './reconcile.js';

/** Every key some record's map holds, sorted, by the table struct's path; undefined when no input map meets a table struct. */
export async function readMapKeys(engine: Engine, selectSql: string, table: Schema, incoming: StructType, purpose: string): Promise<MapKeys | undefined> {
  const sites = mapKeySites(table, incoming);
  if (sites.length === 0) return undefined;
  const items = sites.map((s, i) => {
    const maps = valuesAt(quoteIdent(s.column), s.hops, 0);
    return `to_json(list_distinct(flatten(list(flatten(list_transform(${maps}, lambda __floe_m: map_keys(__floe_m)))))))::VARCHAR AS ${quoteIdent(`k${i}`)}`;
  });
  const [row] = await engine.all(`SELECT ${items.join(', ')} FROM (${selectSql}) AS __floe_in`, purpose, { kind: 'source' });
  const keys = new Map<string, Set<string>>();
  sites.forEach((s, i) => {
    const text = row?.[`k${i}`];
    const found = typeof text === 'string' ? (JSON.parse(text) as string[]) : [];
    const set = keys.get(s.path) ?? new Set<string>();
    for (const k of found) set.add(k);
    keys.set(s.path, set);
  });
  // Sorted by code point, so added fields come in one order whatever the engine's collation.
  return new Map([...keys].map(([path, set]) => [path, [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]));
}
