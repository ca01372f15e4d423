/**
 * Truncated column bounds for data file metrics (spec: "Field-level Metrics and Statistics":
 * a lower bound must be <= and an upper bound >= every non-null value in the file).
 *
 * Iceberg writers keep string and binary bounds short: with the default metrics mode
 * `truncate(16)` (table property write.metadata.metrics.default) the lower bound is the
 * 16-code-point prefix and the upper bound is that prefix with its last code point
 * incremented, carrying leftwards. When no prefix can be incremented there is no upper bound.
 * DuckDB's Parquet stats are never truncated, so floe does this itself.
 */
import type { IcebergValue, PrimitiveType } from './types.js';
import { parsePrimitive } from './primitive.js';
import { truncateBytes, truncateString } from './transforms/truncate.js';
import { configError } from '../errors.js';

export const DEFAULT_TRUNCATE_WIDTH = 16;

/** A metrics mode (table properties write.metadata.metrics.default / .column.<name>). */
export type MetricsMode =
  | { mode: 'none' }
  | { mode: 'counts' }
  | { mode: 'full' }
  | { mode: 'truncate'; width: number };

export const DEFAULT_METRICS_MODE: MetricsMode = { mode: 'truncate', width: DEFAULT_TRUNCATE_WIDTH };

export function parseMetricsMode(text: string): MetricsMode {
  const s = text.trim().toLowerCase();
  if (s === 'none' || s === 'counts' || s === 'full') return { mode: s };
  const m = /^truncate\((\d+)\)$/.exec(s);
  if (m && Number(m[1]) > 0) return { mode: 'truncate', width: Number(m[1]) };
  throw configError(`invalid metrics mode '${text}': expected none, counts, full or truncate(N) with N > 0`);
}

/** Only string and binary bounds are truncated, as in Java's writers; fixed keeps its length. */
function truncatable(type: PrimitiveType): 'string' | 'binary' | null {
  const k = parsePrimitive(type).kind;
  return k === 'string' || k === 'binary' ? k : null;
}

export function truncateLowerBound(type: PrimitiveType, value: IcebergValue, width: number): IcebergValue {
  const kind = truncatable(type);
  if (value === null || kind === null) return value;
  if (kind === 'string' && typeof value === 'string') return truncateString(value, width);
  if (kind === 'binary' && value instanceof Uint8Array) return truncateBytes(value, width);
  return value;
}

/** The upper bound, or null when none can be written (every position is at its maximum). */
export function truncateUpperBound(type: PrimitiveType, value: IcebergValue, width: number): IcebergValue {
  const kind = truncatable(type);
  if (value === null || kind === null) return value;
  if (kind === 'string' && typeof value === 'string') return stringUpperBound(value, width);
  if (kind === 'binary' && value instanceof Uint8Array) return binaryUpperBound(value, width);
  return value;
}

function stringUpperBound(s: string, width: number): string | null {
  const prefix = truncateString(s, width);
  if (prefix.length === s.length) return s;
  const cps = Array.from(prefix, (c) => c.codePointAt(0)!);
  for (let i = cps.length - 1; i >= 0; i--) {
    let next = cps[i]! + 1;
    // Skip the surrogate block: those code points cannot appear in valid UTF-8.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return String.fromCodePoint(...cps.slice(0, i), next);
  }
  return null;
}

function binaryUpperBound(b: Uint8Array, width: number): Uint8Array | null {
  if (b.length <= width) return b;
  for (let i = width - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      // A copy: Buffer#slice would share memory and the increment would corrupt the input.
      const out = new Uint8Array(b.subarray(0, i + 1));
      out[i]! += 1;
      return out;
    }
  }
  return null;
}
