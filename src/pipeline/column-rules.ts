/**
 * What a column rule (`columns.<c>` of a pipeline) does to a cursor's values, asked by the
 * runner, the database sources and `floe plan` alike.
 */
/** The parts of a ColumnRule (schema-pipeline.ts) these ask about. */
type Rule = { type?: string; normalize?: string; format?: string | readonly string[] };

/** The rule parses the column's text with a `format:` (a date or timestamp `type`, or `normalize: timestamp`). */
export function parsesWithFormat(rule: Rule | undefined): boolean {
  if (rule?.format === undefined) return false;
  return rule.normalize === 'timestamp' || (rule.normalize === undefined && rule.type !== undefined && /^(date|timestamp)/.test(rule.type));
}

/** The rule reads the column as an instant (`type: timestamptz`, `normalize: timestamp`). */
export function readsAsInstant(rule: Rule | undefined): boolean {
  return /^timestamptz/.test(rule?.type ?? '') || rule?.normalize === 'timestamp';
}
