/**
 * DuckDB result values → plain JSON values for `floe query --format json|table`.
 * DESIGN §3: longs are numbers where exact and strings otherwise; decimals keep their exact
 * text; timestamps, dates and times are ISO-8601 text; blobs are hex; nested values nest.
 *
 * - A timestamptz is its UTC instant with a `Z` (`2026-11-01T09:15:00Z`), whatever the host's
 *   time zone: the API's own text for it follows the process's local offset.
 * - Values are told apart with instanceof against the classes of the API that produced them
 *   (engine/duckdb.ts duckdbApi(): the CLI's bundle of it, or the package), never by class
 *   name: the bundle renames classes that refer to themselves (`class _DuckDBTimestampTZValue`).
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { duckdbApi } from './duckdb.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export function toJsonValue(v: DuckDBValue): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  const api = duckdbApi();
  if (v instanceof api.DuckDBListValue || v instanceof api.DuckDBArrayValue) return v.items.map(toJsonValue);
  if (v instanceof api.DuckDBStructValue) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v.entries)) out[k] = toJsonValue(x);
    return out;
  }
  if (v instanceof api.DuckDBMapValue) {
    const entries = v.entries;
    // A map with text keys reads naturally as an object; any other map as [key, value] pairs.
    if (entries.every((e) => typeof e.key === 'string')) {
      return Object.fromEntries(entries.map((e) => [e.key as string, toJsonValue(e.value)]));
    }
    return entries.map((e) => [toJsonValue(e.key), toJsonValue(e.value)]);
  }
  if (v instanceof api.DuckDBBlobValue || v instanceof api.DuckDBGeometryValue) return Buffer.from(v.bytes).toString('hex');
  if (v instanceof api.DuckDBTimestampTZValue) {
    // The same micros as a zone-less timestamp print as the UTC wall clock (or ±infinity).
    const text = String(new api.DuckDBTimestampValue(v.micros));
    return /^-?infinity$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  }
  if (
    v instanceof api.DuckDBTimestampValue ||
    v instanceof api.DuckDBTimestampSecondsValue ||
    v instanceof api.DuckDBTimestampMillisecondsValue ||
    v instanceof api.DuckDBTimestampNanosecondsValue
  ) {
    return String(v).replace(' ', 'T');
  }
  // Dates, times, decimals, uuids, intervals, unions, bits: DuckDB's own text form is exact.
  return String(v);
}

/** Text for a table cell from a value's JSON form: NULL, nested values as JSON, everything else as its text. */
export function cellText(j: JsonValue): string {
  if (j === null) return 'NULL';
  return typeof j === 'object' ? JSON.stringify(j) : String(j);
}
