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

/**
 * The rule leaves a text column's values in the order of their text, so that a database may
 * compare the watermark with the column's own text: no rule, a rename or a PII tag (the
 * watermark is taken before any masking), `type: string`, or a date or timestamp `type`
 * (ISO-8601 text sorts as its values, and a looser text bound only reads more rows). A number
 * (`type: long` on `'1000'`, below `'123'` as text; `'000124'`), a boolean, a time or a uuid
 * (`B…` sorts below the watermark's lower-case `a…`) and a `normalize:` other than timestamp
 * (an email is lower-cased) do not: such a text cursor is read whole (incremental.ts
 * cursorStart), and the run keeps the rows above the watermark. Instants (readsAsInstant) and
 * `format:` (parsesWithFormat) have their own bounds.
 */
export function sortsAsText(rule: Rule | undefined): boolean {
  if (rule === undefined) return true;
  if (rule.normalize !== undefined && rule.normalize !== 'timestamp') return false;
  return rule.type === undefined || /^(string|date|timestamp|timestamp_ns|timestamptz|timestamptz_ns)$/.test(rule.type.trim().toLowerCase());
}
