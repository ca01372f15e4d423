/**
 * Row filters for scan planning (spec: "Scan Planning"). An expression is a tree of AND/OR
 * over predicates; it only ever decides which files *might* hold matching rows. The query
 * engine still filters every row, so an expression that is too weak only costs time, never
 * correctness — and anything floe does not understand is replaced by `true`.
 *
 * Three stages, named as in the spec and the reference implementations:
 * - unbound: a column name and SQL literals, as read from a query (query/predicates.ts);
 * - bound: a field id, its Iceberg type and typed literals (bind.ts);
 * - projected: the inclusive projection onto a partition spec, whose predicates refer to
 *   partition fields by position (project.ts).
 */
import { toJsonValue } from '../../iceberg/conversions.js';
import type { IcebergValue, PrimitiveType } from '../../iceberg/types.js';

export type PredicateOp = 'lt' | 'lteq' | 'gt' | 'gteq' | 'eq' | 'notEq' | 'in' | 'notIn' | 'isNull' | 'notNull' | 'startsWith';

/** A literal as written in SQL, before it is converted to a column's type. */
export type SqlLiteral =
  | { kind: 'integer'; value: bigint }
  /** Exact decimal text, e.g. "-1.50". */
  | { kind: 'decimal'; text: string }
  | { kind: 'double'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  /** Typed literals (DATE '…', TIMESTAMP '…', TIMESTAMPTZ '…'): their text. */
  | { kind: 'date' | 'timestamp' | 'timestamptz'; text: string };

export interface UnboundPredicate {
  op: PredicateOp;
  column: string;
  literals: SqlLiteral[];
}

/** A predicate on one field: a row field id (bound) or a partition field position (projected). */
export interface BoundPredicate {
  op: PredicateOp;
  ref: number;
  /** The field's name, for messages. */
  name: string;
  type: PrimitiveType;
  values: IcebergValue[];
}

export type Expr<P> = { op: 'and' | 'or'; children: Expr<P>[] } | { op: 'true' | 'false' } | { op: 'pred'; pred: P };

export type UnboundExpr = Expr<UnboundPredicate>;
export type BoundExpr = Expr<BoundPredicate>;

export const TRUE = { op: 'true' } as const;
export const FALSE = { op: 'false' } as const;

export const pred = <P>(p: P): Expr<P> => ({ op: 'pred', pred: p });

/** AND with constants folded: true children dropped, any false child makes it false. */
export function and<P>(children: Expr<P>[]): Expr<P> {
  const kept: Expr<P>[] = [];
  for (const c of children) {
    if (c.op === 'false') return FALSE;
    if (c.op === 'true') continue;
    if (c.op === 'and') kept.push(...c.children);
    else kept.push(c);
  }
  return kept.length === 0 ? TRUE : kept.length === 1 ? kept[0]! : { op: 'and', children: kept };
}

/** OR with constants folded: any true child makes it true, false children dropped. */
export function or<P>(children: Expr<P>[]): Expr<P> {
  const kept: Expr<P>[] = [];
  for (const c of children) {
    if (c.op === 'true') return TRUE;
    if (c.op === 'false') continue;
    if (c.op === 'or') kept.push(...c.children);
    else kept.push(c);
  }
  return kept.length === 0 ? FALSE : kept.length === 1 ? kept[0]! : { op: 'or', children: kept };
}

/** Maps every predicate; the result is folded again. */
export function mapPredicates<P, Q>(e: Expr<P>, f: (p: P) => Expr<Q>): Expr<Q> {
  switch (e.op) {
    case 'and':
      return and(e.children.map((c) => mapPredicates(c, f)));
    case 'or':
      return or(e.children.map((c) => mapPredicates(c, f)));
    case 'pred':
      return f(e.pred);
    default:
      return e;
  }
}

/** Whether rows might match, given a "might match" test per predicate. */
export function evaluate<P>(e: Expr<P>, test: (p: P) => boolean): boolean {
  switch (e.op) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return e.children.every((c) => evaluate(c, test));
    case 'or':
      return e.children.some((c) => evaluate(c, test));
    case 'pred':
      return test(e.pred);
  }
}

const SYMBOL: Record<PredicateOp, string> = {
  lt: '<',
  lteq: '<=',
  gt: '>',
  gteq: '>=',
  eq: '=',
  notEq: '<>',
  in: 'IN',
  notIn: 'NOT IN',
  isNull: 'IS NULL',
  notNull: 'IS NOT NULL',
  startsWith: 'STARTS WITH',
};

function valueText(type: PrimitiveType, v: IcebergValue): string {
  if (v === null) return 'NULL';
  try {
    const j = toJsonValue(type, v);
    if (type.startsWith('decimal')) return String(j);
    return typeof j === 'string' ? `'${j.replaceAll("'", "''")}'` : String(j);
  } catch {
    return String(v);
  }
}

/** SQL-like text of a bound or projected expression, for `floe query --explain`. */
export function formatExpr(e: BoundExpr): string {
  switch (e.op) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'and':
    case 'or':
      return e.children.map((c) => (c.op === 'and' || c.op === 'or' ? `(${formatExpr(c)})` : formatExpr(c))).join(` ${e.op.toUpperCase()} `);
    case 'pred': {
      const p = e.pred;
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name) ? p.name : `"${p.name.replaceAll('"', '""')}"`;
      if (p.op === 'isNull' || p.op === 'notNull') return `${name} ${SYMBOL[p.op]}`;
      if (p.op === 'in' || p.op === 'notIn') return `${name} ${SYMBOL[p.op]} (${p.values.map((v) => valueText(p.type, v)).join(', ')})`;
      return `${name} ${SYMBOL[p.op]} ${valueText(p.type, p.values[0]!)}`;
    }
  }
}
