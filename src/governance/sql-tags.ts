/**
 * The PII tags a `sql` pipeline's output inherits from the tagged columns it reads.
 *
 * A sql pipeline reads its catalog tables through their masked views (views.ts), so an output
 * column derived from a tagged column holds masked, hashed or redacted values, never raw ones.
 * It is still personal data (a hash is pseudonymous, a masked email keeps its domain), so it
 * carries its input's tag, recorded as applied at write: `email:mask:ingest`. `floe query
 * --mask` then shows the column as it is stored (masking it again would hash a hash), readers
 * and downstream pipelines see the classification, and an identity pipeline reading the table
 * copies the tag on. Inputs tagged `apply: ingest` pass their tag on as it is; a `none` tag
 * (classified, not masked) passes on as `none`.
 *
 * Which input columns reach an output column is decided by sql-lineage.ts. Where that is not
 * known, it fails closed: a column whose lineage is `unsure`, and every column of a query the
 * analysis does not follow, takes the strictest tag of every tagged column of the tables the
 * query reads. Several tags reaching one column: the strictest wins (tags.ts order: a policy
 * still to apply at read, then one applied at write, each by POLICY_STRICTNESS, then `none`).
 *
 * A pipeline's own `pii:` rules under `columns:` join in the same way: a declared tag can make
 * a column stricter than what it inherits, never looser (`pii: none` does not drop an
 * inherited tag). Pure.
 */
import type { PiiColumn } from './policy.js';
import { POLICY_STRICTNESS } from './policy.js';
import type { OutputColumn, SourceKey } from './sql-lineage.js';
import { sourceKey } from './sql-lineage.js';

/** One catalog table the query reads: its current columns and their tags (tags.ts currentColumnTags). */
export interface TaggedInput {
  table: string;
  columns: readonly string[];
  tags: readonly PiiColumn[];
}

/** Stricter first: a policy still to apply at read, then one applied at write, then `none`. */
export const tagRank = (c: PiiColumn): number => (c.policy === 'none' ? 0 : c.apply === 'read' ? 10 + POLICY_STRICTNESS[c.policy] : 5 + POLICY_STRICTNESS[c.policy]);

function strictest(tags: readonly PiiColumn[]): PiiColumn | undefined {
  let best: PiiColumn | undefined;
  for (const t of tags) if (best === undefined || tagRank(t) > tagRank(best)) best = t;
  return best;
}

/** The tag an output column gets from an input tag: a read policy was applied by the masked view. */
function written(tag: PiiColumn, column: string): PiiColumn {
  return { ...tag, column, apply: tag.policy === 'none' ? tag.apply : 'ingest' };
}

/**
 * The tags of a sql pipeline's output columns (`outputs`: as DuckDB describes the query, in
 * order), from the query's lineage (null: not followed) and the tagged inputs. Columns that
 * no tagged column reaches get no tag.
 */
export function inheritedTags(outputs: readonly string[], lineage: readonly OutputColumn[] | null, inputs: readonly TaggedInput[]): PiiColumn[] {
  const byKey = new Map<SourceKey, PiiColumn>();
  for (const i of inputs) for (const t of i.tags) byKey.set(sourceKey(i.table, t.column), t);
  if (byKey.size === 0) return [];
  const everything = [...byKey.values()];
  const exact = lineage !== null && lineage.length === outputs.length;
  const out: PiiColumn[] = [];
  outputs.forEach((column, i) => {
    const l = exact ? lineage[i]! : undefined;
    const reaching = !l || l.taint.unsure ? everything : [...l.taint.from].flatMap((k) => byKey.get(k) ?? []);
    const tag = strictest(reaching);
    if (tag) out.push(written(tag, column));
  });
  return out;
}

/**
 * The tags to record on a sql pipeline's target: its declared `pii:` rules (target column
 * names) joined with the inherited ones (source column names, mapped by `targetName`; a column
 * the pipeline does not write is left out). One tag per column, the strictest.
 */
export function withInheritedTags(declared: readonly PiiColumn[], inherited: readonly PiiColumn[], targetName: (source: string) => string | undefined): PiiColumn[] {
  const byColumn = new Map<string, PiiColumn>();
  for (const d of declared) byColumn.set(d.column.toLowerCase(), d);
  for (const t of inherited) {
    const column = targetName(t.column);
    if (column === undefined) continue;
    const seen = byColumn.get(column.toLowerCase());
    if (seen === undefined || tagRank(t) > tagRank(seen)) byColumn.set(column.toLowerCase(), { ...t, column: seen?.column ?? column });
  }
  return [...byColumn.values()].sort((a, b) => a.column.localeCompare(b.column));
}
