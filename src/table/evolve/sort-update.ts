/**
 * Sort order evolution (spec: "Sorting"). Pure. A new order gets the next order id; an order
 * equal to an existing one (same fields, directions and null orders) is reused; no fields is
 * the unsorted order, id 0.
 */
import { FloeError, schemaError } from '../../errors.js';
import { buildSortOrder, type UnboundSortField } from '../../iceberg/metadata-builder.js';
import { layoutColumnLabel } from '../../iceberg/partition-rules.js';
import type { Schema, SortField, SortOrder, TableMetadata } from '../../iceberg/types.js';

export interface SortUpdateResult {
  /** The new default order (order-id is the id it will have), or undefined when nothing changes. */
  order?: SortOrder;
  reused: boolean;
  changes: string[];
}

/** Same source, transform, direction and null order (spec: sort fields compare by all four). */
export const sameSortField = (a: SortField, b: SortField) =>
  a['source-id'] === b['source-id'] && a.transform === b.transform && a.direction === b.direction && a['null-order'] === b['null-order'];
const sameOrder = (a: SortOrder, b: SortOrder) => a.fields.length === b.fields.length && a.fields.every((f, i) => sameSortField(f, b.fields[i]!));

/** `m`, when given, names a column the schema no longer has by its last name. */
export function describeSortOrder(order: SortOrder, schema: Schema, m?: TableMetadata): string {
  if (order.fields.length === 0) return 'unsorted';
  return order.fields
    .map((f) => {
      const col = layoutColumnLabel(schema, f['source-id'], m);
      return `${f.transform === 'identity' ? col : `${f.transform}(${col})`} ${f.direction} ${f['null-order'].replace('-', ' ')}`;
    })
    .join(', ');
}

export function updateSortOrder(m: TableMetadata, schema: Schema, sortBy: readonly UnboundSortField[], table: string): SortUpdateResult {
  let bound: SortOrder;
  try {
    bound = buildSortOrder(schema, sortBy, 1);
  } catch (e) {
    if (e instanceof FloeError && e.kind === 'schema') throw schemaError(`table ${table}: ${e.message}`, { cause: e, context: { table } });
    throw e;
  }
  const current = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  if (current && sameOrder(current, bound)) return { reused: false, changes: [] };
  const existing = m['sort-orders'].find((o) => sameOrder(o, bound));
  const id = existing ? existing['order-id'] : bound.fields.length === 0 ? 0 : Math.max(0, ...m['sort-orders'].map((o) => o['order-id'])) + 1;
  const order: SortOrder = { ...bound, 'order-id': id };
  const from = current ? `order ${current['order-id']} [${describeSortOrder(current, schema, m)}]` : 'no order';
  return { order, reused: existing !== undefined, changes: [`sort ${from} → ${existing ? 'existing ' : ''}order ${id} [${describeSortOrder(order, schema)}]`] };
}
