/**
 * PII tags of an identity pipeline's outputs. The profiles table copies identifier and
 * attribute values out of the input tables, so a column tagged in an input (docs/GOVERNANCE.md)
 * must stay tagged in the profiles: without it `floe query --mask` over c360.customers printed
 * every golden record's raw email and phone. Likewise identity_changes.identifier_value holds
 * the match keys of cut links (emails, phones).
 *
 * Rules, per profile column (identifier kind or attribute):
 * - the tags of every input column feeding it are gathered; the strictest policy applied at
 *   read wins (redact > hash > mask), as for a renamed column (tags.ts);
 * - when the inputs only classify the column (policy none, or a policy applied at ingest, so
 *   the values arrive transformed already), that is copied without a read policy;
 * - the tag of an email or phone identifier is its kind's family (so `mask` keeps the email's
 *   domain), otherwise the input's tag.
 * Identifier and attribute columns given as struct paths ('requester.email') carry the tag of
 * their top-level column. Pure: no IO.
 */
import { type PiiColumn, POLICY_STRICTNESS as STRICTNESS } from '../../governance/policy.js';
import { keyFamily } from './keys.js';

export interface TaggedInput {
  identifiers: Record<string, string>;
  attributes: Record<string, string>;
  /** The input table's tags by current column name (read masks and ingest/none classifications). */
  tags: readonly PiiColumn[];
}

function tagOf(tags: readonly PiiColumn[], column: string): PiiColumn | undefined {
  const top = column.split('.')[0]!.toLowerCase();
  return tags.find((t) => t.column.toLowerCase() === column.toLowerCase()) ?? tags.find((t) => t.column.toLowerCase() === top);
}

/** The tag of each profile column that some input column feeding it carries, by profile column. */
export function profilePiiColumns(inputs: readonly TaggedInput[]): PiiColumn[] {
  const best = new Map<string, PiiColumn>();
  const rank = (c: PiiColumn) => (c.apply === 'read' ? STRICTNESS[c.policy] * 2 + 1 : 0);
  for (const input of inputs) {
    const feeds: [string, string, boolean][] = [
      ...Object.entries(input.identifiers).map(([k, c]) => [k, c, true] as [string, string, boolean]),
      ...Object.entries(input.attributes).map(([a, c]) => [a, c, false] as [string, string, boolean]),
    ];
    for (const [name, column, identifier] of feeds) {
      const t = tagOf(input.tags, column);
      if (!t) continue;
      const family = identifier ? keyFamily(name) : 'other';
      const tag = family === 'email' || family === 'phone' ? family : t.tag;
      const candidate: PiiColumn = { column: name, tag, policy: t.policy, apply: t.policy === 'none' ? 'read' : t.apply, saltEnv: t.saltEnv };
      const seen = best.get(name);
      if (!seen || rank(candidate) > rank(seen)) best.set(name, candidate);
    }
  }
  return [...best.values()].sort((a, b) => a.column.localeCompare(b.column));
}

/**
 * The tag of identity_changes.identifier_value: `text:mask` when any identifier column of any
 * input is masked, hashed or redacted at read (the cut keys are such values); none otherwise.
 */
export function changesPiiColumns(inputs: readonly TaggedInput[]): PiiColumn[] {
  const read = inputs.some((i) => Object.values(i.identifiers).some((c) => {
    const t = tagOf(i.tags, c);
    return t !== undefined && t.apply === 'read' && t.policy !== 'none';
  }));
  return read ? [{ column: 'identifier_value', tag: 'text', policy: 'mask', apply: 'read', saltEnv: 'FLOE_PII_SALT' }] : [];
}

/**
 * The tag of identity_map.source_id: the strictest read policy of the inputs' `source_id`
 * columns (a CRM keyed by email); none when no input's source id column is masked at read. One
 * tag covers the whole column, so the ids of untagged inputs are masked with it.
 */
export function mapPiiColumns(inputs: readonly (TaggedInput & { sourceId: string })[]): PiiColumn[] {
  let best: PiiColumn | undefined;
  for (const input of inputs) {
    const t = sourceIdTag(input);
    if (t && (!best || STRICTNESS[t.policy] > STRICTNESS[best.policy])) best = t;
  }
  return best ? [best] : [];
}

/** The tag one input's source ids carry into identity_map.source_id: its source id column's read policy, if it hides values. */
export function sourceIdTag(input: Pick<TaggedInput, 'tags'> & { sourceId: string }): PiiColumn | undefined {
  const t = tagOf(input.tags, input.sourceId);
  return t && t.apply === 'read' && t.policy !== 'none' ? { ...t, column: 'source_id' } : undefined;
}
