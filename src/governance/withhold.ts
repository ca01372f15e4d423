/**
 * The table columns whose values a failed write must not quote (ingest/reconcile.ts
 * `withheld`): its messages reach the terminal, `--json` events and floe.audit_log's
 * error_message, where no mask applies. Pure: no IO.
 */
import type { TableMetadata } from '../iceberg/types.js';
import type { ColumnRule } from '../pipeline/schema-pipeline.js';
import type { PiiColumn } from './policy.js';
import { currentColumnTags, type TaggedTable } from './tags.js';

/**
 * The columns whose values messages must not quote (write errors here, check messages in
 * checks/): every column a PII tag with a policy other than `none` reaches, by the table's
 * tags (which follow renames, tags.ts) and `extra` (a run's own `pii:` rules: a first run's
 * table has no tags yet). Lower-cased, as DuckDB binds names.
 */
export function withheldColumns(table: string, tagged: TaggedTable | undefined, extra: readonly PiiColumn[] = []): Set<string> {
  const tags = [...(tagged ? currentColumnTags(tagged, table) : []), ...extra];
  return new Set(tags.filter((c) => c.policy !== 'none').map((c) => c.column.toLowerCase()));
}

/**
 * Every column a PII tag with a policy other than `none` reaches: the table's tags (set by
 * pipelines or by hand with `floe table evolve --set-property`, followed across renames) and
 * the writer's own (`pii`: a pipeline's rules, which a first run's table does not hold yet).
 * Lower-cased. A tag floe cannot read withholds every column's values rather than none.
 */
export function writeWithheld(m: TableMetadata, table: string, pii: readonly PiiColumn[] = []): Set<string> {
  try {
    return withheldColumns(table, m, pii);
  } catch {
    const current = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
    return new Set((current?.fields ?? []).map((f) => f.name.toLowerCase()));
  }
}

/**
 * A pipeline's column rules (keyed by source column) with the source columns the target table
 * tags as PII and the pipeline does not (a tag set by hand with `floe table evolve
 * --set-property`, by another pipeline, or by an earlier version of this one) marked `pii: mask`,
 * for what must not quote their values: conversion reasons, the first reject a failed run names,
 * the rejects table's tags and kept rows. Not for the tags the run records or applies. A column
 * the pipeline tags itself (`pii: none` included) keeps its rule.
 */
export function rulesWithTableTags<R extends Pick<ColumnRule, 'pii' | 'rename'>>(rules: Readonly<Record<string, R>>, sourceColumns: readonly string[], m: TableMetadata, table: string): Record<string, R> {
  const tagged = writeWithheld(m, table);
  const out: Record<string, R> = { ...rules };
  for (const c of sourceColumns) {
    const rule = rules[c];
    if (rule?.pii !== undefined || !tagged.has((rule?.rename ?? c).toLowerCase())) continue;
    out[c] = { ...rule, pii: 'mask' } as R;
  }
  return out;
}
