/**
 * `target.partition_by` and `target.sort_by` expressions (DESIGN §4), parsed into the
 * spec's own vocabulary (spec: "Partition Transforms", "Sort Orders"): the user writes
 * `bucket(16, contact_id)`, the table layer receives transform `bucket[16]` on `contact_id`.
 * The same syntax serves `floe load --partition-by`.
 */
import type { UnboundPartitionField, UnboundSortField } from '../iceberg/metadata-builder.js';
import { didYouMean } from './suggest.js';

export interface PartitionExpr {
  /** As written, for messages and plans. */
  text: string;
  /** Source column name (after renames); dotted for nested fields. */
  source: string;
  /** The spec's transform string: identity, year, month, day, hour, void, bucket[N], truncate[W]. */
  transform: string;
}

export interface SortExpr extends PartitionExpr {
  direction: 'asc' | 'desc';
  'null-order': 'nulls-first' | 'nulls-last';
}

// Spark SQL writes the time transforms in the plural (`days(ts)`); accept both spellings.
const UNARY: Record<string, string> = {
  identity: 'identity',
  year: 'year',
  years: 'year',
  month: 'month',
  months: 'month',
  day: 'day',
  days: 'day',
  hour: 'hour',
  hours: 'hour',
  void: 'void',
};
const PARAM = new Set(['bucket', 'truncate']);
const TRANSFORMS = [...Object.keys(UNARY), ...PARAM];

const COLUMN = /^(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|"[^"]+")$/;
const CALL = /^([A-Za-z_]+)\s*\((.*)\)$/s;

/** The expression as the table layer takes it (iceberg/metadata-builder.ts). */
export const unboundPartitionField = (e: PartitionExpr): UnboundPartitionField => ({ sourceName: e.source, transform: e.transform });

export const unboundSortField = (e: SortExpr): UnboundSortField => ({ sourceName: e.source, transform: e.transform, direction: e.direction, nullOrder: e['null-order'] });

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function column(text: string): string | undefined {
  const t = text.trim();
  if (!COLUMN.test(t)) return undefined;
  return t.startsWith('"') ? t.slice(1, -1) : t;
}

/** `col`, `day(ts)`, `bucket(16, id)`, `truncate(4, name)`; the problem otherwise. */
export function parsePartitionExpr(text: string): Parsed<PartitionExpr> {
  const t = text.trim();
  const bare = column(t);
  if (bare !== undefined) return { ok: true, value: { text, source: bare, transform: 'identity' } };
  const call = CALL.exec(t);
  if (!call) {
    return { ok: false, problem: `cannot read '${text}': expected a column or a transform such as month(ts), bucket(16, id)` };
  }
  const fn = call[1]!.toLowerCase();
  const args = call[2]!.split(',').map((a) => a.trim());
  if (fn in UNARY) {
    const col = args.length === 1 ? column(args[0]!) : undefined;
    if (col === undefined) return { ok: false, problem: `${fn}() takes one column, as in ${fn}(updated_at)` };
    return { ok: true, value: { text, source: col, transform: UNARY[fn]! } };
  }
  if (PARAM.has(fn)) {
    const what = fn === 'bucket' ? 'number of buckets' : 'width';
    if (args.length !== 2) return { ok: false, problem: `${fn}() takes a ${what} and a column, as in ${fn}(16, id)` };
    const n = /^\d+$/.test(args[0]!) ? Number(args[0]) : NaN;
    // spec: bucket[N] and truncate[W] need a positive parameter.
    if (!(n >= 1) || !Number.isSafeInteger(n)) return { ok: false, problem: `${fn}() ${what} must be a positive integer, got '${args[0]}'` };
    // The spec's parameter is an int: Iceberg Java and floe's own metadata reader take at most 2^31-1.
    if (n > 0x7fffffff) return { ok: false, problem: `${fn}() ${what} must be at most 2147483647 (an int), got '${args[0]}'` };
    const col = column(args[1]!);
    if (col === undefined) return { ok: false, problem: `${fn}() second argument must be a column name, got '${args[1]}'` };
    return { ok: true, value: { text, source: col, transform: `${fn}[${n}]` } };
  }
  return { ok: false, problem: `unknown transform '${call[1]}'${didYouMean(fn, TRANSFORMS)}` };
}

const SORT_TAIL = /^(.*?)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$/is;

/** `col`, `col desc`, `day(ts) asc nulls last`. Defaults follow SQL: asc nulls first, desc nulls last. */
export function parseSortExpr(text: string): Parsed<SortExpr> {
  const m = SORT_TAIL.exec(text.trim());
  const head = m?.[1] ?? '';
  if (head === '') return { ok: false, problem: `cannot read sort expression '${text}'` };
  const expr = parsePartitionExpr(head);
  if (!expr.ok) return { ok: false, problem: `${expr.problem}; a sort expression is a column or transform, then optional asc|desc and nulls first|last` };
  const direction = (m?.[2]?.toLowerCase() ?? 'asc') as 'asc' | 'desc';
  const nulls = m?.[3]?.toLowerCase() ?? (direction === 'asc' ? 'first' : 'last');
  return {
    ok: true,
    value: { ...expr.value, text, direction, 'null-order': nulls === 'first' ? 'nulls-first' : 'nulls-last' },
  };
}
