/**
 * Clustering on write: a table's sort order (spec: "Sorting") as a DuckDB ORDER BY list over
 * the columns of the rows being written. Transform-based sort fields (`day(ts)`,
 * `bucket[16](id)`) sort by the transform's value, computed by the same SQL that computes
 * partition values (engine/transform-sql.ts), then by nothing else: rows equal on every sort
 * field keep no particular order, as the spec allows.
 */
import { internalError } from '../../errors.js';
import { quoteIdent } from '../../engine/sql.js';
import { transformSql } from '../../engine/transform-sql.js';
import { fieldById } from '../../iceberg/schema.js';
import type { SortField, SortOrder, StructType, TableMetadata } from '../../iceberg/types.js';

/** The table's default sort order, or undefined when the table is unsorted. */
export function defaultSortOrder(m: TableMetadata): SortOrder | undefined {
  const order = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  return order && order.fields.length > 0 ? order : undefined;
}

/** `"a" DESC NULLS LAST, ((...day of ts...)) ASC NULLS FIRST`. */
export function sortOrderSql(order: SortOrder, schema: StructType): string {
  return order.fields
    .map((f) => {
      const source = fieldById(schema, f['source-id']);
      if (!source || typeof source.type !== 'string') {
        throw internalError(`sort order ${order['order-id']}: source column ${f['source-id']} is not a primitive column of the schema`);
      }
      const column = source.path.map(quoteIdent).join('.');
      const expr = f.transform === 'identity' ? column : transformSql(f.transform, source.type, column);
      return sortTermSql(expr, f);
    })
    .join(', ');
}

/** One ORDER BY term: `expr DESC NULLS LAST`, from a sort field's direction and null order. */
export function sortTermSql(expr: string, f: Pick<SortField, 'direction' | 'null-order'>): string {
  return `${expr} ${f.direction === 'desc' ? 'DESC' : 'ASC'} ${f['null-order'] === 'nulls-first' ? 'NULLS FIRST' : 'NULLS LAST'}`;
}
