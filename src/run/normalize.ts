/**
 * A pipeline's `columns:` rules as SQL over the extracted relation: renames, explicit types
 * and normalisers. Pure: given the source columns and the rules, returns the SELECT list and
 * the reject-reason expression. Rows whose value cannot be converted to the declared type
 * are not silently nulled: they get a reason and go to quarantine (`<table>__rejects`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { configError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { duckdbTypeSql } from '../engine/types.js';
import type { ColumnRule } from '../pipeline/schema-pipeline.js';

export interface NormalizePlan {
  /** SELECT list producing the target columns (renamed, typed, normalised). */
  select: string;
  /** A VARCHAR expression: NULL for a good row, else why it is rejected. */
  rejectReason: string;
  /** Whether any row can be rejected by these rules (a declared type); when not, rejectReason is constant NULL. */
  rowRejects: boolean;
  /** Target column name of each source column. */
  targetNames: Map<string, string>;
}

/** DuckDB scalar functions registered by src/run/udf-normalize.ts, one per normaliser. */
export const NORMALIZER_FUNCTIONS = {
  email: 'floe_norm_email',
  phone: 'floe_norm_phone',
  country: 'floe_norm_country',
  timestamp: 'floe_norm_timestamp',
  name: 'floe_norm_name',
} as const;

/**
 * Whether any rule calls a normaliser: only then must udf-normalize.ts (and the phone,
 * email, country and timestamp libraries behind it, ~100 modules) be loaded and registered.
 */
export function usesNormalizers(rules: Record<string, ColumnRule>): boolean {
  return Object.values(rules).some((r) => r.normalize !== undefined);
}

/** Registers the normaliser functions on a connection when `rules` use them; loads their libraries only then. */
export async function registerNormalizersFor(connection: DuckDBConnection, rules: Record<string, ColumnRule>): Promise<void> {
  if (usesNormalizers(rules)) (await import('./udf-normalize.js')).registerNormalizers(connection);
}

export function planNormalize(sourceColumns: readonly string[], rules: Record<string, ColumnRule>, pipeline: string): NormalizePlan {
  const known = new Set(sourceColumns);
  const unknown = Object.keys(rules).filter((c) => !known.has(c));
  if (unknown.length) {
    throw configError(`pipeline ${pipeline}: columns: ${unknown.map((c) => `"${c}"`).join(', ')} not in the source (it has ${sourceColumns.map((c) => `"${c}"`).join(', ')})`, {
      context: { pipeline },
    });
  }
  const items: string[] = [];
  const reasons: string[] = [];
  const targetNames = new Map<string, string>();
  for (const col of sourceColumns) {
    const rule = rules[col];
    const target = rule?.rename ?? col;
    targetNames.set(col, target);
    let expr = quoteIdent(col);
    if (rule?.normalize) {
      const fn = NORMALIZER_FUNCTIONS[rule.normalize];
      const arg = rule.normalize === 'phone' ? `, ${quoteLiteral(rule.region ?? 'US')}` : '';
      expr = `${fn}(CAST(${expr} AS VARCHAR)${arg})`;
    }
    if (rule?.type) {
      const type = duckdbTypeSql(rule.type);
      const converted = rule.format && /^(date|timestamp)/.test(rule.type)
        ? `TRY_CAST(try_strptime(CAST(${expr} AS VARCHAR), ${quoteLiteral(rule.format)}) AS ${type})`
        : `TRY_CAST(${expr} AS ${type})`;
      reasons.push(
        `CASE WHEN ${expr} IS NOT NULL AND ${converted} IS NULL THEN 'column ${col.replace(/'/g, "''")}: cannot convert ' || left(CAST(${expr} AS VARCHAR), 200) || ' to ${rule.type}' END`,
      );
      expr = converted;
    }
    items.push(`${expr} AS ${quoteIdent(target)}`);
  }
  const targets = [...targetNames.values()];
  const dup = targets.find((t, i) => targets.indexOf(t) !== i);
  if (dup) throw configError(`pipeline ${pipeline}: two columns would both be named "${dup}" after renames`, { context: { pipeline } });
  return {
    select: items.join(', '),
    rejectReason: reasons.length ? `NULLIF(concat_ws('; ', ${reasons.join(', ')}), '')` : 'CAST(NULL AS VARCHAR)',
    rowRejects: reasons.length > 0,
    targetNames,
  };
}
