/**
 * The identifier functions as DuckDB scalar functions, so keys are computed inside the
 * engine's scan, batch by batch:
 *   __floe_id_value(kind, raw, region)   canonical value or NULL (keys.ts); region is the
 *                                        record's phone_region text, or NULL for US
 *   __floe_id_key(kind, raw, region)     match key or NULL
 *   __floe_id_blocked(kind, v)   why the canonical value may not link records, or NULL
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBScalarFunction } from '@duckdb/node-api';
import { duckdbApi } from '../../engine/duckdb.js';
import { type BlockLists, blockList } from '../normalize/blocked.js';
import { blockKind, identifierKey, keyFamily, phoneRegionOf } from './keys.js';

export const ID_VALUE = '__floe_id_value';
export const ID_KEY = '__floe_id_key';
export const ID_BLOCKED = '__floe_id_blocked';

function binary(name: string, f: (kind: string, value: string) => string | null | undefined): DuckDBScalarFunction {
  const { DuckDBScalarFunction, VARCHAR } = duckdbApi();
  return DuckDBScalarFunction.create({
    name,
    returnType: VARCHAR,
    parameterTypes: [VARCHAR, VARCHAR],
    mainFunction: (info, input: DuckDBDataChunk, output) => {
      try {
        const kinds = input.getColumnVector(0);
        const values = input.getColumnVector(1);
        for (let row = 0; row < input.rowCount; row++) {
          const k = kinds.getItem(row) as string | null;
          const v = values.getItem(row) as string | null;
          output.setItem(row, k === null || v === null ? null : (f(k, v) ?? null));
        }
        output.flush();
      } catch (e) {
        info.setError(e instanceof Error ? e.message : String(e));
      }
    },
  });
}

/** (kind, raw, region text) → value; the region only matters for phones. */
function ternary(name: string, f: (kind: string, raw: string, region: string | null) => string | null | undefined): DuckDBScalarFunction {
  const { DuckDBScalarFunction, VARCHAR } = duckdbApi();
  return DuckDBScalarFunction.create({
    name,
    returnType: VARCHAR,
    parameterTypes: [VARCHAR, VARCHAR, VARCHAR],
    specialHandling: true, // a NULL region is "no region", not a NULL result
    mainFunction: (info, input: DuckDBDataChunk, output) => {
      try {
        const kinds = input.getColumnVector(0);
        const values = input.getColumnVector(1);
        const regions = input.getColumnVector(2);
        for (let row = 0; row < input.rowCount; row++) {
          const k = kinds.getItem(row) as string | null;
          const v = values.getItem(row) as string | null;
          output.setItem(row, k === null || v === null ? null : (f(k, v, regions.getItem(row) as string | null) ?? null));
        }
        output.flush();
      } catch (e) {
        info.setError(e instanceof Error ? e.message : String(e));
      }
    },
  });
}

const keyOf = (kind: string, raw: string, region: string | null) => {
  const phoneRegion = keyFamily(kind) === 'phone' ? phoneRegionOf(region) : undefined;
  return identifierKey(kind, raw, phoneRegion ? { phoneRegion } : {});
};

/** `userBlocks` is the pipeline's match.block_values, by identifier kind. */
export function registerIdentityFunctions(connection: DuckDBConnection, userBlocks: BlockLists): void {
  // The user's lists are keyed by the pipeline's kind names; the built-in ones by family.
  const mapped: Record<string, (string | number)[]> = {};
  for (const [kind, values] of Object.entries(userBlocks)) (mapped[blockKind(kind)] ??= []).push(...values);
  const blocks = blockList(mapped);
  connection.registerScalarFunction(ternary(ID_VALUE, (k, v, r) => keyOf(k, v, r)?.value));
  connection.registerScalarFunction(ternary(ID_KEY, (k, v, r) => keyOf(k, v, r)?.key));
  connection.registerScalarFunction(binary(ID_BLOCKED, (k, v) => blocks.isBlocked(blockKind(k), v)));
}
