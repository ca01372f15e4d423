/**
 * floe's `query --format json` rows in the oracle's canonical encoding (test/interop/oracle.ts,
 * docs/INTEROP.md), and comparisons that say exactly which row and column differ.
 *
 * floe's JSON differs from canonical JSON in a few places that carry no information, and
 * those are translated here: binary and fixed come as hex text (toCanonical wants bytes),
 * maps with string keys come as objects, longs come as numbers when exact. Everything else
 * goes through the oracle's own toCanonical, so a disagreement is the tables', not ours.
 */
import type { IcebergType, NestedField } from '../../../src/iceberg/types.js';
import {
  type CanonicalRow,
  type CanonicalValue,
  type ColumnSummary,
  canonicalNested,
  canonicalString,
  compareUtf16,
  sortCanonicalRows,
  summarizeRows,
  toCanonical,
} from '../oracle.js';

/** One floe JSON value of Iceberg type `type` → canonical JSON. */
export function canonicalFromFloe(value: unknown, type: IcebergType, path = '?'): CanonicalValue {
  if (value === null || value === undefined) return null;
  if (typeof type === 'object') {
    switch (type.type) {
      case 'struct': {
        if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: expected a JSON object for a struct, got ${JSON.stringify(value)}`);
        const obj = value as Record<string, unknown>;
        const out: Record<string, CanonicalValue> = {};
        for (const f of type.fields) out[f.name] = canonicalFromFloe(obj[f.name], f.type, `${path}.${f.name}`);
        return out;
      }
      case 'list':
        if (!Array.isArray(value)) throw new Error(`${path}: expected a JSON array for a list, got ${JSON.stringify(value)}`);
        return value.map((e) => canonicalFromFloe(e, type.element, `${path}[]`));
      case 'map': {
        const entries: [unknown, unknown][] = Array.isArray(value)
          ? value.map((e) => (Array.isArray(e) ? [e[0], e[1]] : [(e as { key: unknown }).key, (e as { value: unknown }).value]))
          : Object.entries(value as Record<string, unknown>);
        return entries
          .map(([k, v]) => [canonicalFromFloe(k, type.key, `${path}.key`), canonicalFromFloe(v, type.value, `${path}.value`)] as CanonicalValue[])
          .sort((a, b) => compareUtf16(canonicalString(a[0]!), canonicalString(b[0]!)));
      }
    }
  }
  const t = String(type);
  if (t === 'binary' || t.startsWith('fixed[')) {
    if (typeof value !== 'string' || !/^[0-9a-fA-F]*$/.test(value) || value.length % 2) {
      throw new Error(`${path}: expected hex text for ${t}, got ${JSON.stringify(value)}`);
    }
    return value.toLowerCase();
  }
  return toCanonical(value, type);
}

/** floe JSON rows → canonical rows (columns in schema order), sorted as the oracle sorts. */
export function canonicalRowsFromFloe(rows: readonly Record<string, unknown>[], fields: readonly NestedField[]): CanonicalRow[] {
  const names = fields.map((f) => f.name);
  const out = rows.map((r, i) => {
    const extra = Object.keys(r).filter((k) => !names.includes(k));
    if (extra.length) throw new Error(`floe row ${i} has columns not in the schema: ${extra.join(', ')}`);
    const row: CanonicalRow = {};
    for (const f of fields) row[f.name] = canonicalFromFloe(r[f.name], f.type, f.name);
    return row;
  });
  return sortCanonicalRows(out, names);
}

export interface CellDiff {
  key: string;
  expected: CanonicalValue | '<missing row>';
  actual: CanonicalValue | '<missing row>';
}

/** Equality text: canonicalNested keeps what JSON.stringify loses (-0 vs 0). */
const sameText = (v: CanonicalValue) => JSON.stringify(canonicalNested(v));
/** -0 shown as "-0" in assertion output, where it would otherwise print as 0. */
const shown = (v: CanonicalValue): CanonicalValue => (Object.is(v, -0) ? '-0 (number)' : v);

const keyText = (v: CanonicalValue | undefined) => (v === undefined || v === null ? 'null' : canonicalString(v));

/**
 * Per column, the rows (matched by `keyColumn`) whose values differ between the two sides;
 * `{}` when they agree. A row on one side only is reported under the column `<row>`.
 * At most `limit` cells per column, so a systematic mismatch stays readable.
 */
export function columnDiffs(
  expected: readonly CanonicalRow[],
  actual: readonly CanonicalRow[],
  keyColumn = 'id',
  limit = 6,
): Record<string, CellDiff[]> {
  const index = (rows: readonly CanonicalRow[], side: string) => {
    const m = new Map<string, CanonicalRow>();
    for (const r of rows) {
      const k = keyText(r[keyColumn]);
      if (m.has(k)) throw new Error(`${side}: two rows with ${keyColumn} = ${k}; the comparison needs a unique key`);
      m.set(k, r);
    }
    return m;
  };
  const e = index(expected, 'expected');
  const a = index(actual, 'actual');
  const columns = [...new Set([...expected, ...actual].flatMap((r) => Object.keys(r)))];
  const out: Record<string, CellDiff[]> = {};
  const add = (col: string, d: CellDiff) => {
    const list = (out[col] ??= []);
    if (list.length < limit) list.push(d);
  };
  for (const [k, er] of e) {
    const ar = a.get(k);
    if (!ar) {
      add('<row>', { key: k, expected: er, actual: '<missing row>' });
      continue;
    }
    for (const c of columns) {
      const ev = er[c] ?? null;
      const av = ar[c] ?? null;
      if (sameText(ev) !== sameText(av)) add(c, { key: k, expected: shown(ev), actual: shown(av) });
    }
  }
  for (const [k, ar] of a) if (!e.has(k)) add('<row>', { key: k, expected: '<missing row>', actual: ar });
  return out;
}

/** Column summaries (count + checksum) of canonical rows, as the oracle scripts compute them. */
export function summaries(rows: readonly CanonicalRow[], columns: readonly string[]): { count: number; columns: Record<string, ColumnSummary> } {
  return summarizeRows(rows, columns);
}

/** The columns whose summaries differ, with both sides; `{}` when all agree. */
export function summaryDiffs(
  expected: Record<string, ColumnSummary>,
  actual: Record<string, ColumnSummary>,
): Record<string, { expected: ColumnSummary | undefined; actual: ColumnSummary | undefined }> {
  const out: Record<string, { expected: ColumnSummary | undefined; actual: ColumnSummary | undefined }> = {};
  for (const c of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const e = expected[c];
    const a = actual[c];
    if (e?.checksum !== a?.checksum || e?.non_null_count !== a?.non_null_count) out[c] = { expected: e, actual: a };
  }
  return out;
}

/** UTF-8 byte order (= code point order), the order Iceberg compares strings in. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
