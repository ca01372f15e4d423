/**
 * The Customer 360 normalisers (src/c360/normalize) as DuckDB scalar functions, so a
 * pipeline's `columns: {x: {normalize: ...}}` runs inside the engine's scan, batch by
 * batch, without rows being collected in JS. A value the normaliser rejects (an invalid
 * email or phone) becomes NULL, as the normalisers define.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBScalarFunction } from '@duckdb/node-api';
import { duckdbApi } from '../engine/duckdb.js';
import { normalizerFor, type NormalizeKind, type Normalizer } from '../c360/normalize/index.js';
import { NORMALIZER_FUNCTIONS } from './normalize.js';

function fn(kind: NormalizeKind, withOption: boolean): DuckDBScalarFunction {
  const { DuckDBScalarFunction, VARCHAR } = duckdbApi();
  const cache = new Map<string, Normalizer>();
  const normalizer = (option: string | null) => {
    const key = option ?? '';
    let n = cache.get(key);
    if (!n) {
      n = normalizerFor(kind === 'phone' ? { normalize: kind, region: option ?? undefined } : { normalize: kind });
      cache.set(key, n);
    }
    return n;
  };
  return DuckDBScalarFunction.create({
    name: NORMALIZER_FUNCTIONS[kind],
    returnType: VARCHAR,
    parameterTypes: withOption ? [VARCHAR, VARCHAR] : [VARCHAR],
    mainFunction: (info, input: DuckDBDataChunk, output) => {
      try {
        const values = input.getColumnVector(0);
        const options = withOption ? input.getColumnVector(1) : undefined;
        for (let row = 0; row < input.rowCount; row++) {
          const v = values.getItem(row) as string | null;
          output.setItem(row, v === null ? null : normalizer((options?.getItem(row) as string | null) ?? null)(v).value);
        }
        output.flush();
      } catch (e) {
        info.setError(e instanceof Error ? e.message : String(e));
      }
    },
  });
}

export function registerNormalizers(connection: DuckDBConnection): void {
  connection.registerScalarFunction(fn('email', false));
  connection.registerScalarFunction(fn('phone', true));
  connection.registerScalarFunction(fn('country', false));
  connection.registerScalarFunction(fn('timestamp', false));
  connection.registerScalarFunction(fn('name', false));
}
