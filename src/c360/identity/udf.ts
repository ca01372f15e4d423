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
import { phoneBase } from '../normalize/phone.js';
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

/**
 * Why a canonical identifier value may not link records, or undefined. `userBlocks` is the
 * pipeline's match.block_values, by identifier kind.
 *
 * Records are linked by match key, so blocking is by match key too: a listed value blocks
 * every value with its key, however either is written. 'mary@corp.com' blocks
 * 'Mary+shop@corp.com'; '(415) 555-2671' blocks '+14155552671' and '+14155552671;ext=12' (a listed phone without a
 * country code is read as US); 'L00104553' blocks '104553'. Otherwise a blocked value's
 * aliases would still link records to each other. The built-in predicates see the value and,
 * for emails, its key (so 't.e.s.t@gmail.com' is a test address too).
 */
function identityBlocker(userBlocks: BlockLists): (kind: string, value: string) => string | undefined {
  // The user's lists are keyed by the pipeline's kind names; the built-in ones by family.
  const mapped: Record<string, (string | number)[]> = {};
  const listedKeys = new Map<string, Set<string>>();
  for (const [kind, values] of Object.entries(userBlocks)) {
    (mapped[blockKind(kind)] ??= []).push(...values);
    const keys = listedKeys.get(kind) ?? new Set<string>();
    for (const v of values) {
      const k = identifierKey(kind, v)?.key;
      if (k !== undefined) keys.add(k);
    }
    listedKeys.set(kind, keys);
  }
  const blocks = blockList(mapped);
  return (kind, value) => {
    const bk = blockKind(kind);
    const direct = blocks.isBlocked(bk, value);
    if (direct) return direct;
    if (isNoneNumber(kind, value)) return 'placeholder';
    const listed = listedKeys.get(kind);
    const email = keyFamily(kind) === 'email';
    if (!email && !listed?.size) return undefined; // no second parse when nothing can match
    // The value is canonical already: its key needs no region (a phone is E.164 by now).
    const key = identifierKey(kind, value)?.key;
    if (key === undefined) return undefined;
    // A listed phone blocks it with any extension, however the listed number was written.
    if (listed?.has(key) || (keyFamily(kind) === 'phone' && listed?.has(phoneBase(key)))) return 'listed';
    return email && key !== value ? blocks.isBlocked(bk, key) : undefined;
  };
}

/**
 * A loyalty number or other id (not an email or phone) that stands for "none": zero in any
 * spelling ('0', '0000', 'L000', the all-zero UUID, whatever the kind is called), nothing but
 * punctuation ('***', '...'), or -1 (a negative loyalty number has no key: keys.ts). Integer columns
 * and exports write these where a customer has no card or id, and every such row would
 * otherwise share one key with all the others.
 */
function isNoneNumber(kind: string, value: string): boolean {
  const family = keyFamily(kind);
  if (family === 'email' || family === 'phone') return false;
  const key = identifierKey(kind, value)?.key;
  if (key === undefined) return false;
  if (/^-0*1$/.test(key)) return true;
  return key.replace(/[^\p{L}\p{N}]/gu, '').replace(/0/g, '') === '';
}

export function registerIdentityFunctions(connection: DuckDBConnection, userBlocks: BlockLists): void {
  const blocked = identityBlocker(userBlocks);
  connection.registerScalarFunction(ternary(ID_VALUE, (k, v, r) => keyOf(k, v, r)?.value));
  connection.registerScalarFunction(ternary(ID_KEY, (k, v, r) => keyOf(k, v, r)?.key));
  connection.registerScalarFunction(binary(ID_BLOCKED, blocked));
}
