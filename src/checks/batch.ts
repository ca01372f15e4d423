/**
 * The batch a merge run's checks read (docs/CHECKS.md, "Which rows a check reads"): the rows
 * the run brought, not the new data files. A copy-on-write merge rewrites whole files, so its
 * new files also hold old rows carried over from them: a volume check would count the size
 * of whatever files the keys happened to touch, and row rules would judge old rows again,
 * some runs and not others. The incoming rows are the same in both merge modes; rows whose
 * delete marker is true are deletions, not rows the table will hold, and are left out.
 */
import { quoteIdent } from '../engine/sql.js';

/** `incomingSql`: the run's normalised, deduplicated rows; `deleteColumn`: `target.delete_column`. */
export function mergeBatchSql(incomingSql: string, deleteColumn?: string): string {
  if (deleteColumn === undefined) return `SELECT * FROM (${incomingSql}) AS __floe_batch`;
  const c = quoteIdent(deleteColumn);
  return `SELECT * EXCLUDE (${c}) FROM (${incomingSql}) AS __floe_batch WHERE NOT coalesce(CAST(${c} AS BOOLEAN), FALSE)`;
}
