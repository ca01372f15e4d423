/**
 * Applying PII policies to a relation: `SELECT * REPLACE (<policy expression> AS col, ...)`
 * over a query. Used at ingest (columns with `apply: ingest`, ingest.ts) and at read
 * (`floe query --mask` and sql pipelines, views.ts).
 */
import { quoteIdent } from '../engine/sql.js';
import type { PiiColumn } from './policy.js';
import { saltFor, type Env } from './salt.js';
import { policySql } from './sql.js';

/**
 * The query with the given columns replaced by their policies; the query unchanged when
 * none of them applies. Columns not in `present` (when given) are skipped.
 */
export function applyPoliciesSql(query: string, columns: readonly PiiColumn[], table: string, env: Env, present?: ReadonlySet<string>): string {
  const items: string[] = [];
  for (const c of columns) {
    if (c.policy === 'none' || (present && !present.has(c.column))) continue;
    const salt = c.policy === 'hash' ? saltFor(c, table, env) : undefined;
    items.push(`${policySql(quoteIdent(c.column), c, salt)} AS ${quoteIdent(c.column)}`);
  }
  if (items.length === 0) return query;
  return `SELECT * REPLACE (${items.join(', ')}) FROM (${query}) AS __pii`;
}
