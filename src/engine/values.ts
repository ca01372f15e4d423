/**
 * DuckDB result values → plain JSON values for `floe query --format json|table`.
 * DESIGN §3: longs are numbers where exact and strings otherwise; decimals keep their exact
 * text; timestamps, dates and times are ISO-8601 text; blobs are hex; nested values nest.
 */
import type { DuckDBValue } from '@duckdb/node-api';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export function toJsonValue(v: DuckDBValue): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  const o = v as unknown as Record<string, unknown>;
  if (Array.isArray(o.items)) return (o.items as DuckDBValue[]).map(toJsonValue);
  if (o.constructor?.name === 'DuckDBStructValue') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(o.entries as Record<string, DuckDBValue>)) out[k] = toJsonValue(x);
    return out;
  }
  if (o.constructor?.name === 'DuckDBMapValue') {
    const entries = o.entries as { key: DuckDBValue; value: DuckDBValue }[];
    // A map with text keys reads naturally as an object; any other map as [key, value] pairs.
    if (entries.every((e) => typeof e.key === 'string')) {
      return Object.fromEntries(entries.map((e) => [e.key as string, toJsonValue(e.value)]));
    }
    return entries.map((e) => [toJsonValue(e.key), toJsonValue(e.value)]);
  }
  if (o.bytes instanceof Uint8Array) return Buffer.from(o.bytes).toString('hex');
  // Dates, times, timestamps, decimals, uuids, intervals: DuckDB's own text form is exact.
  const text = String(v);
  if (o.constructor?.name === 'DuckDBTimestampTZValue') return text.replace(' ', 'T').replace(/\+00$/, 'Z');
  if (/^DuckDBTimestamp/.test(String(o.constructor?.name))) return text.replace(' ', 'T');
  return text;
}

/** Text for a table cell from a value's JSON form: NULL, nested values as JSON, everything else as its text. */
export function cellText(j: JsonValue): string {
  if (j === null) return 'NULL';
  return typeof j === 'object' ? JSON.stringify(j) : String(j);
}
