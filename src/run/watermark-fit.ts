/**
 * The bound an incremental run compares its rows with is text (the committed high-watermark,
 * or `incremental.initial` before the first commit); it is cast to the cursor column's type
 * as staged. A bound that is not a value of that type (`initial: abc` for a numeric cursor, a
 * watermark stored before the column's type changed) fails the run here, naming what to fix,
 * instead of failing inside a later statement with DuckDB's bare conversion error.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { configError, sourceError } from '../errors.js';
import { settingPosition } from '../pipeline/setting-position.js';

export interface BoundWhere {
  pipeline: string;
  /** The pipeline file, for the line:col of `incremental.initial`. */
  file: string;
  cursor: string;
  /** `incremental.initial` as written, when the pipeline gives one. */
  initial?: string | number;
  /** The bound is a watermark an earlier run committed (else it is `initial`). */
  committed: boolean;
}

export async function checkBoundFits(engine: Engine, bound: string, type: string, where: BoundWhere): Promise<void> {
  const r = await engine.all(`SELECT TRY_CAST(${quoteLiteral(bound)} AS ${type}) IS NOT NULL AS ok`, 'check the incremental bound against the cursor type');
  if (r[0]?.ok === true) return;
  if (!where.committed && where.initial !== undefined) {
    const at = settingPosition(where.file, ['source', 'incremental', 'initial']);
    const prefix = at ? `${where.file}:${at.line}:${at.col}: source.incremental.initial` : `pipeline ${where.pipeline} (${where.file}): incremental.initial`;
    throw configError(`${prefix}: ${JSON.stringify(String(where.initial))} is not a value of the cursor ${where.cursor}'s type (${type})`, {
      context: { pipeline: where.pipeline, cursor: where.cursor },
      hint: `Give incremental.initial as a ${type} value, or give ${where.cursor} the type of the initial value under columns:.`,
    });
  }
  throw sourceError(`pipeline ${where.pipeline}: the last committed ${where.cursor} ${JSON.stringify(bound)} is not a value of the cursor's type as read now (${type})`, {
    context: { pipeline: where.pipeline, cursor: where.cursor },
    hint: `The cursor column's type changed since that run. Give ${where.cursor} its earlier type under columns:, or run once with --full-refresh to read the source from the start.`,
  });
}
