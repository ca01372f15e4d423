/**
 * A pipeline's `rejects:` limits. Pure: given the rows read and the rows rejected (parse
 * errors, failed conversions, NULL merge keys), throws when the run must commit nothing.
 * Without `rejects:` any reject fails the run; `max_ratio` and `max_count` raise the limit.
 */
import { sourceError } from '../errors.js';
import { hidesValues } from '../governance/policy.js';
import type { IngestPipeline } from '../pipeline/schema-pipeline.js';

type Limited = Pick<IngestPipeline, 'name' | 'rejects'> & Partial<Pick<IngestPipeline, 'columns'>>;

/**
 * The first reject's reason as the error may quote it: when the pipeline tags PII columns,
 * without the values the source's reader quotes (`Could not convert string "+44 20 7946 0958"
 * to 'BIGINT'`): the error reaches the terminal and floe.audit_log, which no mask covers.
 */
export function firstRejectShown(p: Limited, first: string): string {
  const tagged = Object.values(p.columns ?? {}).some(hidesValues);
  return tagged ? first.replace(/\b(string|value) ("(?:[^"]|"")*"|'(?:[^']|'')*')/gi, '$1 (withheld: the pipeline tags PII columns)') : first;
}

function measure(p: Limited, rejects: number, rowsRead: number) {
  const ratio = rowsRead === 0 ? 0 : rejects / rowsRead;
  const maxRatio = p.rejects?.max_ratio ?? (p.rejects?.max_count === undefined ? 0 : undefined);
  const overRatio = maxRatio !== undefined && ratio > maxRatio;
  const overCount = p.rejects?.max_count !== undefined && rejects > p.rejects.max_count;
  return { ratio, maxRatio, overCount, over: rejects > 0 && (overRatio || overCount) };
}

/** Whether the rejects exceed the pipeline's limits (then checkRejects throws). */
export function rejectsOverLimit(p: Limited, rejects: number, rowsRead: number): boolean {
  return measure(p, rejects, rowsRead).over;
}

/** `first`: where and why the first reject failed ('data/a.csv:3: TOO MANY COLUMNS ...'), named in the message. */
export function checkRejects(p: Limited, rejects: number, rowsRead: number, first?: string): void {
  const { ratio, maxRatio, overCount, over } = measure(p, rejects, rowsRead);
  if (over) {
    throw sourceError(
      `pipeline ${p.name}: ${rejects} of ${rowsRead} rows are malformed (${(ratio * 100).toFixed(2)}%), above the limit of ${overCount ? `${p.rejects?.max_count} rows` : `${((maxRatio ?? 0) * 100).toFixed(2)}%`}${first ? ` (the first: ${firstRejectShown(p, first)})` : ''}; nothing was committed`,
      {
        context: { pipeline: p.name, rejects, rows: rowsRead },
        // Without a rejects: section there is no limit to raise: say how to add one.
        hint: p.rejects === undefined
          ? 'Fix the source, or add a rejects: section to the pipeline file (e.g. rejects: { max_ratio: 0.01 }) to quarantine malformed rows in <table>__rejects; without one any malformed row fails the run.'
          : 'Fix the source, or raise rejects.max_ratio / rejects.max_count in the pipeline file.',
      },
    );
  }
}
