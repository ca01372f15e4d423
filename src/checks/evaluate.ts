/**
 * evaluateChecks: every check of a table against exactly one snapshot's rows, each with one
 * DuckDB query (or a few), never row by row in JS. This is the audit step of
 * write-audit-publish (DESIGN §1): the caller passes a view of the staged snapshot and
 * publishes only if no check at severity error failed.
 *
 * A check that cannot be evaluated (a missing column, SQL that DuckDB rejects, a referenced
 * table that is not there) gets status `error` with the reason; it is never a pass, and the
 * other checks still run.
 */
import type { Engine } from '../engine/duckdb.js';
import { wrapDuckDBError } from '../engine/duckdb.js';
import { FloeError } from '../errors.js';
import { acceptedValues } from './accepted-values.js';
import { relationSql } from './common.js';
import { format } from './format.js';
import { freshness } from './freshness.js';
import { missingPercent } from './missing-percent.js';
import { notNull } from './not-null.js';
import { range } from './range.js';
import { relationships } from './relationships.js';
import { rowCount } from './row-count.js';
import { schema } from './schema.js';
import { sql } from './sql.js';
import type { Check, CheckContext, CheckKind, CheckResult, EvaluateOptions, Evaluator, Outcome, RelationName, Target } from './types.js';
import { unique } from './unique.js';
import { volume } from './volume.js';

const EVALUATORS: { [K in CheckKind]: Evaluator<K> } = {
  row_count: rowCount,
  freshness,
  not_null: notNull,
  missing_percent: missingPercent,
  unique,
  accepted_values: acceptedValues,
  range,
  format,
  relationships,
  schema,
  volume,
  sql,
};

/**
 * Which rows each kind reads in an incremental run (docs/CHECKS.md): `batch` kinds are
 * row-level rules, so the rows already in the table were checked when they arrived; `table`
 * kinds are properties of the whole set; `both` reads both and reports the worse.
 * Without a batch every kind reads the table.
 */
export const CHECK_SCOPE: Record<CheckKind, 'batch' | 'table' | 'both'> = {
  row_count: 'table',
  freshness: 'table',
  not_null: 'batch',
  missing_percent: 'both',
  unique: 'table',
  accepted_values: 'batch',
  range: 'batch',
  format: 'batch',
  relationships: 'batch',
  schema: 'table',
  volume: 'batch',
  sql: 'table',
};

export async function evaluateChecks(o: EvaluateOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let whole: Target;
  let batch: Target | undefined;
  try {
    whole = await target(o.engine, o.relation, 'table', o.table);
    batch = o.batchRelation === undefined ? undefined : await target(o.engine, o.batchRelation, 'batch', o.table);
  } catch (e) {
    // Without the rows nothing can be evaluated; every check says why.
    return o.checks.map((c) => errorResult(c, o.table, e, 0, o.batchRelation ? 'batch' : 'table'));
  }
  for (const check of o.checks) {
    const started = performance.now();
    const ctx: CheckContext = {
      engine: o.engine,
      table: o.table,
      snapshot: o.snapshot,
      schema: o.schema,
      history: o.history,
      ...(o.pipeline !== undefined ? { pipeline: o.pipeline } : {}),
      now: o.now ?? Date.now(),
      whole,
      batch,
      all: (q) => o.engine.all(q, `evaluate check ${check.name} on ${o.table}`, { context: { table: o.table, check: check.name } }),
      ...(o.withheld ? { withheld: o.withheld } : {}),
    };
    try {
      const outcome: Outcome = await (EVALUATORS[check.kind] as Evaluator<CheckKind>)(check as never, ctx);
      results.push({
        table: o.table,
        name: check.name,
        kind: check.kind,
        severity: check.severity,
        status: outcome.passed ? 'pass' : check.severity === 'warn' ? 'warn' : 'fail',
        scope: outcome.scope,
        observed: outcome.observed,
        expected: outcome.expected,
        message: outcome.message,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (e) {
      const scope = CHECK_SCOPE[check.kind] === 'table' || !batch ? 'table' : 'batch';
      results.push(errorResult(check, o.table, e, Math.round(performance.now() - started), scope));
    }
  }
  return results;
}

async function target(engine: Engine, name: RelationName, scope: 'batch' | 'table', table: string): Promise<Target> {
  const sqlName = relationSql(name);
  const columns = await engine.columns(`SELECT * FROM ${sqlName}`, `read the ${scope === 'batch' ? 'new rows' : 'rows'} of table ${table}`, {
    context: { table },
  });
  return { sql: sqlName, scope, columns };
}

function errorResult(check: Check, table: string, e: unknown, durationMs: number, scope: 'batch' | 'table'): CheckResult {
  const err = e instanceof FloeError ? e : wrapDuckDBError(e, `evaluate check ${check.name} on ${table}`);
  return {
    table,
    name: check.name,
    kind: check.kind,
    severity: check.severity,
    status: 'error',
    scope,
    observed: null,
    expected: '',
    message: `could not be evaluated: ${err.message}${err.hint ? ` (${err.hint})` : ''}`,
    durationMs,
  };
}
