/**
 * Inclusive projection (spec: "Scan Planning"): a row filter becomes a filter on partition
 * values that every matching row's partition satisfies. A data file or manifest whose
 * partition values fail the projection cannot hold a matching row.
 *
 * Per transform:
 * - identity: the predicate itself;
 * - bucket[N]: only = and IN (hashes keep no order);
 * - truncate[W], year, month, day, hour: order-preserving (t(x) ≤ t(y) when x ≤ y), so
 *   `<= v` becomes `<= t(v)` and `>= v` becomes `>= t(v)`; on integer-valued sources (ints,
 *   longs, dates, timestamps, unscaled decimals) `< v` is `<= v-1` and `> v` is `>= v+1`
 *   first, which is tighter at partition boundaries (else `< v` is `<= t(v)`); `= v` becomes
 *   `= t(v)` and IN maps its values; STARTS WITH on truncate[W] of a string becomes `= t(p)`
 *   when the prefix is at least W characters long, else STARTS WITH p;
 * - IS NULL / IS NOT NULL carry through every transform but void (null in, null out);
 * - <> and NOT IN only through identity; void projects nothing.
 * A partition field that projects nothing leaves `true`; several partition fields from one
 * column are ANDed.
 */
import { apply, canTransform, isKnownTransform, parseTransform, resultType } from '../../iceberg/transforms/index.js';
import type { IcebergValue, PartitionSpec } from '../../iceberg/types.js';
import { and, type BoundExpr, type BoundPredicate, mapPredicates, pred, TRUE } from './expr.js';

export function projectInclusive(e: BoundExpr, spec: PartitionSpec): BoundExpr {
  return mapPredicates(e, (p): BoundExpr => {
    const parts: BoundExpr[] = [];
    spec.fields.forEach((pf, position) => {
      if (pf['source-id'] !== p.ref) return;
      const projected = projectField(p, pf.transform, pf.name, position);
      if (projected) parts.push(pred(projected));
    });
    return parts.length ? and(parts) : TRUE;
  });
}

function projectField(p: BoundPredicate, transform: string, name: string, position: number): BoundPredicate | null {
  if (!isKnownTransform(transform) || !canTransform(transform, p.type)) return null;
  const t = parseTransform(transform);
  if (t.kind === 'void') return null;
  const type = resultType(t, p.type);
  const out = (op: BoundPredicate['op'], values: BoundPredicate['values']): BoundPredicate => ({ op, ref: position, name, type, values });
  if (p.op === 'isNull' || p.op === 'notNull') return out(p.op, []);
  if (t.kind === 'identity') return out(p.op, p.values);
  const f = (v: BoundPredicate['values'][number]) => apply(t, p.type, v);
  switch (p.op) {
    case 'eq':
      return out('eq', [f(p.values[0]!)]);
    case 'in':
      return out('in', p.values.map(f));
    case 'lt':
    case 'lteq':
      return t.kind === 'bucket' ? null : out('lteq', [f(p.op === 'lt' ? step(p.values[0]!, -1) : p.values[0]!)]);
    case 'gt':
    case 'gteq':
      return t.kind === 'bucket' ? null : out('gteq', [f(p.op === 'gt' ? step(p.values[0]!, 1) : p.values[0]!)]);
    case 'startsWith': {
      if (t.kind !== 'truncate') return null;
      const prefix = p.values[0] as string;
      return [...prefix].length >= t.width ? out('eq', [f(prefix)]) : out('startsWith', [prefix]);
    }
    default:
      return null;
  }
}

/** v ± 1 on integer-valued sources; strings are returned as they are (then `< v` ⊆ `<= v`). */
function step(v: IcebergValue, by: 1 | -1): IcebergValue {
  if (typeof v === 'bigint') return v + BigInt(by);
  if (typeof v === 'number' && Number.isInteger(v)) return v + by;
  return v;
}
